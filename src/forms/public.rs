//! The public endpoint `/f/{key}`: no login; JSON posts answer JSON, plain HTML posts a redirect to the form's
//! thank-you URL or a small thank-you page; CORS headers only for the form's allowed origins.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::Value;

use super::model::Accepted;
use super::snippet;
use super::store::FormRow;
use super::submit::{self, Values, Visit};
use crate::api::extract::{parse_json, ClientAddr, Json, Path};
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

/// Largest submission body: a form is a few fields of text.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How the post was sent, which decides the answer.
#[derive(Clone, Copy, PartialEq)]
enum Sent {
    Json,
    Form,
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn cors(response: &mut Response, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

#[utoipa::path(post, path = "/f/{key}", tag = "forms", params(("key" = String, Path, description = "the form's public key")),
    request_body(content = Object, description = "the form's fields by key, `consent` (yes/true/on), `page`, and the hidden `website` (must stay empty); JSON, application/x-www-form-urlencoded or multipart/form-data (text fields; a multipart post answers JSON when it accepts JSON, else as a plain HTML post)",
        content_type = "application/x-www-form-urlencoded"),
    responses((status = 201, description = "JSON post: accepted (also for a known e-mail or a bot, which get the same answer)", body = Accepted),
        (status = 303, description = "plain HTML post: to the form's thank-you URL"),
        (status = 200, description = "plain HTML post without a thank-you URL: a thank-you page", content_type = "text/html"),
        (status = 403, description = "form_origin_forbidden: a page of an origin the form does not allow", body = ErrorBody),
        (status = 404, description = "unknown or disabled form", body = ErrorBody),
        (status = 422, description = "validation_failed: a required field, a bad e-mail or phone, no consent", body = ErrorBody),
        (status = 429, description = "rate_limited: too many submissions from this address (Retry-After)", body = ErrorBody)))]
pub async fn post(
    State(s): State<AppState>,
    Path(key): Path<String>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let form = match submit::find(&s.db.pool, &key).await {
        Ok(form) => form,
        Err(e) => return e.into_response(),
    };
    let origin = header_text(&headers, header::ORIGIN).map(str::to_string);
    let mut response = match handle(&s, &form, origin.as_deref(), addr, &headers, body).await {
        Ok(Sent::Json) => {
            (StatusCode::CREATED, Json(Accepted { status: "accepted" })).into_response()
        }
        Ok(Sent::Form) => match &form.redirect_url {
            Some(url) => Redirect::to(url).into_response(),
            None => {
                let mut page = Html(snippet::thank_you_page()).into_response();
                page.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
                );
                page
            }
        },
        Err(e) => e.into_response(),
    };
    if let Some(o) = origin
        .as_deref()
        .filter(|o| submit::origin_listed(&form, o))
    {
        cors(&mut response, o);
    }
    response
}

async fn handle(
    s: &AppState,
    form: &FormRow,
    origin: Option<&str>,
    addr: String,
    headers: &HeaderMap,
    body: Body,
) -> Result<Sent, Error> {
    if origin.is_some_and(|o| !submit::origin_allowed(form, o)) {
        return Err(Error::FormOrigin);
    }
    submit::admit(&s.db.pool, s.forms, &addr).await?;
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| Error::PayloadTooLarge)?;
    let kind = header_text(headers, header::CONTENT_TYPE)
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    let (sent, values) = match kind.as_deref() {
        Some("application/json") => (Sent::Json, json_values(&bytes)?),
        Some("application/x-www-form-urlencoded") => (Sent::Form, form_values(&bytes)?),
        // What a page's `fetch(url, {body: new FormData(form)})` sends, and an HTML form with that enctype.
        Some("multipart/form-data") => {
            let wants_json = header_text(headers, header::ACCEPT)
                .is_some_and(|a| a.contains("application/json"));
            let sent = if wants_json { Sent::Json } else { Sent::Form };
            let kind = header_text(headers, header::CONTENT_TYPE).unwrap_or_default();
            (sent, multipart_values(kind, bytes).await?)
        }
        _ => return Err(Error::UnsupportedMediaType),
    };
    let visit = Visit {
        client_addr: addr,
        referer: header_text(headers, header::REFERER).map(str::to_string),
    };
    submit::submit(&s.db.pool, form, &values, &visit).await?;
    Ok(sent)
}

fn json_values(bytes: &[u8]) -> Result<Values, Error> {
    let map: serde_json::Map<String, Value> = parse_json(bytes)?;
    let mut out = Values::new();
    for (key, value) in map {
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(Error::validation(
                    key,
                    "must be text, a number or true/false",
                ))
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

fn form_values(bytes: &[u8]) -> Result<Values, Error> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(bytes).map_err(|e| Error::BadRequest {
            code: "invalid_form_body",
            message: format!("the form-encoded body cannot be read: {e}"),
        })?;
    Ok(pairs.into_iter().collect())
}

fn unreadable(e: impl std::fmt::Display) -> Error {
    Error::BadRequest {
        code: "invalid_form_body",
        message: format!("the multipart body cannot be read: {e}"),
    }
}

/// The text fields of a multipart body. A file field is refused by name rather than dropped: a form takes text.
async fn multipart_values(content_type: &str, bytes: axum::body::Bytes) -> Result<Values, Error> {
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut out = Values::new();
    while let Some(field) = parts.next_field().await.map_err(unreadable)? {
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        if field.file_name().is_some_and(|f| !f.is_empty()) {
            return Err(Error::validation(name, "web forms take text, not files"));
        }
        let text = field.text().await.map_err(unreadable)?;
        out.insert(name, text);
    }
    Ok(out)
}

#[utoipa::path(options, path = "/f/{key}", tag = "forms", params(("key" = String, Path)),
    responses((status = 204, description = "CORS preflight of an allowed origin"),
        (status = 403, description = "form_origin_forbidden: the origin is not in the form's allowed origins", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn preflight(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let form = submit::find(&s.db.pool, &key).await?;
    let origin = header_text(&headers, header::ORIGIN)
        .filter(|o| submit::origin_listed(&form, o))
        .ok_or(Error::FormOrigin)?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    cors(&mut response, origin);
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    Ok(response)
}
