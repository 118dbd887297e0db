use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    /// The primary address first.
    pub emails: Vec<String>,
    pub primary_email: Option<String>,
    /// As entered; matched in their normalized (E.164) form.
    pub phones: Vec<String>,
    pub position: Option<String>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_id: Option<i64>,
    pub tags: Vec<String>,
    /// The latest consent decision for marketing mail, if any.
    pub consent: Option<Consent>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    /// true: consent given; false: withdrawn.
    pub granted: bool,
    /// E.g. "152-FZ art. 9 written consent", "GDPR art. 6(1)(a)".
    pub legal_basis: String,
    /// Where it was given: web form, paper, e-mail reply, unsubscribe link…
    pub source: String,
    pub recorded_by: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub granted: bool,
    pub legal_basis: String,
    pub source: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: String,
    /// The first is the primary address.
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    pub position: Option<String>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Create even when a contact or lead with one of these e-mails or phones exists.
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub name: Option<String>,
    /// Replaces the list; the first is the primary address.
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub company_id: Option<Option<i64>>,
    pub owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub type_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilter {
    /// Search in name, e-mails, phones and position (case-insensitive, Cyrillic too).
    pub q: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tag: Option<String>,
    pub owner_id: Option<i64>,
    pub company_id: Option<i64>,
    pub type_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<Contact>,
    pub next_after: Option<i64>,
}
