//! Handlers for messages and threads. What each caller reads of which message is decided in `crm::access`
//! (mailbox membership and policies); hidden mail is absent.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::model::{MessageDetail, MessageFilter, MessageList, PrivateThread, ThreadView};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/messages", tag = "mail", security(("bearer" = [])), params(MessageFilter),
    responses((status = 200, body = MessageList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(f): Query<MessageFilter>,
) -> Result<Json<MessageList>, Error> {
    Ok(Json(super::list(&s.db.pool, &caller, f).await?))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MessageDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MessageDetail>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}/raw", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the message exactly as received", content_type = "message/rfc822"), (status = 404, body = ErrorBody)))]
pub async fn raw(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let bytes = super::raw(&s.db.pool, &caller, id).await?;
    Ok(([(header::CONTENT_TYPE, "message/rfc822")], bytes).into_response())
}

#[utoipa::path(get, path = "/api/v1/messages/{id}/attachments/{index}", tag = "mail", security(("bearer" = [])),
    params(("id" = i64, Path), ("index" = i64, Path)),
    responses((status = 200, description = "the attachment's content", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, index)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    let (bytes, content_type, filename) = super::attachment(&s.db.pool, &caller, id, index).await?;
    // The name is user data: only safe characters go into the header, the rest become '_'.
    let safe: String = filename
        .unwrap_or_else(|| format!("attachment-{index}"))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let content_type = if content_type.chars().all(|c| c.is_ascii_graphic()) {
        content_type
    } else {
        "application/octet-stream".into()
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ThreadView), (status = 404, body = ErrorBody)))]
pub async fn thread(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ThreadView>, Error> {
    Ok(Json(super::thread(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/threads/{id}/private", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PrivateThread,
    responses((status = 200, body = PrivateThread), (status = 404, body = ErrorBody)))]
pub async fn set_private(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PrivateThread>,
) -> Result<Json<PrivateThread>, Error> {
    super::set_thread_private(&s.db.pool, &caller, id, body.private).await?;
    Ok(Json(body))
}
