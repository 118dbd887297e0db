//! SQL of identity providers and of sign-ins in progress.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::model::ProviderKind;
use crate::auth::Role;
use crate::db::now_ms;
use crate::error::Error;

#[derive(Clone)]
pub struct Provider {
    pub id: i64,
    pub name: String,
    pub kind: ProviderKind,
    pub discovery_url: String,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub client_id: String,
    pub client_secret_sealed: Option<String>,
    pub scopes: Vec<String>,
    pub jit: bool,
    pub default_role: Role,
    pub trust_email: bool,
    pub audiences: Vec<String>,
    pub addin: bool,
    pub addin_scopes: Vec<String>,
    pub enabled: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, name, kind, discovery_url, issuer, authorization_endpoint, token_endpoint, jwks_uri,
    client_id, client_secret_sealed, scopes, jit, default_role, trust_email, audiences, addin, addin_scopes, enabled, created_at";

fn json_list(r: &AnyRow, column: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(&r.try_get::<String, _>(column)?).map_err(Error::internal)
}

fn from_row(r: &AnyRow) -> Result<Provider, Error> {
    Ok(Provider {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: ProviderKind::from_column(&r.try_get::<String, _>("kind")?),
        discovery_url: r.try_get("discovery_url")?,
        issuer: r.try_get("issuer")?,
        authorization_endpoint: r.try_get("authorization_endpoint")?,
        token_endpoint: r.try_get("token_endpoint")?,
        jwks_uri: r.try_get("jwks_uri")?,
        client_id: r.try_get("client_id")?,
        client_secret_sealed: r.try_get("client_secret_sealed")?,
        scopes: json_list(r, "scopes")?,
        jit: r.try_get::<i64, _>("jit")? != 0,
        default_role: r
            .try_get::<String, _>("default_role")?
            .parse()
            .map_err(Error::internal)?,
        trust_email: r.try_get::<i64, _>("trust_email")? != 0,
        audiences: json_list(r, "audiences")?,
        addin: r.try_get::<i64, _>("addin")? != 0,
        addin_scopes: json_list(r, "addin_scopes")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<Provider>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_providers WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The same inside a transaction.
pub async fn get_in(conn: &mut AnyConnection, id: i64) -> Result<Option<Provider>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_providers WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Provider>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_providers ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

fn json(list: &[String]) -> Result<String, Error> {
    serde_json::to_string(list).map_err(Error::internal)
}

pub async fn insert(conn: &mut AnyConnection, p: &Provider) -> Result<i64, Error> {
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO oidc_providers (name, kind, discovery_url, issuer, authorization_endpoint, token_endpoint,
                jwks_uri, client_id, client_secret_sealed, scopes, jit, default_role, trust_email, audiences, enabled,
                created_at, updated_at, addin, addin_scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15, $15, $16, $17) RETURNING id",
    )
    .bind(&p.name)
    .bind(p.kind.as_str())
    .bind(&p.discovery_url)
    .bind(&p.issuer)
    .bind(&p.authorization_endpoint)
    .bind(&p.token_endpoint)
    .bind(&p.jwks_uri)
    .bind(&p.client_id)
    .bind(&p.client_secret_sealed)
    .bind(json(&p.scopes)?)
    .bind(i64::from(p.jit))
    .bind(p.default_role.as_str())
    .bind(i64::from(p.trust_email))
    .bind(json(&p.audiences)?)
    .bind(now)
    .bind(i64::from(p.addin))
    .bind(json(&p.addin_scopes)?)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Writes back what an admin may change (name, switches, role, secret, scopes, audiences, add-in settings).
pub async fn update(conn: &mut AnyConnection, p: &Provider) -> Result<(), Error> {
    sqlx::query(
        "UPDATE oidc_providers SET name = $1, enabled = $2, jit = $3, default_role = $4, trust_email = $5,
                client_secret_sealed = $6, scopes = $7, audiences = $8, addin = $9, addin_scopes = $10,
                updated_at = $11
         WHERE id = $12",
    )
    .bind(&p.name)
    .bind(i64::from(p.enabled))
    .bind(i64::from(p.jit))
    .bind(p.default_role.as_str())
    .bind(i64::from(p.trust_email))
    .bind(&p.client_secret_sealed)
    .bind(json(&p.scopes)?)
    .bind(json(&p.audiences)?)
    .bind(i64::from(p.addin))
    .bind(json(&p.addin_scopes)?)
    .bind(now_ms())
    .bind(p.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM oidc_providers WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub struct Login {
    pub provider_id: i64,
    pub nonce: String,
    pub verifier_sealed: String,
    pub redirect_uri: String,
    pub expires_at: i64,
}

pub async fn insert_login(pool: &AnyPool, state_hash: &str, l: &Login) -> Result<(), Error> {
    sqlx::query("DELETE FROM oidc_logins WHERE expires_at < $1")
        .bind(now_ms())
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO oidc_logins (state_hash, provider_id, nonce, verifier_sealed, redirect_uri, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(l.provider_id)
    .bind(&l.nonce)
    .bind(&l.verifier_sealed)
    .bind(&l.redirect_uri)
    .bind(l.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Takes a sign-in out (single use).
pub async fn take_login(pool: &AnyPool, state_hash: &str) -> Result<Option<Login>, Error> {
    let row = sqlx::query(
        "DELETE FROM oidc_logins WHERE state_hash = $1
         RETURNING provider_id, nonce, verifier_sealed, redirect_uri, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Login {
        provider_id: r.try_get("provider_id")?,
        nonce: r.try_get("nonce")?,
        verifier_sealed: r.try_get("verifier_sealed")?,
        redirect_uri: r.try_get("redirect_uri")?,
        expires_at: r.try_get("expires_at")?,
    }))
}

/// Providers whose access tokens the add-in may present (their issuer, keys and audiences).
pub async fn token_issuers(pool: &AnyPool) -> Result<Vec<Provider>, Error> {
    Ok(list(pool)
        .await?
        .into_iter()
        .filter(|p| p.enabled && !p.audiences.is_empty())
        .collect())
}
