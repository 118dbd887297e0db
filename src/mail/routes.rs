//! Handlers for messages and threads. Listing all mail is for admins; one message (its raw bytes, attachments,
//! thread) is readable by whoever may see a record it is linked to.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::model::{MessageDetail, MessageFilter, MessageList, ThreadView};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};
use crate::linking;

#[utoipa::path(get, path = "/api/v1/messages", tag = "mail", security(("bearer" = [])), params(MessageFilter),
    responses((status = 200, body = MessageList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Query(f): Query<MessageFilter>,
) -> Result<Json<MessageList>, Error> {
    Ok(Json(super::list(&s.db.pool, f).await?))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MessageDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MessageDetail>, Error> {
    linking::require_read(&s.db.pool, &caller, id).await?;
    Ok(Json(super::get(&s.db.pool, id).await?))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}/raw", tag = "mail", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the message exactly as received", content_type = "message/rfc822"), (status = 404, body = ErrorBody)))]
pub async fn raw(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    linking::require_read(&s.db.pool, &caller, id).await?;
    let bytes = super::raw(&s.db.pool, id).await?;
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
    linking::require_read(&s.db.pool, &caller, id).await?;
    let (bytes, content_type, filename) = super::attachment(&s.db.pool, id, index).await?;
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
    let mut view = super::thread(&s.db.pool, id).await?;
    let mut visible = Vec::new();
    for message in view.messages {
        if linking::may_read(&s.db.pool, &caller, message.id).await? {
            visible.push(message);
        }
    }
    if visible.is_empty() {
        return Err(Error::NotFound("thread"));
    }
    view.messages = visible;
    Ok(Json(view))
}
