//! Handlers for deals.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Deal, DealFilter, DealList, DealPatch, NewDeal};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

crate::record_handlers!(
    Deal,
    DealFilter,
    DealList,
    "deals",
    "/api/v1/deals",
    "/api/v1/deals/{id}"
);

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
