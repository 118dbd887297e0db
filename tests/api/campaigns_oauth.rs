//! OAuth2 relays: SASL XOAUTH2 to an aiosmtpd that checks bearer tokens by introspection at a private glewlwyd;
//! a refused access token is refreshed once, a revoked refresh token leaves the relay `reauthorization_needed`.

use serde_json::{json, Value};

use crate::campaign_fixtures::*;
use crate::campaigns_smtp::AuthServer;
use crate::glewlwyd::{Glewlwyd, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI};
use crate::helpers::{error_code, spawn_app, spawn_app_with, TestApp};
use crate::mail_oauth::stored_access_token;

const SENDER: &str = "news@nordwind.ru";

async fn test_send(app: &TestApp, relay: &str, n: u32) -> (u16, Value) {
    let co = company(app, &format!("Омега {n}")).await;
    let c = contact(
        app,
        "Ольга",
        &format!("o{n}@omega{n}.ru"),
        Some(co),
        &[],
        None,
    )
    .await;
    let t = create(
        app,
        &app.admin_token,
        "/api/v1/templates",
        greeting_template(&format!("oauth {n}")),
    )
    .await;
    let body = json!({"contact_id": c, "to": "reviewer@nordwind.ru", "relay": relay});
    app.post(
        &format!("/api/v1/templates/{t}/test-send"),
        &app.admin_token,
        body,
    )
    .await
}

#[tokio::test]
async fn an_oauth2_relay_sends_over_xoauth2_refreshes_a_refused_token_once_and_stops_when_revoked()
{
    let g = Glewlwyd::start(SENDER).await;
    let server = AuthServer::xoauth2(&g.introspection_url());
    let app = spawn_app().await;
    let refresh = g.refresh_token(SENDER).await;
    let body = json!({ "name": "m365", "url": format!("smtp://news%40nordwind.ru@127.0.0.1:{}", server.port),
        "oauth": { "provider": "other", "token_endpoint": g.token_endpoint(), "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": ["mail"], "refresh_token": refresh } });
    let (status, relay) = app.post("/api/v1/relays", &app.admin_token, body).await;
    assert_eq!(status, 201, "{relay}");
    assert_eq!(
        (relay["auth"].as_str(), relay["oauth"]["state"].as_str()),
        (Some("oauth2"), Some("authorized"))
    );
    let shown = relay.to_string();
    assert!(
        !shown.contains(&refresh) && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );

    let (status, sent) = test_send(&app, "m365", 1).await;
    assert_eq!(status, 200, "{sent}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("X-Auth-User: news@nordwind.ru\r\n"),
        "{}",
        got[0]
    );

    // The provider revokes the access token: the relay refreshes it once and sends.
    let first = stored_access_token(&app).await;
    g.revoke(&first, "access_token").await;
    let (status, sent) = test_send(&app, "m365", 2).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(server.received().len(), 2);
    assert_ne!(stored_access_token(&app).await, first);

    // Consent withdrawn: both tokens revoked; the relay needs an admin and says so.
    g.revoke(&stored_access_token(&app).await, "access_token")
        .await;
    g.revoke(&refresh, "refresh_token").await;
    let (status, body) = test_send(&app, "m365", 3).await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_unreachable"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("connect it again"),
        "{body}"
    );
    assert_eq!(server.received().len(), 2);
    let (_, relays) = app.get("/api/v1/relays", &app.admin_token).await;
    let m365 = relays["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "m365")
        .unwrap();
    assert_eq!(m365["oauth"]["state"], "reauthorization_needed", "{m365}");

    // Deleting the relay deletes its sealed tokens.
    let path = format!("/api/v1/relays/{}", m365["id"]);
    let (status, _) = app
        .call(reqwest::Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 204);
    let db = crate::campaigns_relays::db(&app).await;
    let left: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM oauth_credentials")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_oauth2_relay_url_names_its_user_and_no_password() {
    let app = spawn_app().await;
    let oauth = json!({ "provider": "google", "client_id": "x", "refresh_token": "r" });
    for url in [
        "smtp://smtp.gmail.com:465",
        "smtp://a%40b.ru:secret@smtp.gmail.com:465",
    ] {
        let body = json!({ "name": "g", "url": url, "oauth": oauth });
        let (status, body) = app.post("/api/v1/relays", &app.admin_token, body).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("url")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_admin_connects_an_oauth2_relay_by_consent() {
    let g = Glewlwyd::start(SENDER).await;
    let server = AuthServer::xoauth2(&g.introspection_url());
    let app = spawn_app_with(|c| c.oauth_redirect_url = Some(REDIRECT_URI.into())).await;
    let body = json!({ "name": "yandex", "url": format!("smtp://news%40nordwind.ru@127.0.0.1:{}", server.port),
        "oauth": { "provider": "other", "token_endpoint": g.token_endpoint(),
            "authorization_endpoint": g.authorization_endpoint(), "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": ["mail"] } });
    let (status, relay) = app.post("/api/v1/relays", &app.admin_token, body).await;
    assert_eq!(status, 201, "{relay}");
    assert_eq!(relay["oauth"]["state"], "authorization_needed");
    let (status, body) = test_send(&app, "yandex", 10).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not connected yet"),
        "{body}"
    );

    let path = format!("/api/v1/relays/{}/oauth/start", relay["id"]);
    let (status, start) = app.post(&path, &app.admin_token, json!({})).await;
    assert_eq!(status, 200, "{start}");
    let back = g
        .consent(SENDER, start["authorization_url"].as_str().unwrap())
        .await;
    let callback = format!("/api/v1/oauth/callback?{}", back.query().unwrap());
    let (status, done) = app.get(&callback, &app.admin_token).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["relay_id"].as_i64(), &done["mailbox_id"]),
        (relay["id"].as_i64(), &Value::Null)
    );
    let (status, sent) = test_send(&app, "yandex", 11).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(server.received().len(), 1);
}
