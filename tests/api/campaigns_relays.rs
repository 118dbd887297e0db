//! SMTP relays: admins configure them (credentials sealed, never shown), marketing picks one by name, a URL on a
//! campaign or test send is refused, a relay in use stays, and a campaign's pre-relay URL becomes a relay.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use sqlx::Row;

use crate::campaign_fixtures::*;
use crate::helpers::{error_code, spawn_app_with, TestApp};
use crate::smtp_sink::SmtpSink;

pub(crate) async fn db(app: &TestApp) -> mailroom::db::Db {
    let url = app
        .database_url
        .clone()
        .unwrap_or(format!("sqlite://{}/mailroom.db", app.data_dir.display()));
    mailroom::db::Db::connect(&url, 2).await.unwrap()
}

pub(crate) async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn relays_are_configured_by_admins_and_never_show_their_password() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, marketing) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let (_, sales) = app.user_with_role("s@nordwind.ru", "sales").await;
    let url =
        "smtp://news%40nordwind.ru:s3cret%20pw@relay.nordwind.ru:587?tls=required&per_hour=500";
    let body = json!({"name": "Nordwind relay", "url": url});
    let (status, r) = app.post("/api/v1/relays", &marketing, body.clone()).await;
    assert_eq!(
        status, 403,
        "marketing picks relays, never points them: {r}"
    );
    let (status, r) = app.post("/api/v1/relays", &app.admin_token, body).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (
            &r["host"],
            &r["port"],
            &r["security"],
            &r["username"],
            &r["per_hour"]
        ),
        (
            &json!("relay.nordwind.ru"),
            &json!(587),
            &json!("starttls"),
            &json!("news@nordwind.ru"),
            &json!(500)
        ),
        "{r}"
    );
    let id = r["id"].as_i64().unwrap();
    let (status, list) = app.get("/api/v1/relays", &marketing).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "Nordwind relay"], "{list}");
    assert_eq!(list["items"][0]["builtin"], true);
    assert!(!list.to_string().contains("s3cret"), "{list}");
    let (status, one) = app.get(&format!("/api/v1/relays/{id}"), &marketing).await;
    assert_eq!(status, 200, "{one}");
    assert!(!one.to_string().contains("s3cret"), "{one}");
    assert_eq!(app.get("/api/v1/relays", &sales).await.0, 403);

    // At rest the URL is sealed: neither the password nor the host is readable in the database.
    let row = sqlx::query("SELECT url_sealed FROM smtp_relays WHERE id = $1")
        .bind(id)
        .fetch_one(&db(&app).await.pool)
        .await
        .unwrap();
    let sealed: String = row.try_get("url_sealed").unwrap();
    assert!(
        !sealed.contains("s3cret") && !sealed.contains("relay.nordwind"),
        "{sealed}"
    );

    // Names are unique, `default` is the built-in one's, URLs are checked.
    let dup = json!({"name": "Nordwind relay", "url": "smtp://127.0.0.1:25"});
    let (status, e) = app.post("/api/v1/relays", &app.admin_token, dup).await;
    assert_eq!(status, 409, "{e}");
    let builtin = json!({"name": "default", "url": "smtp://127.0.0.1:25"});
    let (status, e) = app.post("/api/v1/relays", &app.admin_token, builtin).await;
    assert_eq!((status, error_code(&e)), (422, "validation_failed"), "{e}");
    let bad = json!({"name": "bad", "url": "http://127.0.0.1:25"});
    let (status, e) = app.post("/api/v1/relays", &app.admin_token, bad).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("url")),
        "{e}"
    );

    let path = format!("/api/v1/relays/{id}");
    let (status, e) = patch(&app, &path, &marketing, json!({"name": "x"})).await;
    assert_eq!(status, 403, "{e}");
    let new_url = "smtps://127.0.0.1:2465?concurrency=3";
    let (status, r) = patch(&app, &path, &app.admin_token, json!({"url": new_url})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (
            &r["name"],
            &r["security"],
            &r["username"],
            &r["concurrency"]
        ),
        (
            &json!("Nordwind relay"),
            &json!("tls"),
            &Value::Null,
            &json!(3)
        ),
        "{r}"
    );
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&marketing), None)
        .await;
    assert_eq!(status, 403);
    let (status, e) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 204, "{e}");
    assert_eq!(app.get(&path, &app.admin_token).await.0, 404);
    let (_, list) = app.get("/api/v1/relays", &app.admin_token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test]
