//! Export of the four list views (with their list endpoints' filters) to CSV (UTF-8 with BOM, or windows-1251)
//! or .xlsx, in the list view's columns, streamed: pages of 200 read by keyset feed the writer (`writer`) as they
//! come, so memory stays flat however long the list.
//! Admins export; other roles only when an admin allows them (`transfer_settings.export_roles`).

pub mod columns;
pub mod routes;
pub mod writer;

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

/// One export: the list, its filter (the list endpoint's query), the file's format and columns.
pub struct Request {
    pub kind: RecordKind,
    pub filter: String,
    pub format: Format,
    pub encoding: Encoding,
    /// The list view's columns, in order; empty: the kind's usual ones and every custom field.
    pub columns: Vec<String>,
    /// Data rows per .xlsx sheet before the next sheet starts (`writer::SHEET_ROWS`).
    pub sheet_rows: u32,
}

const ROLES_KEY: &str = "export_roles";
/// The export's page cache (SQLite): the list's pages are read once each, so little is worth keeping.
const JOB_CACHE_KIB: u32 = 2_000;

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
    (pool, caller): (AnyPool, Caller),
    (kind, query): (RecordKind, String),
    columns: columns::Columns,
    rows: std::sync::mpsc::SyncSender<Vec<Vec<String>>>,
) -> Result<u64, Error> {
    let mut names = columns::Names::load(&pool).await?;
    let mut after = None;
    let mut count = 0u64;
    loop {
        let (items, next) = records::list_page(&pool, &caller, kind, &query, after).await?;
        let mut batch = Vec::with_capacity(items.len());
        for item in &items {
            batch.push(
                names
                    .row(&pool, &caller, &columns, item)
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

/// Starts the export and gives the stream of its body; the audit entry is written first.
pub async fn start(
    pool: &AnyPool,
    caller: &Caller,
    req: Request,
) -> Result<mpsc::Receiver<Result<Bytes, std::io::Error>>, Error> {
    let kind = req.kind;
    require_export(pool, caller, kind).await?;
    // A bad filter, sort or column answers 422 now, before the 200 and its headers are sent.
    records::list_page(pool, caller, kind, &req.filter, None).await?;
    let columns = columns::Columns::choose(pool, kind, &req.columns).await?;
    // The read on a pool of its own with small caches: pages are read once, in order, and a cache per pooled
    // connection of the shared pool (it hands them out in turn) is what made a long export's memory grow.
    let job = crate::db::dedicated(pool, JOB_CACHE_KIB).await?;
    {
        let mut conn = pool.acquire().await?;
        let format = if req.format == Format::Csv {
            "csv"
        } else {
            "xlsx"
        };
        let mut what = json!({ "kind": kind, "filter": req.filter, "format": format });
        if !req.columns.is_empty() {
            what["columns"] = json!(req.columns);
        }
        records::audit(
            &mut conn,
            caller.id,
            "export",
            ("export", crate::db::now_ms()),
            &what,
        )
        .await?;
    }
    let layout = writer::Layout {
        kind,
        headers: columns.headers(),
        format: req.format,
        encoding: req.encoding,
        sheet_rows: req.sheet_rows,
    };
    let (body_tx, body_rx) = mpsc::channel(8);
    let (rows_tx, rows_rx) = std::sync::mpsc::sync_channel(4);
    let out = writer::BodyWriter(body_tx.clone(), Vec::new());
    let failed = body_tx.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = writer::write_file(&layout, rows_rx, out) {
            tracing::warn!(error = %e, "export stopped");
            // A cut-off body, not a file that looks complete.
            let _ = failed.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let caller = caller.clone();
    tokio::spawn(async move {
        let fed = feed((job.clone(), caller), (kind, req.filter), columns, rows_tx).await;
        job.close().await;
        if let Err(e) = fed {
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
    req: Request,
    path: &std::path::Path,
) -> Result<(), Error> {
    use tokio::io::AsyncWriteExt;
    let mut rx = start(pool, caller, req).await?;
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
