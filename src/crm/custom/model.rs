use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::crm::RecordKind;

/// A record's custom values by field key, as the API shows them (`"custom": {"contract_no": "A-17"}`).
pub type CustomValues = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    LongText,
    Number,
    /// A decimal with two fraction digits, shown as a string ("1500.50").
    Money,
    /// YYYY-MM-DD
    Date,
    Checkbox,
    SingleChoice,
    MultipleChoice,
    Url,
    Email,
    /// Stored and shown in E.164 (+79161234567).
    Phone,
    /// A user's id.
    User,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::Checkbox => "checkbox",
            FieldType::SingleChoice => "single_choice",
            FieldType::MultipleChoice => "multiple_choice",
            FieldType::Url => "url",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<FieldType> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// Values compared and sorted as numbers (the rest as text; dates sort as YYYY-MM-DD text).
    pub fn numeric(self) -> bool {
        matches!(
            self,
            FieldType::Number | FieldType::Money | FieldType::Checkbox | FieldType::User
        )
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldType::SingleChoice | FieldType::MultipleChoice)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomField {
    pub id: i64,
    pub kind: RecordKind,
    /// The stable slug records carry the value under (`custom.contract_no`).
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    pub position: i64,
    /// The choices of single_choice and multiple_choice fields; empty otherwise.
    pub options: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomField {
    pub kind: RecordKind,
    /// Lower-case latin letters, digits and `_`, starting with a letter, up to 50.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// At the end when absent.
    pub position: Option<i64>,
    #[serde(default)]
    pub options: Vec<String>,
}

/// Key, kind and type never change (values and templates depend on them).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldPatch {
    pub label: Option<String>,
    pub required: Option<bool>,
    pub position: Option<i64>,
    /// Replaces the choices; a choice still held by a record cannot be removed.
    pub options: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldQuery {
    /// contact, company, lead or deal; all when absent.
    pub kind: Option<RecordKind>,
}

/// Custom values in a create or update body: a value per key; `null` clears it (refused for a required field).
pub type CustomInput = BTreeMap<String, serde_json::Value>;

/// A value as stored: its canonical text and, for numeric types, its number.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub text: String,
    pub num: Option<f64>,
}
