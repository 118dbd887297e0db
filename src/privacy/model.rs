//! Types of data subject requests: who is asked about, and what an erasure did.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The person: every contact and lead with one of these addresses, and these contacts, with all they hold.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub contact_ids: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub contact_ids: Vec<i64>,
    /// Why (the request's ground under 152-FZ / GDPR); kept with the tombstone.
    pub reason: String,
}

/// What an erasure did; the same counts are kept with the request's tombstone.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ErasureReport {
    /// The request's id: audit entries redacted by it say `{"erased": true, "request": id}`.
    pub request_id: i64,
    pub contacts_deleted: u64,
    pub leads_deleted: u64,
    pub notes_deleted: u64,
    pub consent_events_deleted: u64,
    /// Mail where they were the only external participant.
    pub messages_deleted: u64,
    /// Mail others take part in too: kept with a pseudonym in their place.
    pub messages_pseudonymized: u64,
    pub audit_entries_redacted: u64,
    /// Deals of their contacts kept (the company's business) with the person's name replaced in the title, lost
    /// reason, notes, tasks and audit entries: rows changed.
    #[serde(default)]
    pub deal_rows_pseudonymized: u64,
    /// Rows elsewhere (duplicate keys, suppressions, bounces, campaign recipients, webhook payloads …).
    pub other_rows: u64,
    /// Earlier requests about the same person (recognised by the salted hash), by id.
    pub earlier_requests: Vec<i64>,
}
