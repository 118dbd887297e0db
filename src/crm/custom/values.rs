//! Custom values parsed at the edge per field type into their stored form (canonical text, and a number for
//! numeric types), shown back as JSON, and list filters parsed from query strings.

use serde_json::Value;

use super::model::{CustomField, FieldType, Stored};
use crate::crm::listing::{CustomFilter, CustomTest};
use crate::email_address::EmailAddress;
use crate::error::Error;

/// A value that does not fit its field: 422 `invalid_custom_value` naming the field's key.
pub fn invalid(field: &CustomField, why: impl Into<String>) -> Error {
    let why = why.into();
    Error::Unprocessable {
        code: "invalid_custom_value",
        message: format!("custom.{}: {why}", field.key),
        details: serde_json::json!({ "field": format!("custom.{}", field.key), "type": field.field_type, "message": why }),
    }
}

fn text_of<'a>(field: &CustomField, v: &'a Value) -> Result<&'a str, Error> {
    v.as_str().ok_or_else(|| invalid(field, "must be a string"))
}

/// Money as minor units: a JSON number or a decimal string with at most two fraction digits.
fn money(field: &CustomField, v: &Value) -> Result<i64, Error> {
    let raw = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(invalid(field, "must be an amount")),
    };
    let bad = || invalid(field, format!("'{raw}' is not an amount (e.g. 1500.50)"));
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

/// YYYY-MM-DD, a real calendar date.
pub fn date(raw: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(raw.trim(), &format).ok()?;
    d.format(&format).ok()
}

fn number(field: &CustomField, v: &Value) -> Result<f64, Error> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|n| n.is_finite())
        .ok_or_else(|| invalid(field, "must be a number"))
}

fn choice(field: &CustomField, raw: &str) -> Result<String, Error> {
    let raw = raw.trim();
    field
        .options
        .iter()
        .find(|o| o.as_str() == raw)
        .cloned()
        .ok_or_else(|| {
            invalid(
                field,
                format!("'{raw}' is not one of: {}", field.options.join(", ")),
            )
        })
}

/// The stored form of a (non-null) value; `None` for an empty value (empty string or list), which clears it.
/// `user` fields are checked against the users by the caller.
pub fn parse(field: &CustomField, v: &Value) -> Result<Option<Stored>, Error> {
    let text = |t: String| Ok(Some(Stored { text: t, num: None }));
    if let Value::String(s) = v {
        if s.trim().is_empty() {
            return Ok(None);
        }
    }
    match field.field_type {
        FieldType::Text | FieldType::LongText => {
            let raw = text_of(field, v)?.trim();
            let max = if field.field_type == FieldType::Text {
                1000
            } else {
                20000
            };
            if raw.chars().count() > max {
                return Err(invalid(field, format!("longer than {max} characters")));
            }
            let raw = if field.field_type == FieldType::Text {
                crate::text::single_line(raw)
            } else {
                raw.to_string()
            };
            text(raw)
        }
        FieldType::Number => {
            let n = number(field, v)?;
            Ok(Some(Stored {
                text: n.to_string(),
                num: Some(n),
            }))
        }
        FieldType::Money => {
            let minor = money(field, v)?;
            Ok(Some(Stored {
                text: format_money(minor),
                num: Some(minor as f64 / 100.0),
            }))
        }
        FieldType::Date => {
            let raw = text_of(field, v)?;
            text(
                date(raw)
                    .ok_or_else(|| invalid(field, format!("'{raw}' is not a date (YYYY-MM-DD)")))?,
            )
        }
        FieldType::Checkbox => {
            let b = v
                .as_bool()
                .ok_or_else(|| invalid(field, "must be true or false"))?;
            Ok(Some(Stored {
                text: b.to_string(),
                num: Some(if b { 1.0 } else { 0.0 }),
            }))
        }
        FieldType::SingleChoice => text(choice(field, text_of(field, v)?)?),
        FieldType::MultipleChoice => {
            let items = v
                .as_array()
                .ok_or_else(|| invalid(field, "must be a list of choices"))?;
            let mut picked: Vec<String> = Vec::new();
            for item in items {
                let c = choice(field, text_of(field, item)?)?;
                if !picked.contains(&c) {
                    picked.push(c);
                }
            }
            if picked.is_empty() {
                return Ok(None);
            }
            // Kept in the order of the options, between newlines, so that one option matches with LIKE.
            let ordered: Vec<&String> = field
                .options
                .iter()
                .filter(|o| picked.contains(o))
                .collect();
            text(format!(
                "\n{}\n",
                ordered
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            ))
        }
        FieldType::Url => {
            let raw = text_of(field, v)?.trim();
            let url = url::Url::parse(raw)
                .map_err(|_| invalid(field, format!("'{raw}' is not a URL")))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(invalid(field, "must be an http or https URL"));
            }
            text(url.to_string())
        }
        FieldType::Email => {
            let e = EmailAddress::parse(text_of(field, v)?).map_err(|m| invalid(field, m))?;
            text(e.to_string())
        }
        FieldType::Phone => {
            let raw = text_of(field, v)?;
            let norm = crate::crm::normalize::phone(raw)
                .map_err(|_| invalid(field, format!("'{raw}' is not a phone number")))?;
            text(norm)
        }
        FieldType::User => {
            let id = v
                .as_i64()
                .ok_or_else(|| invalid(field, "must be a user id"))?;
            Ok(Some(Stored {
                text: id.to_string(),
                num: Some(id as f64),
            }))
        }
    }
}

