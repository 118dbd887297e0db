//! Handlers of `/api/v1/admin/retention` (admins only, route table).

use axum::extract::State;

use super::model::{RetentionCounts, RetentionPolicy, RetentionUpdate};
use crate::api::extract::Json;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/admin/retention", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, body = RetentionPolicy), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    _caller: Caller,
) -> Result<Json<RetentionPolicy>, Error> {
    Ok(Json(super::policy(&s.db).await?))
}

#[utoipa::path(put, path = "/api/v1/admin/retention", tag = "privacy", security(("bearer" = [])),
    request_body = RetentionUpdate,
    responses((status = 200, body = RetentionPolicy), (status = 403, body = ErrorBody),
        (status = 404, description = "an unknown mailbox", body = ErrorBody),
        (status = 422, description = "validation_failed (months out of 1–1200)", body = ErrorBody)))]
pub async fn put(
    State(s): State<AppState>,
    caller: Caller,
    Json(req): Json<RetentionUpdate>,
) -> Result<Json<RetentionPolicy>, Error> {
    Ok(Json(super::update(&s.db, &caller, req).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/retention/run", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, description = "what this pass deleted", body = RetentionCounts),
        (status = 403, body = ErrorBody)))]
pub async fn run(
    State(s): State<AppState>,
    _caller: Caller,
) -> Result<Json<RetentionCounts>, Error> {
    Ok(Json(super::run(&s.db, crate::db::now_ms()).await?))
}
