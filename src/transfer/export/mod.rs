//! Export of the four list views (with their list endpoints' filters) to CSV (UTF-8 with BOM, or windows-1251)
//! or .xlsx, streamed: pages of 200 read by keyset feed the response body as they come, and the .xlsx is written
//! in rust_xlsxwriter's constant-memory mode straight into the body, so memory stays flat however long the list.
//! Admins export; other roles only when an admin allows them (`transfer_settings.export_roles`).

pub mod columns;
pub mod routes;

use axum::body::Bytes;
use serde_json::json;
use sqlx::AnyPool;
use tokio::sync::mpsc;

use super::{records, store};
use crate::auth::{Caller, Role};
use crate::crm::RecordKind;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1251,
}

const ROLES_KEY: &str = "export_roles";

/// The roles besides admin that may export.
pub async fn export_roles(pool: &AnyPool) -> Result<Vec<Role>, Error> {
    let text = store::setting(pool, ROLES_KEY)
        .await?
        .unwrap_or_else(|| "[]".into());
    let names: Vec<String> = serde_json::from_str(&text).unwrap_or_default();
    Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
}

pub async fn set_export_roles(
    pool: &AnyPool,
    caller: &Caller,
    roles: &[String],
) -> Result<Vec<Role>, Error> {
    let mut parsed: Vec<Role> = Vec::new();
    for r in roles {
        let role: Role = r
            .parse()
            .map_err(|m: String| Error::validation("roles", m))?;
        if role != Role::Admin && !parsed.contains(&role) {
            parsed.push(role);
        }
    }
    let before = export_roles(pool).await?;
    let text = serde_json::to_string(&parsed.iter().map(|r| r.as_str()).collect::<Vec<_>>())
        .map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_setting(&mut tx, ROLES_KEY, &text).await?;
    let b: Vec<&str> = before.iter().map(|r| r.as_str()).collect();
    let a: Vec<&str> = parsed.iter().map(|r| r.as_str()).collect();
    crate::crm::audit::settings_event(
        &mut tx,
        caller.id,
        "settings",
        ("export_roles", 0),
        &json!(b),
        &json!(a),
    )
    .await?;
    tx.commit().await?;
    Ok(parsed)
}

/// 403 unless the caller is an admin or of a role allowed to export, and may read the kind at all.
pub async fn require_export(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
) -> Result<(), Error> {
    records::require_read(caller, kind)?;
    if caller.is_admin() || export_roles(pool).await?.contains(&caller.role) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A cell Excel would run as a formula is written with a leading apostrophe (CSV injection).
fn safe(cell: String) -> String {
    if cell.starts_with(['=', '@']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Rows of the list, page by page, into `rows` (as cells); stops when the receiver goes away.
async fn feed(
    pool: AnyPool,
    caller: Caller,
    kind: RecordKind,
    query: String,
    rows: std::sync::mpsc::SyncSender<Vec<Vec<String>>>,
) -> Result<u64, Error> {
    let mut names = columns::Names::load(&pool, kind).await?;
    let mut after = None;
    let mut count = 0u64;
    loop {
        let (items, next) = records::list_page(&pool, &caller, kind, &query, after).await?;
        let mut batch = Vec::with_capacity(items.len());
        for item in &items {
            batch.push(
                names
                    .row(&pool, &caller, kind, item)
                    .await?
                    .into_iter()
                    .map(safe)
                    .collect(),
            );
        }
        count += batch.len() as u64;
        let sender = rows.clone();
        let sent = tokio::task::spawn_blocking(move || sender.send(batch).is_ok())
            .await
            .map_err(Error::internal)?;
        if !sent {
            return Ok(count);
        }
        match next {
            Some(n) => after = Some(n),
            None => return Ok(count),
        }
    }
}

/// A `Write` into the response body: each buffer becomes a chunk (a slow client slows the writer down).
struct BodyWriter(mpsc::Sender<Result<Bytes, std::io::Error>>, Vec<u8>);

impl std::io::Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(buf);
        if self.1.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.1.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.1));
        self.0.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Windows1251 => encoding_rs::WINDOWS_1251.encode(text).0.into_owned(),
    }
}

