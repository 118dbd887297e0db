//! A mailbox's own SMTP server, for sending as the mailbox: its password to a real smtp-sink, its OAuth2 grant over
//! XOAUTH2 to an aiosmtpd checking tokens at a private glewlwyd, presets, the clear errors, and no secret shown.

use std::time::Duration;

use serde_json::{json, Value};

use crate::campaigns_relays::patch;
use crate::campaigns_smtp::AuthServer;
use crate::glewlwyd::{Glewlwyd, CLIENT_ID, CLIENT_SECRET};
use crate::helpers::{error_code, spawn_app, TestApp};
use crate::mail_oauth::stored_access_token;
use crate::smtp_sink::SmtpSink;

const SALES: &str = "sales@nordwind.ru";
const IMAP_PASSWORD: &str = "imap-Secret-1";
const SMTP_PASSWORD: &str = "smtp-Secret-2";

/// IMAP on a port where nothing listens: these tests only send.
fn password_mailbox(smtp: Value) -> Value {
    json!({ "name": "Продажи", "host": "127.0.0.1", "port": crate::dovecot::free_port_for_tests(),
        "security": "plain", "username": SALES, "password": IMAP_PASSWORD, "smtp": smtp })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn smtp_test(app: &TestApp, token: &str, id: &Value, to: &str) -> (u16, Value) {
    let path = format!("/api/v1/mailboxes/{id}/smtp/test");
    app.post(&path, token, json!({ "to": to })).await
}

fn assert_no_secret(shown: &Value, secrets: &[&str]) {
    let text = shown.to_string();
    for secret in secrets {
        assert!(!text.contains(secret), "a secret is shown: {text}");
    }
}

#[tokio::test]
async fn a_password_mailbox_sends_as_itself_through_its_own_smtp_and_never_shows_the_passwords() {
    let sink = SmtpSink::start();
    let app = spawn_app().await;
    let smtp = json!({ "host": "127.0.0.1", "port": sink.port, "security": "none" });
    let m = create(&app, password_mailbox(smtp)).await;
    assert_eq!(
        (&m["smtp"]["host"], &m["smtp"]["port"], &m["smtp"]["auth"]),
        (&json!("127.0.0.1"), &json!(sink.port), &json!("mailbox")),
        "{m}"
    );

    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["from"], SALES);
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(got[0].mail_from.contains(SALES), "{}", got[0].mail_from);
    assert!(
        got[0].rcpt_to.contains("olga@omega.ru"),
        "{}",
        got[0].rcpt_to
    );
    assert!(got[0].header("From").unwrap().contains(SALES));
    assert!(got[0].header("Subject").unwrap().contains("test letter"));

    // A separate SMTP user and password, and a From address of its own.
    let smtp = json!({ "host": "127.0.0.1", "port": sink.port, "security": "none", "auth": "password",
        "username": "smtp-user", "password": SMTP_PASSWORD, "address": "Info@Nordwind.ru" });
    let path = format!("/api/v1/mailboxes/{}", m["id"]);
    let (status, changed) = patch(&app, &path, &app.admin_token, json!({ "smtp": smtp })).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (&changed["smtp"]["auth"], &changed["smtp"]["password_set"]),
        (&json!("password"), &json!(true))
    );
    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");
    let got = sink.wait_for(2, Duration::from_secs(10)).await;
    assert!(got.iter().any(|r| r.mail_from.contains("info@nordwind.ru")));

    // Neither password is ever shown: not by the mailbox, the list, nor the audit trail (which has the change).
    let (_, one) = app.get(&path, &app.admin_token).await;
    let (_, all) = app.get("/api/v1/mailboxes", &app.admin_token).await;
    let (_, audit) = app.get(&format!("{path}/audit"), &app.admin_token).await;
    for shown in [&m, &changed, &one, &all, &audit] {
        assert_no_secret(shown, &[IMAP_PASSWORD, SMTP_PASSWORD]);
    }
    assert!(audit.to_string().contains("smtp-user"), "{audit}");
}

#[tokio::test]
async fn a_stored_password_goes_to_a_new_smtp_server_only_when_given_again() {
    let sink = SmtpSink::start();
    let app = spawn_app().await;
    let smtp = json!({ "host": "127.0.0.1", "port": sink.port, "security": "none", "auth": "password",
        "password": SMTP_PASSWORD });
    let m = create(&app, password_mailbox(smtp)).await;
    let path = format!("/api/v1/mailboxes/{}", m["id"]);
    let moved =
        json!({ "host": "localhost", "port": sink.port, "security": "none", "auth": "password" });
    let (status, body) = patch(&app, &path, &app.admin_token, json!({ "smtp": moved })).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("smtp.password")),
        "{body}"
    );

    // The mailbox's own password to a new SMTP server: only with that password in the same change.
    let own = json!({ "host": "localhost", "port": sink.port, "security": "none" });
    let (status, body) = patch(&app, &path, &app.admin_token, json!({ "smtp": own })).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("password")),
        "{body}"
    );
    let body = json!({ "smtp": own, "password": IMAP_PASSWORD });
    let (status, body) = patch(&app, &path, &app.admin_token, body).await;
    assert_eq!(status, 200, "{body}");
    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");

    // Removed: the mailbox does not send.
    let (status, body) = patch(&app, &path, &app.admin_token, json!({ "smtp": null })).await;
    assert_eq!((status, &body["smtp"]), (200, &Value::Null), "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
}

