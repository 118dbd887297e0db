//! Keeps the reports' summaries (migration 0033) up to date: the database's triggers note every message (manager
//! activity) and record (data quality) whose figures may have changed, and a refresh folds the noted ones in before
//! the report reads the summaries.
//!
//! Why triggers that only note, and the work here: a link changes in many places (auto-link on sync, hand
//! corrections, merges, record deletion, owner changes, thread merges, a late answer arriving), some of them bulk
//! statements, and a trigger sees them all, today's and tomorrow's; the recomputation itself is one SQL text for
//! both backends in `store::summary` instead of two trigger dialects. Each step recomputes its keys from the source
//! rows, so a refresh is exact whatever order the changes came in.

use sqlx::AnyConnection;
use sqlx::AnyPool;

use super::quality::ROLE_PARTS;
use super::store::quality_records;
use super::store::summary::{self as store, Part, Summary};
use crate::error::Error;

/// Noted rows folded in per transaction.
const BATCH: i64 = 2_000;
/// A backlog at least this long is cheaper to rebuild from scratch (set-based) than to fold in batch by batch.
const REBUILD_AT: i64 = 50_000;

/// Folds every message noted since the last refresh into manager activity's summaries.
pub async fn activity(pool: &AnyPool) -> Result<(), Error> {
    refresh(pool, Summary::Activity).await
}

/// Folds every record noted since the last refresh into data quality's per-record rows.
pub async fn quality(pool: &AnyPool) -> Result<(), Error> {
    refresh(pool, Summary::Quality).await
}

/// Folds the noted changes in (or rebuilds everything when asked to, or when the backlog is long). Refreshes run
/// one at a time (the state row's lock); a second one waits and then finds little or nothing to do.
async fn refresh(pool: &AnyPool, which: Summary) -> Result<(), Error> {
    // Bounded: changes that keep arriving meanwhile wait for the next report instead of holding this one.
    for _ in 0..REBUILD_AT / BATCH + 2 {
        let mut conn = pool.acquire().await?;
        let (rebuild, noted) = store::pending(&mut conn, which, REBUILD_AT).await?;
        drop(conn);
        if !rebuild && noted == 0 {
            return Ok(());
        }
        let mut tx = crate::db::begin(pool).await?;
        let rebuild = store::lock(&mut tx, which).await? || noted >= REBUILD_AT;
        let part = if rebuild { Part::All } else { Part::Noted };
        let taken = store::take(&mut tx, which, (!rebuild).then_some(BATCH)).await?;
        if taken == 0 && !rebuild {
            // Another refresh folded them in while this one waited for the lock.
            tx.commit().await?;
            continue;
        }
        match which {
            Summary::Activity => fold_activity(&mut tx, part).await?,
            Summary::Quality => quality_records::recompute(&mut tx, part, ROLE_PARTS).await?,
        }
        store::finish(&mut tx, which, part).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The noted messages' mail rows, then the keys they touched: days, threads, waits.
async fn fold_activity(conn: &mut AnyConnection, part: Part) -> Result<(), Error> {
    if part == Part::Noted {
        store::touch_before(conn).await?;
    }
    store::mail(conn, part).await?;
    store::days(conn, part).await?;
    store::threads(conn, part).await?;
    store::waits(conn, part).await?;
    store::untouch(conn).await
}
