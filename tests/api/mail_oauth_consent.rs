//! OAuth2 mailbox consent (authorization code + PKCE against glewlwyd, driven as a browser would) and the provider
//! presets and OIDC discovery.

use reqwest::Method;
use serde_json::json;

use crate::dovecot::{message, Dovecot, USER};
use crate::glewlwyd::{Glewlwyd, CLIENT_ID, REDIRECT_URI};
use crate::helpers::{error_code, spawn_app, spawn_app_with};
use crate::mail_oauth::{mailbox, oauth_mailbox};
use crate::mail_sync::{add_mailbox, sync};

#[tokio::test]
async fn consent_uses_pkce_and_its_state_is_single_use_and_bound_to_the_admin_who_started_it() {
    let g = Glewlwyd::start(USER).await;
    let dovecot = Dovecot::start_oauth(&g.introspection_url());
    let app = spawn_app_with(|c| c.oauth_redirect_url = Some(REDIRECT_URI.into())).await;
    dovecot.append("INBOX", &message(1, "после согласия")).await;
    let id = add_mailbox(&app, oauth_mailbox(&dovecot, &g, None)).await;
    assert_eq!(
        mailbox(&app, id).await["oauth"]["state"],
        "authorization_needed"
    );
    let (status, body) = sync(&app, id).await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "oauth_authorization_needed")
    );

    let (status, start) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/oauth/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{start}");
    let url = url::Url::parse(start["authorization_url"].as_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["state"], start["state"].as_str().unwrap());
    assert_eq!(query["redirect_uri"], REDIRECT_URI);
    let back = g.consent(USER, url.as_str()).await;
    let callback = format!("/api/v1/oauth/callback?{}", back.query().unwrap());

    // Another admin cannot complete it (and does not use it up); a forged state is refused.
    let (_, second_admin) = app.user_with_role("admin2@mailroom.local", "admin").await;
    let (status, body) = app.get(&callback, &second_admin).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "oauth_state_invalid"),
        "{body}"
    );
    let (status, body) = app
        .get(
            "/api/v1/oauth/callback?code=x&state=forged",
            &app.admin_token,
        )
        .await;
    assert_eq!((status, error_code(&body)), (400, "oauth_state_invalid"));

    let (status, done) = app.get(&callback, &app.admin_token).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["mailbox_id"].as_i64(), &done["oauth"]["state"]),
        (Some(id), &json!("authorized"))
    );
    let (status, body) = app.get(&callback, &app.admin_token).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "oauth_state_invalid"),
        "single use"
    );

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["new_messages"], 1);
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/mailboxes/{id}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(body["oauth"]["authorized_at"].is_string(), "{body}");
}

#[tokio::test]
async fn providers_are_listed_and_other_is_found_by_oidc_discovery() {
    let g = Glewlwyd::start(USER).await;
    let app = spawn_app().await;
    let (status, providers) = app.get("/api/v1/oauth/providers", &app.admin_token).await;
    assert_eq!(status, 200);
    let names: Vec<_> = providers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["microsoft365", "google", "yandex", "mailru"]);
    let m365 = &providers[0];
    assert_eq!(
        (m365["imap_host"].as_str(), m365["imap_port"].as_i64()),
        (Some("outlook.office365.com"), Some(993))
    );

    let body = json!({ "name": "Discovered", "host": "127.0.0.1", "port": 1, "security": "plain",
        "username": USER, "auth": "oauth2", "oauth": { "provider": "other", "discovery_url": g.discovery_url(),
        "client_id": CLIENT_ID, "scopes": ["mail"] } });
    let (status, created) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["oauth"]["token_endpoint"], g.token_endpoint());
    assert_eq!(
        created["oauth"]["authorization_endpoint"],
        g.authorization_endpoint()
    );

    let google = json!({ "name": "Google", "host": "imap.gmail.com", "port": 993, "security": "tls",
        "username": "a@example.com", "auth": "oauth2", "oauth": { "provider": "google", "client_id": "x" } });
    let (status, created) = app
        .post("/api/v1/mailboxes", &app.admin_token, google)
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["oauth"]["scopes"],
        json!(["https://mail.google.com/"])
    );
    let bad = json!({ "name": "Bad", "host": "127.0.0.1", "port": 1, "security": "plain", "username": USER,
        "auth": "oauth2", "oauth": { "provider": "nosuch", "client_id": "x" } });
    let (status, body) = app.post("/api/v1/mailboxes", &app.admin_token, bad).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("oauth.provider"))
    );
}
