//! Handlers of the reports: the query parsed here (a bad value is a 422 naming its field), JSON or CSV out.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use super::model::{DealDynamics, Funnel, LeadSources, Period, ReportFormat, ReportQuery};
use super::table::{self, Lang};
use crate::api::extract::Json;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

fn id(field: &str, value: &str) -> Result<Option<i64>, Error> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::validation(field, format!("'{v}' is not an id"))),
    }
}

/// Parses the query by hand, so that every bad value names its field (the generic extractor answers 400).
pub fn parse_query(raw: Option<&str>) -> Result<ReportQuery, Error> {
    let mut q = ReportQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
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
            other => {
                return Err(Error::validation(
                    other,
                    "unknown parameter (from, to, pipeline_id, team_id, user_id, period, format)",
                ))
            }
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
    let q = parse_query(raw.as_deref())?;
    let report = super::funnel(&s.db.pool, &caller, &q).await?;
    match q.format.unwrap_or_default() {
        ReportFormat::Json => Ok(Json(report).into_response()),
        file => table::funnel(&report, lang(&headers), file),
    }
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
    let q = parse_query(raw.as_deref())?;
    let report = super::deals(&s.db.pool, &caller, &q).await?;
    match q.format.unwrap_or_default() {
        ReportFormat::Json => Ok(Json(report).into_response()),
        file => table::deals(&report, lang(&headers), file),
    }
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
    let q = parse_query(raw.as_deref())?;
    let report = super::lead_sources(&s.db.pool, &caller, &q).await?;
    match q.format.unwrap_or_default() {
        ReportFormat::Json => Ok(Json(report).into_response()),
        file => table::lead_sources(&report, lang(&headers), file),
    }
}
