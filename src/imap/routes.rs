//! Handlers for mailboxes (admin only but the visibility, which a personal mailbox's owner may narrow).

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{
    ConnectionTest, Mailbox, MailboxPatch, NewMailbox, SendableMailbox, SmtpTest, SmtpTestResult,
    SyncReport, VisibilityChange,
};
use super::progress::SyncProgress;
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::audit::AuditPage;
use crate::crm::records::AuditQuery;
use crate::error::{Error, ErrorBody};
use crate::oauth::model::ConsentStart;

#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mailboxes", security(("bearer" = [])),
    responses((status = 200, description = "with sync state: last sync, messages synced, last error", body = Vec<Mailbox>)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Vec<Mailbox>>, Error> {
    Ok(Json(super::list(&s.db.pool).await?))
}

#[utoipa::path(get, path = "/api/v1/me/mailboxes", tag = "mailboxes", security(("bearer" = [])),
    responses((status = 200, body = Vec<SendableMailbox>,
        description = "the enabled mailboxes with SMTP settings the caller may send from: their personal one, shared ones they are a member of (an admin: all)")))]
pub async fn sendable(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SendableMailbox>>, Error> {
    Ok(Json(super::sendable(&s.db.pool, &caller).await?))
}

#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mailboxes", security(("bearer" = [])), request_body = NewMailbox,
    responses((status = 201, body = Mailbox), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewMailbox>,
) -> Result<(StatusCode, Json<Mailbox>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &s.secrets, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Mailbox), (status = 404, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<i64>) -> Result<Json<Mailbox>, Error> {
    Ok(Json(super::get(&s.db.pool, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = MailboxPatch, responses((status = 200, body = Mailbox), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<MailboxPatch>,
) -> Result<Json<Mailbox>, Error> {
    Ok(Json(
        super::update(&s.db.pool, &s.secrets, &caller, id, body).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/mailboxes/{id}/visibility", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = VisibilityChange, responses((status = 200, body = Mailbox), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_visibility(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<VisibilityChange>,
) -> Result<Json<Mailbox>, Error> {
    Ok(Json(
        super::set_visibility(&s.db.pool, &caller, id, body.visibility).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/mailboxes/{id}", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/audit", tag = "mailboxes", security(("bearer" = [])),
    params(("id" = i64, Path), AuditQuery),
    responses((status = 200, description = "who changed its settings and who reads its mail, newest first", body = AuditPage),
              (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, Error> {
    Ok(Json(super::audit_trail(&s.db.pool, id, q).await?))
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/test", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ConnectionTest),
        (status = 502, description = "imap_connect_failed, imap_auth_failed, imap_tls_failed or imap_folder_missing", body = ErrorBody)))]
pub async fn test(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ConnectionTest>, Error> {
    Ok(Json(
        super::test_connection(&s.db.pool, &s.secrets, id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/sync", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SyncReport), (status = 502, body = ErrorBody)))]
pub async fn sync(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SyncReport>, Error> {
    Ok(Json(
        super::sync_now(&s.db.pool, &s.secrets, id, s.imap_fetch, &|_| {}).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/sync/start", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 202, description = "a sync runs in the background (or one already ran): follow it at GET .../sync", body = SyncProgress),
        (status = 404, body = ErrorBody)))]
pub async fn start_sync(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<SyncProgress>), Error> {
    let progress =
        super::progress::start(&s.db.pool, &s.secrets, &s.sync_progress, id, s.imap_fetch).await?;
    Ok((StatusCode::ACCEPTED, Json(progress)))
}

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/sync", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the running or last sync of this server: folder, messages and bytes done of those announced, and how it ended", body = SyncProgress),
        (status = 404, body = ErrorBody)))]
pub async fn sync_progress(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SyncProgress>, Error> {
    super::get(&s.db.pool, id).await?;
    Ok(Json(s.sync_progress.get(id)))
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/oauth/start", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the provider's authorization URL (code + PKCE S256), for this admin only, single-use", body = ConsentStart),
        (status = 404, body = ErrorBody), (status = 422, description = "not an oauth2 mailbox, or no redirect URL configured", body = ErrorBody)))]
pub async fn oauth_start(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ConsentStart>, Error> {
    let redirect = s.oauth_redirect_url.as_deref();
    Ok(Json(
        super::start_consent(&s.db.pool, &s.secrets, &caller, id, redirect).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/smtp/test", tag = "mailboxes", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = SmtpTest,
    responses((status = 200, description = "a test letter went out from the mailbox's address through its own SMTP server", body = SmtpTestResult),
        (status = 404, description = "no such mailbox, or not the caller's (admin or the personal mailbox's owner)", body = ErrorBody),
        (status = 422, description = "the mailbox has no SMTP settings, or `to` is not an address", body = ErrorBody),
        (status = 502, description = "smtp_connect_failed, smtp_tls_failed, smtp_auth_failed, smtp_deferred, smtp_rejected, smtp_no_answer or an oauth_* code", body = ErrorBody)))]
pub async fn smtp_test(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<SmtpTest>,
) -> Result<Json<SmtpTestResult>, Error> {
    Ok(Json(
        super::outbox::test(&s.db.pool, &s.secrets, &caller, id, &body.to).await?,
    ))
}
