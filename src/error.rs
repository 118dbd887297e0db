//! The one error type of the server and the only place where errors become HTTP responses.
//! Every error answers `{"error":{"code","message"}}` with a stable `code`; causes of 500s are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Why a request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No bearer token was sent.
    Missing,
    /// The token is malformed, forged, uses another algorithm, or its user changed.
    Invalid,
    Expired,
    /// Login with a wrong e-mail or password.
    BadCredentials,
    /// The account has been deactivated.
    Inactive,
    /// An identity provider's token for another application (its `aud`).
    WrongAudience,
    /// A valid identity provider's token for someone with no active account here.
    UnknownUser,
    /// An `mrk_…` API key that is not one of ours.
    ApiKeyInvalid,
    /// An API key an admin revoked (or whose service user was deactivated).
    ApiKeyRevoked,
    /// An API key past its `expires_at`.
    ApiKeyExpired,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("not authenticated")]
    Unauthorized(AuthFailure),
    #[error("your role may not do this")]
    Forbidden,
    /// An API key called a route outside the actions it was granted.
    #[error("this API key is not granted the action {action}")]
    ApiKeyScope { action: String },
    #[error("your password must be changed first: sign in to the web console (or POST /api/v1/me/password)")]
    PasswordChangeRequired,
    #[error("requests from another origin are not accepted")]
    CrossOrigin,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict { message: String },
    /// The record is in use and cannot be removed; `details` names what uses it.
    #[error("{message}")]
    InUse {
        message: String,
        details: serde_json::Value,
    },
    /// A record with the same e-mail, phone, domain or name exists; `existing` identifies it.
    #[error("{message}")]
    Duplicate {
        message: String,
        existing: serde_json::Value,
    },
    /// Input that is well-formed but cannot be acted on; `details` lists what is wrong, item by item.
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: serde_json::Value,
    },
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// A web form's submissions from one client address went over the limit (MAILROOM_FORM_RATE_LIMIT).
    #[error("too many submissions from your address; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A page of an origin the web form does not allow posted to it.
    #[error("this form does not accept posts from this site (origin)")]
    FormOrigin,
    #[error("request body too large")]
    PayloadTooLarge,
    /// The client stopped sending the request body for longer than the body read timeout.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    /// A server we talk to (IMAP, SMTP) failed; `code` says how (e.g. `imap_auth_failed`).
    #[error("{message}")]
    Upstream { code: &'static str, message: String },
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("internal error")]
    Internal(String),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code, e.g. `invalid_json`, `validation_failed`, `forbidden`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The offending input field, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `duplicate`: the record that already exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub existing: Option<serde_json::Value>,
    /// Item-by-item reasons, e.g. the recipients a campaign could not be rendered for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl Error {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::Validation { .. } | Error::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden
            | Error::ApiKeyScope { .. }
            | Error::PasswordChangeRequired
            | Error::CrossOrigin
            | Error::FormOrigin => StatusCode::FORBIDDEN,
            Error::NotFound(_) | Error::RouteNotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict { .. } | Error::Duplicate { .. } | Error::InUse { .. } => {
                StatusCode::CONFLICT
            }
            Error::TooManyAttempts { .. } | Error::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Upstream { .. } => StatusCode::BAD_GATEWAY,
            Error::Database(e) if unique_violation(e) => StatusCode::CONFLICT,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest { code, .. } | Error::Unprocessable { code, .. } => code,
            Error::Validation { .. } => "validation_failed",
            Error::Unauthorized(AuthFailure::Missing) => "unauthenticated",
            Error::Unauthorized(AuthFailure::Invalid) => "invalid_token",
            Error::Unauthorized(AuthFailure::Expired) => "token_expired",
            Error::Unauthorized(AuthFailure::BadCredentials) => "invalid_credentials",
            Error::Unauthorized(AuthFailure::Inactive) => "account_inactive",
            Error::Unauthorized(AuthFailure::WrongAudience) => "token_audience_invalid",
            Error::Unauthorized(AuthFailure::UnknownUser) => "token_user_unknown",
            Error::Unauthorized(AuthFailure::ApiKeyInvalid) => "api_key_invalid",
            Error::Unauthorized(AuthFailure::ApiKeyRevoked) => "api_key_revoked",
            Error::Unauthorized(AuthFailure::ApiKeyExpired) => "api_key_expired",
            Error::Forbidden => "forbidden",
            Error::ApiKeyScope { .. } => "api_key_scope",
            Error::PasswordChangeRequired => "password_change_required",
            Error::CrossOrigin => "cross_origin_forbidden",
            Error::NotFound(_) => "not_found",
            Error::RouteNotFound(_) => "route_not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::Conflict { .. } => "conflict",
            Error::Duplicate { .. } => "duplicate",
            Error::InUse { .. } => "in_use",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::RateLimited { .. } => "rate_limited",
            Error::FormOrigin => "form_origin_forbidden",
            Error::PayloadTooLarge => "payload_too_large",
            Error::RequestTimeout => "request_timeout",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::Unavailable(_) => "unavailable",
            Error::Upstream { code, .. } => code,
            Error::Database(e) if unique_violation(e) => "conflict",
            Error::Database(_) | Error::Internal(_) => "internal",
        }
    }

    pub fn public_message(&self) -> String {
        match self {
            Error::Unauthorized(AuthFailure::Missing) => {
                "sign in: send Authorization: Bearer <token>".into()
            }
            Error::Unauthorized(AuthFailure::Invalid) => "the token is not valid".into(),
            Error::Unauthorized(AuthFailure::Expired) => {
                "the token has expired; sign in again".into()
            }
            Error::Unauthorized(AuthFailure::BadCredentials) => "wrong e-mail or password".into(),
            Error::Unauthorized(AuthFailure::Inactive) => "this account is deactivated".into(),
            Error::Unauthorized(AuthFailure::WrongAudience) => {
                "the token is for another application (aud)".into()
            }
            Error::Unauthorized(AuthFailure::UnknownUser) => {
                "nobody with this token's user name or e-mail has an account here".into()
            }
            Error::Unauthorized(AuthFailure::ApiKeyInvalid) => "the API key is not valid".into(),
            Error::Unauthorized(AuthFailure::ApiKeyRevoked) => {
                "the API key has been revoked".into()
            }
            Error::Unauthorized(AuthFailure::ApiKeyExpired) => "the API key has expired".into(),
            Error::Database(e) if unique_violation(e) => {
                "a record with these values already exists".into()
            }
            Error::Database(_) | Error::Internal(_) => "internal error; see the server log".into(),
            other => other.to_string(),
        }
    }
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let field = match &self {
            Error::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        let existing = match &self {
            Error::Duplicate { existing, .. } => Some(existing.clone()),
            _ => None,
        };
        let details = match &self {
            Error::Unprocessable { details, .. } | Error::InUse { details, .. } => {
                Some(details.clone())
            }
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.public_message(),
                field,
                existing,
                details,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::TooManyAttempts { retry_after_secs }
        | Error::RateLimited { retry_after_secs } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        if let Error::Unauthorized(_) = self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
