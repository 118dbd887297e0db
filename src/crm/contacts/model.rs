use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;
use crate::crm::custom::model::{CustomInput, CustomValues};

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
    /// Postal address, free text (several lines allowed).
    pub address: Option<String>,
    /// An http(s) address.
    pub website: Option<String>,
    /// YYYY-MM-DD
    pub birthday: Option<String>,
    /// The latest consent decision for marketing mail, if any.
    pub consent: Option<Consent>,
    /// Values of the contact custom fields, by key.
    #[schema(value_type = Object)]
    pub custom: CustomValues,
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
    /// Given on this lead (a web form) before it became a contact, if so.
    pub lead_id: Option<i64>,
    /// A web form's consent: the version and the words the visitor agreed to, their address and the page.
    pub text_version: Option<i64>,
    pub consent_text: Option<String>,
    pub client_addr: Option<String>,
    pub page: Option<String>,
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
    pub address: Option<String>,
    /// `romashka.ru` is read as `https://romashka.ru/`.
    pub website: Option<String>,
    /// YYYY-MM-DD
    pub birthday: Option<String>,
    /// Create even when a contact or lead with one of these e-mails or phones exists.
    #[serde(default)]
    pub allow_duplicate: bool,
    /// Custom values by key; every required field needs one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
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
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub birthday: Option<Option<String>>,
    /// Custom values to change, by key; `null` clears one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
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
    /// Contacts whose birthday falls in this month (1-12).
    pub birthday_month: Option<u8>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

crate::record_list!(ContactList, Contact);
