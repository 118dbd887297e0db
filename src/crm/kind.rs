//! The kinds of CRM record that notes, tasks, shares, timelines and the audit log attach to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Contact,
    Company,
    Lead,
    Deal,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Contact => "contact",
            RecordKind::Company => "company",
            RecordKind::Lead => "lead",
            RecordKind::Deal => "deal",
        }
    }

    /// The table holding records of this kind (a constant, safe to splice into SQL).
    pub fn table(self) -> &'static str {
        match self {
            RecordKind::Contact => "contacts",
            RecordKind::Company => "companies",
            RecordKind::Lead => "leads",
            RecordKind::Deal => "deals",
        }
    }

    /// The URL segment, e.g. `/api/v1/companies/{id}`.
    pub fn from_segment(segment: &str) -> Option<Self> {
        match segment {
            "contacts" => Some(RecordKind::Contact),
            "companies" => Some(RecordKind::Company),
            "leads" => Some(RecordKind::Lead),
            "deals" => Some(RecordKind::Deal),
            _ => None,
        }
    }

    pub fn noun(self) -> &'static str {
        self.as_str()
    }
}

impl FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "contact" => Ok(RecordKind::Contact),
            "company" => Ok(RecordKind::Company),
            "lead" => Ok(RecordKind::Lead),
            "deal" => Ok(RecordKind::Deal),
            other => Err(format!(
                "unknown record kind '{other}' (contact, company, lead or deal)"
            )),
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
