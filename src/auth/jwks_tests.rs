//! Key rotation against a real HTTP server whose JWKS changes: an unknown `kid` refetches, but not more often than
//! allowed; known keys are served from the cache.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::{Expect, JwksCache, Rejection};

const KEY: &str = include_str!("../../tests/fixtures/oauth/test-rsa.key.pem");
const OTHER: &str = include_str!("../../tests/fixtures/oauth/other-rsa.key.pem");

fn jwk(pem: &str, kid: &str) -> Jwk {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

fn token(pem: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims =
        json!({ "iss": "https://idp.test", "aud": "app", "exp": now + 600, "email": "a@b.ru" });
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// Serves whatever `keys` holds at `/jwks`, counting requests.
async fn serve(keys: Arc<Mutex<JwkSet>>, hits: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let (keys, hits) = (keys.clone(), hits.clone());
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                axum::Json(keys.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks")
}

#[tokio::test]
async fn keys_are_cached_rotated_on_an_unknown_kid_and_refetched_no_more_often_than_allowed() {
    let keys = Arc::new(Mutex::new(JwkSet {
        keys: vec![jwk(KEY, "k1")],
    }));
    let hits = Arc::new(AtomicUsize::new(0));
    let uri = serve(keys.clone(), hits.clone()).await;
    let audiences = vec!["app".to_string()];
    let expect = Expect {
        jwks_uri: &uri,
        issuer: "https://idp.test",
        audiences: &audiences,
    };
    let cache = JwksCache::new().with_refetch_every(Duration::ZERO);

    assert!(cache.verify(&token(KEY, "k1"), &expect).await.is_ok());
    assert!(cache.verify(&token(KEY, "k1"), &expect).await.is_ok());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the second token uses the cached key"
    );

    // The provider rotates: a new key beside the old one.
    keys.lock().unwrap().keys.push(jwk(OTHER, "k2"));
    assert!(cache.verify(&token(OTHER, "k2"), &expect).await.is_ok());
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "an unknown kid refetched once"
    );
    assert_eq!(
        cache
            .verify(&token(OTHER, "k1"), &expect)
            .await
            .unwrap_err(),
        Rejection::BadSignature,
        "a known kid with another key's signature"
    );

    // Rate-limited: garbage kids do not reach the provider again within the interval.
    let limited = JwksCache::new().with_refetch_every(Duration::from_secs(3600));
    assert!(limited.verify(&token(KEY, "k1"), &expect).await.is_ok());
    let before = hits.load(Ordering::SeqCst);
    for n in 0..5 {
        let refused = limited
            .verify(&token(KEY, &format!("junk{n}")), &expect)
            .await;
        assert_eq!(refused.unwrap_err(), Rejection::BadSignature);
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        before,
        "no refetch for unknown kids within the interval"
    );
}
