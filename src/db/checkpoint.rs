//! SQLite WAL checkpoints off the writers' path. The automatic checkpoint runs inside the commit that pushes the
//! WAL past its threshold, so one writer in a hundred stalled for tens of milliseconds while the WAL was copied
//! back (measured on the campaign sender: a third of its recording time). A background task copies it back
//! every 100 ms instead, on the other core; the automatic checkpoint stays as a backstop at a larger WAL (4096 pages, 64 MB).

use std::time::Duration;

use sqlx::AnyPool;

const EVERY: Duration = Duration::from_millis(100);

pub fn spawn(pool: AnyPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            // PASSIVE: copies what no reader still needs and never waits for (or blocks) a writer.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "WAL checkpoint failed");
            }
        }
    });
}

/// The WAL copied back and emptied. After an erasure its old frames still hold what was deleted (secure_delete
/// zeroes the database pages, not the log's earlier copies of them). TRUNCATE waits for readers and writers under
/// `busy_timeout`; a rare admin action can afford that.
pub async fn truncate(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await
        .map(|_| ())
}
