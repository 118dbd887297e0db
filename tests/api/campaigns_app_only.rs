//! A campaign relay with an app-only credential (client credentials at a real glewlwyd, as a Microsoft 365 app with
//! SMTP.SendAsApp): the campaign's letters go out over SASL XOAUTH2 to aiosmtpd, which introspects each token and
//! sees an app's token (no user, the app's client id) for the mailbox it sends as; a refused app secret stops the
//! relay with a clear error and sends nothing.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::campaign_fixtures::*;
use crate::campaigns_smtp::AuthServer;
use crate::glewlwyd::Glewlwyd;
use crate::helpers::{error_code, TestApp};
use crate::smtp_sink::SmtpSink;

/// The app's client id: the sending mailbox's local part, which is how the server matches the app to the mailbox.
const APP: &str = "news";
const APP_SECRET: &str = "relay-app-secret-1";

fn app_only_relay(name: &str, server: &AuthServer, g: &Glewlwyd, secret: &str) -> Value {
    json!({ "name": name, "url": format!("smtp://news%40nordwind.ru@127.0.0.1:{}", server.port),
        "oauth": { "provider": "other", "grant": "client_credentials", "token_endpoint": g.token_endpoint(),
            "client_id": APP, "client_secret": secret, "scopes": ["mail"] } })
}

async fn wait_for(server: &AuthServer, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = server.received();
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn test_send(app: &TestApp, relay: &str) -> (u16, Value) {
    let co = company(app, "Омега").await;
    let c = contact(app, "Ольга", "olga@omega-app.ru", Some(co), &[], None).await;
    let t = create(
        app,
        &app.admin_token,
        "/api/v1/templates",
        greeting_template("app-only test"),
    )
    .await;
    let body = json!({"contact_id": c, "to": "reviewer@nordwind.ru", "relay": relay});
    let path = format!("/api/v1/templates/{t}/test-send");
    app.post(&path, &app.admin_token, body).await
}

#[tokio::test]
async fn a_campaign_sends_through_an_app_only_relay_with_a_client_credentials_token() {
    let g = Glewlwyd::start("someone@nordwind.ru").await;
    g.add_app_client(APP, APP_SECRET).await;
    // The SMTP server introspects as the app (a glewlwyd client may introspect its own tokens only).
    let server = AuthServer::xoauth2(&g.introspection_url_as(APP, APP_SECRET));
    let default_sink = SmtpSink::start();
    let app = app_for(&default_sink).await;
    let (status, relay) = app
        .post(
            "/api/v1/relays",
            &app.admin_token,
            app_only_relay("m365-app", &server, &g, APP_SECRET),
        )
        .await;
    assert_eq!(status, 201, "{relay}");
    assert_eq!(
        (
            relay["auth"].as_str(),
            relay["oauth"]["grant"].as_str(),
            relay["oauth"]["state"].as_str()
        ),
        (
            Some("oauth2"),
            Some("client_credentials"),
            Some("authorized")
        ),
        "no consent to wait for: {relay}"
    );
    assert!(!relay.to_string().contains(APP_SECRET), "{relay}");

    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Альфа").await;
    for i in 0..2 {
        let email = format!("a{i}@app-only.ru");
        contact(
            &app,
            &format!("Адресат {i}"),
            &email,
            Some(co),
            &["app"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &token, "app", json!({"relay": "m365-app"})).await;
    start(&app, &token, id).await;
    wait_until(&app, &token, id, Duration::from_secs(20), status_is("done")).await;
    let got = wait_for(&server, 2).await;
    assert_eq!(got.len(), 2, "both letters arrived through the relay");
    for letter in &got {
        assert!(
            letter.starts_with("X-Auth-User: news@nordwind.ru\r\n")
                && letter.contains("X-Auth-Grant: app:news\r\n"),
            "signed in as the mailbox with the app's own token: {letter}"
        );
    }
    assert!(default_sink.received().is_empty(), "only the chosen relay");
}

#[tokio::test]
async fn a_refused_app_secret_stops_the_relay_with_a_clear_error_and_sends_nothing() {
    let g = Glewlwyd::start("someone@nordwind.ru").await;
    g.add_app_client(APP, APP_SECRET).await;
    let server = AuthServer::xoauth2(&g.introspection_url_as(APP, APP_SECRET));
    let default_sink = SmtpSink::start();
    let app = app_for(&default_sink).await;
    let body = app_only_relay("m365-wrong", &server, &g, "not-the-secret");
    let (status, relay) = app.post("/api/v1/relays", &app.admin_token, body).await;
    assert_eq!(status, 201, "{relay}");
    let (status, body) = test_send(&app, "m365-wrong").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_unreachable"),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("app's credentials"), "{body}");
    assert!(server.received().is_empty());
    let (_, relays) = app.get("/api/v1/relays", &app.admin_token).await;
    let shown = relays["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "m365-wrong")
        .cloned()
        .unwrap();
    assert_eq!(shown["oauth"]["state"], "reauthorization_needed", "{shown}");
}
