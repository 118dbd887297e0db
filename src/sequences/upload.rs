//! Handlers of attachment uploads: a multipart form's `file` part, at most 10 MB (422 `attachment_too_large`
//! beyond, read no further), and their deletion.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use futures::StreamExt;

use super::attachments::{self, MAX_BYTES};
use super::model::Attachment;
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

fn interrupted(e: impl std::fmt::Display) -> Error {
    Error::BadRequest {
        code: "upload_interrupted",
        message: format!("the upload did not arrive whole: {e}"),
    }
}

/// The form's `file` part: its name, type and bytes.
async fn file_part(headers: &HeaderMap, body: Body) -> Result<(String, String, Vec<u8>), Error> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| Error::validation("file", "send multipart/form-data with a 'file' part"))?;
    let limits = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(MAX_BYTES as u64 + 64 * 1024));
    let mut form = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Err(Error::validation("file", "the form has no 'file' part")),
            Err(multer::Error::StreamSizeExceeded { .. }) => return Err(attachments::too_large()),
            Err(e) => return Err(interrupted(e)),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("attachment").to_string();
        let kind = field
            .content_type()
            .map_or("application/octet-stream".to_string(), |m| m.to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| match e {
                multer::Error::StreamSizeExceeded { .. } => attachments::too_large(),
                e => interrupted(e),
            })?;
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(attachments::too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((name, kind, bytes));
    }
}

#[utoipa::path(post, path = "/api/v1/sequences/attachments", tag = "sequences", security(("bearer" = [])),
    description = "Uploads a file (multipart/form-data, part `file`, at most 10 MB) to attach to steps of the \\
        caller's sequences and mail merges; stored once per content.",
    request_body(content = Vec<u8>, description = "multipart/form-data with a 'file' part", content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment), (status = 403, body = ErrorBody),
        (status = 422, description = "attachment_too_large; validation_failed (`file`)", body = ErrorBody)))]
pub async fn upload(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>), Error> {
    super::require_sales(&caller)?;
    let (name, kind, bytes) = file_part(&headers, body).await?;
    let now = s.reminders.clock.now_ms();
    let a = attachments::upload(&s.db.pool, &caller, &name, &kind, bytes, now).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[utoipa::path(delete, path = "/api/v1/sequences/attachments/{id}", tag = "sequences", security(("bearer" = [])),
    description = "Deletes an upload of the caller's that no step carries (409 `in_use` with `details.sequence_ids`).",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    attachments::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
