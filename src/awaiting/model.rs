//! The unanswered-mail types as the API shows them: reply policies and awaiting threads.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// How long a client may wait for our reply: `hours` working hours, counted only on working `days` (ISO weekdays,
/// 1 = Monday … 7 = Sunday) between `start` and `end` (local "HH:MM", `end` may be "24:00") in `time_zone` (IANA),
/// skipping `holidays` (local dates, YYYY-MM-DD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyPolicy {
    /// 1 to 1000.
    pub hours: u32,
    pub days: Vec<u8>,
    pub start: String,
    pub end: String,
    pub time_zone: String,
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl Default for ReplyPolicy {
    /// Eight working hours, Monday to Friday, 09:00–18:00 UTC: until an admin sets one.
    fn default() -> Self {
        ReplyPolicy {
            hours: 8,
            days: vec![1, 2, 3, 4, 5],
            start: "09:00".into(),
            end: "18:00".into(),
            time_zone: "UTC".into(),
            holidays: Vec::new(),
        }
    }
}

/// A policy as `GET` answers it: whether it is the team's own or the one it falls back to.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyAnswer {
    /// The team, or null for the default of owners in no team.
    pub team_id: Option<i64>,
    /// False while the team (or the default) has none of its own and the one shown applies.
    pub own: bool,
    pub policy: ReplyPolicy,
}

/// Whose awaiting threads to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListScope {
    /// Threads of records the caller owns.
    Mine,
    /// Also those of members of teams the caller leads.
    Team,
    /// Everyone's for admins; for others the same as `team`.
    All,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AwaitingQuery {
    /// `mine` (default), `team` or `all`.
    pub scope: Option<ListScope>,
    /// One record's state instead of a list: `contact:12` or `lead:7`.
    pub record: Option<String>,
    /// Only the overdue (`true`) or only those still in time (`false`).
    pub overdue: Option<bool>,
}

/// One thread awaiting our reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Awaiting {
    pub id: i64,
    pub thread_id: i64,
    /// The client's message that waits.
    pub message_id: i64,
    pub record: AwaitingRecord,
    /// Null when the caller may not read the message's subject (its mailbox's visibility).
    pub subject: Option<String>,
    /// Null when the caller may not read the message at all.
    pub from: Option<String>,
    pub from_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// The due time has passed (by the server's clock) and nobody answered.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwaitingRecord {
    /// `contact` or `lead`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwaitingList {
    /// Earliest due first (at most 500).
    pub items: Vec<Awaiting>,
    /// How many of them are overdue.
    pub overdue: usize,
}
