//! What every record list shares: `?sort=` over a kind's sortable fields (and its custom fields), `?scope=`
//! (mine, team, all) and keyset pages whose cursor carries the sort key and the id, so pages stay exact under any sort.

pub(crate) mod store;

use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::Error;

/// Whose records a list shows, always within what the caller may see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListScope {
    /// Owned by the caller.
    Mine,
    /// Owned by a member of a team the caller belongs to or leads (the caller included).
    Team,
    /// Everything the caller may see.
    #[default]
    All,
}

/// Paging, sorting and scope of the four record lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Comma-separated fields, `-` for descending, e.g. `name,-updated_at` or `custom.contract_no`. The fields each
    /// list accepts are in the README ("Sorting lists"); another answers 422 `invalid_sort`. Default: by id.
    pub sort: Option<String>,
    /// mine, team or all (default).
    pub scope: Option<ListScope>,
    /// The previous page's `next_cursor` (any sort), or its `next_after` id (default sort only).
    pub after: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// How a sort key is compared and carried in a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Text,
    Int,
    Num,
}

/// A standard field a list sorts by: its name in `?sort=` and its SQL expression over the record alias `r`
/// (never NULL: nullable columns are wrapped in COALESCE, so that keyset comparisons hold on both backends).
#[derive(Debug, Clone, Copy)]
pub struct SortField {
    pub name: &'static str,
    pub expr: &'static str,
    pub key: KeyType,
}

/// What a sort term orders by.
#[derive(Debug, Clone, PartialEq)]
pub enum SortExpr {
    Column(&'static str),
    /// A custom field's value (its number, or its text).
    Custom {
        field_id: i64,
        numeric: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortTerm {
    pub expr: SortExpr,
    pub key: KeyType,
    pub descending: bool,
}

/// A custom field as sorting and filtering see it.
#[derive(Debug, Clone)]
pub struct SortableCustom {
    pub key: String,
    pub field_id: i64,
    pub numeric: bool,
}

/// Parses `?sort=` against the kind's standard fields and custom fields. Unknown → 422 `invalid_sort`.
pub fn parse_sort(
    raw: Option<&str>,
    standard: &[SortField],
    custom: &[SortableCustom],
) -> Result<Vec<SortTerm>, Error> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    let mut terms = Vec::new();
    for part in raw.split(',').map(str::trim) {
        let (descending, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let term = if let Some(key) = name.strip_prefix("custom.") {
            custom.iter().find(|c| c.key == key).map(|c| SortTerm {
                expr: SortExpr::Custom {
                    field_id: c.field_id,
                    numeric: c.numeric,
                },
                key: if c.numeric {
                    KeyType::Num
                } else {
                    KeyType::Text
                },
                descending,
            })
        } else {
            standard.iter().find(|f| f.name == name).map(|f| SortTerm {
                expr: SortExpr::Column(f.expr),
                key: f.key,
                descending,
            })
        };
        let Some(term) = term else {
            return Err(invalid_sort(part, standard, custom));
        };
        if terms.iter().any(|t: &SortTerm| t.expr == term.expr) {
            return Err(invalid_sort(part, standard, custom));
        }
        terms.push(term);
    }
    Ok(terms)
}

fn invalid_sort(part: &str, standard: &[SortField], custom: &[SortableCustom]) -> Error {
    let mut allowed: Vec<String> = standard.iter().map(|f| f.name.to_string()).collect();
    allowed.extend(custom.iter().map(|c| format!("custom.{}", c.key)));
    Error::Unprocessable {
        code: "invalid_sort",
        message: format!(
            "cannot sort by '{part}' (unknown or repeated); allowed: {}",
            allowed.join(", ")
        ),
        details: serde_json::json!({ "field": part, "allowed": allowed }),
    }
}

/// A list filter on a custom field (`?custom.key=…`, `.min`, `.max`), already parsed for the field's type.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFilter {
    pub field_id: i64,
    pub test: CustomTest,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CustomTest {
    TextEq(String),
    NumEq(f64),
    /// A multiple-choice value holding this option.
    HasOption(String),
    TextAtLeast(String),
    TextAtMost(String),
    NumAtLeast(f64),
    NumAtMost(f64),
}

/// One sort key's value in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    Int(i64),
    Num(f64),
    Text(String),
    /// A record without a value of the custom field the list is sorted by first.
    Null,
}

/// Where a page starts: after the row with these sort keys and this id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub keys: Vec<KeyValue>,
    pub id: i64,
}

impl Cursor {
    /// An opaque, URL-safe string (base64 of a JSON array: the keys, then the id).
    pub fn encode(&self) -> String {
        let mut all: Vec<serde_json::Value> = self
            .keys
            .iter()
            .map(|k| serde_json::to_value(k).expect("a key value is JSON"))
            .collect();
        all.push(self.id.into());
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::Value::Array(all).to_string())
    }

    /// `after` as given: a bare id (default sort) or a cursor made for this sort.
    pub fn parse(raw: &str, sort: &[SortTerm]) -> Result<Cursor, Error> {
        let bad = || Error::validation("after", "is not a cursor of this list and sort");
        if let Ok(id) = raw.trim().parse::<i64>() {
            if !sort.is_empty() {
                return Err(Error::validation(
                    "after",
                    "with sort, pass the previous page's next_cursor",
                ));
            }
            return Ok(Cursor {
                keys: Vec::new(),
                id,
            });
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim())
            .map_err(|_| bad())?;
        let mut values: Vec<serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let id = values.pop().and_then(|v| v.as_i64()).ok_or_else(bad)?;
        if values.len() != sort.len() {
            return Err(bad());
        }
        let mut keys = Vec::new();
        for (v, term) in values.into_iter().zip(sort) {
            if v.is_null() && matches!(term.expr, SortExpr::Custom { .. }) {
                keys.push(KeyValue::Null);
                continue;
            }
            keys.push(match term.key {
                KeyType::Int => KeyValue::Int(v.as_i64().ok_or_else(bad)?),
                KeyType::Num => KeyValue::Num(v.as_f64().ok_or_else(bad)?),
                KeyType::Text => KeyValue::Text(v.as_str().ok_or_else(bad)?.to_string()),
            });
        }
        Ok(Cursor { keys, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[SortField] = &[
        SortField {
            name: "name",
            expr: "r.name",
            key: KeyType::Text,
        },
        SortField {
            name: "updated_at",
            expr: "r.updated_at",
            key: KeyType::Int,
        },
    ];

    #[test]
    fn a_cursor_survives_its_round_trip() {
        let sort = parse_sort(Some("name,-updated_at"), FIELDS, &[]).expect("known fields");
        let c = Cursor {
            keys: vec![KeyValue::Text("Ёлка, \"x\"".into()), KeyValue::Int(17)],
            id: 42,
        };
        assert_eq!(Cursor::parse(&c.encode(), &sort).expect("own cursor"), c);
        assert!(Cursor::parse(&c.encode(), &sort[..1]).is_err());
    }

    #[test]
    fn unknown_and_repeated_sort_fields_are_refused() {
        assert!(parse_sort(Some("nope"), FIELDS, &[]).is_err());
        assert!(parse_sort(Some("name,-name"), FIELDS, &[]).is_err());
        assert!(parse_sort(Some("custom.x"), FIELDS, &[]).is_err());
    }
}
