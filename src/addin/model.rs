use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::crm::activity::model::{Task, TimelineItem};
use crate::crm::deals::model::Deal;
use crate::crm::reference::model::Pipeline;
use crate::crm::RecordKind;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// The participant's address.
    pub email: String,
    /// Their display name in the mail (to prefill a new lead or contact).
    pub name: Option<String>,
    /// The open mail's Internet Message-ID, to tell whether it is already in the CRM.
    pub message_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    /// contact or lead
    pub kind: RecordKind,
    pub id: i64,
    pub name: String,
    pub email: String,
    pub position: Option<String>,
    pub phones: Vec<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// For leads: new, in_work, converted, lost.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyCard {
    pub id: i64,
    pub name: String,
    pub domains: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub name: String,
    /// The company of the address's domain, if one exists.
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    /// The registrable domain, unless free-mail or our own.
    pub domain: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenMail {
    /// Our id, when the mail is already stored.
    pub id: Option<i64>,
    /// Whether it is linked to the person's record.
    pub linked: bool,
}

/// Everything the side panel shows for one participant, in one answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lookup {
    pub email: String,
    /// The contact or lead with this address that the caller may see; absent for an unknown sender.
    pub person: Option<Person>,
    pub company: Option<CompanyCard>,
    /// What a new lead or contact would be prefilled with.
    pub suggestion: Suggestion,
    /// Recent mail, notes, tasks and stage changes, newest first.
    pub timeline: Vec<TimelineItem>,
    pub open_deals: Vec<Deal>,
    /// The pipelines of the open deals, with their stages (to move a deal).
    pub pipelines: Vec<Pipeline>,
    pub open_tasks: Vec<Task>,
    pub mail: OpenMail,
    /// Whether the caller may create leads and contacts and log mail.
    pub can_write: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailAddress {
    pub name: Option<String>,
    pub address: String,
}

/// The open mail as Office.js reads it, to store and link when the server has not ingested it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogMail {
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub internet_message_id: Option<String>,
    pub subject: Option<String>,
    pub from: Option<MailAddress>,
    #[serde(default)]
    pub to: Vec<MailAddress>,
    #[serde(default)]
    pub cc: Vec<MailAddress>,
    /// RFC 3339
    pub date: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Logged {
    pub message_id: i64,
    /// False when the server already had the mail (same Message-ID) and only linked it.
    pub stored: bool,
}
