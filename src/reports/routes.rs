//! Handlers of the reports: the query parsed here (a bad value or a filter the report does not take is a 422
//! naming its field), then the report as JSON or, with `format=csv|xlsx`, as a file through `table`.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::model::{
    CampaignQuery, CampaignResults, DataQuality, DealDynamics, Funnel, LeadSources,
    ManagerActivity, ManagerQuery, Period, QualityQuery, ReportFormat, ReportQuery,
};
use super::table::{self, Lang};
use crate::api::extract::Json;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

/// The filters each report takes.
const FUNNEL_FILTERS: &[&str] = &[
    "from",
    "to",
    "pipeline_id",
    "team_id",
    "user_id",
    "period",
    "format",
];
const MANAGER_FILTERS: &[&str] = &["from", "to", "team_id", "user_id", "format"];
const CAMPAIGN_FILTERS: &[&str] = &["from", "to", "format"];
const QUALITY_FILTERS: &[&str] = &["team_id", "user_id", "format"];

fn id(field: &str, value: &str) -> Result<Option<i64>, Error> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::validation(field, format!("'{v}' is not an id"))),
    }
}

/// Parses the query by hand, so that every bad value names its field (the generic extractor answers 400); a
/// parameter outside `allowed` is refused rather than ignored.
pub fn parse_query(raw: Option<&str>, allowed: &[&str]) -> Result<ReportQuery, Error> {
    let mut q = ReportQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !allowed.contains(&key.as_ref()) {
            return Err(Error::validation(
                key.as_ref(),
                format!("unknown parameter ({})", allowed.join(", ")),
            ));
        }
        let text = || Some(value.to_string()).filter(|v| !v.trim().is_empty());
        match key.as_ref() {
            "from" => q.from = text(),
            "to" => q.to = text(),
            "pipeline_id" => q.pipeline_id = id("pipeline_id", &value)?,
            "team_id" => q.team_id = id("team_id", &value)?,
            "user_id" => q.user_id = id("user_id", &value)?,
            "period" => {
                q.period = Some(match value.as_ref() {
                    "week" => Period::Week,
                    "month" => Period::Month,
                    other => {
                        return Err(Error::validation(
                            "period",
                            format!("'{other}' is not week or month"),
                        ))
                    }
                })
            }
            "format" => {
                q.format = Some(match value.as_ref() {
                    "json" => ReportFormat::Json,
                    "csv" => ReportFormat::Csv,
                    "xlsx" => ReportFormat::Xlsx,
                    other => {
                        return Err(Error::validation(
                            "format",
                            format!("'{other}' is not json, csv or xlsx"),
                        ))
                    }
                })
            }
            other => return Err(Error::internal(format!("filter {other} has no parser"))),
        }
    }
    Ok(q)
}

fn lang(headers: &HeaderMap) -> Lang {
    Lang::from_header(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A table-building function of `table`: the report, the header language, csv or xlsx.
type Table<R> = fn(&R, Lang, ReportFormat) -> Result<Response, Error>;

/// The one way every report answers: JSON by default, else the file its table function builds.
fn answer<R: Serialize>(
    report: R,
    q: &ReportQuery,
    headers: &HeaderMap,
    table: Table<R>,
) -> Result<Response, Error> {
    match q.format.unwrap_or_default() {
        ReportFormat::Json => Ok(Json(report).into_response()),
        file => table(&report, lang(headers), file),
    }
}

#[utoipa::path(get, path = "/api/v1/reports/funnel", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = Funnel, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "marketing", body = ErrorBody),
        (status = 422, description = "a bad date, id or format (error.field names it)", body = ErrorBody)))]
pub async fn funnel(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), FUNNEL_FILTERS)?;
    let report = super::funnel(&s.db.pool, &caller, &q).await?;
    answer(report, &q, &headers, table::funnel)
}

#[utoipa::path(get, path = "/api/v1/reports/deals", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = DealDynamics, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "marketing", body = ErrorBody),
        (status = 422, description = "a bad date, period, id or format (error.field names it)", body = ErrorBody)))]
pub async fn deals(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), FUNNEL_FILTERS)?;
    let report = super::deals(&s.db.pool, &caller, &q).await?;
    answer(report, &q, &headers, table::deals)
}

#[utoipa::path(get, path = "/api/v1/reports/lead-sources", tag = "reports", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = LeadSources, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "marketing", body = ErrorBody),
        (status = 422, description = "a bad date, id or format (error.field names it)", body = ErrorBody)))]
pub async fn lead_sources(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), FUNNEL_FILTERS)?;
    let report = super::lead_sources(&s.db.pool, &caller, &q).await?;
    answer(report, &q, &headers, table::lead_sources)
}

#[utoipa::path(get, path = "/api/v1/reports/managers", tag = "reports", security(("bearer" = [])),
    params(ManagerQuery),
    responses((status = 200, body = ManagerActivity, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "marketing", body = ErrorBody),
        (status = 422, description = "a bad date, id or format, or another filter (error.field names it)", body = ErrorBody)))]
pub async fn managers(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), MANAGER_FILTERS)?;
    let report = super::managers(&s.db.pool, &caller, &q).await?;
    answer(report, &q, &headers, table::managers)
}

#[utoipa::path(get, path = "/api/v1/reports/campaigns", tag = "reports", security(("bearer" = [])),
    params(CampaignQuery),
    responses((status = 200, body = CampaignResults, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "sales (admins and marketing run it)", body = ErrorBody),
        (status = 422, description = "a bad date or format, or another filter (error.field names it)", body = ErrorBody)))]
pub async fn campaigns(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), CAMPAIGN_FILTERS)?;
    let report = super::campaigns(&s.db.pool, &q).await?;
    answer(report, &q, &headers, table::campaigns)
}

#[utoipa::path(get, path = "/api/v1/reports/data-quality", tag = "reports", security(("bearer" = [])),
    params(QualityQuery),
    responses((status = 200, body = DataQuality, description = "JSON, or a file with format=csv or xlsx"),
        (status = 403, description = "marketing", body = ErrorBody),
        (status = 422, description = "a bad id or format, or another filter (error.field names it)", body = ErrorBody)))]
pub async fn data_quality(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let q = parse_query(raw.as_deref(), QUALITY_FILTERS)?;
    let report = super::data_quality(&s.db.pool, &caller, &q).await?;
    answer(report, &q, &headers, table::data_quality)
}
