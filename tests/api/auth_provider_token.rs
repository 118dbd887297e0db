//! The add-in's bearer token from the company's identity provider: glewlwyd's RS256 tokens stand in for Entra ID's
//! (a real signer and JWKS; glewlwyd's ID token, whose `aud` is the client and which carries `email`, plays the
//! access token of nested app authentication). Variants are re-signed with glewlwyd's own key (the test key it was
//! given) or a forger's key.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::auth_oidc::idp;
use crate::glewlwyd_idp::{CONSOLE_CLIENT, KEY, PUBLIC_KEY};
use crate::helpers::error_code;

const FORGER: &str = include_str!("../fixtures/oauth/other-rsa.key.pem");

fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The same token's claims, changed, signed by `pem` under the original's `kid`.
fn resigned(token: &str, pem: &str, change: impl FnOnce(&mut Value)) -> String {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let mut claims = claims_of(token);
    change(&mut claims);
    let mut h = Header::new(Algorithm::RS256);
    h.kid = header.kid;
    h.typ = header.typ;
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&h, &claims, &key).unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn a_provider_token_is_accepted_and_expired_foreign_forged_and_unknown_ones_are_refused() {
    let (idp, ids) =
        idp(&[json!({ "jit": false, "trust_email": true, "audiences": [CONSOLE_CLIENT] })]).await;
    let callback = idp
        .app
        .url(&format!("/api/v1/auth/oidc/{}/callback", ids[0]));
    let (anna, _) = idp.app.user_with_role("anna@nordwind.ru", "sales").await;
    let token = idp.g.id_token("anna", &callback).await;
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().alg,
        Algorithm::RS256
    );

    let (status, me) = idp.app.get("/api/v1/me", &token).await;
    assert_eq!((status, me["id"].as_i64()), (200, Some(anna)), "{me}");
    let (status, mailboxes) = idp.app.get("/api/v1/contacts", &token).await;
    assert_eq!(status, 200, "the signed-in user's routes: {mailboxes}");

    let expired = resigned(&token, KEY, |c| {
        c["iat"] = json!(now() - 7200);
        c["exp"] = json!(now() - 3600);
    });
    let foreign = resigned(&token, KEY, |c| c["aud"] = json!("another-app"));
    let early = resigned(&token, KEY, |c| c["nbf"] = json!(now() + 3600));
    let forged = resigned(&token, FORGER, |c| c["email"] = json!("anna@nordwind.ru"));
    // The public key as an HS256 secret (algorithm confusion).
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims_of(&token),
        &EncodingKey::from_secret(PUBLIC_KEY.as_bytes()),
    )
    .unwrap();
    let stranger = idp.g.id_token("vera", &callback).await;
    let cases = [
        ("expired", expired, "token_expired"),
        ("another audience", foreign, "token_audience_invalid"),
        ("not yet valid", early, "invalid_token"),
        ("forged signature", forged, "invalid_token"),
        ("HS256 with the public key", confused, "invalid_token"),
        ("no account", stranger, "token_user_unknown"),
    ];
    for (what, token, code) in cases {
        let (status, body) = idp.app.get("/api/v1/me", &token).await;
        assert_eq!((status, error_code(&body)), (401, code), "{what}: {body}");
    }

    // A deactivated user's token stops working at once.
    let (status, _) = idp
        .app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{anna}"),
            Some(&idp.app.admin_token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = idp.app.get("/api/v1/me", &token).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "account_inactive"),
        "{body}"
    );
}

#[tokio::test]
async fn a_provider_without_audiences_lends_no_tokens_to_the_api() {
    let (idp, ids) = idp(&[json!({ "jit": false, "trust_email": true })]).await;
    let callback = idp
        .app
        .url(&format!("/api/v1/auth/oidc/{}/callback", ids[0]));
    idp.app.user_with_role("anna@nordwind.ru", "sales").await;
    let token = idp.g.id_token("anna", &callback).await;
    let (status, body) = idp.app.get("/api/v1/me", &token).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "invalid_token"),
        "{body}"
    );
}
