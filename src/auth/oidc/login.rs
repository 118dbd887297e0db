//! Sign-in through an identity provider: authorization code + PKCE S256; the state (hashed), nonce and verifier
//! (sealed) kept for ten minutes, single use, and the state also in a cookie of the browser that started it. The
//! callback verifies the ID token (keys, `iss`, `aud`, `exp`, `nbf`, nonce), matches an active user by verified
//! e-mail or creates one just in time, and issues our usual session token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use super::store::{self, Login, Provider};
use crate::auth::jwks::{Expect, JwksCache, Rejection};
use crate::auth::model::LoginResponse;
use crate::auth::token::TokenKeys;
use crate::db::now_ms;
use crate::error::{AuthFailure, Error};
use crate::secrets::SecretBox;

const LOGIN_TTL_MS: i64 = 10 * 60_000;

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn bad(code: &'static str, message: impl Into<String>) -> Error {
    Error::BadRequest {
        code,
        message: message.into(),
    }
}

/// Answers the provider's authorization URL and the state (for the browser's cookie).
pub async fn start(
    pool: &AnyPool,
    secrets: &SecretBox,
    p: &Provider,
    redirect_uri: &str,
) -> Result<(String, String), Error> {
    if !p.enabled {
        return Err(Error::NotFound("identity provider"));
    }
    let (state, nonce, verifier) = (random(), random(), random());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = url::Url::parse(&p.authorization_endpoint).map_err(Error::internal)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &p.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &p.scopes.join(" "))
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let login = Login {
        provider_id: p.id,
        nonce,
        verifier_sealed: secrets.seal(&verifier)?,
        redirect_uri: redirect_uri.to_string(),
        expires_at: now_ms() + LOGIN_TTL_MS,
    };
    store::insert_login(pool, &hash(&state), &login).await?;
    Ok((url.to_string(), state))
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

async fn exchange(
    http: &reqwest::Client,
    secrets: &SecretBox,
    p: &Provider,
    login: &Login,
    code: &str,
) -> Result<String, Error> {
    let verifier = secrets.open(&login.verifier_sealed)?;
    let secret = p
        .client_secret_sealed
        .as_deref()
        .map(|s| secrets.open(s))
        .transpose()?;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", login.redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let mut request = http.post(&p.token_endpoint);
    match &secret {
        Some(secret) => {
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(&p.client_id), Some(enc(secret)));
        }
        None => form.push(("client_id", p.client_id.as_str())),
    }
    let failed = |m: String| Error::Upstream {
        code: "oidc_token_failed",
        message: format!("the provider refused the code: {m}"),
    };
    let response = request
        .form(&form)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| failed(e.to_string()))?;
    if !status.is_success() {
        let text: String = body.chars().take(300).collect();
        return Err(failed(format!("HTTP {status} {text}")));
    }
    let answer: TokenAnswer = serde_json::from_str(&body).map_err(|e| failed(e.to_string()))?;
    answer
        .id_token
        .ok_or_else(|| failed("no id_token (is the openid scope granted?)".into()))
}

fn token_error(r: Rejection) -> Error {
    let message = match r {
        Rejection::KeysUnavailable(m) => {
            return Error::Upstream {
                code: "oidc_keys_unavailable",
                message: format!("the provider's keys could not be fetched: {m}"),
            }
        }
        Rejection::Expired => "the ID token has expired".to_string(),
        Rejection::NotYetValid => "the ID token is not valid yet (nbf)".into(),
        Rejection::WrongIssuer => "the ID token comes from another issuer".into(),
        Rejection::WrongAudience => "the ID token is for another client".into(),
        Rejection::BadSignature => "the ID token's signature does not verify".into(),
        Rejection::Malformed => "the ID token is not a signed JWT".into(),
    };
    bad("oidc_token_invalid", message)
}

/// The e-mail the provider vouches for: `email_verified` true, or absent where the provider is trusted.
fn verified_email(p: &Provider, claims: &Value) -> Result<String, Error> {
    let email = claims["email"]
        .as_str()
        .or_else(|| {
            claims["preferred_username"]
                .as_str()
                .filter(|u| u.contains('@'))
        })
        .ok_or_else(|| {
            bad(
                "oidc_email_missing",
                "the provider sent no e-mail address (grant the email scope)",
            )
        })?;
    let verified = match &claims["email_verified"] {
        Value::Bool(b) => *b,
        Value::String(s) => s == "true",
        Value::Null => p.trust_email,
        _ => false,
    };
    if !verified {
        return Err(bad(
            "oidc_email_unverified",
            format!("the provider does not vouch for {email}: no email_verified, and the provider is not trusted"),
        ));
    }
    crate::email_address::EmailAddress::parse(email)
        .map(|e| e.as_str().to_string())
        .map_err(|e| bad("oidc_email_missing", format!("not an e-mail address: {e}")))
}

pub struct Finish<'a> {
    pub pool: &'a AnyPool,
    pub secrets: &'a SecretBox,
    pub keys: &'a TokenKeys,
    pub jwks: &'a JwksCache,
    pub http: &'a reqwest::Client,
}

impl Finish<'_> {
    /// `cookie`: the state the browser was given at the start.
    pub async fn run(
        &self,
        state: &str,
        cookie: Option<&str>,
        code: &str,
    ) -> Result<LoginResponse, Error> {
        let login = store::take_login(self.pool, &hash(state))
            .await?
            .filter(|l| l.expires_at >= now_ms())
            .ok_or_else(|| {
                bad(
                    "oidc_state_invalid",
                    "unknown, used or expired sign-in: start again",
                )
            })?;
        if cookie != Some(state) {
            return Err(bad(
                "oidc_state_invalid",
                "this sign-in was started in another browser: start again",
            ));
        }
        let p = super::providers::get(self.pool, login.provider_id).await?;
        let id_token = exchange(self.http, self.secrets, &p, &login, code).await?;
        let expect = Expect {
            jwks_uri: &p.jwks_uri,
            issuer: &p.issuer,
            audiences: std::slice::from_ref(&p.client_id),
        };
        let claims = self
            .jwks
            .verify(&id_token, &expect)
            .await
            .map_err(token_error)?;
        if claims["nonce"].as_str() != Some(login.nonce.as_str()) {
            return Err(bad(
                "oidc_token_invalid",
                "the ID token's nonce is not this sign-in's",
            ));
        }
        let email = verified_email(&p, &claims)?;
        let name = claims["name"].as_str().unwrap_or(&email).to_string();
        let user = match super::users::by_email(self.pool, &email).await? {
            Some(u) if !u.active => return Err(Error::Unauthorized(AuthFailure::Inactive)),
            Some(u) => u,
            None if p.jit => {
                super::users::create(self.pool, &email, &name, p.default_role, (p.id, &p.name))
                    .await?
            }
            None => {
                return Err(bad(
                    "oidc_user_unknown",
                    format!(
                        "{email} has no account here, and this provider creates none: ask an admin"
                    ),
                ))
            }
        };
        let (token, expires_at) = self.keys.issue(user.id, user.token_version)?;
        tracing::info!(
            user_id = user.id,
            provider_id = p.id,
            "sign-in through identity provider"
        );
        Ok(LoginResponse {
            token,
            token_type: "Bearer",
            expires_at,
            user: user.into(),
        })
    }
}