#[tokio::test]
async fn provider_presets_fill_the_smtp_server() {
    let app = spawn_app().await;
    for (imap, smtp, port, security) in [
        (
            "outlook.office365.com",
            "smtp.office365.com",
            587,
            "starttls",
        ),
        ("imap.gmail.com", "smtp.gmail.com", 465, "tls"),
        ("imap.yandex.ru", "smtp.yandex.ru", 465, "tls"),
        ("imap.mail.ru", "smtp.mail.ru", 465, "tls"),
    ] {
        let body = json!({ "name": imap, "host": imap, "port": 993, "security": "tls", "username": SALES,
            "password": IMAP_PASSWORD, "smtp": {} });
        let m = create(&app, body).await;
        assert_eq!(
            (
                &m["smtp"]["host"],
                &m["smtp"]["port"],
                &m["smtp"]["security"]
            ),
            (&json!(smtp), &json!(port), &json!(security)),
            "{m}"
        );
    }
    let body = json!({ "name": "x", "host": "imap.example.org", "port": 993, "security": "tls",
        "username": SALES, "password": IMAP_PASSWORD, "smtp": {} });
    let (status, body) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (422, &json!("smtp.host")),
        "{body}"
    );
}

#[tokio::test]
async fn the_owner_of_a_personal_mailbox_may_test_its_smtp_and_others_see_no_such_mailbox() {
    let sink = SmtpSink::start();
    let app = spawn_app().await;
    let (owner, owner_token) = app.user_with_role("ivan@nordwind.ru", "sales").await;
    let (_, other_token) = app.user_with_role("petr@nordwind.ru", "sales").await;
    let mut body =
        password_mailbox(json!({ "host": "127.0.0.1", "port": sink.port, "security": "none" }));
    body["kind"] = json!("personal");
    body["owner_id"] = json!(owner);
    let m = create(&app, body).await;
    let (status, body) = smtp_test(&app, &other_token, &m["id"], "olga@omega.ru").await;
    assert_eq!((status, error_code(&body)), (404, "not_found"), "{body}");
    let (status, body) = smtp_test(&app, &owner_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
}

#[tokio::test]
async fn an_oauth2_mailbox_sends_over_xoauth2_refreshes_once_and_gives_clear_codes_when_refused() {
    let g = Glewlwyd::start(SALES).await;
    let server = AuthServer::xoauth2(&g.introspection_url());
    let app = spawn_app().await;
    let refresh = g.refresh_token(SALES).await;
    let smtp = json!({ "host": "127.0.0.1", "port": server.port, "security": "none" });
    let body = json!({ "name": "M365", "host": "127.0.0.1", "port": crate::dovecot::free_port_for_tests(),
        "security": "plain", "username": SALES, "auth": "oauth2", "smtp": smtp, "oauth": {
            "provider": "other", "token_endpoint": g.token_endpoint(), "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "scopes": ["mail"], "refresh_token": refresh } });
    let m = create(&app, body).await;
    assert_no_secret(&m, &[&refresh, CLIENT_SECRET]);

    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(&format!("X-Auth-User: {SALES}\r\n")),
        "{}",
        got[0]
    );
    assert!(got[0].contains(&format!("From: {SALES}")), "{}", got[0]);

    // The provider revokes the access token: it is refreshed once and the letter goes.
    let first = stored_access_token(&app).await;
    g.revoke(&first, "access_token").await;
    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(server.received().len(), 2);
    assert_ne!(stored_access_token(&app).await, first);

    // A token the server refuses even fresh (issued to another user than the SMTP user): a clear auth error.
    let path = format!("/api/v1/mailboxes/{}", m["id"]);
    let other = json!({ "host": "127.0.0.1", "port": server.port, "security": "none", "username": "x@nordwind.ru" });
    let (status, body) = patch(&app, &path, &app.admin_token, json!({ "smtp": other })).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_auth_failed"),
        "{body}"
    );

    // Consent withdrawn: the mailbox needs an admin, and says so.
    let (status, _) = patch(&app, &path, &app.admin_token, json!({ "smtp": smtp })).await;
    assert_eq!(status, 200);
    g.revoke(&stored_access_token(&app).await, "access_token")
        .await;
    g.revoke(&refresh, "refresh_token").await;
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "oauth_reauthorization_needed"),
        "{body}"
    );
    assert_eq!(server.received().len(), 2);
    let (_, shown) = app.get(&path, &app.admin_token).await;
    assert_eq!(shown["oauth"]["state"], "reauthorization_needed", "{shown}");
    assert_no_secret(&shown, &[&refresh, CLIENT_SECRET]);
}

