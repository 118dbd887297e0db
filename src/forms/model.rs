//! Types of web forms: the admin's view and input, the assignment rule, the submission log.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;

/// One field of a form: a lead field (`name`, `email`, `phone`, `company`, `message`) or a lead custom field by its
/// key (`custom.<key>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub key: String,
    #[serde(default)]
    pub required: bool,
    /// The label shown in the snippet; defaults to the field's Russian name (or the custom field's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Who gets the leads of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Assignment {
    /// Every lead to one user (the open pool while that user is inactive).
    Owner { user_id: i64 },
    /// In turn to the team's active members, by user id; the turn is kept in the database.
    RoundRobin { team_id: i64 },
    /// The open pool: any salesperson may take the lead.
    Pool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebForm {
    pub id: i64,
    pub name: String,
    /// The form posts to `/f/{public_key}`.
    pub public_key: String,
    /// The absolute URL the form posts to (the configured public URL, else this server's host).
    pub action_url: String,
    pub fields: Vec<FormField>,
    pub consent_text: String,
    /// Starts at 1; every change of `consent_text` adds one.
    pub consent_version: i64,
    pub assignment: Assignment,
    /// The lead source of the leads it creates.
    pub source_id: Option<i64>,
    pub redirect_url: Option<String>,
    pub allowed_origins: Vec<String>,
    pub enabled: bool,
    /// The service user the form acts as (the actor in the audit of the leads it creates).
    pub user_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebForm {
    pub name: String,
    pub fields: Vec<FormField>,
    /// The text the visitor agrees to (152-FZ consent to the processing of personal data).
    pub consent_text: String,
    #[serde(default = "pool")]
    pub assignment: Assignment,
    /// A lead source; absent: the source «Веб-форма: <name>», created when missing.
    pub source_id: Option<i64>,
    /// Where a plain HTML post is sent after success (http or https); absent: a small thank-you page.
    pub redirect_url: Option<String>,
    /// Origins (e.g. `https://nordwind.ru`) whose pages may post; empty: any page may post a plain HTML form.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

fn pool() -> Assignment {
    Assignment::Pool
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebFormPatch {
    pub name: Option<String>,
    pub fields: Option<Vec<FormField>>,
    pub consent_text: Option<String>,
    pub assignment: Option<Assignment>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub source_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub redirect_url: Option<Option<String>>,
    pub allowed_origins: Option<Vec<String>>,
    /// false: the public URL answers 404 until enabled again.
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebFormList {
    pub items: Vec<WebForm>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new lead (`record_id`).
    Created,
    /// A lead or contact with the same e-mail or phone was there: the submission is a note on it.
    Duplicate,
    /// The hidden field was filled: answered as accepted, nothing created.
    Honeypot,
    /// Refused: a required field missing, a bad e-mail or phone, no consent (`detail` says which).
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Duplicate => "duplicate",
            Outcome::Honeypot => "honeypot",
            Outcome::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Created,
            Outcome::Duplicate,
            Outcome::Honeypot,
            Outcome::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub outcome: Outcome,
    /// `lead` or `contact`: the record created, or the existing one the submission was noted on.
    pub record_kind: Option<String>,
    pub record_id: Option<i64>,
    pub detail: Option<String>,
    pub client_addr: String,
    pub page: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub items: Vec<Submission>,
    /// Pass as `before` for older entries.
    pub next_before: Option<i64>,
    /// Submissions of each outcome, all time.
    pub counts: OutcomeCounts,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct OutcomeCounts {
    pub created: i64,
    pub duplicate: i64,
    pub honeypot: i64,
    pub rejected: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionQuery {
    pub before: Option<i64>,
    pub limit: Option<i64>,
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Snippet {
    /// Static HTML to paste into a page: no external resources.
    pub html: String,
    pub action_url: String,
}

/// What the public endpoint answers a JSON post.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Always `accepted` (a duplicate or a bot gets the same answer, so the form tells nobody who is known).
    pub status: &'static str,
}
