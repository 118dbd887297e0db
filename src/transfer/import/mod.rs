//! Imports of contacts, companies, leads and deals from a spreadsheet: upload (the file is kept), mapping
//! (suggested from the headers, or a saved preset), a dry run that reports row by row, then the run as a
//! background job (`job`), its reject file and its undo.

mod batch;
mod check;
pub mod job;
pub mod mapping;
pub mod plan;
pub mod read;
pub mod rejects;
pub mod routes;
pub mod rows;
mod stream;
pub mod undo;
mod workbook;
mod write;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::model::{CheckReport, ImportOptions, ImportSummary, ImportView, Progress, RowReport};
use super::{records, store};
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
pub use check::check;
use plan::{Action, Planner};
use read::{Format, Table};

/// `contacts` or `contact` → the kind.
pub fn parse_kind(s: &str) -> Result<RecordKind, Error> {
    RecordKind::from_segment(s)
        .or_else(|| s.parse().ok())
        .ok_or_else(|| {
            Error::validation(
                "kind",
                format!("'{s}' is not contacts, companies, leads or deals"),
            )
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash that says "this row was imported already" (same kind, same values).
pub fn row_hash(kind: RecordKind, values: &rows::Values) -> String {
    let text = serde_json::to_string(values).unwrap_or_default();
    hex(&Sha256::new()
        .chain_update(kind.as_str())
        .chain_update(text)
        .finalize())
}

/// Reads the file of a stored import (`sheet`: the options' sheet).
pub fn table_of(
    filename: &str,
    format: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    let format = Format::parse(format)
        .ok_or_else(|| Error::internal("stored import with an unknown format"))?;
    let mut table = read::read(filename, format, bytes, sheet)?;
    table.headers = mapping::unique_headers(&table.headers);
    Ok(table)
}

/// `table_of` with only the first rows kept (and all counted): what a view of the import shows.
pub fn preview_of(
    filename: &str,
    format: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, Error> {
    let format = Format::parse(format)
        .ok_or_else(|| Error::internal("stored import with an unknown format"))?;
    let mut table = read::preview(filename, format, bytes, sheet)?;
    table.headers = mapping::unique_headers(&table.headers);
    Ok(table)
}

/// Stores an upload after reading it once (a file that cannot be read is refused here, not in the job).
pub async fn upload(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<ImportView, Error> {
    records::require_write(caller, kind)?;
    let format = Format::detect(filename, &bytes)?;
    let parse_name = filename.to_string();
    let (table, bytes) = tokio::task::spawn_blocking(move || {
        let t = read::preview(&parse_name, format, &bytes, None);
        (t, bytes)
    })
    .await
    .map_err(Error::internal)?;
    let mut table = table?;
    table.headers = mapping::unique_headers(&table.headers);
    if table.headers.iter().all(|h| h.starts_with("Column ")) {
        return Err(Error::BadRequest {
            code: "import_file_empty",
            message: format!("'{filename}' has no header row"),
        });
    }
    let hash = hex(&Sha256::digest(&bytes));
    let new = store::NewImport {
        user_id: caller.id,
        kind: kind.as_str(),
        filename,
        format: format.as_str(),
        file_hash: &hash,
        total_rows: table.total as i64,
        bytes: &bytes,
    };
    let id = store::insert(pool, &new).await?;
    let mut conn = pool.acquire().await?;
    let audit = json!({ "kind": kind, "filename": filename, "rows": table.total, "format": format.as_str() });
    records::audit(
        &mut conn,
        caller.id,
        "import_upload",
        ("import", id),
        &audit,
    )
    .await?;
    drop(conn);
    let row = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("import"))?;
    let suggested = suggestions(pool, kind, &table.headers).await?;
    Ok(view(row, Some(&table), suggested))
}

fn progress(c: [i64; 6]) -> Progress {
    Progress {
        total: c[0],
        done: c[1],
        created: c[2],
        updated: c[3],
        skipped: c[4],
        failed: c[5],
    }
}

fn view(
    row: store::ImportRow,
    table: Option<&Table>,
    suggested: BTreeMap<String, String>,
) -> ImportView {
    let kind = parse_kind(&row.kind).unwrap_or(RecordKind::Contact);
    let (headers, sample, sheets, sheet, encoding, delimiter) = match table {
        Some(t) => (
            t.headers.clone(),
            t.rows
                .iter()
                .take(5)
                .map(|(_, cells)| cells.iter().map(|c| c.text.clone()).collect())
                .collect(),
            t.sheets.clone(),
            t.sheet.clone(),
            t.encoding.map(str::to_string),
            t.delimiter.map(|d| d.to_string()),
        ),
        None => Default::default(),
    };
    ImportView {
        id: row.id,
        kind,
        suggested_mapping: suggested,
        filename: row.filename,
        format: row.format,
        status: row.status,
        user_id: row.user_id,
        sheets,
        sheet,
        headers,
        sample,
        encoding,
        delimiter,
        options: serde_json::from_str(&row.options).unwrap_or(Value::Null),
        progress: progress(row.counts),
        error: row.error,
        created_at: crate::db::from_ms(row.created_at),
        updated_at: crate::db::from_ms(row.updated_at),
    }
}

/// The import, when the caller started it or is an admin (others: 404).
pub async fn load(pool: &AnyPool, caller: &Caller, id: i64) -> Result<store::ImportRow, Error> {
    match store::get(pool, id).await? {
        Some(row) if row.user_id == caller.id || caller.is_admin() => Ok(row),
        _ => Err(Error::NotFound("import")),
    }
}

/// The import, when the caller started it, leads a team of whoever did, or is an admin (others: 404): for reading.
pub(super) async fn load_to_read(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
) -> Result<store::ImportRow, Error> {
    match store::get(pool, id).await? {
        Some(row) if records::oversees(pool, caller, row.user_id).await? => Ok(row),
        _ => Err(Error::NotFound("import")),
    }
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<ImportView, Error> {
    let row = load_to_read(pool, caller, id).await?;
    let options: ImportOptions = serde_json::from_str(&row.options).unwrap_or_default();
    let bytes = store::file(pool, id).await?;
    let table = preview_of(&row.filename, &row.format, &bytes, options.sheet.as_deref()).ok();
    let kind = parse_kind(&row.kind)?;
    let headers = table
        .as_ref()
        .map(|t| t.headers.clone())
        .unwrap_or_default();
    let suggested = suggestions(pool, kind, &headers).await?;
    Ok(view(row, table.as_ref(), suggested))
}

pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    before: Option<i64>,
    limit: i64,
) -> Result<(Vec<ImportSummary>, Option<i64>), Error> {
    let visible = |sql: &mut crate::db::sql::Sql| records::push_overseen(sql, caller, "user_id");
    let rows = store::list(pool, visible, before.unwrap_or(i64::MAX), limit).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| ImportSummary {
            id: r.id,
            kind: parse_kind(&r.kind).unwrap_or(RecordKind::Contact),
            filename: r.filename,
            status: r.status,
            user_id: r.user_id,
            progress: progress(r.counts),
            created_at: crate::db::from_ms(r.created_at),
        })
        .collect();
    Ok((items, next))
}

/// The mapping suggested from the headers: standard fields by name, then custom fields by their label or key.
pub async fn suggestions(
    pool: &AnyPool,
    kind: RecordKind,
    headers: &[String],
) -> Result<BTreeMap<String, String>, Error> {
    let mut out = mapping::suggest(kind, headers);
    let custom = records::custom_fields(pool, kind).await?;
    for h in headers {
        if out.contains_key(h) {
            continue;
        }
        let n = mapping::normalize_header(h);
        let found = custom.iter().find(|(key, label, _)| {
            mapping::normalize_header(label) == n || mapping::normalize_header(key) == n
        });
        if let Some((key, _, _)) = found {
            let field = format!("custom.{key}");
            if !out.values().any(|f| *f == field) {
                out.insert(h.clone(), field);
            }
        }
    }
    Ok(out)
}

/// The custom fields of the kind whose values are dates (read like the standard dates).
pub async fn date_keys(pool: &AnyPool, kind: RecordKind) -> Result<Vec<String>, Error> {
    Ok(records::custom_fields(pool, kind)
        .await?
        .into_iter()
        .filter(|f| f.2)
        .map(|f| f.0)
        .collect())
}

/// The mapping to use: the one given, else the preset named, else the one suggested; checked against the file's
/// headers and the kind's fields.
pub async fn resolve_mapping(
    pool: &AnyPool,
    user: i64,
    kind: RecordKind,
    headers: &[String],
    options: &ImportOptions,
) -> Result<BTreeMap<String, String>, Error> {
    let mapping = match (&options.mapping, &options.preset) {
        (Some(m), _) => m.clone(),
        (None, Some(name)) => {
            let (_, text) = store::preset(pool, kind.table(), name)
                .await?
                .ok_or_else(|| {
                    Error::validation("preset", format!("no preset '{name}' for {}", kind.table()))
                })?;
            // A preset names headers of another file: the ones this file lacks are left out.
            let m: BTreeMap<String, String> =
                serde_json::from_str(&text).map_err(Error::internal)?;
            m.into_iter().filter(|(h, _)| headers.contains(h)).collect()
        }
        (None, None) => suggestions(pool, kind, headers).await?,
    };
    let mut out = BTreeMap::new();
    let mut single: Vec<&str> = Vec::new();
    for (header, field) in &mapping {
        if field.is_empty() || field == "skip" {
            continue;
        }
        if !headers.contains(header) {
            return Err(Error::validation(
                "mapping",
                format!("the file has no column «{header}»"),
            ));
        }
        if !mapping::allowed(kind, field) {
            return Err(Error::validation(
                "mapping",
                format!("«{header}»: '{field}' is not a field of {}", kind.table()),
            ));
        }
        if !mapping::is_multi(field) {
            if single.contains(&field.as_str()) {
                return Err(Error::validation(
                    "mapping",
                    format!("two columns fill '{field}'"),
                ));
            }
            single.push(field);
        }
        out.insert(header.clone(), field.clone());
    }
    if let Some(name) = &options.save_preset {
        let text = serde_json::to_string(&out).map_err(Error::internal)?;
        let name = crate::crm::normalize::required("save_preset", name, 100)?;
        store::save_preset(pool, kind.table(), &name, &text, user).await?;
    }
    Ok(out)
}

/// Queues the run (the background job takes it); `options` replace the checked ones when given.
pub async fn start(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    options: Option<ImportOptions>,
) -> Result<ImportView, Error> {
    let row = load(pool, caller, id).await?;
    let kind = parse_kind(&row.kind)?;
    records::require_write(caller, kind)?;
    // Never checked: the run takes the suggested mapping, as a check with no options would.
    let stored: ImportOptions = serde_json::from_str(&row.options).unwrap_or_default();
    let options = options.or_else(|| stored.mapping.is_none().then(ImportOptions::default));
    if let Some(mut options) = options {
        let bytes = store::file(pool, id).await?;
        let table = preview_of(&row.filename, &row.format, &bytes, options.sheet.as_deref())?;
        options.mapping =
            Some(resolve_mapping(pool, caller.id, kind, &table.headers, &options).await?);
        options.save_preset = None;
        let text = serde_json::to_string(&options).map_err(Error::internal)?;
        if !matches!(row.status.as_str(), "uploaded" | "checked") {
            return Err(Error::Conflict {
                message: format!("import {id} is {}", row.status),
            });
        }
        store::set_options(pool, id, &text, "checked", table.total as i64).await?;
    }
    if !store::transition(pool, id, &["uploaded", "checked"], "queued", None).await? {
        return Err(Error::Conflict {
            message: format!("import {id} is {}; it runs once", row.status),
        });
    }
    get(pool, caller, id).await
}
