//! A process-wide count of audience changes (suppressions, consent decisions). A sender notes it when it claims a
//! chunk and re-checks a claimed letter only when it moved, so an unsubscribe still stops the very next letter.

use std::sync::atomic::{AtomicU64, Ordering};

static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Call after writing a suppression or a consent decision.
pub fn audience_changed() {
    EPOCH.fetch_add(1, Ordering::SeqCst);
}

pub fn epoch() -> u64 {
    EPOCH.load(Ordering::SeqCst)
}
