//! Handlers of `/api/v1/admin/api-keys` (admins only, route table).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::keys;
use super::model::{ApiKeyView, CreatedApiKey, NewApiKey};
use crate::api::extract::{Json, Page, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/admin/api-keys", tag = "integrations", security(("bearer" = [])),
    params(Page), responses((status = 200, description = "keys with their prefix, never their secret", body = ApiKeyList),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Query(page): Query<Page>,
) -> Result<Json<ApiKeyList>, Error> {
    let limit = page.limit()?;
    let items = keys::list(&s.db.pool, page.after(), limit).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|k| k.id))
        .flatten();
    Ok(Json(ApiKeyList { items, next_after }))
}

#[utoipa::path(post, path = "/api/v1/admin/api-keys", tag = "integrations", security(("bearer" = [])),
    request_body = NewApiKey,
    responses((status = 201, description = "the key, with its secret shown this once", body = CreatedApiKey),
        (status = 422, description = "validation_failed: unknown action, empty name, expiry in the past", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(new): Json<NewApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), Error> {
    let created = keys::create(&s.db.pool, &caller, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/v1/admin/api-keys/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "revoked: the key answers 401 api_key_revoked from now on"),
        (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    keys::revoke(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
