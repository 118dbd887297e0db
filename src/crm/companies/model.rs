use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;

/// Head count bands, as sales teams segment companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CompanySize {
    #[serde(rename = "1-10")]
    Micro,
    #[serde(rename = "11-50")]
    Small,
    #[serde(rename = "51-250")]
    Medium,
    #[serde(rename = "251-1000")]
    Large,
    #[serde(rename = "1000+")]
    Enterprise,
}

impl CompanySize {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanySize::Micro => "1-10",
            CompanySize::Small => "11-50",
            CompanySize::Medium => "51-250",
            CompanySize::Large => "251-1000",
            CompanySize::Enterprise => "1000+",
        }
    }

    pub fn parse(s: &str) -> Option<CompanySize> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}
use crate::crm::custom::model::{CustomInput, CustomValues};

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
    /// Postal address, free text (several lines allowed).
    pub address: Option<String>,
    /// An http(s) address.
    pub website: Option<String>,
    pub industry: Option<String>,
    pub size: Option<CompanySize>,
    /// An entry of the company types list (`/api/v1/company-types`).
    pub type_id: Option<i64>,
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
    pub address: Option<String>,
    /// `romashka.ru` is read as `https://romashka.ru/`.
    pub website: Option<String>,
    pub industry: Option<String>,
    pub size: Option<CompanySize>,
    pub type_id: Option<i64>,
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
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CompanySize>)]
    pub size: Option<Option<CompanySize>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub type_id: Option<Option<i64>>,
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
    /// Exact industry, as entered.
    pub industry: Option<String>,
    pub size: Option<CompanySize>,
    pub type_id: Option<i64>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

crate::record_list!(CompanyList, Company);
