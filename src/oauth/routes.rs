//! Handlers of the provider presets, a relay's consent start and the consent callback (a mailbox's `oauth/start`
//! is in imap).

use axum::extract::State;

use super::model::{ConsentCallback, ConsentDone, ConsentStart, Provider};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/oauth/providers", tag = "mailboxes", security(("bearer" = [])),
    responses((status = 200, description = "presets: endpoints, scopes, IMAP and SMTP hosts; 'other' takes a discovery URL", body = Vec<Provider>)))]
pub async fn providers() -> Json<Vec<Provider>> {
    Json(super::providers::presets())
}

#[utoipa::path(get, path = "/api/v1/oauth/callback", tag = "mailboxes", security(("bearer" = [])), params(ConsentCallback),
    responses((status = 200, description = "the mailbox is connected", body = ConsentDone),
        (status = 400, description = "oauth_state_invalid (unknown, used, expired or another admin's), oauth_consent_refused", body = ErrorBody),
        (status = 502, description = "oauth_token_failed: the provider refused the code", body = ErrorBody)))]
pub async fn callback(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ConsentCallback>,
) -> Result<Json<ConsentDone>, Error> {
    let credential = super::consent::finish(&s.db.pool, &s.secrets, caller.id, &q).await?;
    let mailbox_id = crate::imap::with_credential(&s.db.pool, credential).await?;
    let relay_id = crate::campaigns::relays::with_credential(&s.db.pool, credential).await?;
    Ok(Json(ConsentDone {
        mailbox_id,
        relay_id,
        oauth: super::view(&s.db.pool, credential).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/relays/{id}/oauth/start", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the provider's authorization URL (code + PKCE S256), for this admin only, single-use", body = ConsentStart),
        (status = 404, body = ErrorBody), (status = 422, description = "not an OAuth2 relay, or no redirect URL configured", body = ErrorBody)))]
pub async fn relay_start(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ConsentStart>, Error> {
    let redirect = s.oauth_redirect_url.as_deref();
    let start =
        crate::campaigns::relays::start_consent(&s.db.pool, &s.campaigns, caller.id, id, redirect)
            .await?;
    Ok(Json(start))
}
