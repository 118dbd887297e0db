//! OAuth2 sign-in for mailboxes and relays: provider settings, the refresh token and the current access token
//! sealed at rest, refreshed before expiry and once more after a refused login; a refused refresh token stops
//! every retry until an admin authorizes again. Consent (authorization code + PKCE) lives in `consent.rs`.

pub mod app_only;
mod app_only_input;
pub mod consent;
pub mod model;
pub mod providers;
pub mod routes;
pub mod sasl;
mod store;
pub mod token;

use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::{AnyConnection, AnyPool};

use crate::db::{from_ms, now_ms};
use crate::error::Error;
use crate::secrets::SecretBox;
use model::{Grant, GrantState, OAuthInput, OAuthView};

/// An access token is renewed when less than this is left of it.
const RENEW_BEFORE_MS: i64 = 60_000;
/// Longest a refresh may hold the lock (other tasks wait for its token meanwhile).
const REFRESH_LOCK_MS: i64 = 40_000;

/// Settings checked and endpoints resolved (presets, discovery), ready to store.
pub struct Prepared {
    resolved: providers::Resolved,
    grant: Grant,
    client_id: String,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    private_key: Option<String>,
    key_id: Option<String>,
    subject: Option<String>,
}

/// Checks the input and resolves the provider (may fetch a discovery document: call before a transaction).
pub async fn prepare(input: &OAuthInput) -> Result<Prepared, Error> {
    let nonempty = |s: &Option<String>| {
        s.as_ref()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let account = match nonempty(&input.service_account_key) {
        Some(json) => Some(app_only_input::service_account(&json)?),
        None => None,
    };
    let client_id = match &account {
        Some(a) => a.client_email.clone(),
        None => input.client_id.trim().to_string(),
    };
    if client_id.is_empty() {
        return Err(Error::validation("oauth.client_id", "is required"));
    }
    let private_key =
        nonempty(&input.private_key).or(account.as_ref().map(|a| a.private_key.clone()));
    let key_id = app_only_input::key_id(input, account.as_ref())?;
    let subject = nonempty(&input.subject);
    let client_secret = nonempty(&input.client_secret);
    let refresh_token = nonempty(&input.refresh_token);
    app_only_input::check(
        input.grant,
        &client_secret,
        &private_key,
        &subject,
        &refresh_token,
    )?;
    let token_uri = account.as_ref().and_then(|a| a.token_uri.as_deref());
    Ok(Prepared {
        resolved: providers::resolve(input, token_uri).await?,
        grant: input.grant,
        client_id,
        client_secret,
        refresh_token,
        private_key,
        key_id,
        subject,
    })
}

/// Stores new settings as a credential; answers its id.
pub async fn insert(
    conn: &mut AnyConnection,
    secrets: &SecretBox,
    p: &Prepared,
) -> Result<i64, Error> {
    let secret = p
        .client_secret
        .as_deref()
        .map(|s| secrets.seal(s))
        .transpose()?;
    let refresh = p
        .refresh_token
        .as_deref()
        .map(|s| secrets.seal(s))
        .transpose()?;
    let private_key = p
        .private_key
        .as_deref()
        .map(|s| secrets.seal(s))
        .transpose()?;
    let write = store::Write {
        provider: &p.resolved.provider,
        grant: p.grant,
        private_key_sealed: private_key.as_deref(),
        key_id: p.key_id.as_deref(),
        subject: p.subject.as_deref(),
        authorization_endpoint: p.resolved.authorization_endpoint.as_deref(),
        token_endpoint: &p.resolved.token_endpoint,
        client_id: &p.client_id,
        client_secret_sealed: secret.as_deref(),
        scopes: &p.resolved.scopes,
        refresh_token_sealed: refresh.as_deref(),
    };
    store::insert(conn, &write).await
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    store::delete(conn, id).await
}

async fn credential(pool: &AnyPool, id: i64) -> Result<store::Credential, Error> {
    store::get(pool, id)
        .await?
        .ok_or_else(|| Error::internal(format!("oauth credential {id} is missing")))
}

pub async fn view(pool: &AnyPool, id: i64) -> Result<OAuthView, Error> {
    let c = credential(pool, id).await?;
    Ok(OAuthView {
        provider: c.provider,
        authorization_endpoint: c.authorization_endpoint,
        token_endpoint: c.token_endpoint,
        grant: c.grant,
        client_id: c.client_id,
        scopes: c.scopes,
        key_id: c.key_id,
        subject: c.subject,
        state: c.state,
        error: c.error,
        authorized_at: c.authorized_at.map(from_ms),
    })
}

/// The state of a credential (the worker leaves one that needs an admin alone).
pub async fn state(pool: &AnyPool, id: i64) -> Result<GrantState, Error> {
    Ok(credential(pool, id).await?.state)
}

fn upstream(code: &'static str, message: String) -> Error {
    Error::Upstream { code, message }
}

/// What the owner of a credential (a mailbox) shows when the provider refuses its grant, written in the same
/// transaction as the credential's `reauthorization_needed`, so nobody sees one without the other.
pub trait OnRefused: Sync {
    fn record<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        error: &'a Error,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// For owners that keep no error of their own (relays show the credential's state).
pub struct NothingToRecord;

impl OnRefused for NothingToRecord {
    fn record<'a>(
        &'a self,
        _: &'a mut AnyConnection,
        _: &'a Error,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }
}

fn refused(grant: Grant, text: &str) -> Error {
    let message = if grant.app_only() {
        format!("the provider refused the app's credentials ({text}); an admin must correct them")
    } else {
        format!("the provider refused the refresh token ({text}); an admin must connect it again")
    };
    upstream("oauth_reauthorization_needed", message)
}

fn needs_admin(c: &store::Credential) -> Option<Error> {
    match c.state {
        GrantState::Authorized => None,
        GrantState::AuthorizationNeeded => Some(upstream(
            "oauth_authorization_needed",
            "not connected yet: an admin grants access (POST /api/v1/mailboxes/{id}/oauth/start)"
                .into(),
        )),
        GrantState::ReauthorizationNeeded => Some(refused(
            c.grant,
            c.error.as_deref().unwrap_or("no reason given"),
        )),
    }
}

/// A usable access token. `refused`: the token the server just refused, so a newer one is fetched (once).
pub async fn access_token(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
    refused: Option<&str>,
) -> Result<String, Error> {
    access_token_for(pool, secrets, id, refused, &NothingToRecord).await
}

/// The same, with what the credential's owner records when the provider refuses the grant.
pub async fn access_token_for(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
    refused: Option<&str>,
    on_refused: &dyn OnRefused,
) -> Result<String, Error> {
    for _ in 0..(REFRESH_LOCK_MS / 200) {
        let c = credential(pool, id).await?;
        if let Some(e) = needs_admin(&c) {
            return Err(e);
        }
        let current = c
            .access_token_sealed
            .as_deref()
            .map(|s| secrets.open(s))
            .transpose()?;
        let fresh = c
            .access_expires_at
            .is_none_or(|at| at - now_ms() > RENEW_BEFORE_MS);
        if let Some(token) = current.filter(|t| fresh && Some(t.as_str()) != refused) {
            return Ok(token);
        }
        if store::take_refresh_lock(pool, id, now_ms() + REFRESH_LOCK_MS).await? {
            return refresh(pool, secrets, &c, on_refused).await;
        }
        // Another task or instance is refreshing: its token will do.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(upstream(
        "oauth_token_failed",
        "another refresh of this token did not finish".into(),
    ))
}

