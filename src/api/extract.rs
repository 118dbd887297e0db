//! Request extractors that answer bad input in the API's own error format, naming the field at fault.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::Error;

pub use super::client_addr::{parse_proxies, ClientAddr};

/// JSON in and out. Syntax errors are `400 invalid_json`; a missing or wrong field is `422 validation_failed`
/// with the field's path.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else if timed_out(&rejection) {
                Error::RequestTimeout
            } else {
                Error::BadRequest {
                    code: "invalid_body",
                    message: rejection.body_text(),
                }
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// The body stopped arriving for longer than the server's body read timeout (`app::run` wraps every body).
fn timed_out(rejection: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // JSON carries U+0000 only as the escape `\u0000`: a body without one needs no second look, and one that is
    // not JSON at all is left to the typed parse below to report.
    if has_nul_escape(bytes) {
        if let Ok(tree) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some(field) = nul_in_json(&tree, String::new()) {
                return Err(nul_error(field));
            }
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                Error::Validation {
                    field: field_name(&path, &message),
                    message: strip_position(&message),
                }
            }
            _ => Error::BadRequest {
                code: "invalid_json",
                message: format!("the body is not valid JSON: {inner}"),
            },
        }
    })?;
    deserializer.end().map_err(|e| Error::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON: {e}"),
    })?;
    Ok(value)
}

/// Text with U+0000 is refused everywhere: PostgreSQL cannot store it, and no field has a use for it.
fn nul_error(field: String) -> Error {
    Error::validation(field, "must not contain the NUL character (U+0000)")
}

fn has_nul_escape(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"\\u0000")
}

/// The path of the first string or key holding U+0000, spelled like serde_path_to_error's (`a.b[2].c`).
fn nul_in_json(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        let key = printable(key);
        if path.is_empty() {
            key
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
            "body".to_string()
        } else {
            path
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in_json(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(key))
            } else {
                nul_in_json(item, join(key))
            }
        }),
        _ => None,
    }
}

/// A field name fit to echo back: the NUL itself is spelled out.
fn printable(name: &str) -> String {
    name.replace('\0', "\\u0000")
}

/// The first query or path parameter whose name or value holds U+0000, by name.
fn nul_in_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    pairs
        .into_iter()
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| printable(name))
}

/// serde names a missing field only in its message (`missing field `email``), with the parent's path;
/// an unknown field's path already ends in its name.
fn field_name(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match (path, missing) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_string(),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A path parameter; a malformed one is `400 invalid_path`.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Undecodable parameters are left to the typed extraction below, which names the problem.
        if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await {
            if let Some(field) = nul_in_pairs(raw.iter()) {
                return Err(nul_error(field));
            }
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e: PathRejection| Error::BadRequest {
                code: "invalid_path",
                message: e.body_text(),
            })
    }
}

/// Query parameters; malformed ones are `400 invalid_query`.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<_> = url::form_urlencoded::parse(query.as_bytes()).collect();
        if let Some(field) = nul_in_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))) {
            return Err(nul_error(field));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| Error::BadRequest {
                code: "invalid_query",
                message: e.body_text(),
            })
    }
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Keyset pagination: `?after=<last id seen>&limit=<1..=200>`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Id of the last item of the previous page.
    pub after: Option<i64>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

impl Page {
    pub fn after(&self) -> i64 {
        self.after.unwrap_or(0)
    }

    pub fn limit(&self) -> Result<i64, Error> {
        match self.limit {
            None => Ok(50),
            Some(n @ 1..=200) => Ok(n),
            Some(_) => Err(Error::validation("limit", "must be between 1 and 200")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        age: u32,
    }

    #[test]
    fn missing_field_is_named() {
        match parse_json::<Login>(br#"{"age": 3}"#) {
            Err(Error::Validation { field, message }) => {
                assert_eq!(field, "email");
                assert!(message.contains("missing field"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_type_names_the_field() {
        match parse_json::<Login>(r#"{"email": "a@b.c", "age": "три"}"#.as_bytes()) {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "age"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        match parse_json::<Login>(br#"{"email": "#) {
            Err(Error::BadRequest { code, .. }) => assert_eq!(code, "invalid_json"),
            other => panic!("unexpected {other:?}"),
        }
        match parse_json::<Login>(br#"{"email": "a@b.c", "age": 1} trailing"#) {
            Err(Error::BadRequest { code, .. }) => assert_eq!(code, "invalid_json"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
