use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    error_code, spawn_app, spawn_app_with, spawn_first_run_with, ADMIN_EMAIL, ADMIN_PASSWORD,
};

fn secret_of(app: &crate::helpers::TestApp) -> Vec<u8> {
    let text = std::fs::read_to_string(app.data_dir.join("jwt-secret"))
        .expect("secret kept in the data directory");
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

#[tokio::test]
async fn first_admin_signs_in_and_sees_themself() {
    let app = spawn_app().await;
    let (status, me) = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["active"], true);
    assert!(
        me.get("password_hash").is_none(),
        "the hash never leaves the server: {me}"
    );
}

#[tokio::test]
async fn login_answers_a_token_with_expiry_and_the_email_is_case_insensitive() {
    let app = spawn_app().await;
    let (status, body) = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let expires = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(expires > time::OffsetDateTime::now_utc() + time::Duration::hours(1));
}

#[tokio::test]
async fn wrong_password_and_unknown_account_answer_the_same_401() {
    let app = spawn_app().await;
    let (status, wrong) = app.login(ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&wrong), "invalid_credentials");
    let (status, unknown) = app.login("nobody@test.local", "whatever-password").await;
    assert_eq!(status, 401);
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn missing_forged_alg_none_and_expired_tokens_are_401() {
    // The admin as first started (token version 0, which the hand-made claims below name).
    let app = spawn_first_run_with(|_| {}).await;
    let (status, body) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!((status, error_code(&body)), (401, "unauthenticated"));

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({ "sub": "1", "exp": now + 3600, "iat": now, "ver": 0 });
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"guessed-secret"),
    )
    .unwrap();
    let (status, body) = app.get("/api/v1/me", &forged).await;
    assert_eq!((status, error_code(&body)), (401, "invalid_token"));

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    );
    let (status, body) = app.get("/api/v1/me", &alg_none).await;
    assert_eq!((status, error_code(&body)), (401, "invalid_token"));

    let (status, body) = app.get("/api/v1/me", "not.a.jwt").await;
    assert_eq!((status, error_code(&body)), (401, "invalid_token"));

    let expired_claims = json!({ "sub": "1", "exp": now - 10, "iat": now - 100, "ver": 0 });
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &expired_claims,
        &EncodingKey::from_secret(&secret_of(&app)),
    )
    .unwrap();
    let (status, body) = app.get("/api/v1/me", &expired).await;
    assert_eq!((status, error_code(&body)), (401, "token_expired"));

    // The same claims with a live expiry and the real secret do work: the 401s above are about the token.
    let valid = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&secret_of(&app)),
    )
    .unwrap();
    assert_eq!(app.get("/api/v1/me", &valid).await.0, 200);
}

#[tokio::test]
async fn a_deactivated_users_token_stops_working_at_once() {
    let app = spawn_app().await;
    let (id, token) = app.user_with_role("olga@test.local", "sales").await;
    assert_eq!(app.get("/api/v1/me", &token).await.0, 200);

    let path = format!("/api/v1/users/{id}");
    let (status, user) = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["active"], false);

    let (status, body) = app.get("/api/v1/me", &token).await;
    assert_eq!((status, error_code(&body)), (401, "account_inactive"));
    let (status, body) = app.login("olga@test.local", "user-password-1").await;
    assert_eq!((status, error_code(&body)), (401, "account_inactive"));

    // Reactivated, the old token stays dead (sessions ended), but a new login works.
    app.call(
        Method::PATCH,
        &path,
        Some(&app.admin_token),
        Some(json!({ "active": true })),
    )
    .await;
    assert_eq!(app.get("/api/v1/me", &token).await.0, 401);
    app.login_ok("olga@test.local", "user-password-1").await;
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_even_with_the_right_password() {
    let app = spawn_app().await;
    // From an address the admin never signed in from (the test helper signs in from 127.0.0.1).
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    for _ in 0..5 {
        let response = elsewhere
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": "wrong-password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let response = elsewhere
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (status, body) = crate::helpers::read(response).await;
    assert_eq!((status, error_code(&body)), (429, "too_many_attempts"));
    assert!(
        retry_after > 0 && retry_after <= 15 * 60,
        "Retry-After {retry_after}"
    );

    // Another account from the same address is not locked by this one's failures.
    app.user_with_role("ira@test.local", "marketing").await;
}

#[tokio::test]
async fn failed_logins_are_throttled_per_client_address() {
    let app = spawn_app_with(|c| c.login_max_failures = 2).await;
    for i in 0..8 {
        let (status, _) = app
            .login(&format!("guess{i}@test.local"), "wrong-password")
            .await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, body) = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!((status, error_code(&body)), (429, "too_many_attempts"));
}

#[tokio::test]
async fn changing_ones_password_ends_old_sessions() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("pavel@test.local", "sales").await;
    let change = json!({ "current_password": "wrong-one", "new_password": "new-password-2" });
    let (status, body) = app.post("/api/v1/me/password", &token, change).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("current_password"))
    );

    let change = json!({ "current_password": "user-password-1", "new_password": "new-password-2" });
    let (status, _) = app.post("/api/v1/me/password", &token, change).await;
    assert_eq!(status, 204);
    assert_eq!(app.get("/api/v1/me", &token).await.0, 401);
    assert_eq!(
        app.login("pavel@test.local", "user-password-1").await.0,
        401
    );
    app.login_ok("pavel@test.local", "new-password-2").await;
}
