//! Undoing a finished import: what it created is deleted and what it changed set back, the latest first, on a job
//! pool of its own like the run.

use serde_json::{json, Value};
use sqlx::AnyPool;

use super::job::JOB_CACHE_KIB;
use super::load;
use super::write::reason_of;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::model::UndoReport;
use crate::transfer::{records, store};

/// Deletes what the import created and sets what it changed back to the values before, the latest first.
pub async fn undo(pool: &AnyPool, caller: &Caller, id: i64) -> Result<UndoReport, Error> {
    let row = load(pool, caller, id).await?;
    if !store::transition(pool, id, &["done", "failed"], "undoing", None).await? {
        return Err(Error::Conflict {
            message: format!(
                "import {id} is {}; only a finished import can be undone",
                row.status
            ),
        });
    }
    // Undoing a large import is a long job too: on a pool of its own, as the run (see `run_with`).
    let job = crate::db::dedicated(pool, JOB_CACHE_KIB).await?;
    let undone = undo_records(&job, caller, id).await;
    job.close().await;
    let report = undone?;
    store::transition(pool, id, &["undoing"], "undone", None).await?;
    let mut conn = pool.acquire().await?;
    let summary = json!({ "deleted": report.deleted, "restored": report.restored, "failed": report.failed.len() });
    records::audit(
        &mut conn,
        caller.id,
        "import_undo",
        ("import", id),
        &summary,
    )
    .await?;
    Ok(report)
}

/// Deletes or restores each record the import wrote, the latest first.
async fn undo_records(pool: &AnyPool, caller: &Caller, id: i64) -> Result<UndoReport, Error> {
    let mut report = UndoReport {
        deleted: 0,
        restored: 0,
        failed: Vec::new(),
    };
    for r in store::records(pool, id).await? {
        let Ok(kind) = r.kind.parse::<RecordKind>() else {
            continue;
        };
        let outcome = if r.action == "created" {
            records::delete(pool, caller, kind, r.record_id)
                .await
                .map(|_| report.deleted += 1)
        } else {
            let prior: Value = r
                .prior
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(json!({}));
            records::update(pool, caller, kind, r.record_id, prior)
                .await
                .map(|_| report.restored += 1)
        };
        if let Err(e) = outcome {
            match reason_of(&e) {
                Some(why) => report.failed.push(format!("{kind} {}: {why}", r.record_id)),
                None => return Err(e),
            }
        }
    }
    Ok(report)
}
