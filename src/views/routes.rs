//! Thin handlers of saved views (any signed-in user, their own views only).

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{View, ViewInput, ViewList, ViewQuery};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/views", tag = "views", security(("bearer" = [])), params(ViewQuery),
    responses((status = 200, description = "the caller's own saved views", body = ViewList)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ViewQuery>,
) -> Result<Json<ViewList>, Error> {
    Ok(Json(ViewList {
        items: super::list(&s.db.pool, &caller, q.kind).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/views", tag = "views", security(("bearer" = [])), request_body = ViewInput,
    responses((status = 201, body = View), (status = 409, description = "a view of that list with that name exists", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<ViewInput>,
) -> Result<(StatusCode, Json<View>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = View), (status = 404, description = "no such view of the caller's", body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<View>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ViewInput,
    responses((status = 200, body = View), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ViewInput>,
) -> Result<Json<View>, Error> {
    Ok(Json(super::update(&s.db.pool, &caller, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