#[tokio::test]
async fn the_smtp_server_checks_the_mailbox_password_and_refusals_get_clear_codes() {
    // aiosmtpd takes only news@nordwind.ru with "p@ss w" (XOAUTH2 is not used here).
    let server = AuthServer::xoauth2("http://c:s@127.0.0.1:9/introspect");
    let app = spawn_app().await;
    let smtp = json!({ "host": "127.0.0.1", "port": server.port, "security": "none" });
    let mut body = password_mailbox(smtp);
    body["username"] = json!("news@nordwind.ru");
    body["password"] = json!("p@ss w");
    let m = create(&app, body).await;
    let (status, sent) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(status, 200, "{sent}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("X-Auth-User: news@nordwind.ru\r\n"),
        "{}",
        got[0]
    );

    // The mailbox's password changes (at IMAP): its SMTP sign-in follows, and the server refuses the wrong one.
    let path = format!("/api/v1/mailboxes/{}", m["id"]);
    let (status, body) = patch(
        &app,
        &path,
        &app.admin_token,
        json!({ "password": "wrong" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_auth_failed"),
        "{body}"
    );
    assert_eq!(server.received().len(), 1);

    // A server that answers 5xx to the recipient.
    let sink = SmtpSink::start_on(crate::dovecot::free_port_for_tests(), &["-f", "rcpt"]);
    let smtp = json!({ "host": "127.0.0.1", "port": sink.port, "security": "none" });
    let body = json!({ "smtp": smtp, "password": "wrong" });
    let (status, body) = patch(&app, &path, &app.admin_token, body).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_rejected"),
        "{body}"
    );
    // STARTTLS asked for and not offered: no fallback to a plain sign-in.
    let smtp = json!({ "host": "127.0.0.1", "port": sink.port, "security": "starttls" });
    let body = json!({ "smtp": smtp, "password": "wrong" });
    let (status, body) = patch(&app, &path, &app.admin_token, body).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_tls_failed"),
        "{body}"
    );
    // Nowhere to connect.
    let smtp = json!({ "host": "127.0.0.1", "port": crate::dovecot::free_port_for_tests(), "security": "none" });
    let body = json!({ "smtp": smtp, "password": "wrong" });
    let (status, body) = patch(&app, &path, &app.admin_token, body).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = smtp_test(&app, &app.admin_token, &m["id"], "olga@omega.ru").await;
    assert_eq!(
        (status, error_code(&body)),
        (502, "smtp_connect_failed"),
        "{body}"
    );
}

#[tokio::test]
async fn each_user_lists_only_the_mailboxes_they_may_send_from() {
    let app = spawn_app().await;
    let (ivan, ivan_token) = app.user_with_role("ivan@nordwind.ru", "sales").await;
    let (olga, olga_token) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let (_, petr_token) = app.user_with_role("petr@nordwind.ru", "sales").await;
    let smtp = json!({ "host": "127.0.0.1", "port": 2525, "security": "none", "address": "Ivan@Nordwind.ru" });
    let mut own = password_mailbox(smtp.clone());
    own["name"] = json!("Иван");
    own["kind"] = json!("personal");
    own["owner_id"] = json!(ivan);
    let own = create(&app, own).await;
    let mut shared =
        password_mailbox(json!({ "host": "127.0.0.1", "port": 2525, "security": "none" }));
    shared["name"] = json!("Отдел продаж");
    shared["kind"] = json!("shared");
    shared["member_ids"] = json!([ivan, olga]);
    let shared = create(&app, shared).await;
    let mut silent = password_mailbox(smtp);
    silent["name"] = json!("Без отправки");
    let silent = create(&app, silent).await;
    let path = format!("/api/v1/mailboxes/{}", silent["id"]);
    let (status, _) = patch(&app, &path, &app.admin_token, json!({ "smtp": null })).await;
    assert_eq!(status, 200);

    let names = |list: &Value| -> Vec<(String, String)> {
        let items = list.as_array().expect("a list");
        items
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_owned(),
                    m["address"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (status, list) = app.get("/api/v1/me/mailboxes", &ivan_token).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        names(&list),
        [
            ("Иван".into(), "ivan@nordwind.ru".into()),
            ("Отдел продаж".into(), SALES.into())
        ]
    );
    assert_no_secret(&list, &[IMAP_PASSWORD]);
    assert!(
        list[0].get("host").is_none(),
        "settings are not shown: {list}"
    );
    let (_, list) = app.get("/api/v1/me/mailboxes", &olga_token).await;
    assert_eq!(names(&list), [("Отдел продаж".into(), SALES.into())]);
    let (_, list) = app.get("/api/v1/me/mailboxes", &petr_token).await;
    assert_eq!(list, json!([]));
    let (_, list) = app.get("/api/v1/me/mailboxes", &app.admin_token).await;
    let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|m| &m["id"]).collect();
    assert_eq!(
        ids,
        [&own["id"], &shared["id"]],
        "an admin: every mailbox that sends"
    );
}
