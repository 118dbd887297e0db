use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;
use crate::crm::custom::model::{CustomInput, CustomValues};
use crate::crm::skeleton::Page;

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
    /// Values of the company custom fields, by key.
    #[schema(value_type = Object)]
    pub custom: CustomValues,
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
    /// Custom values by key; every required field needs one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
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
    /// Custom values to change, by key; `null` clears one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
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
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyList {
    pub items: Vec<Company>,
    /// The last id, for `after` under the default sort.
    pub next_after: Option<i64>,
    /// For `after` under any sort; null on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<Company>> for CompanyList {
    fn from(p: Page<Company>) -> Self {
        CompanyList {
            items: p.items,
            next_after: p.next_after,
            next_cursor: p.next_cursor,
        }
    }
}
