//! The search API's types: the query string, one hit, its snippet with highlight ranges, a page of hits.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// What to search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Mail,
    Notes,
    Records,
    #[default]
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words (any inflection, Russian or English), `"a phrase"`, `prefix*`; every term must match. At least 2
    /// letters or digits.
    pub q: String,
    #[param(inline)]
    pub kind: Option<SearchKind>,
    /// Hits per kind and page, 1 to 50 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The hit's kind: `mail`, `note`, or a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HitKind {
    Mail,
    Note,
    Contact,
    Company,
    Lead,
    Deal,
}

/// Where the console (or the pane) opens the hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitLink {
    /// For mail: its thread (absent for mail in no thread) and the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// For records and notes: the record (a note's record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<i64>,
}

/// Plain text (never HTML) and the character ranges of the words that matched, `[start, end)` in Unicode code
/// points. Clients escape the text and mark the ranges themselves.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<[usize; 2]>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    pub kind: HitKind,
    pub id: i64,
    /// Subject, record name, or for a note the name of its record; with its own highlights.
    pub title: Snippet,
    /// Mail: its Date (or when it was stored); notes and records: last change.
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    pub link: HitLink,
    pub snippet: Snippet,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Best first within each kind; with `kind=all`, grouped: records, then mail, then notes.
    pub items: Vec<Hit>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
