//! Words and their stems: the one tokenizer the SQLite index, its queries and every snippet's highlights share.
//! Cyrillic words go through the Snowball Russian stemmer, Latin ones through the English one; lower-cased, ё→е.

use rust_stemmers::{Algorithm, Stemmer};

/// The two stemmers, built once per index pass or query (they are cheap, but not free).
pub struct Stemmers {
    russian: Stemmer,
    english: Stemmer,
}

impl Default for Stemmers {
    fn default() -> Self {
        Stemmers {
            russian: Stemmer::create(Algorithm::Russian),
            english: Stemmer::create(Algorithm::English),
        }
    }
}

/// One word of a text: where it is (in chars, for highlight ranges) and its normalized form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// Lower-cased, ё→е, not stemmed (prefix queries compare against this).
    pub lower: String,
}

/// Splits on everything that is not a letter or digit, as FTS5's unicode61 does.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut at = 0;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if current.is_empty() {
                start = at;
            }
            for lower in ch.to_lowercase() {
                current.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else if !current.is_empty() {
            out.push(Word {
                start,
                end: at,
                lower: std::mem::take(&mut current),
            });
        }
        at += 1;
    }
    if !current.is_empty() {
        out.push(Word {
            start,
            end: at,
            lower: current,
        });
    }
    out
}

fn is_cyrillic(ch: char) -> bool {
    matches!(ch, '\u{0400}'..='\u{04FF}')
}

impl Stemmers {
    /// The stem of a lower-cased word: Russian when it has Cyrillic letters, English when it is all Latin letters,
    /// else the word itself (numbers, INNs, mixed codes).
    pub fn stem(&self, lower: &str) -> String {
        if lower.chars().any(is_cyrillic) {
            self.russian.stem(lower).into_owned()
        } else if lower.chars().all(|c| c.is_ascii_alphabetic()) {
            self.english.stem(lower).into_owned()
        } else {
            lower.to_string()
        }
    }

    /// The text as space-separated stems, what the FTS5 tables hold.
    pub fn stemmed(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for word in words(text) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&self.stem(&word.lower));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_share_a_stem_in_both_languages() {
        let s = Stemmers::default();
        assert_eq!(s.stemmed("договоры"), s.stemmed("договор"));
        assert_eq!(s.stemmed("Договором"), s.stemmed("договоров"));
        assert_eq!(s.stemmed("contracts"), s.stemmed("contract"));
        assert_eq!(s.stemmed("ёлка"), s.stemmed("елка"));
        assert_eq!(
            s.stemmed("ИНН 7701234567"),
            format!("{} 7701234567", s.stem("инн"))
        );
    }

    #[test]
    fn words_carry_char_positions() {
        let w = words("Привет, world!");
        assert_eq!(
            (w[0].start, w[0].end, w[0].lower.as_str()),
            (0, 6, "привет")
        );
        assert_eq!(
            (w[1].start, w[1].end, w[1].lower.as_str()),
            (8, 13, "world")
        );
    }
}
