use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;
use crate::crm::custom::model::{CustomInput, CustomValues};
use crate::crm::deals::model::NewDealFields;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    InWork,
    Converted,
    Lost,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::InWork => "in_work",
            LeadStatus::Converted => "converted",
            LeadStatus::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> LeadStatus {
        match s {
            "in_work" => LeadStatus::InWork,
            "converted" => LeadStatus::Converted,
            "lost" => LeadStatus::Lost,
            _ => LeadStatus::New,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    /// Registrable domain that hints at the company.
    pub domain_hint: Option<String>,
    pub source_id: Option<i64>,
    pub status: LeadStatus,
    pub lost_reason: Option<String>,
    /// None: the lead is in the open pool, any salesperson may take it.
    pub owner_id: Option<i64>,
    /// A company with the lead's domain, or the one it was converted into.
    pub company_id: Option<i64>,
    /// After conversion: the contact and deal it became.
    pub contact_id: Option<i64>,
    pub deal_id: Option<i64>,
    /// Values of the lead custom fields, by key.
    #[schema(value_type = Object)]
    pub custom: CustomValues,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub domain_hint: Option<String>,
    pub source_id: Option<i64>,
    /// Defaults to the caller; `null` with `pool: true` puts the lead in the open pool.
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub pool: bool,
    #[serde(default)]
    pub allow_duplicate: bool,
    /// Custom values by key; every required field needs one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub domain_hint: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub source_id: Option<Option<i64>>,
    /// `new`, `in_work` or `lost` (with `lost_reason`); conversion has its own call.
    pub status: Option<LeadStatus>,
    pub lost_reason: Option<String>,
    /// Take a pool lead with your own id; `null` returns it to the pool.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    /// Custom values to change, by key; `null` clears one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadFilter {
    /// Search in name, e-mail, phone and company name.
    pub q: Option<String>,
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    /// Only leads in the open pool.
    pub pool: Option<bool>,
    pub source_id: Option<i64>,
    pub email: Option<String>,
    pub limit: Option<i64>,
}

crate::record_list!(LeadList, Lead);

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertRequest {
    /// Use this existing contact instead of finding or creating one.
    pub contact_id: Option<i64>,
    /// Use this existing company instead of finding (by domain, then name) or creating one.
    pub company_id: Option<i64>,
    /// Also open a deal.
    pub deal: Option<NewDealFields>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConvertResult {
    pub lead: Lead,
    pub contact_id: i64,
    pub company_id: Option<i64>,
    pub deal_id: Option<i64>,
    /// Whether the contact and company were created (false: an existing one was reused).
    pub contact_created: bool,
    pub company_created: bool,
}
