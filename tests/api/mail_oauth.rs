//! OAuth2 mailboxes against real components: Dovecot's `oauth2` passdb validating tokens by introspection at a
//! private glewlwyd, which issues, refreshes and revokes them. Sync over SASL, a refused access token refreshed
//! once, a revoked refresh token → `reauthorization_needed` with no retry storm, and consent with PKCE.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, USER};
use crate::glewlwyd::{Glewlwyd, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI};
use crate::helpers::{error_code, spawn_app, spawn_app_with, TestApp};
use crate::mail_sync::{add_mailbox, sync};

pub fn oauth_mailbox(dovecot: &Dovecot, g: &Glewlwyd, refresh_token: Option<&str>) -> Value {
    json!({ "name": "Продажи (OAuth2)", "host": "127.0.0.1", "port": dovecot.port, "security": "plain",
        "username": USER, "auth": "oauth2", "oauth": {
            "provider": "other", "token_endpoint": g.token_endpoint(),
            "authorization_endpoint": g.authorization_endpoint(), "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": ["mail"], "refresh_token": refresh_token } })
}

pub(crate) async fn mailbox(app: &TestApp, id: i64) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn message_ids(app: &TestApp) -> Vec<String> {
    let (_, page) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

/// The access token the server holds for the mailbox now (to revoke it at the provider, as an admin there would).
pub(crate) async fn stored_access_token(app: &TestApp) -> String {
    use sqlx::Row;
    let db = crate::campaigns_relays::db(app).await;
    let row = sqlx::query("SELECT access_token_sealed FROM oauth_credentials")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let sealed: String = row.try_get("access_token_sealed").unwrap();
    let secrets = mailroom::secrets::SecretBox::load(None, &app.data_dir).unwrap();
    secrets.open(&sealed).unwrap()
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn worker_app(config: &mut mailroom::config::Config) {
    config.imap_workers = true;
    config.imap_poll_seconds = 1;
    config.oauth_redirect_url = Some(REDIRECT_URI.into());
}

#[tokio::test]
async fn an_oauth2_mailbox_syncs_real_mail_over_sasl_and_never_shows_its_secrets() {
    let g = Glewlwyd::start(USER).await;
    let dovecot = Dovecot::start_oauth(&g.introspection_url());
    let app = spawn_app().await;
    let mail: Vec<_> = (0..3).map(|n| message(n, "OAuth2 письмо")).collect();
    dovecot.append_many("INBOX", &mail).await;
    let refresh = g.refresh_token(USER).await;

    let (status, created) = app
        .post(
            "/api/v1/mailboxes",
            &app.admin_token,
            oauth_mailbox(&dovecot, &g, Some(&refresh)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["auth"], "oauth2");
    assert_eq!(created["oauth"]["state"], "authorized");
    assert_eq!(created["oauth"]["client_id"], CLIENT_ID);
    let id = created["id"].as_i64().unwrap();

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["new_messages"], 3);
    assert_eq!(message_ids(&app).await.len(), 3);
    assert!(
        dovecot.log().contains("method=OAUTHBEARER"),
        "Dovecot offers OAUTHBEARER, so it is used: {}",
        dovecot.log()
    );
    let (_, list) = app.get("/api/v1/mailboxes", &app.admin_token).await;
    let (_, audit) = app
        .get(&format!("/api/v1/mailboxes/{id}/audit"), &app.admin_token)
        .await;
    for shown in [created.to_string(), list.to_string(), audit.to_string()] {
        assert!(!shown.contains(&refresh), "refresh token shown: {shown}");
        assert!(
            !shown.contains(CLIENT_SECRET),
            "client secret shown: {shown}"
        );
    }
    let token = stored_access_token(&app).await;
    assert!(!list.to_string().contains(&token), "access token shown");
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once_and_the_sync_loses_and_duplicates_nothing() {
    let g = Glewlwyd::start(USER).await;
    let dovecot = Dovecot::start_oauth(&g.introspection_url());
    let app = spawn_app().await;
    dovecot
        .append_many(
            "INBOX",
            &(0..3).map(|n| message(n, "до")).collect::<Vec<_>>(),
        )
        .await;
    let refresh = g.refresh_token(USER).await;
    let id = add_mailbox(&app, oauth_mailbox(&dovecot, &g, Some(&refresh))).await;
    assert_eq!(sync(&app, id).await.1["new_messages"], 3);

    // The provider revokes the access token the server holds; two more letters arrive meanwhile.
    let first = stored_access_token(&app).await;
    g.revoke(&first, "access_token").await;
    assert_eq!(g.introspect(&first).await["active"], false);
    dovecot
        .append_many(
            "INBOX",
            &(3..5).map(|n| message(n, "после")).collect::<Vec<_>>(),
        )
        .await;

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "refused once, refreshed, signed in: {report}");
    assert_eq!(
        (report["fetched"].as_i64(), report["new_messages"].as_i64()),
        (Some(2), Some(2))
    );
    let second = stored_access_token(&app).await;
    assert_ne!(first, second, "a new access token");
    assert_eq!(g.introspect(&second).await["active"], true);
    let ids = message_ids(&app).await;
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(
        (ids.len(), distinct.len()),
        (5, 5),
        "nothing lost, nothing twice"
    );
    let m = mailbox(&app, id).await;
    assert_eq!(m["last_error"], Value::Null, "{m}");
    assert_eq!(m["oauth"]["state"], "authorized");
}

#[tokio::test]
async fn a_revoked_refresh_token_needs_reauthorization_and_the_worker_stops_until_consent() {
    let g = Glewlwyd::start(USER).await;
    let dovecot = Dovecot::start_oauth(&g.introspection_url());
    let app = spawn_app_with(worker_app).await;
    dovecot
        .append_many(
            "INBOX",
            &(0..2).map(|n| message(n, "до отзыва")).collect::<Vec<_>>(),
        )
        .await;
    let refresh = g.refresh_token(USER).await;
    let id = add_mailbox(&app, oauth_mailbox(&dovecot, &g, Some(&refresh))).await;
    wait_for("the worker's first sync", async || {
        message_ids(&app).await.len() == 2
    })
    .await;

    // Consent withdrawn at the provider: both tokens revoked, and the worker's connection drops.
    g.revoke(&stored_access_token(&app).await, "access_token")
        .await;
    g.revoke(&refresh, "refresh_token").await;
    dovecot.kick(USER);
    // The credential's state and the mailbox's error are written in one transaction: the first answer that shows
    // the one shows the other.
    let mut m = Value::Null;
    wait_for("reauthorization_needed", async || {
        m = mailbox(&app, id).await;
        m["oauth"]["state"] == "reauthorization_needed"
    })
    .await;
    assert_eq!(m["last_error_code"], "oauth_reauthorization_needed", "{m}");
    assert!(
        m["oauth"]["error"]
            .as_str()
            .unwrap()
            .contains("invalid_grant"),
        "{m}"
    );
    assert!(
        m["last_error"]
            .as_str()
            .unwrap()
            .contains("connect it again"),
        "{m}"
    );

    // No retry storm: nothing more reaches Dovecot (nor the token endpoint) while it waits for an admin.
    let refused = dovecot.log().matches("auth failed").count();
    assert!(
        refused >= 1,
        "the revoked access token was refused once: {}",
        dovecot.log()
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        dovecot.log().matches("auth failed").count(),
        refused,
        "{}",
        dovecot.log()
    );
    let (status, body) = sync(&app, id).await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "oauth_reauthorization_needed")
    );
    assert_eq!(dovecot.log().matches("auth failed").count(), refused);

    // An admin connects it again; the worker resumes and picks up what arrived meanwhile, once.
    dovecot.append("INBOX", &message(7, "пока ждали")).await;
    let (status, start) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/oauth/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{start}");
    let back = g
        .consent(USER, start["authorization_url"].as_str().unwrap())
        .await;
    let (status, done) = app
        .get(
            &format!("/api/v1/oauth/callback?{}", back.query().unwrap()),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["oauth"]["state"], "authorized");
    wait_for("the worker to resume", async || {
        message_ids(&app).await.len() == 3
    })
    .await;
    let m = mailbox(&app, id).await;
    assert_eq!(m["oauth"]["error"], Value::Null, "{m}");
}

