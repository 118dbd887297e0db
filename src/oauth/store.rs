//! SQL of OAuth2 credentials and of consents in progress.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::model::{Grant, GrantState};
use crate::db::now_ms;
use crate::error::Error;

pub struct Credential {
    pub id: i64,
    pub provider: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    pub grant: Grant,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    pub private_key_sealed: Option<String>,
    pub key_id: Option<String>,
    pub subject: Option<String>,
    pub scopes: Vec<String>,
    pub refresh_token_sealed: Option<String>,
    pub access_token_sealed: Option<String>,
    pub access_expires_at: Option<i64>,
    pub state: GrantState,
    pub error: Option<String>,
    pub authorized_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<Credential, Error> {
    let scopes: String = r.try_get("scopes")?;
    Ok(Credential {
        id: r.try_get("id")?,
        provider: r.try_get("provider")?,
        authorization_endpoint: r.try_get("authorization_endpoint")?,
        token_endpoint: r.try_get("token_endpoint")?,
        grant: Grant::from_column(&r.try_get::<String, _>("grant_type")?),
        client_id: r.try_get("client_id")?,
        client_secret_sealed: r.try_get("client_secret_sealed")?,
        private_key_sealed: r.try_get("private_key_sealed")?,
        key_id: r.try_get("key_id")?,
        subject: r.try_get("subject")?,
        scopes: serde_json::from_str(&scopes).map_err(Error::internal)?,
        refresh_token_sealed: r.try_get("refresh_token_sealed")?,
        access_token_sealed: r.try_get("access_token_sealed")?,
        access_expires_at: r.try_get("access_expires_at")?,
        state: GrantState::from_column(&r.try_get::<String, _>("state")?),
        error: r.try_get("error")?,
        authorized_at: r.try_get("authorized_at")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<Credential>, Error> {
    let row = sqlx::query(
        "SELECT id, provider, authorization_endpoint, token_endpoint, grant_type, client_id, client_secret_sealed,
                private_key_sealed, key_id, subject, scopes, refresh_token_sealed, access_token_sealed, access_expires_at, state, error, authorized_at
         FROM oauth_credentials WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// New settings; a refresh token given with them, or an app-only grant, makes the credential `authorized`.
pub struct Write<'a> {
    pub provider: &'a str,
    pub grant: Grant,
    pub private_key_sealed: Option<&'a str>,
    pub key_id: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub authorization_endpoint: Option<&'a str>,
    pub token_endpoint: &'a str,
    pub client_id: &'a str,
    pub client_secret_sealed: Option<&'a str>,
    pub scopes: &'a [String],
    pub refresh_token_sealed: Option<&'a str>,
}

impl Write<'_> {
    fn state(&self) -> GrantState {
        match (self.refresh_token_sealed, self.grant.app_only()) {
            (Some(_), _) | (None, true) => GrantState::Authorized,
            (None, false) => GrantState::AuthorizationNeeded,
        }
    }
}

pub async fn insert(conn: &mut AnyConnection, w: &Write<'_>) -> Result<i64, Error> {
    let now = now_ms();
    let authorized = (w.state() == GrantState::Authorized).then_some(now);
    let row = sqlx::query(
        "INSERT INTO oauth_credentials (provider, authorization_endpoint, token_endpoint, client_id, client_secret_sealed,
                scopes, refresh_token_sealed, state, authorized_at, updated_at, grant_type, private_key_sealed, key_id,
                subject)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(w.provider)
    .bind(w.authorization_endpoint)
    .bind(w.token_endpoint)
    .bind(w.client_id)
    .bind(w.client_secret_sealed)
    .bind(serde_json::to_string(w.scopes).map_err(Error::internal)?)
    .bind(w.refresh_token_sealed)
    .bind(w.state().as_str())
    .bind(authorized)
    .bind(now)
    .bind(w.grant.as_str())
    .bind(w.private_key_sealed)
    .bind(w.key_id)
    .bind(w.subject)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM oauth_credentials WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the right to refresh for a while; false when another task or instance is refreshing.
pub async fn take_refresh_lock(pool: &AnyPool, id: i64, until: i64) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE oauth_credentials SET refreshing_until = $1
         WHERE id = $2 AND (refreshing_until IS NULL OR refreshing_until < $3)",
    )
    .bind(until)
    .bind(id)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release_refresh_lock(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("UPDATE oauth_credentials SET refreshing_until = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Keeps a new access token (and a rotated refresh token); the credential is `authorized` again.
pub async fn store_tokens(
    pool: &AnyPool,
    id: i64,
    access_sealed: &str,
    expires_at: Option<i64>,
    refresh_sealed: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE oauth_credentials SET access_token_sealed = $1, access_expires_at = $2,
                refresh_token_sealed = COALESCE($3, refresh_token_sealed), state = 'authorized', error = NULL,
                refreshing_until = NULL, updated_at = $4
         WHERE id = $5",
    )
    .bind(access_sealed)
    .bind(expires_at)
    .bind(refresh_sealed)
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// A fresh consent: new tokens, `authorized`, the time of it.
pub async fn authorize(
    pool: &AnyPool,
    id: i64,
    refresh_sealed: &str,
    access_sealed: &str,
    expires_at: Option<i64>,
) -> Result<(), Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE oauth_credentials SET refresh_token_sealed = $1, access_token_sealed = $2, access_expires_at = $3,
                state = 'authorized', error = NULL, refreshing_until = NULL, authorized_at = $4, updated_at = $4
         WHERE id = $5",
    )
    .bind(refresh_sealed)
    .bind(access_sealed)
    .bind(expires_at)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The provider refused the refresh token: nothing more is tried until an admin authorizes again.
pub async fn mark_refused(conn: &mut AnyConnection, id: i64, error: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE oauth_credentials SET state = 'reauthorization_needed', error = $1, access_token_sealed = NULL,
                access_expires_at = NULL, refreshing_until = NULL, updated_at = $2
         WHERE id = $3",
    )
    .bind(error)
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Consent {
    pub credential_id: i64,
    pub user_id: i64,
    pub verifier_sealed: String,
    pub redirect_uri: String,
    pub expires_at: i64,
}

pub async fn insert_consent(pool: &AnyPool, state_hash: &str, c: &Consent) -> Result<(), Error> {
    sqlx::query("DELETE FROM oauth_consents WHERE expires_at < $1")
        .bind(now_ms())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO oauth_consents (state_hash, credential_id, user_id, verifier_sealed, redirect_uri, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(c.credential_id)
    .bind(c.user_id)
    .bind(&c.verifier_sealed)
    .bind(&c.redirect_uri)
    .bind(c.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes a consent of this user out (single use: a second callback with the same state finds nothing).
pub async fn take_consent(
    pool: &AnyPool,
    state_hash: &str,
    user_id: i64,
) -> Result<Option<Consent>, Error> {
    let row = sqlx::query(
        "DELETE FROM oauth_consents WHERE state_hash = $1 AND user_id = $2
         RETURNING credential_id, user_id, verifier_sealed, redirect_uri, expires_at",
    )
    .bind(state_hash)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Consent {
        credential_id: r.try_get("credential_id")?,
        user_id: r.try_get("user_id")?,
        verifier_sealed: r.try_get("verifier_sealed")?,
        redirect_uri: r.try_get("redirect_uri")?,
        expires_at: r.try_get("expires_at")?,
    }))
}
