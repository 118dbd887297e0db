//! Handlers of the provider presets and of the consent callback (the mailbox's `oauth/start` is in imap).

use axum::extract::State;

use super::model::{ConsentCallback, ConsentDone, Provider};
use crate::api::extract::{Json, Query};
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
    Ok(Json(ConsentDone {
        mailbox_id,
        oauth: super::view(&s.db.pool, credential).await?,
    }))
}
