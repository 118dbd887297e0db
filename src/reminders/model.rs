//! The feed's types as the API shows them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// One entry of a user's feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `task_reminder`; `digest`: a daily digest whose e-mail may not have gone out (see `mail`).
    pub kind: String,
    pub task_id: Option<i64>,
    /// The task's title when the reminder fired.
    pub title: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub remind_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
    /// The e-mail copy: `none` (no relay was set), `pending` (to be tried), `sending`, `sent`, `failed`, or
    /// `uncertain` (it may not have gone out: the sender stopped, or the relay never answered; never sent again).
    pub mail: String,
    /// Why it failed or is uncertain.
    pub mail_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    /// Newest first.
    pub items: Vec<Notification>,
    /// Unread entries of the whole feed (not only this page).
    pub unread: i64,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedPage {
    /// Entries older than this id.
    pub before: Option<i64>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// Entries that were unread and now are read.
    pub marked: i64,
    pub unread: i64,
}

/// Which relay reminder letters go through.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    /// A relay's name (`GET /api/v1/relays`), or `default`; null: reminders reach the feed only.
    pub relay: Option<String>,
}

/// The caller's daily digest of today's and overdue tasks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    /// An IANA time zone (`Europe/Moscow`); null: no digest.
    pub time_zone: Option<String>,
    /// The local hour it is sent at, 0 to 23 (default 9).
    pub hour: Option<i64>,
}
