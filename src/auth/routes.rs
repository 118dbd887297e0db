//! HTTP handlers for sign-in and user administration. Access rules sit in the route table (`api::routes`).

use axum::extract::State;
use axum::http::StatusCode;

use super::caller::Caller;
use super::model::{
    LoginRequest, LoginResponse, NewUser, PasswordChange, UserList, UserPatch, UserView,
};
use super::service;
use crate::api::extract::{ClientAddr, Json, Page, Path, Query};
use crate::app::AppState;
use crate::audit::{AuditPage, AuditQuery};
use crate::error::{Error, ErrorBody};

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong e-mail or password, or deactivated account", body = ErrorBody),
        (status = 429, description = "too many failed attempts for this account or address", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, Error> {
    let response = service::login(
        &state.db.pool,
        &state.tokens,
        state.throttle,
        &body.email,
        body.password,
        &addr,
    )
    .await?;
    Ok(Json(response))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<UserView>, Error> {
    Ok(Json(service::get_user(&state.db.pool, caller.id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "changed; other sessions end"),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many wrong current passwords for this account or address", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(addr): ClientAddr,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, Error> {
    service::change_own_password(&state.db.pool, state.throttle, caller.id, &addr, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(Page),
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    Query(page): Query<Page>,
) -> Result<Json<UserList>, Error> {
    let (items, next_after) =
        service::list_users(&state.db.pool, page.after(), page.limit()?).await?;
    Ok(Json(UserList { items, next_after }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, body = UserView),
        (status = 409, description = "e-mail already used", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), Error> {
    let user = service::create_user(&state.db.pool, Some(caller.id), body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<UserView>, Error> {
    Ok(Json(service::get_user(&state.db.pool, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<UserPatch>,
) -> Result<Json<UserView>, Error> {
    Ok(Json(
        service::update_user(&state.db.pool, caller.id, id, body).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}/audit", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path), AuditQuery),
    responses((status = 200, description = "the user's history: created (by an admin, the shell or a first sign-in through an identity provider), role, activity and password resets, newest first", body = AuditPage),
        (status = 404, body = ErrorBody)))]
pub async fn user_audit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, Error> {
    service::get_user(&state.db.pool, id).await?;
    let limit = Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    let page = crate::audit::page(&state.db.pool, ("user", id), &[], q.before, limit);
    Ok(Json(page.await?))
}

#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "users", security(("bearer" = [])),
    params(("kind" = Option<String>, Query, description = "one of user, team, mailbox, relay, identity_provider, reply_policy, reminder_relay, export_roles, api_key, webhook"), AuditQuery),
    responses((status = 200, description = "admins' changes to users, teams, mailboxes, relays, identity providers and settings, newest first", body = crate::audit::AdminAuditPage),
        (status = 422, body = ErrorBody)))]
pub async fn admin_audit(
    State(state): State<AppState>,
    Query(kind): Query<AdminAuditKind>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<crate::audit::AdminAuditPage>, Error> {
    let limit = Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    let page = crate::audit::admin_page(&state.db.pool, kind.kind.as_deref(), q.before, limit);
    Ok(Json(page.await?))
}

#[derive(Debug, serde::Deserialize)]
pub struct AdminAuditKind {
    pub kind: Option<String>,
}
