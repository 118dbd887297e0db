//! Handlers of `/api/v1/admin/webhooks` (admins only, route table).

use axum::extract::State;
use axum::http::StatusCode;

use super::endpoints;
use super::model::{CreatedEndpoint, DeliveryList, EndpointList, EndpointView, NewEndpoint};
use crate::api::extract::{Json, Page, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = EndpointList), (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<EndpointList>, Error> {
    Ok(Json(EndpointList {
        items: endpoints::list(&s.db.pool).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "integrations", security(("bearer" = [])),
    request_body = NewEndpoint,
    responses((status = 201, description = "the endpoint, with its signing secret shown this once", body = CreatedEndpoint),
        (status = 422, description = "validation_failed (URL, events), webhook_url_forbidden (loopback or private address)", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(new): Json<NewEndpoint>,
) -> Result<(StatusCode, Json<CreatedEndpoint>), Error> {
    let created = endpoints::create(&s.db.pool, &s.secrets, &s.webhooks, (&caller, new)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    endpoints::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/enable", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "enabled, failure count reset; waiting deliveries are sent next", body = EndpointView),
        (status = 404, body = ErrorBody)))]
pub async fn enable(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EndpointView>, Error> {
    Ok(Json(endpoints::enable(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}/deliveries", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path), Page),
    responses((status = 200, description = "the endpoint's deliveries, oldest first: status, attempts, response code, error", body = DeliveryList),
        (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> Result<Json<DeliveryList>, Error> {
    let limit = page.limit()?;
    let items = endpoints::deliveries(&s.db.pool, id, page.after(), limit).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|d| d.id))
        .flatten();
    Ok(Json(DeliveryList { items, next_after }))
}
