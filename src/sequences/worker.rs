//! The sequence worker, one per instance: a pass every two seconds at the app's clock (tests move it), with
//! backoff while the database or a mailbox fails. Passes are safe side by side: each step is claimed first.

use std::time::Duration;

use tokio::sync::watch;

use super::send::Sender;

const POLL: Duration = Duration::from_secs(2);

/// Runs until `stop` turns true (or its sender goes).
/// `now` is the app's clock (UTC ms), handed in by the app: it lives with reminders, a layer above.
pub async fn run(
    sender: Sender,
    now: impl Fn() -> i64 + Send + 'static,
    mut stop: watch::Receiver<bool>,
) {
    let mut delay = POLL;
    loop {
        if *stop.borrow() {
            return;
        }
        match sender.pass(now()).await {
            Ok(_) => delay = POLL,
            Err(error) => {
                tracing::warn!(%error, "sequence pass failed");
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

/// A sender for this instance, with an id of its own for its claims.
pub fn sender(state: &crate::app::AppState) -> Sender {
    Sender {
        pool: state.db.pool.clone(),
        secrets: state.secrets.clone(),
        campaigns: state.campaigns.clone(),
        worker_id: format!("{:016x}", rand::random::<u64>()),
    }
}
