//! Handlers for teams (admin only, see the route table; `GET /me/teams` for everyone signed in).

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Team, TeamInput};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/teams", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<Team>)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Vec<Team>>, Error> {
    Ok(Json(super::list(&s.db.pool).await?))
}

#[utoipa::path(get, path = "/api/v1/me/teams", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<Team>, description = "the caller's teams (as a member or lead) with their members")))]
pub async fn mine(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<Team>>, Error> {
    Ok(Json(super::list_of_member(&s.db.pool, caller.id).await?))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "users", security(("bearer" = [])), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<TeamInput>,
) -> Result<(StatusCode, Json<Team>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, caller.id, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Team), (status = 404, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<i64>) -> Result<Json<Team>, Error> {
    Ok(Json(super::get(&s.db.pool, id).await?))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = TeamInput, responses((status = 200, body = Team), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<TeamInput>,
) -> Result<Json<Team>, Error> {
    Ok(Json(super::update(&s.db.pool, caller.id, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, caller.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