#[tokio::test]
async fn without_oauthbearer_xoauth2_is_used_and_a_token_near_expiry_is_renewed_before_use() {
    let g = Glewlwyd::start(USER).await;
    let dovecot = Dovecot::start_xoauth2_only(&g.introspection_url());
    let app = spawn_app().await;
    dovecot.append("INBOX", &message(1, "XOAUTH2")).await;
    let refresh = g.refresh_token(USER).await;
    let id = add_mailbox(&app, oauth_mailbox(&dovecot, &g, Some(&refresh))).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(
        (status, report["new_messages"].as_i64()),
        (200, Some(1)),
        "{report}"
    );
    assert!(
        dovecot.log().contains("method=XOAUTH2"),
        "{}",
        dovecot.log()
    );

    // Thirty seconds left of the access token: it is renewed before the login, so the server never refuses one.
    let first = stored_access_token(&app).await;
    let db = crate::campaigns_relays::db(&app).await;
    let soon = mailroom::db::now_ms() + 30_000;
    sqlx::query("UPDATE oauth_credentials SET access_expires_at = $1")
        .bind(soon)
        .execute(&db.pool)
        .await
        .unwrap();
    dovecot.append("INBOX", &message(2, "XOAUTH2")).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(
        (status, report["new_messages"].as_i64()),
        (200, Some(1)),
        "{report}"
    );
    assert_ne!(stored_access_token(&app).await, first, "renewed");
    assert_eq!(
        g.introspect(&first).await["active"],
        true,
        "the old one was still valid"
    );
    assert!(!dovecot.log().contains("auth failed"), "{}", dovecot.log());
}

#[tokio::test]
async fn a_token_for_another_client_is_refused_with_a_clear_error_after_one_refresh() {
    let g = Glewlwyd::start(USER).await;
    g.add_client("other-app", "other-secret-1").await;
    let dovecot = Dovecot::start_oauth(&g.introspection_url());
    let app = spawn_app().await;
    let refresh = g
        .refresh_token_of(USER, "other-app", "other-secret-1")
        .await;
    let mut body = oauth_mailbox(&dovecot, &g, Some(&refresh));
    body["oauth"]["client_id"] = json!("other-app");
    body["oauth"]["client_secret"] = json!("other-secret-1");
    let id = add_mailbox(&app, body).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(
        (status, error_code(&report)),
        (502, "imap_auth_failed"),
        "{report}"
    );
    let message = report["error"]["message"].as_str().unwrap();
    assert!(message.contains("freshly refreshed"), "{message}");
    assert!(
        message.contains("invalid_token") || message.contains("status"),
        "the server's SASL error: {message}"
    );
    let m = mailbox(&app, id).await;
    assert_eq!(m["last_error_code"], "imap_auth_failed");
    assert_eq!(
        m["oauth"]["state"], "authorized",
        "the grant itself is fine: {m}"
    );
    assert_eq!(
        dovecot.log().matches("auth failed").count(),
        2,
        "one try, one refresh and retry: {}",
        dovecot.log()
    );
}