async fn refresh(
    pool: &AnyPool,
    secrets: &SecretBox,
    c: &store::Credential,
    on_refused: &dyn OnRefused,
) -> Result<String, Error> {
    let result = async {
        if c.grant.app_only() {
            let got = app_only_input::fetch(secrets, c).await;
            return settle(pool, secrets, c, on_refused, got).await;
        }
        let refresh_token = match &c.refresh_token_sealed {
            Some(s) => secrets.open(s)?,
            None => {
                return Err(needs_admin(c).unwrap_or_else(|| Error::internal("no refresh token")))
            }
        };
        let client = token::Client {
            token_endpoint: &c.token_endpoint,
            client_id: &c.client_id,
            client_secret: c
                .client_secret_sealed
                .as_deref()
                .map(|s| secrets.open(s))
                .transpose()?,
        };
        let got = token::refresh(&client, &refresh_token).await;
        settle(pool, secrets, c, on_refused, got).await
    }
    .await;
    if result.is_err() {
        let _ = store::release_refresh_lock(pool, c.id).await;
    }
    result
}

/// Keeps a new token, or records why none came.
async fn settle(
    pool: &AnyPool,
    secrets: &SecretBox,
    c: &store::Credential,
    on_refused: &dyn OnRefused,
    got: Result<token::Tokens, token::Refusal>,
) -> Result<String, Error> {
    {
        match got {
            Ok(t) => {
                let expires = t.expires_in.map(|d| now_ms() + d.as_millis() as i64);
                let access = secrets.seal(&t.access)?;
                let rotated = t.refresh.as_deref().map(|r| secrets.seal(r)).transpose()?;
                store::store_tokens(pool, c.id, &access, expires, rotated.as_deref()).await?;
                tracing::info!(credential_id = c.id, "oauth access token refreshed");
                Ok(t.access)
            }
            Err(token::Refusal::InvalidGrant(text)) => {
                let error = refused(c.grant, &text);
                let mut tx = crate::db::begin(pool).await?;
                store::mark_refused(&mut tx, c.id, &text).await?;
                on_refused.record(&mut tx, &error).await?;
                tx.commit().await?;
                tracing::warn!(credential_id = c.id, error = %text, "oauth refresh token refused");
                Err(error)
            }
            Err(token::Refusal::Failed(text)) => Err(upstream(
                "oauth_token_failed",
                format!("the token endpoint failed: {text}"),
            )),
        }
    }
}
