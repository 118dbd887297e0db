//! Handlers for deals.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Deal, DealFilter, DealList, DealPatch, NewDeal};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/deals", tag = "deals", security(("bearer" = [])), params(DealFilter),
    responses((status = 200, body = DealList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(f): Query<DealFilter>,
) -> Result<Json<DealList>, Error> {
    Ok(Json(super::list(&s.db.pool, &caller, f).await?))
}

#[utoipa::path(post, path = "/api/v1/deals", tag = "deals", security(("bearer" = [])), request_body = NewDeal,
    responses((status = 201, body = Deal), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewDeal>,
) -> Result<(StatusCode, Json<Deal>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Deal), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Deal>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = DealPatch, responses((status = 200, body = Deal), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DealPatch>,
) -> Result<Json<Deal>, Error> {
    Ok(Json(super::update(&s.db.pool, &caller, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
