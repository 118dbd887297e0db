//! Behind a reverse proxy (`MAILROOM_TRUSTED_PROXIES`), the web forms' rate limit counts each visitor by the
//! address the proxy appended to `X-Forwarded-For`, not the proxy's own; from anyone else the header is ignored,
//! so a client cannot dodge the limit by forging it.

use serde_json::{json, Value};

use crate::forms::{create_form, standard_fields, submissions, CONSENT};
use crate::helpers::{read, spawn_app_with, TestApp};

async fn post_via(app: &TestApp, form: &Value, forwarded: &str, n: usize) -> u16 {
    let key = form["public_key"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/f/{key}")))
        .header("x-forwarded-for", forwarded)
        .json(&json!({ "name": "Посетитель", "email": format!("v{n}@firma.ru"), "consent": true }))
        .send()
        .await
        .unwrap();
    read(response).await.0
}

async fn form_of(app: &TestApp) -> Value {
    create_form(
        app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_their_own_limit() {
    let app = spawn_app_with(|c| {
        c.form_rate_limit = 2;
        c.trusted_proxies = Some("127.0.0.1, ::1".into());
    })
    .await;
    let form = form_of(&app).await;
    assert_eq!(post_via(&app, &form, "198.51.100.1", 1).await, 201);
    assert_eq!(post_via(&app, &form, "198.51.100.1", 2).await, 201);
    assert_eq!(post_via(&app, &form, "198.51.100.1", 3).await, 429);
    // Another visitor through the same proxy; a forged left part is not read.
    assert_eq!(
        post_via(&app, &form, "198.51.100.1, 198.51.100.2", 4).await,
        201
    );
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["client_addr"], "198.51.100.2", "{log}");
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_header_changes_nothing() {
    let app = spawn_app_with(|c| c.form_rate_limit = 2).await;
    let form = form_of(&app).await;
    assert_eq!(post_via(&app, &form, "198.51.100.1", 1).await, 201);
    assert_eq!(post_via(&app, &form, "198.51.100.2", 2).await, 201);
    assert_eq!(post_via(&app, &form, "198.51.100.3", 3).await, 429);
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["client_addr"], "127.0.0.1", "{log}");
}