/// The API form of a stored value.
pub fn show(field_type: FieldType, text: &str) -> Value {
    match field_type {
        FieldType::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Value::from(f as i64),
                _ => Value::Number(n),
            })
            .unwrap_or(Value::Null),
        FieldType::Checkbox => Value::Bool(text == "true"),
        FieldType::User => text.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
        FieldType::MultipleChoice => Value::Array(
            text.split('\n')
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        _ => Value::String(text.to_string()),
    }
}

/// A filter from `custom.<key>=v` (`bound` None), `custom.<key>.min=v` or `.max=v` (numbers, money, dates).
pub fn filter(field: &CustomField, bound: Option<&str>, raw: &str) -> Result<CustomFilter, Error> {
    let as_json = match field.field_type {
        FieldType::Checkbox => Value::Bool(match raw.trim() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(invalid(field, "filter with true or false")),
        }),
        FieldType::User => Value::from(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| invalid(field, "filter with a user id"))?,
        ),
        FieldType::MultipleChoice => Value::Array(vec![Value::String(raw.to_string())]),
        _ => Value::String(raw.to_string()),
    };
    let stored = parse(field, &as_json)?.ok_or_else(|| invalid(field, "filter with a value"))?;
    let test = match (bound, field.field_type) {
        (None, FieldType::MultipleChoice) => {
            CustomTest::HasOption(stored.text.trim_matches('\n').to_string())
        }
        (None, t) if t.numeric() => CustomTest::NumEq(stored.num.unwrap_or_default()),
        (None, _) => CustomTest::TextEq(stored.text),
        (Some(b), FieldType::Number | FieldType::Money) => {
            let n = stored.num.unwrap_or_default();
            if b == "min" {
                CustomTest::NumAtLeast(n)
            } else {
                CustomTest::NumAtMost(n)
            }
        }
        (Some(b), FieldType::Date) => {
            if b == "min" {
                CustomTest::TextAtLeast(stored.text)
            } else {
                CustomTest::TextAtMost(stored.text)
            }
        }
        (Some(_), _) => {
            return Err(invalid(
                field,
                "ranges (.min, .max) are for number, money and date fields",
            ))
        }
    };
    Ok(CustomFilter {
        field_id: field.id,
        test,
    })
}
