//! Custom fields: typed fields an admin defines per record kind, and their values on records (returned as
//! `"custom": {key: value}`, set on create and update, filtered and sorted in lists, merged, deleted with records).

pub mod model;
pub mod routes;
mod store;
pub mod values;

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool};

use super::listing::{CustomFilter, SortableCustom};
use super::normalize::required;
use super::RecordKind;
use crate::error::Error;
use model::{CustomField, CustomFieldPatch, CustomInput, CustomValues, NewCustomField};

fn check_key(key: &str) -> Result<String, Error> {
    let key = key.trim();
    let ok = (1..=50).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(Error::validation(
            "key",
            "1 to 50 lower-case latin letters, digits or '_', starting with a letter",
        ));
    }
    Ok(key.to_string())
}

fn check_options(field_type: model::FieldType, raw: &[String]) -> Result<Vec<String>, Error> {
    if !field_type.has_options() {
        if !raw.is_empty() {
            return Err(Error::validation(
                "options",
                "only choice fields have options",
            ));
        }
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for o in raw {
        let o = required("options", &crate::text::single_line(o), 200)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    if out.is_empty() {
        return Err(Error::validation(
            "options",
            "a choice field needs at least one option",
        ));
    }
    Ok(out)
}

pub async fn list_fields(
    pool: &AnyPool,
    kind: Option<RecordKind>,
) -> Result<Vec<CustomField>, Error> {
    store::fields(&mut *pool.acquire().await?, kind).await
}

/// The fields of one kind, in order (for the import engineer's mapping, the card, and the list columns).
pub async fn fields_of(
    conn: &mut AnyConnection,
    kind: RecordKind,
) -> Result<Vec<CustomField>, Error> {
    store::fields(conn, Some(kind)).await
}

pub async fn get_field(pool: &AnyPool, id: i64) -> Result<CustomField, Error> {
    store::field(&mut *pool.acquire().await?, id)
        .await?
        .ok_or(Error::NotFound("custom field"))
}

pub async fn create_field(pool: &AnyPool, new: NewCustomField) -> Result<CustomField, Error> {
    let key = check_key(&new.key)?;
    let label = required("label", &crate::text::single_line(&new.label), 200)?;
    let options = check_options(new.field_type, &new.options)?;
    let mut tx = crate::db::begin(pool).await?;
    if store::fields(&mut tx, Some(new.kind))
        .await?
        .iter()
        .any(|f| f.key == key)
    {
        return Err(Error::Conflict {
            message: format!("a {} field with key '{key}' exists", new.kind),
        });
    }
    let position = match new.position {
        Some(p) => p,
        None => store::next_position(&mut tx, new.kind).await?,
    };
    let w = store::FieldWrite {
        label: &label,
        required: new.required,
        position,
        options: &options,
    };
    let id = store::insert_field(&mut tx, new.kind, &key, new.field_type, &w).await?;
    tx.commit().await?;
    get_field(pool, id).await
}

pub async fn update_field(
    pool: &AnyPool,
    id: i64,
    patch: CustomFieldPatch,
) -> Result<CustomField, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let before = store::field(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("custom field"))?;
    let label = match &patch.label {
        Some(l) => required("label", &crate::text::single_line(l), 200)?,
        None => before.label.clone(),
    };
    let options = match &patch.options {
        Some(o) => check_options(before.field_type, o)?,
        None => before.options.clone(),
    };
    for gone in before.options.iter().filter(|o| !options.contains(o)) {
        if store::option_in_use(&mut tx, &before, gone).await? {
            return Err(Error::validation(
                "options",
                format!("'{gone}' is held by records; change them first"),
            ));
        }
    }
    let w = store::FieldWrite {
        label: &label,
        required: patch.required.unwrap_or(before.required),
        position: patch.position.unwrap_or(before.position),
        options: &options,
    };
    store::update_field(&mut tx, id, &w).await?;
    tx.commit().await?;
    get_field(pool, id).await
}

/// Deletes the field and every record's value of it.
pub async fn delete_field(pool: &AnyPool, id: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    store::field(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("custom field"))?;
    store::delete_field(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// The custom values of these records, by record id.
pub async fn values_for(
    conn: &mut AnyConnection,
    kind: RecordKind,
    ids: &[i64],
) -> Result<HashMap<i64, CustomValues>, Error> {
    let rows = store::values_of(conn, kind, ids).await?;
    Ok(rows
        .into_iter()
        .map(|(id, vals)| {
            let map = vals
                .into_iter()
                .map(|(key, t, text)| (key, values::show(t, &text)))
                .collect();
            (id, map)
        })
        .collect())
}

/// How `save` treats required fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// A new record from a user: every required field needs a value.
    Create,
    /// A change: a required field may not be cleared.
    Update,
    /// A record the system makes (a lead's conversion): what is given is checked, nothing is demanded.
    Carry,
}

/// What templates see of contacts' custom values (`{{custom.contract_no}}`), by contact id: the API values, with a
/// multiple choice as one comma-separated string. Contacts without a value for a field lack its key, so that strict
/// rendering names it unless the template wraps it in `default`.
pub async fn template_values(
    pool: &AnyPool,
    contact_ids: &[i64],
) -> Result<HashMap<i64, serde_json::Map<String, serde_json::Value>>, Error> {
    let mut conn = pool.acquire().await?;
    let values = values_for(&mut conn, RecordKind::Contact, contact_ids).await?;
    Ok(values
        .into_iter()
        .map(|(id, map)| {
            let shown = map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::Array(items) => {
                        let parts: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
                        (k, serde_json::Value::String(parts.join(", ")))
                    }
                    other => (k, other),
                })
                .collect();
            (id, shown)
        })
        .collect())
}

