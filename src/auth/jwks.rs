//! Identity providers' signing keys (JWKS), fetched on first use and cached per URL, with rotation: a token whose
//! `kid` is unknown makes one refetch, at most every `REFETCH_EVERY`, so garbage tokens cannot hammer the provider;
//! keys older than `MAX_AGE` are refetched anyway. Verifies signed JWTs (asymmetric algorithms only).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

const REFETCH_EVERY: Duration = Duration::from_secs(30);
const MAX_AGE: Duration = Duration::from_secs(6 * 3600);

/// Why a token was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    Malformed,
    /// No key of the provider has this `kid` (after a refetch), or the signature does not verify.
    BadSignature,
    Expired,
    /// `nbf` in the future.
    NotYetValid,
    WrongIssuer,
    WrongAudience,
    /// The provider's keys could not be fetched.
    KeysUnavailable(String),
}

struct Entry {
    keys: JwkSet,
    fetched_at: Instant,
}

/// Shared by every request of one app (in the app state, not a process global).
#[derive(Clone)]
pub struct JwksCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    http: reqwest::Client,
    /// `REFETCH_EVERY`, shorter in tests of rotation.
    refetch_every: Duration,
}

/// What a token must show.
pub struct Expect<'a> {
    pub jwks_uri: &'a str,
    pub issuer: &'a str,
    pub audiences: &'a [String],
}

const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

impl Default for JwksCache {
    fn default() -> Self {
        Self::new()
    }
}

impl JwksCache {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("a reqwest client with rustls builds");
        JwksCache {
            entries: Arc::default(),
            http,
            refetch_every: REFETCH_EVERY,
        }
    }

    /// How soon an unknown `kid` may refetch the keys again.
    pub fn with_refetch_every(mut self, every: Duration) -> Self {
        self.refetch_every = every;
        self
    }

    /// The HTTP client for identity providers (discovery, token endpoint, keys).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn fetch(&self, uri: &str) -> Result<JwkSet, Rejection> {
        let failed = |e: String| Rejection::KeysUnavailable(format!("{uri}: {e}"));
        let response = self
            .http
            .get(uri)
            .send()
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !response.status().is_success() {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let keys: JwkSet = response.json().await.map_err(|e| failed(e.to_string()))?;
        tracing::info!(%uri, keys = keys.keys.len(), "identity provider keys fetched");
        Ok(keys)
    }

    /// The key for `kid` (the only key when the token names none), refetching once when it is unknown.
    async fn key(&self, uri: &str, kid: Option<&str>) -> Result<jsonwebtoken::jwk::Jwk, Rejection> {
        let pick = |set: &JwkSet| match kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let (cached, may_refetch) = {
            let entries = self.entries.lock().expect("jwks cache lock");
            match entries.get(uri) {
                Some(e) if e.fetched_at.elapsed() < MAX_AGE => {
                    (pick(&e.keys), e.fetched_at.elapsed() >= self.refetch_every)
                }
                _ => (None, true),
            }
        };
        if let Some(key) = cached {
            return Ok(key);
        }
        if !may_refetch {
            return Err(Rejection::BadSignature);
        }
        let keys = self.fetch(uri).await?;
        let found = pick(&keys);
        self.entries.lock().expect("jwks cache lock").insert(
            uri.to_string(),
            Entry {
                keys,
                fetched_at: Instant::now(),
            },
        );
        found.ok_or(Rejection::BadSignature)
    }

    /// Verifies the signature against the provider's keys, then `iss`, `aud`, `exp` and `nbf` (no leeway beyond
    /// a minute of clock skew); answers the claims.
    pub async fn verify(&self, token: &str, expect: &Expect<'_>) -> Result<Value, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(Rejection::BadSignature);
        }
        let jwk = self.key(expect.jwks_uri, header.kid.as_deref()).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| Rejection::BadSignature)?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = 60;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[expect.issuer]);
        validation.set_audience(expect.audiences);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::ExpiredSignature => Rejection::Expired,
                    K::ImmatureSignature => Rejection::NotYetValid,
                    K::InvalidIssuer => Rejection::WrongIssuer,
                    K::InvalidAudience => Rejection::WrongAudience,
                    K::InvalidSignature | K::InvalidAlgorithm | K::InvalidKeyFormat => {
                        Rejection::BadSignature
                    }
                    _ => Rejection::Malformed,
                }
            })
    }
}

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
