use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::crm::kind::RecordKind;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Note {
    pub id: i64,
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub body: String,
    pub author_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotePatch {
    pub body: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub title: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub remind_at: Option<OffsetDateTime>,
    pub assignee_id: Option<i64>,
    pub record_kind: Option<RecordKind>,
    pub record_id: Option<i64>,
    pub done: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    pub created_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    /// RFC 3339, e.g. 2026-12-01T10:00:00+03:00
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub remind_at: Option<OffsetDateTime>,
    /// Defaults to the caller.
    pub assignee_id: Option<i64>,
    pub record_kind: Option<RecordKind>,
    pub record_id: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable_time")]
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Option<OffsetDateTime>>,
    #[serde(default, deserialize_with = "nullable_time")]
    #[schema(value_type = Option<String>)]
    pub remind_at: Option<Option<OffsetDateTime>>,
    pub assignee_id: Option<i64>,
    pub done: Option<bool>,
}

/// Like `api::extract::nullable`, for RFC 3339 times.
fn nullable_time<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(with = "time::serde::rfc3339::option")] Option<OffsetDateTime>);
    Wrap::deserialize(d).map(|w| Some(w.0))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    pub assignee_id: Option<i64>,
    pub done: Option<bool>,
    pub record_kind: Option<String>,
    pub record_id: Option<i64>,
    /// Only tasks due before this time (RFC 3339).
    pub due_before: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<Task>,
    pub next_after: Option<i64>,
}

/// One entry of a record's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItem {
    /// note, task, stage_change, email, sequence_letter or sequence_stopped
    pub kind: String,
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The record the item hangs on (a contact's deal, a subsidiary…).
    pub record_kind: String,
    pub record_id: i64,
    /// Note body, task title, the new stage's name, or the mail's subject.
    pub text: Option<String>,
    /// For stage changes: the previous stage's name; for mail: the sender's address.
    pub previous: Option<String>,
    pub user_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub done: Option<bool>,
    /// For mail: how much of it the caller reads (`metadata`: no subject; `subject`; `full`: also the body).
    pub mail_access: Option<crate::crm::access::MailLevel>,
    /// For `sequence_letter` (text: its subject, at: when it was sent) and `sequence_stopped` (text: the reason,
    /// `replied`, `bounced`, `unsubscribed`, `suppressed`, `consent_withdrawn` or `failed`; at: when).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_name: Option<String>,
    /// For `sequence_letter`: its step, from 1, its subject and when it was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub sent_at: Option<OffsetDateTime>,
    /// For `sequence_stopped`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Newest first.
    pub items: Vec<TimelineItem>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelinePage {
    /// Cursor from the previous page's `next_before`.
    pub before: Option<String>,
    pub limit: Option<i64>,
}