/// The keys templates may use after `custom.`: the contact fields'.
pub async fn template_keys(pool: &AnyPool) -> Result<Vec<String>, Error> {
    Ok(list_fields(pool, Some(RecordKind::Contact))
        .await?
        .into_iter()
        .map(|f| f.key)
        .collect())
}

/// Applies custom values from a create or update body.
pub async fn save(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    input: Option<&CustomInput>,
    mode: SaveMode,
) -> Result<(), Error> {
    let creating = mode != SaveMode::Update;
    let fields = store::fields(&mut *conn, Some(kind)).await?;
    let empty = CustomInput::default();
    let input = input.unwrap_or(&empty);
    for key in input.keys() {
        if !fields.iter().any(|f| &f.key == key) {
            return Err(Error::Unprocessable {
                code: "unknown_custom_field",
                message: format!("custom.{key}: no such {kind} field"),
                details: serde_json::json!({ "field": format!("custom.{key}") }),
            });
        }
    }
    let filled = if creating {
        Vec::new()
    } else {
        store::filled(&mut *conn, kind, id).await?
    };
    for field in &fields {
        let stored = match input.get(&field.key) {
            None => {
                if mode == SaveMode::Create && field.required {
                    return Err(values::invalid(field, "is required"));
                }
                continue;
            }
            Some(serde_json::Value::Null) => None,
            Some(v) => values::parse(field, v)?,
        };
        if stored.is_none() && field.required {
            return Err(values::invalid(field, "is required"));
        }
        if let (Some(s), model::FieldType::User) = (&stored, field.field_type) {
            let user = s.num.unwrap_or_default() as i64;
            if !super::store::user_exists(&mut *conn, user).await? {
                return Err(values::invalid(
                    field,
                    format!("no active user with id {user}"),
                ));
            }
        }
        if stored.is_none() && !filled.contains(&field.id) && !creating {
            continue;
        }
        store::set_value(&mut *conn, kind, id, field.id, stored.as_ref()).await?;
    }
    Ok(())
}

/// The custom fields a kind's lists sort by.
pub async fn sortable(
    conn: &mut AnyConnection,
    kind: RecordKind,
) -> Result<Vec<SortableCustom>, Error> {
    Ok(store::fields(conn, Some(kind))
        .await?
        .into_iter()
        .map(|f| SortableCustom {
            key: f.key,
            field_id: f.id,
            numeric: f.field_type.numeric(),
        })
        .collect())
}

/// The `custom.<key>[.min|.max]=` parameters of a list's query string.
pub async fn list_filters(
    conn: &mut AnyConnection,
    kind: RecordKind,
    raw_query: Option<&str>,
) -> Result<Vec<CustomFilter>, Error> {
    let Some(raw) = raw_query else {
        return Ok(Vec::new());
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .filter(|(k, _)| k.starts_with("custom."))
        .collect();
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let fields = store::fields(conn, Some(kind)).await?;
    let mut out = Vec::new();
    for (name, value) in pairs {
        let rest = &name["custom.".len()..];
        let (key, bound) = match rest.rsplit_once('.') {
            Some((k, b @ ("min" | "max"))) => (k, Some(b)),
            _ => (rest, None),
        };
        let Some(field) = fields.iter().find(|f| f.key == key) else {
            return Err(Error::Unprocessable {
                code: "unknown_custom_field",
                message: format!("{name}: no such {kind} field"),
                details: serde_json::json!({ "field": name }),
            });
        };
        out.push(values::filter(field, bound, &value)?);
    }
    Ok(out)
}

/// Merge: the kept record gets the merged one's values for the fields it lacks.
pub async fn merge(
    conn: &mut AnyConnection,
    kind: RecordKind,
    from: i64,
    to: i64,
) -> Result<(), Error> {
    store::merge_values(conn, kind, from, to).await
}

/// Removes a deleted record's values.
pub async fn remove(conn: &mut AnyConnection, kind: RecordKind, id: i64) -> Result<(), Error> {
    store::remove_values(conn, kind, id).await
}

/// Records of `kind` whose custom field `key` holds `value` (parsed as the field's type), by id: the key-field
/// match of bulk updates. An unknown key is a 422 `unknown_custom_field`.
pub async fn find_by_custom(
    pool: &AnyPool,
    kind: RecordKind,
    key: &str,
    value: &serde_json::Value,
) -> Result<Vec<i64>, Error> {
    let fields = store::fields(&mut *pool.acquire().await?, Some(kind)).await?;
    let Some(field) = fields.iter().find(|f| f.key == key) else {
        return Err(Error::Unprocessable {
            code: "unknown_custom_field",
            message: format!("custom.{key}: no such {kind} field"),
            details: serde_json::json!({ "field": format!("custom.{key}") }),
        });
    };
    match values::parse(field, value)? {
        Some(stored) => store::records_with(pool, field.id, &stored.text).await,
        None => Ok(Vec::new()),
    }
}
