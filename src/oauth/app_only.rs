//! App-only access tokens, with no user and no refresh token: Microsoft 365 client credentials (a client secret, or
//! a client assertion signed with the certificate's key, RFC 7523 `private_key_jwt`) and Google service accounts
//! with domain-wide delegation (the JWT bearer grant, RFC 7523 §2.1, with `sub` = the mailbox).

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::token::{Refusal, Tokens};

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Assertions are single-use and short-lived; providers refuse ones valid for longer than an hour.
const ASSERTION_TTL_S: i64 = 300;

/// How the app proves who it is.
pub enum AppKey<'a> {
    Secret(&'a str),
    /// An RSA private key (PEM) and what names it to the provider (`x5t` or `kid`).
    PrivateKey {
        pem: &'a str,
        key_id: Option<&'a str>,
    },
}

pub struct AppClient<'a> {
    pub token_endpoint: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub key: AppKey<'a>,
}

/// Claims of a client assertion (RFC 7523 §3, as Entra ID expects them).
#[derive(Debug, Serialize, Deserialize)]
pub struct ClientAssertion {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub jti: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Claims of a service account's JWT bearer assertion (Google's domain-wide delegation).
#[derive(Debug, Serialize, Deserialize)]
pub struct BearerAssertion {
    pub iss: String,
    pub sub: String,
    pub scope: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Checks that a PEM is an RSA private key that can sign (at the edge, so a bad key is a 422 and not a failed sync).
pub fn check_key(pem: &str) -> Result<(), String> {
    EncodingKey::from_rsa_pem(pem.as_bytes())
        .map(|_| ())
        .map_err(|e| format!("not an RSA private key in PEM: {e}"))
}

/// Entra ID shows a certificate's thumbprint as hex; the `x5t` header wants its bytes in base64url.
pub fn x5t(thumbprint: &str) -> Result<String, String> {
    let hex: String = thumbprint
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("must be the certificate's SHA-1 thumbprint: 40 hex digits".into());
    }
    let bytes: Vec<u8> = (0..20)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex digits"))
        .collect();
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn sign(header: Header, claims: &impl Serialize, pem: &str) -> Result<String, Refusal> {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| Refusal::Failed(format!("the stored private key does not load: {e}")))?;
    jsonwebtoken::encode(&header, claims, &key)
        .map_err(|e| Refusal::Failed(format!("signing the assertion failed: {e}")))
}

/// A client assertion for the token endpoint, signed RS256, `x5t` = the certificate thumbprint.
pub fn client_assertion(
    client_id: &str,
    audience: &str,
    pem: &str,
    x5t: Option<&str>,
) -> Result<String, Refusal> {
    let mut jti = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut jti);
    let now = now();
    let claims = ClientAssertion {
        iss: client_id.into(),
        sub: client_id.into(),
        aud: audience.into(),
        jti: URL_SAFE_NO_PAD.encode(jti),
        iat: now,
        nbf: now,
        exp: now + ASSERTION_TTL_S,
    };
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = x5t.map(str::to_string);
    sign(header, &claims, pem)
}

/// A service account's assertion that it acts as `subject` with `scopes`, signed RS256, `kid` = its key id.
pub fn bearer_assertion(
    issuer: &str,
    subject: &str,
    scopes: &[String],
    audience: &str,
    pem: &str,
    kid: Option<&str>,
) -> Result<String, Refusal> {
    let now = now();
    let claims = BearerAssertion {
        iss: issuer.into(),
        sub: subject.into(),
        scope: scopes.join(" "),
        aud: audience.into(),
        iat: now,
        exp: now + ASSERTION_TTL_S,
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_string);
    sign(header, &claims, pem)
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    error_description: Option<String>,
}

/// Errors after which only an admin helps (wrong secret or key, app not consented, mailbox not delegated).
fn needs_admin(error: &str) -> bool {
    matches!(
        error,
        "invalid_grant" | "invalid_client" | "unauthorized_client" | "invalid_scope"
    )
}

/// RFC 6749 §2.3.1: the client id and secret are form-encoded before they go into HTTP Basic.
fn form_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `basic`: a client id and secret for HTTP Basic, the client authentication every server must support (glewlwyd
/// issues tokens to a secret in the body that its introspection then calls inactive).
async fn post(
    endpoint: &str,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> Result<Tokens, Refusal> {
    let mut request = super::token::http().post(endpoint).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(form_encoded(id), Some(form_encoded(secret)));
    }
    let response = request
        .send()
        .await
        .map_err(|e| Refusal::Failed(format!("token endpoint unreachable: {e}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| Refusal::Failed(format!("token endpoint answer lost: {e}")))?;
    if status.is_success() {
        let t: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| Refusal::Failed(format!("token endpoint answered no token: {e}")))?;
        return Ok(Tokens {
            access: t.access_token,
            expires_in: t.expires_in.map(Duration::from_secs),
            refresh: None,
        });
    }
    match serde_json::from_slice::<ErrorAnswer>(&body) {
        Ok(e) => {
            let text = match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error.clone(),
            };
            if needs_admin(&e.error) {
                Err(Refusal::InvalidGrant(text))
            } else {
                Err(Refusal::Failed(text))
            }
        }
        // glewlwyd answers a refused client with a bare 401/403; so may a proxy. Only an admin can fix that.
        Err(_) if matches!(status.as_u16(), 400 | 401 | 403) => Err(Refusal::InvalidGrant(
            format!("HTTP {status} without details: the app's credentials were refused"),
        )),
        Err(_) => Err(Refusal::Failed(format!("HTTP {status}"))),
    }
}

/// Client credentials: the app's own token (Microsoft 365 IMAP.AccessAsApp / SMTP.SendAsApp).
pub async fn client_credentials(c: &AppClient<'_>) -> Result<Tokens, Refusal> {
    let scope = c.scopes.join(" ");
    let mut form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("scope", scope),
    ];
    let basic = match &c.key {
        AppKey::Secret(secret) => Some((c.client_id, *secret)),
        AppKey::PrivateKey { pem, key_id } => {
            let assertion = client_assertion(c.client_id, c.token_endpoint, pem, *key_id)?;
            form.push(("client_id", c.client_id.to_string()));
            form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE.into()));
            form.push(("client_assertion", assertion));
            None
        }
    };
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(c.token_endpoint, basic, &form).await
}

/// The JWT bearer grant: a service account's token for the mailbox `subject`.
pub async fn jwt_bearer(c: &AppClient<'_>, subject: &str) -> Result<Tokens, Refusal> {
    let AppKey::PrivateKey { pem, key_id } = &c.key else {
        return Err(Refusal::InvalidGrant(
            "a service account signs with its private key".into(),
        ));
    };
    let assertion = bearer_assertion(
        c.client_id,
        subject,
        c.scopes,
        c.token_endpoint,
        pem,
        *key_id,
    )?;
    post(
        c.token_endpoint,
        None,
        &[("grant_type", JWT_BEARER_GRANT), ("assertion", &assertion)],
    )
    .await
}

#[cfg(test)]
#[path = "app_only_tests.rs"]
mod tests;
