//! Handlers for contacts and their consent.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{
    Consent, ConsentInput, Contact, ContactFilter, ContactList, ContactPatch, NewContact,
};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::routes::MergeRequest;
use crate::error::{Error, ErrorBody};

crate::record_handlers!(
    Contact,
    ContactFilter,
    ContactList,
    "contacts",
    "/api/v1/contacts",
    "/api/v1/contacts/{id}"
);

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", security(("bearer" = [])), request_body = NewContact,
    responses((status = 201, body = Contact), (status = 409, description = "same e-mail or phone exists", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewContact>,
) -> Result<(StatusCode, Json<Contact>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ContactPatch, responses((status = 200, body = Contact), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ContactPatch>,
) -> Result<Json<Contact>, Error> {
    Ok(Json(super::update(&s.db.pool, &caller, id, body).await?))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = MergeRequest, responses((status = 200, description = "the kept contact", body = Contact), (status = 404, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<MergeRequest>,
) -> Result<Json<Contact>, Error> {
    Ok(Json(
        super::merge(&s.db.pool, &caller, id, body.other_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/consent", tag = "contacts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ConsentInput, responses((status = 200, body = Contact), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_consent(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ConsentInput>,
) -> Result<Json<Contact>, Error> {
    Ok(Json(
        super::record_consent(&s.db.pool, &caller, id, body).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/consent", tag = "contacts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "newest first", body = Vec<Consent>), (status = 404, body = ErrorBody)))]
pub async fn consent_history(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Consent>>, Error> {
    Ok(Json(super::consent_history(&s.db.pool, &caller, id).await?))
}
