//! One row of a file turned into typed values by the mapping: names joined, e-mails and phones split and checked,
//! dates read in the three forms people send (ДД.ММ.ГГГГ, ISO, an Excel serial), formulas refused.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, Month};

use super::read::Cell;
use crate::transfer::records;

/// The values of one row, by field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Values {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub emails: Vec<String>,
    /// As entered, and normalized (E.164) beside.
    pub phones: Vec<String>,
    pub phone_keys: Vec<String>,
    pub position: Option<String>,
    pub company: Option<String>,
    pub domains: Vec<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub source: Option<String>,
    pub title: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub pipeline: Option<String>,
    pub stage: Option<String>,
    pub expected_close: Option<String>,
    /// `custom.<key>` columns, as text (crm parses them by the field's type).
    pub custom: BTreeMap<String, String>,
}

/// Which field each column fills (by position), from a header → field mapping.
pub fn columns(headers: &[String], mapping: &BTreeMap<String, String>) -> Vec<Option<String>> {
    headers.iter().map(|h| mapping.get(h).cloned()).collect()
}

fn split(text: &str, seps: &[char]) -> Vec<String> {
    text.split(|c| seps.contains(&c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads a row; `Err` is the reason it cannot be imported, naming the column.
/// `dates` are the custom fields whose values are dates.
pub fn parse(
    columns: &[Option<String>],
    headers: &[String],
    cells: &[Cell],
    dates: &[String],
) -> Result<Values, String> {
    let mut v = Values::default();
    let (mut last, mut first, mut middle) = (None, None, None);
    for (i, field) in columns.iter().enumerate() {
        let Some(field) = field else { continue };
        let Some(cell) = cells.get(i) else { continue };
        let header = headers.get(i).map(String::as_str).unwrap_or("?");
        if let Some(f) = &cell.formula {
            return Err(format!(
                "column «{header}» holds a formula ({f}); import values, not formulas"
            ));
        }
        let text = crate::text::single_line(cell.text.trim())
            .trim()
            .to_string();
        if text.is_empty() {
            continue;
        }
        let some = Some(text.clone());
        match field.as_str() {
            "id" => {
                v.id = Some(
                    text.parse::<i64>()
                        .ok()
                        .or_else(|| cell.serial.filter(|s| s.fract() == 0.0).map(|s| s as i64))
                        .ok_or_else(|| format!("column «{header}»: '{text}' is not an id"))?,
                )
            }
            "name" => v.name = some,
            "name_last" => last = some,
            "name_first" => first = some,
            "name_middle" => middle = some,
            "email" => {
                let raw = split(&text, &[',', ';', ' ', '\n']);
                let parsed =
                    records::emails(&raw).map_err(|e| format!("column «{header}»: {e}"))?;
                for e in parsed {
                    if !v.emails.contains(&e) {
                        v.emails.push(e);
                    }
                }
            }
            "phone" => {
                for p in split(&text, &[',', ';', '\n']) {
                    let key = records::phone(&p)
                        .map_err(|_| format!("column «{header}»: '{p}' is not a phone number"))?;
                    if !v.phone_keys.contains(&key) {
                        v.phone_keys.push(key);
                        v.phones.push(p);
                    }
                }
            }
            "position" => v.position = some,
            "company" => v.company = some,
            "domain" => {
                for d in split(&text, &[',', ';', ' ']) {
                    // A web site's address is as good as its domain: «https://www.acme.ru/contacts».
                    let bare = d.split_once("://").map(|(_, rest)| rest).unwrap_or(&d);
                    let host = bare.split(['/', '?', '#']).next().unwrap_or(bare);
                    let d = records::registrable_domain(host)
                        .map_err(|_| format!("column «{header}»: '{d}' is not a domain"))?;
                    if !v.domains.contains(&d) {
                        v.domains.push(d);
                    }
                }
            }
            "owner" => v.owner = some,
            "tags" => v.tags.extend(split(&text, &[',', ';'])),
            "source" => v.source = some,
            "title" => v.title = some,
            "amount" => {
                v.amount = Some(amount(&text, cell).map_err(|m| format!("column «{header}»: {m}"))?)
            }
            "currency" => v.currency = Some(text.to_uppercase()),
            "pipeline" => v.pipeline = some,
            "stage" => v.stage = some,
            "expected_close" => {
                v.expected_close =
                    Some(date(&text, cell.serial).map_err(|m| format!("column «{header}»: {m}"))?)
            }
            other => match other.strip_prefix("custom.") {
                Some(key) if dates.iter().any(|d| d == key) => {
                    let iso =
                        date(&text, cell.serial).map_err(|m| format!("column «{header}»: {m}"))?;
                    v.custom.insert(key.to_string(), iso);
                }
                Some(key) => {
                    v.custom.insert(key.to_string(), text);
                }
                None => return Err(format!("column «{header}»: unknown field '{other}'")),
            },
        }
    }
    if v.name.is_none() {
        let parts: Vec<String> = [last, first, middle].into_iter().flatten().collect();
        if !parts.is_empty() {
            v.name = Some(parts.join(" "));
        }
    }
    Ok(v)
}

/// «150 000,50», «150000.5», «1 500 000 ₽» → «150000.50»-like text crm reads.
fn amount(text: &str, cell: &Cell) -> Result<String, String> {
    if let Some(n) = cell.serial {
        return Ok(format!("{n:.2}"));
    }
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'))
        .collect::<String>()
        .replace(',', ".");
    cleaned
        .parse::<f64>()
        .map(|n| format!("{n:.2}"))
        .map_err(|_| format!("'{text}' is not an amount"))
}

/// A date as `YYYY-MM-DD`, from «31.12.2026» (also «31/12/2026», «31.12.26»), «2026-12-31» (with a time after it
/// too), or an Excel serial (a date cell, or a number such as 46387).
pub fn date(text: &str, serial: Option<f64>) -> Result<String, String> {
    let bad = || format!("'{text}' is not a date (ДД.ММ.ГГГГ, ГГГГ-ММ-ДД or an Excel date)");
    let excel = |n: f64| -> Result<String, String> {
        if !(1.0..=2_958_465.0).contains(&n) {
            return Err(bad());
        }
        let epoch = Date::from_calendar_date(1899, Month::December, 30).expect("a valid date");
        let d = epoch + Duration::days(n.floor() as i64);
        Ok(iso(d))
    };
    if let Some(n) = serial {
        return excel(n);
    }
    let t = text.trim();
    if let Some((y, rest)) = t.split_once('-') {
        let day_part = rest.get(..5).unwrap_or(rest);
        let (m, d) = day_part.split_once('-').ok_or_else(bad)?;
        return make(y, m, d).ok_or_else(bad);
    }
    let parts: Vec<&str> = t.split(['.', '/']).map(str::trim).collect();
    if parts.len() == 3 {
        let year = if parts[2].len() == 2 {
            format!("20{}", parts[2])
        } else {
            parts[2].to_string()
        };
        return make(&year, parts[1], parts[0]).ok_or_else(bad);
    }
    if let Ok(n) = t.parse::<f64>() {
        return excel(n);
    }
    Err(bad())
}

fn make(y: &str, m: &str, d: &str) -> Option<String> {
    let y: i32 = y.trim().parse().ok()?;
    let m: u8 = m.trim().parse().ok()?;
    let d: u8 = d.trim().get(..2.min(d.trim().len()))?.parse().ok()?;
    if !(1900..=9999).contains(&y) {
        return None;
    }
    let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
    Some(iso(date))
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::date;

    #[test]
    fn dates_in_three_forms() {
        assert_eq!(date("31.12.2026", None).unwrap(), "2026-12-31");
        assert_eq!(date("2026-12-31", None).unwrap(), "2026-12-31");
        assert_eq!(date("46387", None).unwrap(), "2026-12-31");
        assert_eq!(date("x", Some(46387.0)).unwrap(), "2026-12-31");
        assert!(date("31.02.2026", None).is_err());
        assert!(date("завтра", None).is_err());
    }
}
