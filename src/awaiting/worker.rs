//! The tracking worker, one per instance: a pass every few seconds over the mail stored since the shared cursor,
//! with backoff while the database fails. Passes are safe side by side (see `track`).

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

const POLL: Duration = Duration::from_secs(5);

/// Runs until `stop` turns true (or its sender goes).
pub async fn run(pool: AnyPool, mut stop: watch::Receiver<bool>) {
    let mut delay = POLL;
    let mut seen = super::track::Seen::default();
    loop {
        if *stop.borrow() {
            return;
        }
        match super::track::catch_up(&pool, 20, Some(&mut seen)).await {
            Ok(()) => delay = POLL,
            Err(error) => {
                tracing::warn!(%error, "awaiting-reply tracking pass failed");
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}
