//! The return date an out-of-office reply names, in Russian or English (issue 18.3): "I will be back on 14
//! December", "out of the office until 14.12.2026", "буду в офисе с 14 декабря", "в отпуске до 14.12", "по 14
//! декабря включительно". Only dates next to a word of returning or of an end count; of several, the latest.

use jiff::civil::Date;

/// How a keyword relates its date to the day the person is back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    /// Back on that day: "back on", "return", "in the office", "вернусь", "буду в офисе", "until", "до".
    On,
    /// Away through that day, back the next: "through", "to", "по", "after", "после".
    After,
}

fn keyword(word: &str) -> Option<Meaning> {
    match word {
        // Not "from" or "с" alone: "в отпуске с 20 декабря" names the day they leave.
        "back"
        | "return"
        | "returning"
        | "returns"
        | "office"
        | "until"
        | "till"
        | "til"
        | "до"
        | "вернусь"
        | "возвращаюсь"
        | "выйду"
        | "буду"
        | "вернется"
        | "вернётся"
        | "офисе"
        | "работе" => Some(Meaning::On),
        // "from 1 to 13 December": the end of a range.
        "through" | "thru" | "after" | "to" | "по" | "после" => Some(Meaning::After),
        _ => None,
    }
}

/// The month a word names ("December", "dec", "декабря", "дек"), from 1.
fn month(word: &str) -> Option<i8> {
    const NAMES: [&[&str]; 12] = [
        &["january", "января", "январь"],
        &["february", "февраля", "февраль"],
        &["march", "марта", "март"],
        &["april", "апреля", "апрель"],
        &["may", "мая", "май"],
        &["june", "июня", "июнь"],
        &["july", "июля", "июль"],
        &["august", "августа", "август"],
        &["september", "сентября", "сентябрь"],
        &["october", "октября", "октябрь"],
        &["november", "ноября", "ноябрь"],
        &["december", "декабря", "декабрь"],
    ];
    if word.chars().count() < 3 {
        return None;
    }
    let n = NAMES
        .iter()
        .position(|forms| forms.iter().any(|f| f.starts_with(word)))?;
    i8::try_from(n + 1).ok()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(i16),
    /// A numeric date: day, month and maybe a year ("14.12", "14.12.2026", "14/12/26", "2026-12-14").
    Numeric(i8, i8, Option<i16>),
}

fn number(raw: &str) -> Option<i16> {
    let digits = raw
        .trim_end_matches("-го")
        .trim_end_matches("го")
        .trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 4 {
        return None;
    }
    digits.parse().ok()
}

fn year(y: i16) -> i16 {
    if y < 100 {
        2000 + y
    } else {
        y
    }
}

fn numeric(raw: &str) -> Option<Token> {
    let parts: Vec<&str> = raw.split(['.', '/', '-']).collect();
    let nums: Vec<i16> = parts
        .iter()
        .map(|p| p.parse::<i16>().ok())
        .collect::<Option<_>>()?;
    let small = |v: i16| i8::try_from(v).ok();
    match (parts.len(), parts.first().map(|p| p.len())) {
        (3, Some(4)) => Some(Token::Numeric(
            small(nums[2])?,
            small(nums[1])?,
            Some(nums[0]),
        )),
        (3, _) => Some(Token::Numeric(
            small(nums[0])?,
            small(nums[1])?,
            Some(year(nums[2])),
        )),
        (2, _) => Some(Token::Numeric(small(nums[0])?, small(nums[1])?, None)),
        _ => None,
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let separators = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | ':' | '(' | ')' | '!' | '?' | '"' | '«' | '»' | '—'
            )
    };
    text.split(separators)
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| !t.is_empty())
        .map(|t| {
            let t = t.to_lowercase();
            if let Some(n) = number(&t) {
                Token::Number(n)
            } else if t.starts_with(|c: char| c.is_ascii_digit()) {
                numeric(&t).unwrap_or(Token::Word(t))
            } else {
                Token::Word(t.trim_end_matches('.').to_string())
            }
        })
        .collect()
}

/// A date written at `i`: (day, month, year if written, tokens it spans).
fn date_at(t: &[Token], i: usize) -> Option<(i8, i8, Option<i16>, usize)> {
    let word = |k: usize| match t.get(k) {
        Some(Token::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let num = |k: usize| match t.get(k) {
        Some(Token::Number(n)) => Some(*n),
        _ => None,
    };
    let year_at = |k: usize| num(k).filter(|y| *y >= 1000);
    match t.get(i)? {
        Token::Numeric(d, m, y) => Some((*d, *m, *y, 1)),
        Token::Number(d) => {
            // "14 December", "14th of December", "14 декабря 2026 г."
            let skip = usize::from(word(i + 1) == Some("of"));
            let m = month(word(i + 1 + skip)?)?;
            let at = i + 2 + skip;
            let y = year_at(at);
            Some((
                i8::try_from(*d).ok()?,
                m,
                y,
                at - i + usize::from(y.is_some()),
            ))
        }
        Token::Word(w) => {
            // "December 14, 2026"
            let m = month(w)?;
            let d = num(i + 1).filter(|d| *d <= 31)?;
            let y = year_at(i + 2);
            Some((i8::try_from(d).ok()?, m, y, 2 + usize::from(y.is_some())))
        }
    }
}

/// The text to read: the reply's own words, not the quoted letter under it.
fn own_words(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let l = line.trim().to_lowercase();
        let quote_header = l.contains("original message")
            || l.contains("исходное сообщение")
            || l.ends_with("wrote:")
            || l.ends_with("пишет:")
            || l.ends_with("написал:")
            || l.ends_with("написала:");
        if quote_header {
            break;
        }
        if !l.starts_with('>') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The first day the author is back, as the reply says it; `today`: the reply's date (for a date without a year:
/// the next such day, allowing a week back for a late reply). None: no return date named.
pub fn return_date(text: &str, today: Date) -> Option<Date> {
    let t = tokens(&own_words(text));
    let mut best: Option<Date> = None;
    let mut i = 0;
    while i < t.len() {
        let Some((d, m, y, span)) = date_at(&t, i) else {
            i += 1;
            continue;
        };
        let meaning = (1..=4)
            .filter_map(|back| i.checked_sub(back))
            .find_map(|k| match &t[k] {
                Token::Word(w) => keyword(w),
                _ => None,
            });
        let inclusive = matches!(t.get(i + span), Some(Token::Word(w)) if w == "включительно" || w == "inclusive");
        if let Some(meaning) = meaning {
            let date = match y {
                Some(y) => Date::new(y, m, d).ok(),
                None => Date::new(today.year(), m, d).ok().and_then(|date| {
                    let week_ago = today.checked_sub(jiff::Span::new().days(7)).ok()?;
                    if date < week_ago {
                        Date::new(today.year() + 1, m, d).ok()
                    } else {
                        Some(date)
                    }
                }),
            };
            let back = match (meaning, inclusive) {
                (Meaning::After, _) | (_, true) => date.and_then(|d| d.tomorrow().ok()),
                (Meaning::On, false) => date,
            };
            best = best.max(back);
        }
        i += span;
    }
    best
}

#[cfg(test)]
#[path = "returns_tests.rs"]
mod tests;
