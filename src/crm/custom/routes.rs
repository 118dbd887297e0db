//! Handlers for custom field definitions. Reading them is for everyone signed in (cards and lists show them);
//! writes are admin-only (see the route table).

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{CustomField, CustomFieldPatch, CustomFieldQuery, NewCustomField};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/custom-fields", tag = "custom fields", security(("bearer" = [])), params(CustomFieldQuery),
    responses((status = 200, description = "by kind, then position", body = Vec<CustomField>)))]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<CustomFieldQuery>,
) -> Result<Json<Vec<CustomField>>, Error> {
    Ok(Json(super::list_fields(&s.db.pool, q.kind).await?))
}

#[utoipa::path(post, path = "/api/v1/custom-fields", tag = "custom fields", security(("bearer" = [])), request_body = NewCustomField,
    responses((status = 201, body = CustomField), (status = 409, description = "the key exists for this kind", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    Json(body): Json<NewCustomField>,
) -> Result<(StatusCode, Json<CustomField>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create_field(&s.db.pool, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/custom-fields/{id}", tag = "custom fields", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CustomField), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CustomField>, Error> {
    Ok(Json(super::get_field(&s.db.pool, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/custom-fields/{id}", tag = "custom fields", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CustomFieldPatch, responses((status = 200, body = CustomField), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<CustomFieldPatch>,
) -> Result<Json<CustomField>, Error> {
    Ok(Json(super::update_field(&s.db.pool, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/custom-fields/{id}", tag = "custom fields", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "the field and every value of it are gone"), (status = 404, body = ErrorBody)))]
pub async fn delete(State(s): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, Error> {
    super::delete_field(&s.db.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/record-fields", tag = "custom fields", security(("bearer" = [])), params(crate::crm::lookup::FieldsQuery),
    responses((status = 200, description = "standard fields, then custom ones (key `custom.<key>`)", body = Vec<crate::crm::lookup::RecordField>)))]
pub async fn record_fields(
    State(s): State<AppState>,
    Query(q): Query<crate::crm::lookup::FieldsQuery>,
) -> Result<Json<Vec<crate::crm::lookup::RecordField>>, Error> {
    Ok(Json(
        crate::crm::lookup::fields_of_kind(&s.db.pool, q.kind).await?,
    ))
}
