//! Who a mailbox belongs to and what others read of its mail: kinds, owners, members, policies, the owner's
//! narrowing, the password needed again when the server changes, and the audit trail of it all.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

fn mailbox(extra: Value) -> Value {
    let mut body = json!({
        "name": "Почта", "host": "127.0.0.1", "port": 1143, "security": "plain",
        "username": "sales@nordwind.ru", "password": "imap-secret-1",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn create(app: &TestApp, extra: Value) -> (u16, Value) {
    app.post("/api/v1/mailboxes", &app.admin_token, mailbox(extra))
        .await
}

#[tokio::test]
async fn a_mailbox_is_personal_with_an_owner_or_shared_with_members_and_defaults_its_policy() {
    let app = spawn_app().await;
    let (ivan, _) = app.user_with_role("ivan@test.local", "sales").await;
    let (olga, _) = app.user_with_role("olga@test.local", "sales").await;

    let (status, body) = create(&app, json!({ "kind": "personal" })).await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    assert_eq!(body["error"]["field"], "owner_id");
    let (status, body) = create(&app, json!({ "kind": "shared", "owner_id": ivan })).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (422, json!("owner_id"))
    );
    let personal_with_members =
        json!({ "kind": "personal", "owner_id": ivan, "member_ids": [olga] });
    let (status, body) = create(&app, personal_with_members).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (422, json!("member_ids"))
    );
    let (status, body) = create(&app, json!({ "kind": "shared", "member_ids": [9999] })).await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (422, json!("member_ids"))
    );

    let (status, personal) = create(&app, json!({ "kind": "personal", "owner_id": ivan })).await;
    assert_eq!(status, 201, "{personal}");
    assert_eq!(personal["visibility"], "subject", "{personal}");
    assert_eq!(personal["owner_id"], ivan);
    let (status, shared) = create(&app, json!({ "member_ids": [olga, ivan, olga] })).await;
    assert_eq!(status, 201, "{shared}");
    assert_eq!(shared["kind"], "shared");
    assert_eq!(shared["visibility"], "full");
    let mut members: Vec<i64> = serde_json::from_value(shared["member_ids"].clone()).unwrap();
    members.sort();
    assert_eq!(members, [ivan.min(olga), ivan.max(olga)]);
    assert!(personal.get("password").is_none() && shared.get("password").is_none());
}

#[tokio::test]
async fn pointing_a_mailbox_at_another_server_needs_its_password_again() {
    let app = spawn_app().await;
    let (_, m) = create(&app, json!({})).await;
    let path = format!("/api/v1/mailboxes/{}", m["id"]);
    for change in [
        json!({ "host": "localhost" }),
        json!({ "port": 2143 }),
        json!({ "security": "tls" }),
        json!({ "username": "other@nordwind.ru" }),
    ] {
        let (status, body) = app
            .call(
                Method::PATCH,
                &path,
                Some(&app.admin_token),
                Some(change.clone()),
            )
            .await;
        assert_eq!(status, 422, "{change}: {body}");
        assert_eq!(body["error"]["field"], "password", "{change}: {body}");
    }
    let (_, unchanged) = app.get(&path, &app.admin_token).await;
    assert_eq!(unchanged["port"], 1143);
    // The name and the policy change without it; the server with it.
    let rename = json!({ "name": "Отдел продаж", "visibility": "metadata" });
    let (status, body) = app
        .call(Method::PATCH, &path, Some(&app.admin_token), Some(rename))
        .await;
    assert_eq!(
        (status, body["visibility"].clone()),
        (200, json!("metadata")),
        "{body}"
    );
    let moved = json!({ "port": 2143, "password": "imap-secret-2" });
    let (status, body) = app
        .call(Method::PATCH, &path, Some(&app.admin_token), Some(moved))
        .await;
    assert_eq!((status, body["port"].clone()), (200, json!(2143)), "{body}");
}

