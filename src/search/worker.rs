//! The indexer task, one per instance: a pass every second (mail searchable within seconds of being stored),
//! catching up in full batches while there is a backlog, with backoff while the database fails.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::Db;

const POLL: Duration = Duration::from_secs(1);

/// Runs until `stop` turns true (or its sender goes).
pub async fn run(db: Db, mut stop: watch::Receiver<bool>) {
    let mut delay = POLL;
    loop {
        if *stop.borrow() {
            return;
        }
        match super::index::pass(&db).await {
            // A full batch: more waits, go on at once (but let a stop in between).
            Ok(n) if n >= super::index::BATCH as usize => {
                delay = Duration::ZERO;
            }
            Ok(_) => delay = POLL,
            Err(error) => {
                tracing::warn!(%error, "search indexing pass failed");
                delay = (delay.max(POLL) * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}