async fn an_smtp_url_on_a_campaign_or_test_send_is_refused_with_a_pointer_to_relays() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Сигма").await;
    let c = contact(
        &app,
        "Сергей",
        "sergey@sigma.ru",
        Some(co),
        &["u"],
        Some(true),
    )
    .await;
    let t = create(
        &app,
        &token,
        "/api/v1/templates",
        greeting_template("t-url"),
    )
    .await;
    let s = create(
        &app,
        &token,
        "/api/v1/segments",
        json!({"name": "s-url", "filter": {"tags": ["u"]}}),
    )
    .await;
    // Pointing the server at an internal port is what relays prevent.
    let body =
        json!({"name": "c", "template_id": t, "segment_id": s, "smtp_url": "smtp://10.0.0.5:6379"});
    let (status, e) = app.post("/api/v1/campaigns", &token, body).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("smtp_url")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("relay"),
        "{e}"
    );
    let path = format!("/api/v1/templates/{t}/test-send");
    let body = json!({"contact_id": c, "to": "r@nordwind.ru", "smtp_url": "smtp://127.0.0.1:22"});
    let (status, e) = app.post(&path, &token, body).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("smtp_url")),
        "{e}"
    );
    let body = json!({"contact_id": c, "to": "r@nordwind.ru", "relay": "nope"});
    let (status, e) = app.post(&path, &token, body).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("relay")),
        "{e}"
    );
    let body = json!({"name": "c", "template_id": t, "segment_id": s, "relay": "nope"});
    let (status, e) = app.post("/api/v1/campaigns", &token, body).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("relay")),
        "{e}"
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_campaign_sends_through_its_relay_which_cannot_be_deleted_until_it_finishes() {
    let default_sink = SmtpSink::start();
    let relay_sink = SmtpSink::start();
    let app = app_for(&default_sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let relay_id = relay(&app, "bulk", &relay_sink.url()).await;
    let co = company(&app, "Тау").await;
    for i in 0..3 {
        let email = format!("t{i}@tau.ru");
        contact(
            &app,
            &format!("Тау {i}"),
            &email,
            Some(co),
            &["r"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &token, "r", json!({"relay": "bulk"})).await;
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(c["relay"], "bulk", "{c}");
    let path = format!("/api/v1/relays/{relay_id}");
    let (status, e) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!((status, error_code(&e)), (409, "in_use"), "{e}");
    assert_eq!(e["error"]["details"]["campaign_ids"], json!([id]), "{e}");

    start(&app, &token, id).await;
    wait_until(&app, &token, id, Duration::from_secs(20), status_is("done")).await;
    let got = relay_sink.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 3);
    assert!(
        default_sink.received().is_empty(),
        "only the chosen relay is used"
    );

    let (status, e) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(
        status, 204,
        "a finished campaign does not hold its relay: {e}"
    );
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert!(
        c["relay"].as_str().unwrap().starts_with("bulk (deleted"),
        "{c}"
    );
    // The name is free again.
    relay(&app, "bulk", &relay_sink.url()).await;
}

#[tokio::test]
async fn a_campaign_that_named_its_own_url_before_relays_gets_a_sealed_relay_at_start() {
    let sink = SmtpSink::start();
    let first = app_for(&sink).await;
    let co = company(&first, "Хи").await;
    contact(
        &first,
        "Харитон",
        "h@chi.ru",
        Some(co),
        &["old"],
        Some(true),
    )
    .await;
    let id = campaign(&first, &first.admin_token, "old", json!({})).await;
    // As a campaign created before relays stored it: its own URL, credentials in plain text.
    let legacy = format!("smtp://old%40chi.ru:legacy-pw@127.0.0.1:{}", sink.port);
    let pool = db(&first).await.pool;
    sqlx::query("UPDATE campaigns SET smtp_url = $1 WHERE id = $2")
        .bind(&legacy)
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();

    // The next start (same database and secret key) turns the URL into a relay of the campaign's own.
    let (data_dir, database_url) = (first.data_dir.clone(), first.database_url.clone());
    let app = spawn_app_with(move |c| {
        c.data_dir = data_dir;
        c.database_url = database_url.map(Into::into);
        c.send_retry_base_ms = 200;
    })
    .await;
    let (_, c) = app
        .get(&format!("/api/v1/campaigns/{id}"), &app.admin_token)
        .await;
    let name = c["relay"].as_str().unwrap().to_string();
    assert!(name.contains(&format!("campaign {id}")), "{c}");
    let row = sqlx::query("SELECT smtp_url FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.try_get::<Option<String>, _>("smtp_url").unwrap(), None);
    let (_, list) = app.get("/api/v1/relays", &app.admin_token).await;
    let relay = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(relay["username"], "old@chi.ru", "{relay}");
    assert!(!list.to_string().contains("legacy-pw"), "{list}");

    start(&app, &app.admin_token, id).await;
    wait_until(
        &app,
        &app.admin_token,
        id,
        Duration::from_secs(20),
        status_is("done"),
    )
    .await;
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
}
