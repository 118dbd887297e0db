//! A password someone else chose (the first admin's start-up one, an admin's reset) opens only "who am I" and the
//! password change: the server refuses every other route with 403 `password_change_required`, whatever the client.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    error_code, spawn_app, spawn_first_run_with, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};

/// Status and error code of a call.
async fn answer(app: &TestApp, method: Method, path: &str, token: &str) -> (u16, String) {
    let body = (method == Method::POST).then(|| json!({ "name": "Попытка" }));
    let (status, body) = app.call(method, path, Some(token), body).await;
    (status, error_code(&body).to_string())
}

#[tokio::test]
async fn the_first_admin_reaches_nothing_but_me_and_the_password_change_until_changing_it() {
    let app = spawn_first_run_with(|_| {}).await;
    let t = app.admin_token.clone();
    for (method, path) in [
        (Method::GET, "/api/v1/contacts"),
        (Method::POST, "/api/v1/contacts"),
        (Method::GET, "/api/v1/mailboxes"),
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/duplicates"),
        (Method::GET, "/api/v1/addin/templates"),
    ] {
        assert_eq!(
            answer(&app, method.clone(), path, &t).await,
            (403, "password_change_required".to_string()),
            "{method} {path}"
        );
    }
    let (_, contacts) = app
        .call(Method::GET, "/api/v1/contacts", Some(&t), None)
        .await;
    assert!(
        contacts["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/me/password"),
        "{contacts}"
    );
    let (status, me) = app.get("/api/v1/me", &t).await;
    assert_eq!((status, &me["must_change_password"]), (200, &json!(true)));
    // No token at all is still 401, not 403: the forced change concerns a signed-in account.
    let (status, body) = app.call(Method::GET, "/api/v1/contacts", None, None).await;
    assert_eq!((status, error_code(&body)), (401, "unauthenticated"));

    let (status, _) = app
        .post(
            "/api/v1/me/password",
            &t,
            json!({ "current_password": ADMIN_PASSWORD, "new_password": "an-admin-chosen-password" }),
        )
        .await;
    assert_eq!(status, 204);
    let fresh = app.login_ok(ADMIN_EMAIL, "an-admin-chosen-password").await;
    assert_eq!(app.get("/api/v1/contacts", &fresh).await.0, 200);
    assert_eq!(app.get("/api/v1/mailboxes", &fresh).await.0, 200);
}

#[tokio::test]
async fn a_reset_password_locks_the_user_out_of_everything_but_the_change() {
    let app = spawn_app().await;
    let (id, before) = app.user_with_role("reset@test.local", "sales").await;
    assert_eq!(app.get("/api/v1/contacts", &before).await.0, 200);
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&app.admin_token),
            Some(json!({ "password": "reset-by-admin-1" })),
        )
        .await;
    assert_eq!(status, 200);
    let token = app.login_ok("reset@test.local", "reset-by-admin-1").await;
    assert_eq!(
        answer(&app, Method::GET, "/api/v1/contacts", &token).await,
        (403, "password_change_required".to_string())
    );
    assert_eq!(
        answer(&app, Method::GET, "/api/v1/tasks", &token).await,
        (403, "password_change_required".to_string())
    );
    assert_eq!(app.get("/api/v1/me", &token).await.0, 200);
    let (status, _) = app
        .post(
            "/api/v1/me/password",
            &token,
            json!({ "current_password": "reset-by-admin-1", "new_password": "my-own-password-1" }),
        )
        .await;
    assert_eq!(status, 204);
    let mine = app.login_ok("reset@test.local", "my-own-password-1").await;
    assert_eq!(app.get("/api/v1/contacts", &mine).await.0, 200);
}
