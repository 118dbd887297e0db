//! Handlers of identity providers (admin), the public list of sign-in buttons, and the browser's round trip:
//! `start` redirects to the provider, `callback` redirects to the console with our session token (or an error
//! code) in the fragment: `/#/signed-in?token=…&expires_at=…` or `/#/signed-in?error=<code>&message=…`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::login::{self, Finish};
use super::model::{
    AddinConfig, NewProvider, ProviderButton, ProviderPatch, ProviderView, SignInCallback,
};
use super::{addin, edit, providers};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::audit::{AuditPage, AuditQuery};
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

const COOKIE: &str = "mailroom_oidc_state";
const COOKIE_PATH: &str = "/api/v1/auth/oidc";

#[utoipa::path(get, path = "/api/v1/auth/oidc/providers", tag = "auth",
    responses((status = 200, description = "the identity providers users may sign in with", body = Vec<ProviderButton>)))]
pub async fn buttons(State(s): State<AppState>) -> Result<Json<Vec<ProviderButton>>, Error> {
    Ok(Json(providers::buttons(&s.db.pool).await?))
}

#[utoipa::path(get, path = "/api/v1/oidc/providers", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProviderView>), (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<Vec<ProviderView>>, Error> {
    Ok(Json(providers::list(&s.db.pool).await?))
}

#[utoipa::path(post, path = "/api/v1/oidc/providers", tag = "auth", security(("bearer" = [])),
    request_body = NewProvider,
    responses((status = 201, body = ProviderView), (status = 422, body = ErrorBody),
        (status = 502, description = "oidc_discovery_failed: the discovery document could not be read", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(new): Json<NewProvider>,
) -> Result<(StatusCode, Json<ProviderView>), Error> {
    let view = providers::create(&s.db.pool, &s.secrets, s.jwks.http(), (caller.id, new)).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(patch, path = "/api/v1/oidc/providers/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ProviderPatch,
    responses((status = 200, body = ProviderView), (status = 404, body = ErrorBody),
        (status = 409, description = "conflict: another enabled provider is already the add-in's", body = ErrorBody),
        (status = 422, description = "validation_failed, also for an unknown field", body = ErrorBody)))]
pub async fn patch(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(change): Json<ProviderPatch>,
) -> Result<Json<ProviderView>, Error> {
    Ok(Json(
        edit::patch(&s.db.pool, &s.secrets, (caller.id, id), change).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/oidc/providers/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    edit::delete(&s.db.pool, caller.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/oidc/providers/{id}/audit", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path), AuditQuery),
    responses((status = 200, description = "who added, changed or removed it, and what changed, newest first", body = AuditPage)))]
pub async fn audit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, Error> {
    let limit = crate::api::extract::Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    // A removed provider's trail stays readable: the id is not looked up.
    let page = crate::audit::page(&s.db.pool, (edit::AUDIT_KIND, id), &[], q.before, limit);
    Ok(Json(page.await?))
}

#[utoipa::path(get, path = "/api/v1/addin/config", tag = "addin",
    responses((status = 200, description = "how the Outlook pane signs itself in: MSAL's client id, authority and scopes, or `nested_app_auth: null` (password sign-in only)", body = AddinConfig)))]
pub async fn addin_config(State(s): State<AppState>) -> Result<Json<AddinConfig>, Error> {
    Ok(Json(addin::config(&s.db.pool).await?))
}

/// Our callback URL as registered at the provider: the public URL when configured, else the request's host.
fn redirect_uri(s: &AppState, headers: &HeaderMap, id: i64) -> Result<String, Error> {
    let base = match &s.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .ok_or_else(|| Error::validation("public_url", "set MAILROOM_PUBLIC_URL"))?;
            format!("http://{host}")
        }
    };
    Ok(format!("{base}/api/v1/auth/oidc/{id}/callback"))
}

fn see_other(location: &str, cookie: String) -> Result<Response, Error> {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(location).map_err(Error::internal)?,
    );
    h.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(Error::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/auth/oidc/{id}/start", tag = "auth", params(("id" = i64, Path)),
    responses((status = 303, description = "to the provider's authorization page (code + PKCE S256, state and nonce); sets a short-lived state cookie"),
        (status = 404, body = ErrorBody)))]
pub async fn start(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Error> {
    let provider = providers::get(&s.db.pool, id).await?;
    let redirect = redirect_uri(&s, &headers, id)?;
    let (url, state) = login::start(&s.db.pool, &s.secrets, &provider, &redirect).await?;
    let secure = if redirect.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={state}; Path={COOKIE_PATH}; Max-Age=600; HttpOnly; SameSite=Lax{secure}"
    );
    see_other(&url, cookie)
}

fn cookie_state(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[utoipa::path(get, path = "/api/v1/auth/oidc/{id}/callback", tag = "auth", params(("id" = i64, Path), SignInCallback),
    responses((status = 303, description = "to the console: `/#/signed-in?token=…&expires_at=…`, or `/#/signed-in?error=<code>&message=…` with oidc_state_invalid, oidc_sign_in_refused, oidc_token_invalid, oidc_email_missing, oidc_email_unverified, oidc_user_unknown, account_inactive, oidc_token_failed, oidc_keys_unavailable")))]
pub async fn callback(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(_id): Path<i64>,
    Query(q): Query<SignInCallback>,
) -> Result<Response, Error> {
    let finish = Finish {
        pool: &s.db.pool,
        secrets: &s.secrets,
        keys: &s.tokens,
        jwks: &s.jwks,
        http: s.jwks.http(),
    };
    let result = match (&q.state, &q.code, &q.error) {
        (_, _, Some(error)) => Err(login::bad(
            "oidc_sign_in_refused",
            format!(
                "the provider did not sign you in ({error}: {})",
                q.error_description.as_deref().unwrap_or("")
            ),
        )),
        (Some(state), Some(code), None) => {
            finish
                .run(state, cookie_state(&headers).as_deref(), code)
                .await
        }
        _ => Err(login::bad(
            "oidc_state_invalid",
            "the provider sent no code or state",
        )),
    };
    let location = match result {
        Ok(r) => format!(
            "/#/signed-in?token={}&expires_at={}",
            encode(&r.token),
            encode(
                &r.expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(Error::internal)?
            )
        ),
        Err(e) => {
            if let Error::Database(_) | Error::Internal(_) = e {
                tracing::error!(error = %e, "sign-in through identity provider failed");
            }
            let message = e.public_message();
            format!(
                "/#/signed-in?error={}&message={}",
                e.code(),
                encode(&message)
            )
        }
    };
    let clear = format!("{COOKIE}=; Path={COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax");
    see_other(&location, clear)
}
