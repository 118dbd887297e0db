//! Retention policies as the API shows and takes them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The longest policy accepted: a hundred years.
pub const MAX_MONTHS: i64 = 1200;

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPolicy {
    /// Leads never converted are deleted this many months after they were created; null keeps them.
    pub leads_months: Option<i64>,
    pub mailboxes: Vec<MailboxRetention>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_run_at: Option<OffsetDateTime>,
    /// What the last pass deleted.
    pub last_counts: Option<RetentionCounts>,
    /// When the next scheduled pass is due (an instance looks every minute; one already due runs within it).
    #[serde(with = "time::serde::rfc3339")]
    pub next_run_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct MailboxRetention {
    pub id: i64,
    /// The mailbox's name (ignored in an update).
    #[serde(default)]
    pub name: String,
    /// Mail older than this many months (by its date) leaves this mailbox; null keeps it.
    pub mail_months: Option<i64>,
}

/// `PUT /api/v1/admin/retention`: the leads' policy, and the mailboxes listed (others keep theirs).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionUpdate {
    pub leads_months: Option<i64>,
    #[serde(default)]
    pub mailboxes: Vec<MailboxRetention>,
}

/// What a pass did.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema, Clone, PartialEq)]
pub struct RetentionCounts {
    /// Places (mailbox folders) old mail was removed from.
    pub locations_removed: u64,
    /// Messages deleted in full: no mailbox held them any more and nobody had logged them to a record.
    pub messages_deleted: u64,
    pub leads_deleted: u64,
    /// Audit entries of the deleted leads redacted to a tombstone.
    pub audit_entries_redacted: u64,
}

impl RetentionCounts {
    pub fn is_empty(&self) -> bool {
        *self == RetentionCounts::default()
    }
}
