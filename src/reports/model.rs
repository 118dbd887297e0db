//! The reports' filters (parsed at the edge) and answers.

use serde::{Deserialize, Serialize};
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

/// Minor units as a decimal string with two fraction digits.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}
