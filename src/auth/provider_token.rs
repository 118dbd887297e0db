//! Bearer tokens issued by a configured identity provider (the add-in's Entra ID token from Office's nested app
//! authentication): the issuer picks the provider, its JWKS checks the signature, then `iss`, `aud` (one of the
//! provider's `audiences`), `exp` and `nbf`; `preferred_username`, `email` or `upn` names an active user.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sqlx::AnyPool;

use super::jwks::{Expect, JwksCache, Rejection};
use super::model::User;
use super::oidc;
use crate::error::{AuthFailure, Error};

fn invalid() -> Error {
    Error::Unauthorized(AuthFailure::Invalid)
}

/// Whether the token could be one: a JWT signed with something else than our own HS256.
pub fn looks_external(token: &str) -> bool {
    jsonwebtoken::decode_header(token)
        .map(|h| h.alg != jsonwebtoken::Algorithm::HS256)
        .unwrap_or(false)
}

/// The unverified `iss`, only to pick the provider whose keys then verify everything.
fn issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims["iss"].as_str().map(str::to_string)
}

fn rejected(r: Rejection) -> Error {
    match r {
        Rejection::Expired => Error::Unauthorized(AuthFailure::Expired),
        Rejection::WrongAudience => Error::Unauthorized(AuthFailure::WrongAudience),
        Rejection::KeysUnavailable(m) => {
            tracing::warn!(error = %m, "identity provider keys unavailable");
            Error::Unavailable("identity provider keys")
        }
        _ => invalid(),
    }
}

pub async fn user(pool: &AnyPool, jwks: &JwksCache, token: &str) -> Result<User, Error> {
    let iss = issuer(token).ok_or_else(invalid)?;
    let provider = oidc::token_issuers(pool)
        .await?
        .into_iter()
        .find(|p| p.issuer == iss)
        .ok_or_else(invalid)?;
    let expect = Expect {
        jwks_uri: &provider.jwks_uri,
        issuer: &provider.issuer,
        audiences: &provider.audiences,
    };
    let claims = jwks.verify(token, &expect).await.map_err(rejected)?;
    let names = ["preferred_username", "email", "upn"]
        .iter()
        .filter_map(|k| claims[*k].as_str())
        .filter(|n| n.contains('@'));
    for name in names {
        if let Some(user) = oidc::user_by_email(pool, name).await? {
            if !user.active {
                return Err(Error::Unauthorized(AuthFailure::Inactive));
            }
            return Ok(user);
        }
    }
    Err(Error::Unauthorized(AuthFailure::UnknownUser))
}
