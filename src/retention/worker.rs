//! The retention task, one per instance: every minute it looks whether a pass is due and, if it takes the pass
//! (one instance of many does), runs it; an hour later the next.

use std::time::Duration;

use tokio::sync::watch;

use crate::db::Db;

const LOOK_EVERY: Duration = Duration::from_secs(60);
const PASS_EVERY_MS: i64 = 3600 * 1000;

/// Runs until `stop` turns true (or its sender goes), with backoff while the database fails.
pub async fn run(db: Db, mut stop: watch::Receiver<bool>) {
    let mut delay = LOOK_EVERY;
    loop {
        if *stop.borrow() {
            return;
        }
        let now = crate::db::now_ms();
        let outcome = match super::store::claim(&db.pool, now, now + PASS_EVERY_MS).await {
            Ok(true) => super::run(&db, now).await.map(|_| ()),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => delay = LOOK_EVERY,
            Err(error) => {
                tracing::warn!(%error, "retention pass failed");
                delay = (delay * 2).min(Duration::from_secs(3600));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}
