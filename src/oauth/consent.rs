//! Delegated consent: authorization code with PKCE S256. `start` answers the provider's authorization URL and keeps
//! the state (hashed), the PKCE verifier (sealed) and the admin who asked, for ten minutes; `finish` takes that
//! state once, for the same admin only, exchanges the code and stores the refresh token.

use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::model::{ConsentCallback, ConsentStart};
use super::{credential, providers, store, token};
use crate::db::{from_ms, now_ms};
use crate::error::Error;
use crate::secrets::SecretBox;

const CONSENT_TTL_MS: i64 = 10 * 60_000;

fn hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn bad(code: &'static str, message: impl Into<String>) -> Error {
    Error::BadRequest {
        code,
        message: message.into(),
    }
}

pub async fn start(
    pool: &AnyPool,
    secrets: &SecretBox,
    credential_id: i64,
    user_id: i64,
    redirect_uri: Option<&str>,
) -> Result<ConsentStart, Error> {
    let redirect_uri = redirect_uri.ok_or_else(|| {
        Error::validation(
            "redirect_uri",
            "set MAILROOM_OAUTH_REDIRECT_URL (the console page that hands code and state to /api/v1/oauth/callback)",
        )
    })?;
    let c = credential(pool, credential_id).await?;
    if c.grant.app_only() {
        return Err(Error::validation(
            "oauth.grant",
            "app-only credentials need no consent: the app's own secret or key signs in",
        ));
    }
    let endpoint = c.authorization_endpoint.as_deref().ok_or_else(|| {
        Error::validation(
            "oauth.authorization_endpoint",
            "this provider has no authorization endpoint: give one, or a refresh token",
        )
    })?;
    let extra = providers::authorization_params(&c.provider);
    let (url, state, verifier) =
        token::authorization_url(&c.client_id, endpoint, redirect_uri, &c.scopes, extra)
            .map_err(|e| Error::validation("oauth", e))?;
    let expires_at = now_ms() + CONSENT_TTL_MS;
    let consent = store::Consent {
        credential_id,
        user_id,
        verifier_sealed: secrets.seal(&verifier)?,
        redirect_uri: redirect_uri.to_string(),
        expires_at,
    };
    store::insert_consent(pool, &hash(&state), &consent).await?;
    Ok(ConsentStart {
        authorization_url: url,
        state,
        expires_at: from_ms(expires_at),
    })
}

/// Exchanges the code of a consent this admin started; answers the credential it authorized.
pub async fn finish(
    pool: &AnyPool,
    secrets: &SecretBox,
    user_id: i64,
    callback: &ConsentCallback,
) -> Result<i64, Error> {
    let consent = store::take_consent(pool, &hash(&callback.state), user_id)
        .await?
        .filter(|c| c.expires_at >= now_ms())
        .ok_or_else(|| {
            bad(
                "oauth_state_invalid",
                "unknown, used or expired state, or a consent another user started: start again",
            )
        })?;
    if let Some(error) = &callback.error {
        let text = match &callback.error_description {
            Some(d) => format!("{error}: {d}"),
            None => error.clone(),
        };
        return Err(bad(
            "oauth_consent_refused",
            format!("the provider did not grant access ({text})"),
        ));
    }
    let code = callback
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::validation("code", "is required"))?;
    let c = credential(pool, consent.credential_id).await?;
    let client = token::Client {
        token_endpoint: &c.token_endpoint,
        client_id: &c.client_id,
        client_secret: c
            .client_secret_sealed
            .as_deref()
            .map(|s| secrets.open(s))
            .transpose()?,
    };
    let verifier = secrets.open(&consent.verifier_sealed)?;
    let tokens = token::exchange_code(&client, code, verifier, &consent.redirect_uri)
        .await
        .map_err(|r| {
            let text = match r {
                token::Refusal::InvalidGrant(t) | token::Refusal::Failed(t) => t,
            };
            Error::Upstream {
                code: "oauth_token_failed",
                message: format!("the provider refused the code: {text}"),
            }
        })?;
    let refresh = tokens.refresh.as_deref().ok_or_else(|| Error::Upstream {
        code: "oauth_token_failed",
        message: "the provider gave no refresh token (offline access not granted?)".into(),
    })?;
    let expires = tokens.expires_in.map(|d| now_ms() + d.as_millis() as i64);
    let (refresh, access) = (secrets.seal(refresh)?, secrets.seal(&tokens.access)?);
    store::authorize(pool, c.id, &refresh, &access, expires).await?;
    tracing::info!(credential_id = c.id, "oauth consent granted");
    Ok(c.id)
}
