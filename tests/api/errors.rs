use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_code, read, spawn_app};

#[tokio::test]
async fn broken_json_is_400_with_the_error_shape() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body(r#"{"email": "x@y.z", "name": "#)
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (400, "invalid_json"));
}

#[tokio::test]
async fn a_missing_or_wrong_field_is_named() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({ "email": "a@test.local", "role": "sales", "password": "long-enough-1" }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    assert_eq!(body["error"]["field"], "name");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("name"),
        "{body}"
    );

    let (status, body) = app.post("/api/v1/users", &app.admin_token, json!({ "email": "a@test.local", "name": "A", "role": "boss", "password": "long-enough-1" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("role")),
        "{body}"
    );

    let (status, body) = app.post("/api/v1/users", &app.admin_token, json!({ "email": "not-an-address", "name": "A", "role": "sales", "password": "long-enough-1" })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("email")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not-an-address"));

    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({ "email": "a@test.local", "name": "A", "role": "sales", "password": "short" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("password")),
        "{body}"
    );

    let (status, body) = app.post("/api/v1/users", &app.admin_token, json!({ "email": "a@test.local", "name": "A", "role": "sales", "password": "long-enough-1", "salary": 1 })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("salary")),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("email=a&password=b")
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (415, "unsupported_media_type"));
}

#[tokio::test]
async fn unknown_routes_wrong_methods_and_bad_path_parameters_answer_json() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/nothing-here", &app.admin_token).await;
    assert_eq!((status, error_code(&body)), (404, "route_not_found"));
    // `/` is the web console now; any other unknown page still answers JSON.
    let (status, body) = app.call(Method::GET, "/nothing-here", None, None).await;
    assert_eq!((status, error_code(&body)), (404, "route_not_found"));

    let (status, body) = app
        .call(Method::DELETE, "/api/v1/me", Some(&app.admin_token), None)
        .await;
    assert_eq!((status, error_code(&body)), (405, "method_not_allowed"));
    let (status, body) = app
        .call(Method::PUT, "/api/v1/auth/login", None, None)
        .await;
    assert_eq!((status, error_code(&body)), (405, "method_not_allowed"));

    let (status, body) = app.get("/api/v1/users/abc", &app.admin_token).await;
    assert_eq!((status, error_code(&body)), (400, "invalid_path"));
    let (status, body) = app.get("/api/v1/users/999999", &app.admin_token).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
    let (status, body) = app.get("/api/v1/users?limit=lots", &app.admin_token).await;
    assert_eq!((status, error_code(&body)), (400, "invalid_query"));
    let (status, body) = app.get("/api/v1/users?limit=5000", &app.admin_token).await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
}

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;
    let (status, body) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let expected = match crate::helpers::backend() {
        crate::helpers::TestBackend::Sqlite => "sqlite",
        crate::helpers::TestBackend::Postgres { .. } => "postgres",
    };
    assert_eq!(body["database"], expected);
}

/// Asserts a 422 that names `field` in the API's error shape.
fn assert_nul_refused(status: u16, body: &serde_json::Value, field: &str) {
    assert_eq!(
        (status, error_code(body)),
        (422, "validation_failed"),
        "{body}"
    );
    assert_eq!(body["error"]["field"], field, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("NUL"),
        "{body}"
    );
}

#[tokio::test]
async fn nul_in_login_email_is_422_naming_the_field() {
    let app = spawn_app().await;
    let (status, body) = app.login("admin\u{0}@test.local", "whatever-1").await;
    assert_nul_refused(status, &body, "email");
    // The refusal is not a failed login: the right password still works.
    app.login_ok(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
}

#[tokio::test]
async fn nul_anywhere_in_a_json_body_is_422_naming_its_path() {
    let app = spawn_app().await;
    let token = &app.admin_token;
    let (status, body) = app
        .post("/api/v1/contacts", token, json!({ "name": "Ив\u{0}ан" }))
        .await;
    assert_nul_refused(status, &body, "name");

    let contact = json!({ "name": "Иван", "emails": ["ivan@test.local", "i\u{0}@test.local"] });
    let (status, body) = app.post("/api/v1/contacts", token, contact).await;
    assert_nul_refused(status, &body, "emails[1]");

    // A key with NUL, even one the type would ignore or refuse, is named too.
    let (status, body) = app
        .post(
            "/api/v1/contacts",
            token,
            json!({ "name": "Иван", "no\u{0}te": 1 }),
        )
        .await;
    assert_nul_refused(status, &body, "no\\u0000te");

    // A lone surrogate is not text at all: the body cannot be read.
    let response = app
        .client
        .post(app.url("/api/v1/contacts"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"name": "\ud800"}"#)
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (400, "invalid_json"), "{body}");

    // An escaped backslash before `u0000` is ordinary text.
    let (status, body) = app
        .post("/api/v1/contacts", token, json!({ "name": "C:\\u0000" }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], "C:\\u0000");
}

#[tokio::test]
async fn nul_in_a_query_or_path_parameter_is_422_naming_it() {
    let app = spawn_app().await;
    let token = &app.admin_token;
    let (status, body) = app.get("/api/v1/contacts?q=a%00b", token).await;
    assert_nul_refused(status, &body, "q");
    let (status, body) = app.get("/api/v1/contacts?q=%D0%B8", token).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.get("/api/v1/users/1%00", token).await;
    assert_nul_refused(status, &body, "id");
}
