//! The import run as a background job: a worker beside the server claims queued imports (or one whose worker
//! stopped: its lease ran out), goes row by row from where the last recorded row left off, writes each row's
//! record and its bookkeeping in one transaction where crm allows it, and keeps the counters current. Undo too.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::AnyPool;
use tokio::sync::watch;

use super::plan::{Action, CompanyRef, Planner};
use super::{batch, parse_kind, row_hash, rows};
use crate::auth::Caller;
use crate::crm::RecordKind;
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
        if kind == RecordKind::Contact {
            // Contacts go a batch at a time (crm's bulk create); the other kinds row by row.
            since += rows.len();
            batch::run(pool, &mut planner, id, rows).await?;
        } else {
            for (line, parsed) in rows {
                if *stop.borrow() {
                    store::progress(pool, id, LEASE_MS).await?;
                    store::transition(pool, id, &["running"], "queued", None).await?;
                    return Ok(());
                }
                one_row(pool, &mut planner, id, line, parsed).await?;
                since += 1;
                if since >= PROGRESS_EVERY {
                    store::progress(pool, id, LEASE_MS).await?;
                    since = 0;
                }
            }
        }
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

/// Why a crm call refused a row, as the reject file says it.
pub(super) fn reason_of(e: &Error) -> Option<String> {
    match e {
        Error::Database(_) | Error::Internal(_) => None,
        Error::Validation { field, message } => Some(format!("{field}: {message}")),
        Error::Forbidden => Some("your role may not do this".into()),
        other => Some(other.to_string()),
    }
}

async fn record_only(
    pool: &AnyPool,
    id: i64,
    line: i64,
    outcome: &str,
    hash: &str,
    record: Option<i64>,
    reason: Option<&str>,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    store::insert_row(&mut tx, id, line, outcome, (hash, record, reason)).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn one_row(
    pool: &AnyPool,
    planner: &mut Planner,
    id: i64,
    line: i64,
    parsed: Result<rows::Values, String>,
) -> Result<(), Error> {
    let kind = planner.kind;
    let values = match parsed {
        Ok(v) => v,
        Err(reason) => return record_only(pool, id, line, "failed", "", None, Some(&reason)).await,
    };
    let hash = row_hash(kind, &values);
    {
        let mut conn = pool.acquire().await?;
        if let Some((import, at)) = store::already_imported(&mut conn, &hash).await? {
            let reason = format!("already imported (import {import}, row {at})");
            drop(conn);
            return record_only(pool, id, line, "skipped", "", None, Some(&reason)).await;
        }
    }
    let action = planner.plan(pool, line as usize, &values, false).await?;
    let caller = planner.caller.clone();
    let result = match action {
        Action::Fail { reason } => {
            return record_only(pool, id, line, "failed", &hash, None, Some(&reason)).await
        }
        Action::Skip { reason, .. } => {
            return record_only(pool, id, line, "skipped", &hash, None, Some(&reason)).await
        }
        Action::Create { body, company, .. } => {
            create(pool, &caller, kind, (id, line, &hash), body, company).await
        }
        Action::Update {
            id: record,
            patch,
            prior,
            company,
            ..
        } => {
            update(
                pool,
                &caller,
                kind,
                (id, line, &hash),
                record,
                (patch, prior),
                company,
            )
            .await
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => match reason_of(&e) {
            Some(reason) => record_only(pool, id, line, "failed", &hash, None, Some(&reason)).await,
            None => Err(e),
        },
    }
}

/// The company a row names, found again or created inside the row's transaction.
async fn company_in(
    tx: &mut sqlx::AnyConnection,
    caller: &Caller,
    (id, line): (i64, i64),
    company: Option<CompanyRef>,
    owner: Value,
) -> Result<Option<i64>, Error> {
    Ok(match company {
        None => None,
        Some(CompanyRef::Existing(c)) => Some(c),
        Some(CompanyRef::New { name, domain }) => {
            if let Some(c) = records::company_by_name(tx, &name).await? {
                return Ok(Some(c));
            }
            let body = json!({ "name": name, "domains": domain.into_iter().collect::<Vec<_>>(), "owner_id": owner });
            let c = records::create_in(tx, caller, RecordKind::Company, body).await?;
            store::insert_record(tx, id, line, ("company", c), "created", None).await?;
            Some(c)
        }
    })
}

async fn create(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    (id, line, hash): (i64, i64, &str),
    mut body: Value,
    company: Option<CompanyRef>,
) -> Result<(), Error> {
    if matches!(kind, RecordKind::Lead | RecordKind::Company) {
        // crm's own create, in its own transaction: leads have no other, and a company's checks its duplicates.
        let record = records::create_standalone(pool, caller, kind, body).await?;
        let mut tx = crate::db::begin(pool).await?;
        store::insert_record(&mut tx, id, line, (kind.as_str(), record), "created", None).await?;
        store::insert_row(&mut tx, id, line, "created", (hash, Some(record), None)).await?;
        tx.commit().await?;
        return Ok(());
    }
    let mut tx = crate::db::begin(pool).await?;
    let work = async {
        if let Some(c) = company_in(
            &mut tx,
            caller,
            (id, line),
            company,
            body["owner_id"].clone(),
        )
        .await?
        {
            body["company_id"] = json!(c);
        }
        records::create_in(&mut tx, caller, kind, body).await
    }
    .await;
    let record = match work {
        Ok(r) => r,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    store::insert_record(&mut tx, id, line, (kind.as_str(), record), "created", None).await?;
    store::insert_row(&mut tx, id, line, "created", (hash, Some(record), None)).await?;
    tx.commit().await?;
    Ok(())
}

async fn update(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    (id, line, hash): (i64, i64, &str),
    record: i64,
    (mut patch, mut prior): (Value, Value),
    company: Option<CompanyRef>,
) -> Result<(), Error> {
    if let Some(CompanyRef::New { .. }) = &company {
        let mut tx = crate::db::begin(pool).await?;
        let c = company_in(&mut tx, caller, (id, line), company, json!(caller.id)).await;
        match c {
            Ok(c) => {
                tx.commit().await?;
                let before = records::get(pool, caller, kind, record).await?;
                patch["company_id"] = json!(c);
                prior["company_id"] = before["company_id"].clone();
            }
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        }
    }
    records::update(pool, caller, kind, record, patch).await?;
    let prior = serde_json::to_string(&prior).map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    store::insert_record(
        &mut tx,
        id,
        line,
        (kind.as_str(), record),
        "updated",
        Some(&prior),
    )
    .await?;
    store::insert_row(&mut tx, id, line, "updated", (hash, Some(record), None)).await?;
    tx.commit().await?;
    Ok(())
}
