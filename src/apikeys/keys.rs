//! Creating, listing and revoking keys, and turning a presented secret into a `Caller`.
//!
//! The secret is 256 random bits, so a plain SHA-256 of it is as safe at rest as a password hash would be: nobody
//! can guess their way to a preimage of a 256-bit random value, and argon2's deliberate slowness (which protects
//! low-entropy passwords) would only cost every API request tens of milliseconds. The hash is also the look-up
//! key (unique index), so no secret is ever compared byte by byte.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::actions::Action;
use super::model::{ApiKeyView, CreatedApiKey, NewApiKey};
use super::store::{self, KeyRow};
use crate::auth::model::{NewUser, UserPatch};
use crate::auth::{service, Caller, Role};
use crate::db::{from_ms, now_ms, to_ms};
use crate::email_address::EmailAddress;
use crate::error::{AuthFailure, Error};

const SCHEME: &str = "mrk_";
const PREFIX_LEN: usize = 12;
const AUDIT_KIND: &str = "api_key";
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY_MS: i64 = 60_000;

/// What a key presented with a request may do, beside the `Caller` it acts as.
#[derive(Debug, Clone)]
pub struct Grant {
    pub key_id: i64,
    actions: Vec<Action>,
}

impl Grant {
    pub fn allows(&self, action: Option<Action>) -> bool {
        action.is_some_and(|a| self.actions.contains(&a))
    }
}

/// The key's secret, when the request carries one: `X-Api-Key: mrk_…` or `Authorization: Bearer mrk_…`.
pub fn presented(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get("x-api-key") {
        return Some(value.to_str().unwrap_or_default().trim());
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token.starts_with(SCHEME)).then_some(token)
}

fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The caller a presented secret acts as: 401 `api_key_invalid`, `api_key_revoked` or `api_key_expired`.
pub async fn authenticate(pool: &AnyPool, secret: &str) -> Result<(Caller, Grant), Error> {
    let (key, email, active) = store::by_hash(pool, &hash(secret))
        .await?
        .ok_or(Error::Unauthorized(AuthFailure::ApiKeyInvalid))?;
    // An admin who deactivates the key's service user stops the key as surely as a revocation.
    if key.revoked_at.is_some() || !active {
        return Err(Error::Unauthorized(AuthFailure::ApiKeyRevoked));
    }
    if key.expires_at.is_some_and(|at| at <= now_ms()) {
        return Err(Error::Unauthorized(AuthFailure::ApiKeyExpired));
    }
    store::touch(pool, key.id, TOUCH_EVERY_MS).await?;
    let role: Role = key.role.parse().map_err(Error::internal)?;
    let actions = parse_stored(&key.actions)?;
    let caller = Caller {
        id: key.user_id,
        role,
        email,
    };
    Ok((
        caller,
        Grant {
            key_id: key.id,
            actions,
        },
    ))
}

fn parse_stored(text: &str) -> Result<Vec<Action>, Error> {
    let names: Vec<String> = serde_json::from_str(text).map_err(Error::internal)?;
    Ok(names.iter().filter_map(|n| Action::parse(n)).collect())
}

fn check(new: &NewApiKey) -> Result<(String, Vec<String>), Error> {
    let name = crate::text::single_line(&new.name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation("name", "must be 1 to 200 characters"));
    }
    if new.actions.is_empty() {
        return Err(Error::validation("actions", "name at least one action"));
    }
    let mut actions = Vec::new();
    for text in &new.actions {
        let action = Action::parse(text).ok_or_else(|| {
            Error::validation(
                "actions",
                format!(
                    "unknown action '{text}'; one of {}",
                    Action::vocabulary().join(", ")
                ),
            )
        })?;
        let name = action.to_string();
        if !actions.contains(&name) {
            actions.push(name);
        }
    }
    if new.expires_at.is_some_and(|at| to_ms(at) <= now_ms()) {
        return Err(Error::validation("expires_at", "must be in the future"));
    }
    Ok((name, actions))
}

fn random_text() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Creates the key and its service user; an admin may grant any role (no role is above an admin's).
pub async fn create(
    pool: &AnyPool,
    admin: &Caller,
    new: NewApiKey,
) -> Result<CreatedApiKey, Error> {
    let (name, actions) = check(&new)?;
    let secret = format!("{SCHEME}{}", random_text());
    // A service user nobody can sign in as: its password is random and never shown.
    let tag = &hash(&secret)[..16];
    let email =
        EmailAddress::parse(&format!("api-key-{tag}@api-keys.invalid")).map_err(Error::internal)?;
    let user = service::create_user(
        pool,
        Some(admin.id),
        NewUser {
            email,
            name: format!("API key: {name}"),
            role: new.role,
            password: random_text(),
        },
    )
    .await?;
    let mut tx = crate::db::begin(pool).await?;
    let actions_text = serde_json::to_string(&actions).map_err(Error::internal)?;
    let id = store::insert(
        &mut tx,
        store::Insert {
            name: &name,
            prefix: &secret[..PREFIX_LEN],
            secret_hash: &hash(&secret),
            role: new.role.as_str(),
            actions: &actions_text,
            user_id: user.id,
            created_by: admin.id,
            expires_at: new.expires_at.map(to_ms),
        },
    )
    .await?;
    let row = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("api key"))?;
    let key = view(row)?;
    let after = serde_json::to_value(&key).map_err(Error::internal)?;
    crate::audit::settings_event(
        &mut tx,
        admin.id,
        "create",
        (AUDIT_KIND, id),
        &Value::Null,
        &after,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(api_key = id, by = admin.id, "api key created");
    Ok(CreatedApiKey { key, secret })
}

pub async fn list(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<ApiKeyView>, Error> {
    store::list(pool, after, limit)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// Revokes the key at once (the next request with it answers 401 `api_key_revoked`) and deactivates its service
/// user; the rows stay, so that what it did keeps its actor.
pub async fn revoke(pool: &AnyPool, admin: &Caller, id: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    let row = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("api key"))?;
    let user_id = row.user_id;
    if store::revoke(&mut tx, id).await? {
        let before = serde_json::json!({ "revoked": false });
        let after = serde_json::json!({ "revoked": true });
        crate::audit::settings_event(
            &mut tx,
            admin.id,
            "revoke",
            (AUDIT_KIND, id),
            &before,
            &after,
        )
        .await?;
    }
    tx.commit().await?;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    service::update_user(pool, admin.id, user_id, patch).await?;
    Ok(())
}

fn view(row: KeyRow) -> Result<ApiKeyView, Error> {
    let actions = parse_stored(&row.actions)?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(ApiKeyView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        role: row.role.parse().map_err(Error::internal)?,
        actions,
        user_id: row.user_id,
        created_at: from_ms(row.created_at),
        expires_at: row.expires_at.map(from_ms),
        revoked_at: row.revoked_at.map(from_ms),
        last_used_at: row.last_used_at.map(from_ms),
    })
}
