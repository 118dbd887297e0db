//! Handlers for leads and their conversion.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{ConvertRequest, ConvertResult, Lead, LeadFilter, LeadList, LeadPatch, NewLead};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::routes::MergeRequest;
use crate::error::{Error, ErrorBody};

crate::record_handlers!(
    Lead,
    LeadFilter,
    LeadList,
    "leads",
    "/api/v1/leads",
    "/api/v1/leads/{id}"
);

#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", security(("bearer" = [])), request_body = NewLead,
    responses((status = 201, body = Lead), (status = 409, description = "a lead or contact with this e-mail or phone exists", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewLead>,
) -> Result<(StatusCode, Json<Lead>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/leads/{id}", tag = "leads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = LeadPatch, responses((status = 200, body = Lead), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LeadPatch>,
) -> Result<Json<Lead>, Error> {
    Ok(Json(super::update(&s.db.pool, &caller, id, body).await?))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/merge", tag = "leads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = MergeRequest, responses((status = 200, description = "the kept lead", body = Lead), (status = 404, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<MergeRequest>,
) -> Result<Json<Lead>, Error> {
    Ok(Json(
        super::merge(&s.db.pool, &caller, id, body.other_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "leads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ConvertRequest,
    responses((status = 200, body = ConvertResult), (status = 409, description = "already converted", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn convert(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ConvertRequest>,
) -> Result<Json<ConvertResult>, Error> {
    Ok(Json(super::convert(&s.db.pool, &caller, id, body).await?))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}/consent", tag = "leads", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "consents given on the lead (web forms), newest first, with the words agreed to, their version, the client address and the page",
        body = Vec<crate::crm::contacts::model::Consent>), (status = 404, body = ErrorBody)))]
pub async fn consent_history(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<crate::crm::contacts::model::Consent>>, Error> {
    Ok(Json(
        crate::crm::contacts::lead_consent_history(&s.db.pool, &caller, id).await?,
    ))
}