/// Writes the rows as they arrive into `out` (blocking: runs on its own thread).
fn write_file(
    (kind, headers): (RecordKind, Vec<String>),
    format: Format,
    encoding: Encoding,
    rows: std::sync::mpsc::Receiver<Vec<Vec<String>>>,
    mut out: BodyWriter,
) -> Result<(), Error> {
    use std::io::Write;
    match format {
        Format::Csv => {
            if encoding == Encoding::Utf8 {
                out.write_all(b"\xEF\xBB\xBF").map_err(Error::internal)?;
            }
            let line = |cells: &[String]| -> Result<Vec<u8>, Error> {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(b';')
                    .from_writer(Vec::new());
                w.write_record(cells).map_err(Error::internal)?;
                let bytes = w.into_inner().map_err(Error::internal)?;
                Ok(encode(&String::from_utf8_lossy(&bytes), encoding))
            };
            out.write_all(&line(&headers)?).map_err(Error::internal)?;
            for batch in rows {
                for row in batch {
                    out.write_all(&line(&row)?).map_err(Error::internal)?;
                }
            }
            out.flush().map_err(Error::internal)
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(Error::internal)?;
            sheet.set_name(kind.table()).map_err(Error::internal)?;
            for (c, h) in headers.iter().enumerate() {
                sheet
                    .write_string(0, c as u16, h)
                    .map_err(Error::internal)?;
            }
            let mut r: u32 = 1;
            for batch in rows {
                for row in batch {
                    for (c, v) in row.iter().enumerate() {
                        if !v.is_empty() {
                            sheet
                                .write_string(r, c as u16, v)
                                .map_err(Error::internal)?;
                        }
                    }
                    r = r.saturating_add(1);
                    if r >= 1_048_576 {
                        return Err(Error::Unprocessable { code: "export_too_long", message: "an .xlsx sheet holds at most 1 048 575 rows; filter the list or export CSV".into(), details: json!(null) });
                    }
                }
            }
            book.save_to_writer(&mut out).map_err(Error::internal)?;
            out.flush().map_err(Error::internal)
        }
    }
}

/// Starts the export and gives the stream of its body; the audit entry is written first.
pub async fn start(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    query: String,
    format: Format,
    encoding: Encoding,
) -> Result<mpsc::Receiver<Result<Bytes, std::io::Error>>, Error> {
    require_export(pool, caller, kind).await?;
    // A bad filter or sort answers 422 now, before the 200 and its headers are sent.
    records::list_page(pool, caller, kind, &query, None).await?;
    {
        let mut conn = pool.acquire().await?;
        let what = json!({ "kind": kind, "filter": query, "format": if format == Format::Csv { "csv" } else { "xlsx" } });
        records::audit(
            &mut conn,
            caller.id,
            "export",
            ("export", crate::db::now_ms()),
            &what,
        )
        .await?;
    }
    let headers = columns::headers(kind, &columns::Names::load(pool, kind).await?);
    let (body_tx, body_rx) = mpsc::channel(8);
    let (rows_tx, rows_rx) = std::sync::mpsc::sync_channel(4);
    let writer = BodyWriter(body_tx.clone(), Vec::new());
    tokio::task::spawn_blocking(move || {
        if let Err(e) = write_file((kind, headers), format, encoding, rows_rx, writer) {
            tracing::warn!(error = %e, "export stopped");
        }
    });
    let (pool, caller) = (pool.clone(), caller.clone());
    tokio::spawn(async move {
        if let Err(e) = feed(pool, caller, kind, query, rows_tx).await {
            tracing::warn!(error = %e, "export read failed");
            // The client sees a cut-off body rather than a file that looks complete.
            let _ = body_tx
                .send(Err(std::io::Error::other(e.to_string())))
                .await;
        }
    });
    Ok(body_rx)
}

/// The whole export into a file (the CLI).
pub async fn to_file(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    query: String,
    format: Format,
    encoding: Encoding,
    path: &std::path::Path,
) -> Result<(), Error> {
    use tokio::io::AsyncWriteExt;
    let mut rx = start(pool, caller, kind, query, format, encoding).await?;
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(Error::internal)?;
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk.map_err(Error::internal)?;
        file.write_all(&chunk).await.map_err(Error::internal)?;
    }
    file.flush().await.map_err(Error::internal)?;
    Ok(())
}
