//! Live progress of mailbox syncs, for the console's progress bar: the folder being read, messages and bytes done
//! of those announced so far, and how the last sync ended. Kept in the app state (one board per running app).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::model::SyncReport;
use super::sync::SyncEvent;
use crate::error::Error;

/// Where a mailbox's sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// No sync ran since the server started.
    Idle,
    Running,
    Done,
    Failed,
}

/// Why the last sync failed, as the API's errors say it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncFailure {
    pub code: String,
    pub message: String,
}

/// One mailbox's current or last sync. Totals grow as the sync reaches each folder (a folder's new messages are
/// counted when the sync opens it), so `messages_done / messages_total` is the share of what is known so far.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncProgress {
    pub mailbox_id: i64,
    pub state: SyncState,
    /// The folder being read (running), or the last one read.
    pub folder: Option<String>,
    pub messages_done: u64,
    pub messages_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// How a finished sync went.
    pub report: Option<SyncReport>,
    pub error: Option<SyncFailure>,
}

impl SyncProgress {
    fn idle(mailbox_id: i64) -> Self {
        SyncProgress {
            mailbox_id,
            state: SyncState::Idle,
            folder: None,
            messages_done: 0,
            messages_total: 0,
            bytes_done: 0,
            bytes_total: 0,
            started_at: None,
            finished_at: None,
            report: None,
            error: None,
        }
    }
}

/// Every mailbox's sync progress in this app.
#[derive(Clone, Default)]
pub struct SyncBoard {
    entries: Arc<Mutex<HashMap<i64, SyncProgress>>>,
}

impl SyncBoard {
    pub fn get(&self, mailbox_id: i64) -> SyncProgress {
        self.lock()
            .get(&mailbox_id)
            .cloned()
            .unwrap_or_else(|| SyncProgress::idle(mailbox_id))
    }

    /// Starts tracking a sync of the mailbox; `None` while another one is running (which keeps reporting).
    pub fn begin(&self, mailbox_id: i64) -> Option<Tracker> {
        let mut entries = self.lock();
        if entries
            .get(&mailbox_id)
            .is_some_and(|p| p.state == SyncState::Running)
        {
            return None;
        }
        let mut progress = SyncProgress::idle(mailbox_id);
        progress.state = SyncState::Running;
        progress.started_at = Some(OffsetDateTime::now_utc());
        entries.insert(mailbox_id, progress);
        Some(Tracker {
            board: self.clone(),
            mailbox_id,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, SyncProgress>> {
        // A poisoned lock only means a panic elsewhere mid-update; the counters are still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, mailbox_id: i64, change: impl FnOnce(&mut SyncProgress)) {
        if let Some(p) = self.lock().get_mut(&mailbox_id) {
            change(p);
        }
    }
}

/// Reports one running sync; dropped without `finish` (a cancelled task), it marks the sync failed.
/// `finish` consumes it after leaving a final state, so the drop then changes nothing.
pub struct Tracker {
    board: SyncBoard,
    mailbox_id: i64,
}

impl Tracker {
    pub fn on(&self, event: SyncEvent) {
        self.board.update(self.mailbox_id, |p| match event {
            SyncEvent::Folder {
                name,
                messages,
                bytes,
            } => {
                p.folder = Some(name);
                p.messages_total += messages;
                p.bytes_total += bytes;
            }
            SyncEvent::Stored { bytes } => {
                p.messages_done += 1;
                p.bytes_done += bytes;
            }
        });
    }

    pub fn finish(self, result: &Result<SyncReport, Error>) {
        self.board.update(self.mailbox_id, |p| {
            p.finished_at = Some(OffsetDateTime::now_utc());
            match result {
                Ok(report) => {
                    p.state = SyncState::Done;
                    p.report = Some(report.clone());
                }
                Err(error) => {
                    p.state = SyncState::Failed;
                    p.error = Some(failure(error));
                }
            }
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.board.update(self.mailbox_id, |p| {
            if p.state == SyncState::Running {
                p.state = SyncState::Failed;
                p.finished_at = Some(OffsetDateTime::now_utc());
                p.error = Some(SyncFailure {
                    code: "sync_interrupted".into(),
                    message:
                        "the sync stopped before it finished (connection lost or server stopping)"
                            .into(),
                });
            }
        });
    }
}

/// Starts a sync of the mailbox in the background and answers at once with its progress (the running one, when a
/// sync of it is already under way). The task ends with the sync; a stopping server interrupts it.
pub async fn start(
    pool: &sqlx::AnyPool,
    secrets: &crate::secrets::SecretBox,
    board: &SyncBoard,
    id: i64,
    limits: super::sync::FetchLimits,
) -> Result<SyncProgress, Error> {
    super::get(pool, id).await?;
    if let Some(tracker) = board.begin(id) {
        let (pool, secrets) = (pool.clone(), secrets.clone());
        tokio::spawn(async move {
            let result = super::sync_now(&pool, &secrets, id, limits, &|e| tracker.on(e)).await;
            if let Err(error) = &result {
                tracing::warn!(mailbox_id = id, %error, "background sync failed");
            }
            tracker.finish(&result);
        });
    }
    Ok(board.get(id))
}

fn failure(error: &Error) -> SyncFailure {
    match error {
        Error::Upstream { code, message } => SyncFailure {
            code: (*code).to_string(),
            message: message.clone(),
        },
        // Internal causes stay in the log, as in API errors.
        Error::Database(_) | Error::Internal(_) => SyncFailure {
            code: error.code().into(),
            message: "internal error; see the server log".into(),
        },
        other => SyncFailure {
            code: other.code().into(),
            message: other.to_string(),
        },
    }
}
