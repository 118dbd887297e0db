use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::classify::Class;
use crate::crm::RecordKind;

#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    pub record_kind: RecordKind,
    pub record_id: i64,
    /// auto or manual
    pub source: String,
    /// A link removed by hand stays listed as removed, so that no automatic run brings it back.
    pub removed: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub record_kind: RecordKind,
    pub record_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassView {
    pub class: Class,
    pub reason: Option<String>,
    /// Set by an admin (and kept over any later automatic run).
    pub manual: bool,
    /// incoming or outgoing
    pub direction: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassRequest {
    pub class: Class,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// A domain, or for the never-log list also an address.
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Bounce {
    pub address: String,
    /// Enhanced status code, e.g. 5.1.1
    pub status: String,
    /// hard or soft
    pub kind: String,
    pub original_message_id: Option<String>,
    /// To a signed VERP address or about a letter we sent: only verified bounces suppress the address.
    pub verified: bool,
}