#[tokio::test]
async fn the_owner_of_a_personal_mailbox_only_narrows_it_and_every_change_is_audited() {
    let app = spawn_app().await;
    let (ivan, ivan_token) = app.user_with_role("ivan@test.local", "sales").await;
    let (_, olga_token) = app.user_with_role("olga@test.local", "sales").await;
    let (_, m) = create(&app, json!({ "kind": "personal", "owner_id": ivan })).await;
    let id = m["id"].as_i64().unwrap();
    let path = format!("/api/v1/mailboxes/{id}/visibility");
    let put = |token: String, policy: &str| {
        let body = json!({ "visibility": policy });
        let path = path.clone();
        let app = &app;
        async move { app.call(Method::PUT, &path, Some(&token), Some(body)).await }
    };

    let (status, body) = put(olga_token.clone(), "private").await;
    assert_eq!((status, error_code(&body)), (404, "not_found"), "not hers");
    let (status, body) = put(ivan_token.clone(), "full").await;
    assert_eq!(
        (status, body["error"]["field"].clone()),
        (422, json!("visibility"))
    );
    let (status, body) = put(ivan_token.clone(), "metadata").await;
    assert_eq!(
        (status, body["visibility"].clone()),
        (200, json!("metadata"))
    );
    let (status, _) = put(ivan_token.clone(), "subject").await;
    assert_eq!(status, 422, "widening back is for an admin");
    let (status, body) = put(app.admin_token.clone(), "full").await;
    assert_eq!((status, body["visibility"].clone()), (200, json!("full")));
    let (status, _) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &ivan_token)
        .await;
    assert_eq!(status, 403, "mailbox settings stay an admin's");

    let (status, audit) = app
        .get(&format!("/api/v1/mailboxes/{id}/audit"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{audit}");
    let items = audit["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "update", "create"], "{audit}");
    assert_eq!(items[0]["changes"][0]["to"], "full", "{audit}");
    assert_eq!(items[1]["actor_email"], "ivan@test.local", "{audit}");
    assert!(!audit.to_string().contains("imap-secret"), "{audit}");
    let (status, _) = app
        .get(&format!("/api/v1/mailboxes/{id}/audit"), &ivan_token)
        .await;
    assert_eq!(status, 403);
}

/// An automated letter (no lead is made of it) from `from`.
fn notice(n: usize, from: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {}\r\nSubject: Уведомление {n}\r\nMessage-ID: <n{n}.{}@notices.ru>\r\n\
         Auto-Submitted: auto-generated\r\nDate: Mon, 16 Nov 2026 10:00:00 +0300\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nТекст {n}\r\n",
        crate::dovecot::USER,
        std::process::id()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_salesperson_who_sees_little_of_a_large_store_lists_exactly_that_mail() {
    let dovecot = crate::dovecot::Dovecot::start();
    let app = spawn_app().await;
    // 2 100 messages: more than a listing scans before it narrows to the caller's candidates.
    let mail: Vec<Vec<u8>> = (0..2100)
        .map(|n| {
            let from = if n == 5 || n == 2090 {
                "anna@client.ru"
            } else {
                "robot@notices.ru"
            };
            notice(n, from)
        })
        .collect();
    dovecot.append_many("INBOX", &mail).await;
    let mut body = dovecot.mailbox_json(dovecot.port, crate::dovecot::PASSWORD);
    body["visibility"] = json!("subject");
    let id = crate::mail_sync::add_mailbox(&app, body).await;
    crate::mail_sync::sync(&app, id).await;

    let (_, seller) = app.user_with_role("seller@test.local", "sales").await;
    let (status, empty) = app.get("/api/v1/messages?limit=50", &seller).await;
    assert_eq!((status, empty["items"].clone()), (200, json!([])));
    let contact = json!({ "name": "Анна", "emails": ["anna@client.ru"] });
    let (status, c) = app.post("/api/v1/contacts", &seller, contact).await;
    assert_eq!(status, 201, "{c}");

    let (status, page) = app.get("/api/v1/messages?limit=50", &seller).await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    let subjects: Vec<&str> = items
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Уведомление 5", "Уведомление 2090"], "{page}");
    assert!(items.iter().all(|m| m["access"] == "subject"), "{page}");
    // A page of one: the second comes on the next page, after the first's id.
    let (_, first) = app.get("/api/v1/messages?limit=1", &seller).await;
    let after = first["items"][0]["id"].as_i64().unwrap();
    let (_, second) = app
        .get(&format!("/api/v1/messages?limit=1&after={after}"), &seller)
        .await;
    assert_eq!(
        second["items"][0]["subject"], "Уведомление 2090",
        "{second}"
    );
    let (_, admin) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    assert_eq!(admin["items"].as_array().unwrap().len(), 200);
}
