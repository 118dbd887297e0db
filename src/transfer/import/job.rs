//! The import run as a background job: a worker beside the server claims queued imports (or one whose worker
//! stopped: its lease ran out), goes from where the last recorded row left off a batch at a time (`batch`), and
//! keeps the counters current.

use std::time::Duration;

use serde_json::json;
use sqlx::AnyPool;
use tokio::sync::watch;

use super::plan::Planner;
use super::{batch, parse_kind, rows};
use crate::error::Error;
use crate::transfer::model::ImportOptions;
use crate::transfer::{records, store};

/// A worker that stops renewing for this long has stopped; its import is taken over.
const LEASE_MS: i64 = 30_000;
/// Counters (and the lease) are written every this many rows.
const PROGRESS_EVERY: usize = 100;
/// The run's page cache per connection (SQLite), as the shared pool's: a batch of 500 contacts and its index pages
/// fit in it.
pub(super) const JOB_CACHE_KIB: u32 = 16_000;

/// Runs queued imports until `stop` turns true; errors back off and retry.
pub async fn worker(pool: AnyPool, mut stop: watch::Receiver<bool>) {
    let mut idle = Duration::from_millis(200);
    loop {
        if *stop.borrow() {
            return;
        }
        match store::claim(&pool, LEASE_MS).await {
            Ok(Some(id)) => {
                idle = Duration::from_millis(200);
                if let Err(e) = run(&pool, id, &stop).await {
                    tracing::warn!(import = id, error = %e, "import failed");
                    let _ =
                        store::transition(&pool, id, &["running"], "failed", Some(&e.to_string()))
                            .await;
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "claiming an import failed");
                idle = (idle * 2).min(Duration::from_secs(10));
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One import from its first unrecorded row to the end (or until `stop`).
pub async fn run(pool: &AnyPool, id: i64, stop: &watch::Receiver<bool>) -> Result<(), Error> {
    run_with(pool, id, stop, &mut |_, _| {}).await
}

/// `run`, calling `tick(done, total)` as rows finish (the CLI's progress bar).
pub async fn run_with(
    pool: &AnyPool,
    id: i64,
    stop: &watch::Receiver<bool>,
    tick: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(), Error> {
    // The whole run on a pool of its own, so its memory is at most two page caches, not the shared pool's ten.
    let job = crate::db::dedicated(pool, JOB_CACHE_KIB).await?;
    let outcome = run_on(&job, id, stop, tick).await;
    job.close().await;
    outcome
}

async fn run_on(
    pool: &AnyPool,
    id: i64,
    stop: &watch::Receiver<bool>,
    tick: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<(), Error> {
    let row = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("import"))?;
    let kind = parse_kind(&row.kind)?;
    let caller = records::caller_of(pool, row.user_id).await?;
    records::require_write(&caller, kind)?;
    let options: ImportOptions = serde_json::from_str(&row.options).map_err(Error::internal)?;
    let bytes = store::file(pool, id).await?;
    let mut table =
        super::stream::open(&row.filename, &row.format, bytes, options.sheet.clone()).await?;
    let mapping = options.mapping.clone().unwrap_or_default();
    let columns = rows::columns(&table.headers, &mapping);
    let dates = super::date_keys(pool, kind).await?;
    let owner_mapped = mapping.values().any(|f| f == "owner");
    let mut planner = Planner::new(pool, kind, caller.clone(), options, owner_mapped).await?;
    let after = store::last_row(pool, id).await?;
    let total = row.counts[0].max(0) as u64;
    let mut done = 0;
    let mut since = 0;
    while let Some(chunk) = table.next().await? {
        let mut rows = Vec::with_capacity(chunk.len());
        for (line, cells) in &chunk {
            done += 1;
            if (*line as i64) <= after {
                continue;
            }
            rows.push((
                *line as i64,
                rows::parse(&columns, &table.headers, cells, &dates),
            ));
        }
        if *stop.borrow() {
            // A clean stop hands the job back at once; the next start goes on from the next row.
            store::progress(pool, id, LEASE_MS).await?;
            store::transition(pool, id, &["running"], "queued", None).await?;
            return Ok(());
        }
        // Every kind a batch at a time (one transaction each); `batch` takes single rows out where it must.
        since += rows.len();
        batch::run(pool, &mut planner, id, rows).await?;
        tick(done, total);
        if since >= PROGRESS_EVERY {
            store::progress(pool, id, LEASE_MS).await?;
            since = 0;
        }
    }
    store::progress(pool, id, LEASE_MS).await?;
    store::transition(pool, id, &["running"], "done", None).await?;
    let done = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("import"))?;
    let summary = json!({ "created": done.counts[2], "updated": done.counts[3], "skipped": done.counts[4], "failed": done.counts[5] });
    let mut conn = pool.acquire().await?;
    records::audit(&mut conn, caller.id, "import_run", ("import", id), &summary).await?;
    Ok(())
}
