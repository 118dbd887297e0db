use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Company {
    pub id: i64,
    pub name: String,
    /// Registrable domains (`acme.ru`), lower-case.
    pub domains: Vec<String>,
    /// The parent company; subsidiaries roll up into its timeline.
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub tags: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompany {
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
    pub parent_id: Option<i64>,
    /// Defaults to the caller; only an admin may give a record to someone else.
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Create even when a company with the same domain or name exists.
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    pub name: Option<String>,
    pub domains: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    pub owner_id: Option<i64>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompanyFilter {
    /// Search in name and domains (case-insensitive, Cyrillic too).
    pub q: Option<String>,
    pub tag: Option<String>,
    pub owner_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub domain: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyList {
    pub items: Vec<Company>,
    pub next_after: Option<i64>,
}
