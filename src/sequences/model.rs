//! What the sequences API reads and answers: a sequence with its steps, delays and sending window, enrolments with
//! their letters and stop reason, and the report.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// How long after the previous step (for the first: after enrolment) a step is due.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Delay {
    /// Calendar days (24 hours each), then into the next sending window.
    Days(u32),
    /// Working days of the window's week and holidays: the same local time on the N-th following working day.
    WorkingDays(u32),
}

/// One letter of a sequence: a saved template, or a subject and plain-text body of its own (handlebars, the
/// templates' fields: `{{contact.name}}`, `{{company.name}}` …).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Step {
    #[serde(default)]
    pub template_id: Option<i64>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub delay: Delay,
    /// Sent as a reply in the thread of the previous step: its In-Reply-To/References, "Re: " its subject.
    #[serde(default)]
    pub as_reply: bool,
    /// Uploads (`POST /api/v1/sequences/attachments`) of the caller's attached to every letter of the step.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
    /// The step's attachments as stored (answers only; ignored when written).
    #[serde(default, skip_deserializing)]
    pub attachments: Vec<Attachment>,
}

/// An uploaded file, stored once (by content hash) and attached to every letter of the steps that name it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    /// Bytes.
    pub size: i64,
    pub content_type: String,
}

/// A plain follow-up sequence, or a personal mail merge (one step, `POST /api/v1/mail-merge`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    Sequence,
    Merge,
}

impl SequenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceKind::Sequence => "sequence",
            SequenceKind::Merge => "merge",
        }
    }
}

/// When letters may go out, in the sequence's time zone: local hours on ISO weekdays (1 = Monday), not on holidays.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SendWindow {
    pub start: String,
    pub end: String,
    pub days: Vec<u8>,
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl Default for SendWindow {
    /// Monday to Friday, 09:00–18:00.
    fn default() -> Self {
        SendWindow {
            start: "09:00".into(),
            end: "18:00".into(),
            days: vec![1, 2, 3, 4, 5],
            holidays: Vec::new(),
        }
    }
}

/// A sequence as written (POST and PUT take the whole of it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SequenceInput {
    pub name: String,
    /// A mailbox with SMTP settings that the owner may send from (their personal one, or a shared one they are a
    /// member of).
    pub mailbox_id: i64,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub window: Option<SendWindow>,
    /// IANA name; none: the owner's digest time zone, else UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Stop an enrolment on human mail from anyone at the contact's company (its domains), not only the contact.
    #[serde(default)]
    pub stop_on_company_reply: bool,
    /// Limits of its own, waiting for a return date, the recipient's time-zone field.
    #[serde(flatten)]
    pub sending: super::options::SendingOptions,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sequence {
    pub id: i64,
    pub kind: SequenceKind,
    pub owner_id: i64,
    pub name: String,
    pub mailbox_id: i64,
    pub steps: Vec<Step>,
    pub window: SendWindow,
    pub time_zone: Option<String>,
    pub stop_on_company_reply: bool,
    #[serde(flatten)]
    pub sending: super::options::SendingOptions,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SequenceList {
    pub items: Vec<Sequence>,
}

/// Whom to enrol: exactly one of chosen contacts, a saved view of contacts (the caller's), or a segment; a view or
/// segment enrols the contacts it holds that the caller may read. At most 10 000 per call.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    #[serde(default)]
    pub contact_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub view_id: Option<i64>,
    #[serde(default)]
    pub segment_id: Option<i64>,
}

/// A personal mail merge: one letter to each contact from the caller's own mailbox, at once (in the window).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// Default: "Mail merge: " and the subject.
    #[serde(default)]
    pub name: Option<String>,
    pub mailbox_id: i64,
    /// Handlebars, the templates' fields (`{{contact.name}}` …).
    pub subject: String,
    /// Plain text, handlebars.
    pub body: String,
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
    /// Default: Monday to Friday 09:00–18:00 in the caller's digest time zone (else UTC).
    #[serde(default)]
    pub send_window: Option<SendWindow>,
    #[serde(default)]
    pub contact_ids: Option<Vec<i64>>,
    #[serde(default)]
    pub view_id: Option<i64>,
    #[serde(default)]
    pub segment_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MergeAnswer {
    pub sequence_id: i64,
    /// How many contacts were enrolled (each gets one letter).
    pub enrolled: i64,
    pub skipped: Vec<Skipped>,
}

/// One step's letter as sent (`sent`), refused (`failed`) or handed over without an answer (`uncertain`: never
/// resent).
#[derive(Debug, Serialize, ToSchema)]
pub struct StepLetter {
    /// From 1.
    pub step: i64,
    pub state: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub message_id: String,
    pub subject: Option<String>,
    pub filed_in_sent: bool,
    pub error: Option<String>,
    /// The status of the last bounce a DSN reported of it (`5.1.1` hard: the enrolment stopped; `4.2.2` soft).
    pub bounce_status: Option<String>,
    pub bounce_diagnostic: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub id: i64,
    pub sequence_id: i64,
    pub contact_id: i64,
    pub address: String,
    /// `active`, `finished` (every step went) or `stopped`.
    pub state: String,
    /// `replied`, `bounced`, `unsubscribed`, `suppressed`, `consent_withdrawn`, `failed`.
    pub stop_reason: Option<String>,
    /// The next step to go, from 1 (none when not active).
    pub next_step: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_due_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub enrolled_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub stopped_at: Option<OffsetDateTime>,
    pub letters: Vec<StepLetter>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Skipped {
    pub contact_id: i64,
    /// `already_enrolled`, `no_email`, `suppressed` (the address is on the suppression list) or `no_consent` (the
    /// contact's latest consent decision is a withdrawal).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolAnswer {
    pub enrolled: Vec<Enrolment>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentList {
    pub items: Vec<Enrolment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepCount {
    pub step: i64,
    pub sent: i64,
    pub uncertain: i64,
    pub failed: i64,
    /// Enrolments stopped after this step was their last letter, by why.
    pub replied: i64,
    pub bounced: i64,
    /// Unsubscribed, suppressed otherwise, or consent withdrawn.
    pub unsubscribed: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub enrolled: i64,
    pub active: i64,
    pub finished: i64,
    pub replied: i64,
    /// replied / enrolled (0 with nobody enrolled).
    pub reply_rate: f64,
    pub bounced: i64,
    /// Unsubscribed, suppressed otherwise, or consent withdrawn.
    pub unsubscribed: i64,
    pub steps: Vec<StepCount>,
}
