//! Handlers for the side panel: lookup, logging the open mail, and the pane's files.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;

use super::model::{LogMail, Logged, Lookup, LookupQuery};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/lookup", tag = "addin", security(("bearer" = [])), params(LookupQuery),
    responses((status = 200, description = "the card of one participant of the open mail", body = Lookup), (status = 422, body = ErrorBody)))]
pub async fn lookup(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<LookupQuery>,
) -> Result<Json<Lookup>, Error> {
    Ok(Json(super::lookup(&s.db.pool, &caller, q).await?))
}

#[utoipa::path(post, path = "/api/v1/messages/log", tag = "addin", security(("bearer" = [])), request_body = LogMail,
    responses((status = 200, body = Logged), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn log_mail(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<LogMail>,
) -> Result<Json<Logged>, Error> {
    Ok(Json(super::log_mail(&s.db.pool, &caller, body).await?))
}

/// The public base URL: configured, or what the request was addressed to.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[utoipa::path(get, path = "/addin/manifest.xml", tag = "addin",
    responses((status = 200, description = "the Outlook add-in manifest with this server's URL", content_type = "application/xml")))]
pub async fn manifest(State(s): State<AppState>, headers: HeaderMap) -> Response {
    super::files::manifest(&base_url(&s, &headers))
}

#[utoipa::path(get, path = "/addin/{file}", tag = "addin", params(("file" = String, Path)),
    responses((status = 200, description = "a file of the task pane"), (status = 404, body = ErrorBody)))]
pub async fn file(Path(name): Path<String>) -> Result<Response, Error> {
    super::files::file(&name).ok_or(Error::NotFound("file"))
}
