//! Handlers of `/api/v1/admin/privacy/*` (admins only, route table).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

use super::model::{ErasureReport, ErasureRequest, Subject};
use super::requests::{PrivacyRequestPage, RequestQuery};
use crate::api::extract::{Json, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(post, path = "/api/v1/admin/privacy/export", tag = "privacy", security(("bearer" = [])),
    request_body = Subject,
    responses((status = 200, description = "a zip: person.json, records/<kind>-<id>.json (with custom fields, notes and tasks), consent.json, audit.json, mail/<id>.eml", content_type = "application/zip"),
        (status = 403, body = ErrorBody), (status = 404, description = "an unknown contact id", body = ErrorBody),
        (status = 422, description = "privacy_subject_missing, validation_failed", body = ErrorBody)))]
pub async fn export(
    State(s): State<AppState>,
    caller: Caller,
    Json(subject): Json<Subject>,
) -> Result<Response, Error> {
    let file = super::export(&s.db, &caller, subject).await?;
    let file = tokio::fs::File::from_std(file);
    // Read in chunks as the client takes them: the zip may be large.
    let stream = futures::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let date = time::OffsetDateTime::now_utc().date();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"privacy-export-{date}.zip\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/admin/privacy/erase", tag = "privacy", security(("bearer" = [])),
    request_body = ErasureRequest,
    responses((status = 200, description = "what was deleted, pseudonymized and redacted", body = ErasureReport),
        (status = 403, body = ErrorBody), (status = 404, description = "an unknown contact id", body = ErrorBody),
        (status = 422, description = "privacy_subject_missing, validation_failed (reason)", body = ErrorBody)))]
pub async fn erase(
    State(s): State<AppState>,
    caller: Caller,
    Json(req): Json<ErasureRequest>,
) -> Result<Json<ErasureReport>, Error> {
    Ok(Json(super::erase(&s.db, &caller, req).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/privacy/requests", tag = "privacy", security(("bearer" = [])),
    params(RequestQuery),
    responses((status = 200, description = "past exports and erasures, newest first (never the person)", body = PrivacyRequestPage),
        (status = 403, body = ErrorBody), (status = 422, description = "validation_failed (limit)", body = ErrorBody)))]
pub async fn requests(
    State(s): State<AppState>,
    _caller: Caller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<PrivacyRequestPage>, Error> {
    Ok(Json(super::requests::page(&s.db.pool, &q).await?))
}
