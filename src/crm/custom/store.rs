//! SQL of custom field definitions and their values.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::model::{CustomField, FieldType, Stored};
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::db::{from_ms, now_ms};
use crate::error::Error;

const COLUMNS: &str =
    "id, record_kind, field_key, label, field_type, required, position, options, created_at";

fn from_row(r: &AnyRow) -> Result<CustomField, Error> {
    let kind: String = r.try_get("record_kind")?;
    let field_type: String = r.try_get("field_type")?;
    Ok(CustomField {
        id: r.try_get("id")?,
        kind: kind.parse().map_err(Error::Internal)?,
        key: r.try_get("field_key")?,
        label: r.try_get("label")?,
        field_type: FieldType::parse(&field_type)
            .ok_or_else(|| Error::Internal(format!("unknown field type {field_type}")))?,
        required: r.try_get::<i64, _>("required")? != 0,
        position: r.try_get("position")?,
        options: serde_json::from_str(&r.try_get::<String, _>("options")?)
            .map_err(|e| Error::Internal(e.to_string()))?,
        created_at: from_ms(r.try_get("created_at")?),
    })
}

/// Fields of one kind (or all), in order.
pub async fn fields(
    conn: &mut AnyConnection,
    kind: Option<RecordKind>,
) -> Result<Vec<CustomField>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM custom_fields WHERE 1 = 1");
    if let Some(kind) = kind {
        sql.push(" AND record_kind = ").bind(kind.as_str());
    }
    sql.push(" ORDER BY record_kind, position, id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

pub async fn field(conn: &mut AnyConnection, id: i64) -> Result<Option<CustomField>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS)
        .push(" FROM custom_fields WHERE id = ")
        .bind(id);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub struct FieldWrite<'a> {
    pub label: &'a str,
    pub required: bool,
    pub position: i64,
    pub options: &'a [String],
}

pub async fn next_position(conn: &mut AnyConnection, kind: RecordKind) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(position), -1) + 1 AS next FROM custom_fields WHERE record_kind = $1",
    )
    .bind(kind.as_str())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("next")?)
}

pub async fn insert_field(
    conn: &mut AnyConnection,
    kind: RecordKind,
    key: &str,
    field_type: FieldType,
    w: &FieldWrite<'_>,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO custom_fields (record_kind, field_key, label, field_type, required, position, options, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(key)
    .bind(w.label)
    .bind(field_type.as_str())
    .bind(i64::from(w.required))
    .bind(w.position)
    .bind(serde_json::to_string(w.options).expect("strings are JSON"))
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_field(
    conn: &mut AnyConnection,
    id: i64,
    w: &FieldWrite<'_>,
) -> Result<(), Error> {
    sqlx::query("UPDATE custom_fields SET label = $1, required = $2, position = $3, options = $4 WHERE id = $5")
        .bind(w.label)
        .bind(i64::from(w.required))
        .bind(w.position)
        .bind(serde_json::to_string(w.options).expect("strings are JSON"))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a field and every value of it.
pub async fn delete_field(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    for text in [
        "DELETE FROM custom_values WHERE field_id = $1",
        "DELETE FROM custom_fields WHERE id = $1",
    ] {
        sqlx::query(text).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records whose value of a choice field holds `option`.
pub async fn option_in_use(
    conn: &mut AnyConnection,
    field: &CustomField,
    option: &str,
) -> Result<bool, Error> {
    let pattern = if field.field_type == FieldType::MultipleChoice {
        format!("\n{option}\n")
    } else {
        option.to_string()
    };
    let row = sqlx::query(
        "SELECT 1 AS one FROM custom_values WHERE field_id = $1
         AND (value_text = $2 OR (value_text LIKE '%' || $2 || '%' AND $3 = 1)) LIMIT 1",
    )
    .bind(field.id)
    .bind(pattern)
    .bind(i64::from(field.field_type == FieldType::MultipleChoice))
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}

/// `(record id, field key, field type, stored text)` of these records' values.
pub async fn values_of(
    conn: &mut AnyConnection,
    kind: RecordKind,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(String, FieldType, String)>>, Error> {
    let mut out: HashMap<i64, Vec<(String, FieldType, String)>> = HashMap::new();
    for run in ids.chunks(crate::db::sql::MAX_BINDS - 2) {
        let mut sql = Sql::new(
            "SELECT v.record_id, f.field_key, f.field_type, v.value_text FROM custom_values v
             JOIN custom_fields f ON f.id = v.field_id WHERE f.record_kind = ",
        );
        sql.bind(kind.as_str())
            .push(" AND v.record_id IN ")
            .bind_list(run.to_vec())
            .push(" ORDER BY f.position, f.id");
        for row in sql.query().fetch_all(&mut *conn).await? {
            let t: String = row.try_get("field_type")?;
            let Some(t) = FieldType::parse(&t) else {
                continue;
            };
            out.entry(row.try_get("record_id")?).or_default().push((
                row.try_get("field_key")?,
                t,
                row.try_get("value_text")?,
            ));
        }
    }
    Ok(out)
}

/// Sets (or, with `None`, clears) one value.
pub async fn set_value(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    field_id: i64,
    value: Option<&Stored>,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM custom_values WHERE field_id = $1 AND record_id = $2")
        .bind(field_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if let Some(v) = value {
        // The number goes as text through a CAST: sqlx's Any driver sends f64 parameters in a form PostgreSQL
        // refuses for DOUBLE PRECISION ("incorrect binary data format").
        sqlx::query(
            "INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num)
             VALUES ($1, $2, $3, $4, CAST($5 AS DOUBLE PRECISION))",
        )
        .bind(field_id)
        .bind(kind.as_str())
        .bind(id)
        .bind(&v.text)
        .bind(v.num.map(|n| n.to_string()))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// The ids of fields that hold a value for the record.
pub async fn filled(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
) -> Result<Vec<i64>, Error> {
    let rows =
        sqlx::query("SELECT field_id FROM custom_values WHERE record_kind = $1 AND record_id = $2")
            .bind(kind.as_str())
            .bind(id)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| r.try_get("field_id").map_err(Error::from))
        .collect()
}

/// Merge: values of `from` fill the fields `to` lacks; the rest of `from`'s values go with it.
pub async fn merge_values(
    conn: &mut AnyConnection,
    kind: RecordKind,
    from: i64,
    to: i64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE custom_values SET record_id = $1 WHERE record_kind = $2 AND record_id = $3
         AND field_id NOT IN (SELECT field_id FROM custom_values WHERE record_kind = $2 AND record_id = $1)",
    )
    .bind(to)
    .bind(kind.as_str())
    .bind(from)
    .execute(&mut *conn)
    .await?;
    remove_values(conn, kind, from).await
}

pub async fn remove_values(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM custom_values WHERE record_kind = $1 AND record_id = $2")
        .bind(kind.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records of the field's kind whose value equals `text` (a key field for bulk updates), by id.
pub async fn records_with(pool: &AnyPool, field_id: i64, text: &str) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT record_id FROM custom_values WHERE field_id = $1 AND value_text = $2 ORDER BY record_id",
    )
    .bind(field_id)
    .bind(text)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| r.try_get("record_id").map_err(Error::from))
        .collect()
}
