//! The reports' filters (parsed at the edge) and answers.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::crm::reference::model::StageKind;

/// How a report is delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Json,
    /// UTF-8 with BOM, ';'-separated; headers in Russian with `Accept-Language: ru`.
    Csv,
    /// One sheet, counts and amounts as numbers; headers as for CSV.
    Xlsx,
}

/// Buckets of the deal dynamics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO weeks, Monday to Sunday.
    Week,
    #[default]
    Month,
}

/// Filters every report shares. They narrow what the caller's figures are and never widen them: a salesperson's
/// figures are their own deals and leads, a team lead's also those of the members of teams they lead, an admin's
/// everyone's. `user_id` or `team_id` outside that answers zeros, as the lists do (not 403).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// First day, YYYY-MM-DD (UTC), inclusive.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC), inclusive.
    pub to: Option<String>,
    /// Default: the first pipeline (funnel); every pipeline (deals).
    pub pipeline_id: Option<i64>,
    /// Owners in this team.
    pub team_id: Option<i64>,
    /// This owner.
    pub user_id: Option<i64>,
    /// week or month (deal dynamics only; default month).
    pub period: Option<Period>,
    /// json (default), csv or xlsx.
    pub format: Option<ReportFormat>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelStage {
    pub stage_id: i64,
    pub name: String,
    pub kind: StageKind,
    pub probability: i64,
    /// Deals of the period now in this stage, and their amount (decimal string, e.g. "150000.00").
    pub deals: i64,
    pub amount: String,
    /// Deals of the period that reached this stage or a later one (lost stages: that are in it).
    pub reached: i64,
    /// Of those that reached this stage, the share (0..1) that reached the next one; null for the last stage, lost
    /// stages and when none reached it.
    pub conversion: Option<f64>,
    /// Mean days a deal stayed in this open stage, over the stays that ended (from the stage history); null when
    /// none ended.
    pub avg_days_in_stage: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Funnel {
    pub pipeline_id: i64,
    /// Stages in the pipeline's order (open stages, then won, then lost, by position).
    pub stages: Vec<FunnelStage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealPeriod {
    /// First day of the week or month, YYYY-MM-DD.
    pub start: String,
    pub won: i64,
    pub won_amount: String,
    pub lost: i64,
    pub lost_amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealDynamics {
    pub period: Period,
    /// Deals closed (won or lost) in the range, by the week or month of their closing.
    pub periods: Vec<DealPeriod>,
    /// Σ amount × stage probability of the deals open now (the range does not apply).
    pub forecast: String,
    pub open_amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRow {
    /// null: leads without a source.
    pub source_id: Option<i64>,
    pub source: Option<String>,
    /// Leads created in the range.
    pub leads: i64,
    pub converted: i64,
    /// Amount of the won deals these leads were converted into.
    pub won_amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadSources {
    pub sources: Vec<SourceRow>,
}

/// The filters of manager activity (documentation only: the query is parsed by hand, see routes.rs).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManagerQuery {
    /// First day, YYYY-MM-DD (UTC), inclusive.
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC), inclusive.
    pub to: Option<String>,
    /// Members of this team.
    pub team_id: Option<i64>,
    /// This user.
    pub user_id: Option<i64>,
    /// json (default), csv or xlsx.
    pub format: Option<ReportFormat>,
}

/// One user's activity in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagerRow {
    pub user_id: i64,
    pub name: String,
    /// Human mail linked to records the user owns, incoming and outgoing (a message counts once per user).
    pub mails_received: i64,
    pub mails_sent: i64,
    /// Over the user's threads whose first incoming mail in the range was answered: minutes from it to our first
    /// later outgoing mail in the thread (one decimal); null when none was answered.
    pub first_response_median_minutes: Option<f64>,
    pub first_response_p90_minutes: Option<f64>,
    /// Those threads with no later outgoing mail (yet).
    pub unanswered: i64,
    /// Tasks assigned to the user marked done in the range.
    pub tasks_done: i64,
    /// Tasks assigned to the user due in the range (and before now) that were done late or are still open.
    pub tasks_overdue: i64,
    /// Deals the user owns closed as won in the range, and their amount.
    pub deals_won: i64,
    pub won_amount: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManagerActivity {
    /// The users whose figures the caller sees (marketing users left out), by name.
    pub rows: Vec<ManagerRow>,
}

/// The filters of campaign results (documentation only).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// Campaigns started on or after this day, YYYY-MM-DD (UTC). Without from and to: every campaign.
    pub from: Option<String>,
    /// Campaigns started on or before this day.
    pub to: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<ReportFormat>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResultRow {
    pub campaign_id: i64,
    pub name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// Letters handed to the relay.
    pub sent: i64,
    /// Addresses with a bounce recorded for the campaign.
    pub bounced: i64,
    /// Recipients who unsubscribed through the campaign's link.
    pub unsubscribed: i64,
    /// Recipients from whose address human mail came in within 7 days after their letter was sent.
    pub replied: i64,
    /// replied ÷ sent (0..1, four decimals); null when nothing was sent.
    pub reply_rate: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignResults {
    /// Campaigns in the order they were created.
    pub rows: Vec<CampaignResultRow>,
}

/// The filters of data quality (documentation only).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityQuery {
    /// Records owned by members of this team.
    pub team_id: Option<i64>,
    /// Records owned by this user.
    pub user_id: Option<i64>,
    /// json (default), csv or xlsx.
    pub format: Option<ReportFormat>,
}

/// How many contacts have a flaw, and their share of all the contacts counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityShare {
    pub count: i64,
    /// count ÷ contacts (0..1, four decimals); null when there are no contacts.
    pub share: Option<f64>,
}

/// Records with no change, note, task or human mail for 90 days (open leads and open deals only).
#[derive(Debug, Serialize, ToSchema)]
pub struct Untouched {
    pub contacts: i64,
    pub companies: i64,
    pub leads: i64,
    pub deals: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DataQuality {
    /// Contacts the caller's figures hold (what they, or members of the teams they lead, own).
    pub contacts: i64,
    pub without_email: QualityShare,
    pub without_phone: QualityShare,
    pub without_company: QualityShare,
    /// Contacts with an address such as info@, sales@, noreply@ (the list is in src/reports/quality.rs).
    pub role_addresses: QualityShare,
    pub untouched_90_days: Untouched,
    /// Likely duplicate pairs (contacts, companies, leads; as `GET /api/v1/duplicates` finds them) whose two
    /// records are both in the caller's figures.
    pub duplicate_pairs: i64,
}

/// Minor units as a decimal string with two fraction digits.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}
