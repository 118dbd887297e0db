use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::nullable;
use crate::crm::custom::model::{CustomInput, CustomValues};
use crate::crm::reference::model::StageKind;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deal {
    pub id: i64,
    pub title: String,
    /// Decimal string with two fraction digits, e.g. "150000.00".
    pub amount: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub stage_name: String,
    /// open, won or lost, from the stage.
    pub status: StageKind,
    pub probability: i64,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// YYYY-MM-DD
    pub expected_close: Option<String>,
    pub lost_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Values of the deal custom fields, by key.
    #[schema(value_type = Object)]
    pub custom: CustomValues,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An amount as a JSON number or a decimal string ("150000", "99.90", "1 500,50" is refused).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Amount {
    Number(f64),
    Text(String),
}

/// The fields of a deal that a lead conversion may also give.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDealFields {
    pub title: Option<String>,
    pub amount: Option<Amount>,
    pub currency: Option<String>,
    pub pipeline_id: i64,
    /// The pipeline's first open stage when absent.
    pub stage_id: Option<i64>,
    pub expected_close: Option<String>,
}

impl NewDealFields {
    pub fn into_new(
        self,
        title: String,
        contact_id: Option<i64>,
        company_id: Option<i64>,
        owner_id: Option<i64>,
    ) -> NewDeal {
        NewDeal {
            title,
            amount: self.amount,
            currency: self.currency,
            pipeline_id: self.pipeline_id,
            stage_id: self.stage_id,
            contact_id,
            company_id,
            owner_id,
            expected_close: self.expected_close,
            custom: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDeal {
    pub title: String,
    pub amount: Option<Amount>,
    /// Default RUB.
    pub currency: Option<String>,
    pub pipeline_id: i64,
    pub stage_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub expected_close: Option<String>,
    /// Custom values by key; every required field needs one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Amount>)]
    pub amount: Option<Option<Amount>>,
    pub currency: Option<String>,
    /// Moving to another pipeline needs a stage of it too.
    pub pipeline_id: Option<i64>,
    /// A won or lost stage closes the deal; a lost one needs `lost_reason`.
    pub stage_id: Option<i64>,
    pub lost_reason: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub contact_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub company_id: Option<Option<i64>>,
    pub owner_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub expected_close: Option<Option<String>>,
    /// Custom values to change, by key; `null` clears one.
    #[schema(value_type = Option<Object>)]
    pub custom: Option<CustomInput>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealFilter {
    /// Search in the title.
    pub q: Option<String>,
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// open, won or lost
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub limit: Option<i64>,
}

crate::record_list!(DealList, Deal);
