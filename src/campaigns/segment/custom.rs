//! A segment filter's `custom` and `company_custom` conditions, parsed by crm for each field's type (so a segment
//! and a list filter read values alike) into tests the audience SQL binds.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::AnyPool;

use crate::campaigns::model::SegmentFilter;
use crate::crm::custom::model::CustomField;
use crate::crm::custom::{self, values};
use crate::crm::listing::CustomFilter;
use crate::crm::RecordKind;
use crate::error::Error;

/// One condition on one custom field: the record holds a value passing at least one of `any_of`.
#[derive(Debug, Clone)]
pub struct CustomCondition {
    /// On the contact's company rather than the contact.
    pub on_company: bool,
    pub any_of: Vec<CustomFilter>,
}

/// The custom-field conditions of a filter. An unknown key answers 422 `unknown_custom_field`, a value that does not
/// fit its field 422 `invalid_custom_value`; `details.field` names the key as the filter does (`custom.<key>` or
/// `company_custom.<key>`).
pub async fn conditions(pool: &AnyPool, f: &SegmentFilter) -> Result<Vec<CustomCondition>, Error> {
    let mut out = Vec::new();
    for (kind, map, prefix) in [
        (RecordKind::Contact, &f.custom, "custom"),
        (RecordKind::Company, &f.company_custom, "company_custom"),
    ] {
        if map.is_empty() {
            continue;
        }
        let fields = custom::list_fields(pool, Some(kind)).await?;
        of_kind(&fields, map, kind, prefix, &mut out).map_err(|e| renamed(e, prefix, "custom"))?;
    }
    Ok(out)
}

fn of_kind(
    fields: &[CustomField],
    map: &BTreeMap<String, Value>,
    kind: RecordKind,
    prefix: &str,
    out: &mut Vec<CustomCondition>,
) -> Result<(), Error> {
    let on_company = kind == RecordKind::Company;
    for (key, value) in map {
        let Some(field) = fields.iter().find(|f| &f.key == key) else {
            return Err(Error::Unprocessable {
                code: "unknown_custom_field",
                message: format!("{prefix}.{key}: no such {kind} field"),
                details: serde_json::json!({ "field": format!("{prefix}.{key}") }),
            });
        };
        for any_of in tests(field, value)? {
            out.push(CustomCondition { on_company, any_of });
        }
    }
    Ok(())
}

/// The conditions one key's value makes: a range gives one per bound, a list one with several alternatives.
fn tests(field: &CustomField, value: &Value) -> Result<Vec<Vec<CustomFilter>>, Error> {
    match value {
        Value::Object(bounds) => {
            if bounds.is_empty() {
                return Err(values::invalid(field, "a range needs min or max"));
            }
            let mut out = Vec::new();
            for (bound, v) in bounds {
                if bound != "min" && bound != "max" {
                    return Err(values::invalid(
                        field,
                        format!("'{bound}' is not a bound (min, max)"),
                    ));
                }
                out.push(vec![values::filter(field, Some(bound), &raw(field, v)?)?]);
            }
            Ok(out)
        }
        Value::Array(items) => {
            if items.is_empty() {
                return Err(values::invalid(field, "a list needs at least one value"));
            }
            let any_of = items
                .iter()
                .map(|v| values::filter(field, None, &raw(field, v)?))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(vec![any_of])
        }
        v => Ok(vec![vec![values::filter(field, None, &raw(field, v)?)?]]),
    }
}

/// A JSON scalar as the text crm parses list filters from.
fn raw(field: &CustomField, v: &Value) -> Result<String, Error> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(values::invalid(
            field,
            "filter with a value, a list of values, or {\"min\", \"max\"}",
        )),
    }
}

/// crm names a company field `custom.<key>`; the filter names it `company_custom.<key>`.
fn renamed(e: Error, prefix: &str, crm_prefix: &str) -> Error {
    match e {
        Error::Unprocessable {
            code,
            message,
            mut details,
        } if prefix != crm_prefix => {
            let from = format!("{crm_prefix}.");
            let to = format!("{prefix}.");
            if let Some(Value::String(f)) = details.get("field").cloned() {
                if let Some(key) = f.strip_prefix(&from) {
                    details["field"] = Value::String(format!("{to}{key}"));
                }
            }
            let message = match message.strip_prefix(&from) {
                Some(rest) => format!("{to}{rest}"),
                None => message,
            };
            Error::Unprocessable {
                code,
                message,
                details,
            }
        }
        other => other,
    }
}
