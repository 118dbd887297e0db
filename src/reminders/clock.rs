//! The time reminders go by: the system clock plus an offset that tests move forward, waking the worker at once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    moved: Arc<Notify>,
}

impl Clock {
    /// UTC milliseconds since the epoch, as the database stores times.
    pub fn now_ms(&self) -> i64 {
        crate::db::now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this clock forward and wakes the reminder worker so it looks at once.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
        // notify_one keeps a permit when the worker is busy, so the move is not missed.
        self.moved.notify_one();
    }

    /// Completes when the clock was moved.
    pub async fn moved(&self) {
        self.moved.notified().await;
    }
}
