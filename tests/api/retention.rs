//! Retention policies (issue 20.1): old mail leaves the mailbox whose policy says so and is deleted in full (raw,
//! parsed, search) once no mailbox holds it; a re-sync does not bring it back; leads never converted go after
//! their months with their audit history redacted; both audited; admins only.

use serde_json::{json, Value};
use sqlx::Row;

use crate::campaigns_relays::{db, patch};
use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{error_code, spawn_app, TestApp};
use crate::mail_sync::{add_mailbox, sync};

fn dated(n: usize, date: &str, word: &str) -> Vec<u8> {
    format!(
        "From: Клиент {n} <client{n}@example.ru>\r\nTo: {}\r\nSubject: Письмо {n}\r\nMessage-ID: <r{n}.{}@example.ru>\r\n\
         Date: {date}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст {word}\r\n",
        crate::dovecot::USER,
        std::process::id()
    )
    .into_bytes()
}

async fn subjects(app: &TestApp) -> Vec<String> {
    let (_, page) = app
        .get("/api/v1/messages?limit=100", &app.admin_token)
        .await;
    let mut s: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    s.sort();
    s
}

async fn search_hits(app: &TestApp, word: &str) -> usize {
    let (_, page) = app
        .get(
            &format!("/api/v1/search?q={word}&kind=mail"),
            &app.admin_token,
        )
        .await;
    page["items"].as_array().map_or(0, |a| a.len())
}

async fn put(app: &TestApp, body: Value) -> (u16, Value) {
    app.call(
        reqwest::Method::PUT,
        "/api/v1/admin/retention",
        Some(&app.admin_token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn old_mail_leaves_its_mailbox_and_goes_in_full_when_no_mailbox_holds_it() {
    let dovecot = Dovecot::start();
    let old = "Mon, 16 Nov 2020 10:00:00 +0300";
    let recent = "Mon, 16 Nov 2026 10:00:00 +0300";
    dovecot.append("INBOX", &dated(1, old, "архивный")).await;
    dovecot.append("INBOX", &dated(2, old, "забытый")).await;
    dovecot.append("INBOX", &dated(3, recent, "свежий")).await;
    // The same old letter also in Sent, which a second mailbox without a policy syncs.
    dovecot.append("Sent", &dated(1, old, "архивный")).await;
    let app = spawn_app().await;
    let mut inbox = dovecot.mailbox_json(dovecot.port, PASSWORD);
    inbox["folders"] = json!(["INBOX"]);
    let a = add_mailbox(&app, inbox).await;
    let mut sent = dovecot.mailbox_json(dovecot.port, PASSWORD);
    sent["name"] = json!("Отправленные");
    sent["folders"] = json!(["Sent"]);
    let b = add_mailbox(&app, sent).await;
    assert_eq!(sync(&app, a).await.0, 200);
    assert_eq!(sync(&app, b).await.0, 200);
    assert_eq!(subjects(&app).await, ["Письмо 1", "Письмо 2", "Письмо 3"]);
    for _ in 0..100 {
        if search_hits(&app, "забытый").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(search_hits(&app, "забытый").await, 1, "indexed before");
    let (_, page) = app
        .get("/api/v1/messages?limit=100", &app.admin_token)
        .await;
    let forgotten = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Письмо 2")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let (status, policy) = app.get("/api/v1/admin/retention", &app.admin_token).await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(policy["leads_months"], Value::Null);
    assert_eq!(policy["mailboxes"].as_array().unwrap().len(), 2);
    let (status, body) = put(
        &app,
        json!({ "mailboxes": [{ "id": a, "mail_months": 0 }] }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    let (status, body) = put(
        &app,
        json!({ "mailboxes": [{ "id": 999, "mail_months": 12 }] }),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, policy) = put(
        &app,
        json!({ "mailboxes": [{ "id": a, "mail_months": 12 }] }),
    )
    .await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(policy["mailboxes"][0]["mail_months"], 12, "{policy}");
    assert_eq!(
        policy["mailboxes"][1]["mail_months"],
        Value::Null,
        "{policy}"
    );

    let (status, counts) = app
        .post("/api/v1/admin/retention/run", &app.admin_token, json!({}))
        .await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts["locations_removed"], 2, "{counts}");
    assert_eq!(counts["messages_deleted"], 1, "{counts}");
    // Letter 1 stays: the Sent mailbox, with no policy, still holds it.
    assert_eq!(subjects(&app).await, ["Письмо 1", "Письмо 3"]);
    assert_eq!(search_hits(&app, "забытый").await, 0);
    let (status, _) = app
        .get(
            &format!("/api/v1/messages/{forgotten}/raw"),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 404);
    let db = db(&app).await;
    let raws: i64 = sqlx::query("SELECT COUNT(*) AS n FROM raw_messages")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(raws, 2, "the deleted letter's raw bytes are gone");

    // The next sync of the mailbox does not fetch it again, and a second pass finds nothing.
    assert_eq!(sync(&app, a).await.0, 200);
    assert_eq!(subjects(&app).await, ["Письмо 1", "Письмо 3"]);
    let (_, again) = app
        .post("/api/v1/admin/retention/run", &app.admin_token, json!({}))
        .await;
    assert_eq!(again["messages_deleted"], 0, "{again}");
    let (_, policy) = app.get("/api/v1/admin/retention", &app.admin_token).await;
    assert!(policy["last_run_at"].is_string(), "{policy}");
    assert!(
        policy["next_run_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("20")),
        "{policy}"
    );

    let (_, audit) = app
        .get("/api/v1/admin/audit?kind=retention", &app.admin_token)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"update") && actions.contains(&"retention_pass"),
        "{audit}"
    );

    let (_, seller) = app.user_with_role("seller@test.local", "sales").await;
    let (status, _) = app.get("/api/v1/admin/retention", &seller).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post("/api/v1/admin/retention/run", &seller, json!({}))
        .await;
    assert_eq!(status, 403);
}

async fn lead(app: &TestApp, name: &str, email: &str) -> i64 {
    let (status, lead) = app
        .post(
            "/api/v1/leads",
            &app.admin_token,
            json!({ "name": name, "email": email }),
        )
        .await;
    assert_eq!(status, 201, "{lead}");
    lead["id"].as_i64().unwrap()
}

#[tokio::test]
async fn leads_never_converted_go_after_their_months_with_their_audit_redacted() {
    let app = spawn_app().await;
    let stale = lead(&app, "Засидевшийся Лид", "stale@client.example").await;
    let kept = lead(&app, "Сконвертированный", "converted@client.example").await;
    let fresh = lead(&app, "Новый Лид", "fresh@client.example").await;
    let (status, body) = patch(
        &app,
        &format!("/api/v1/leads/{stale}"),
        &app.admin_token,
        json!({ "phone": "+7 901 555-44-33" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Two years back, which no API can do: the test's set-up writes it.
    let db = db(&app).await;
    let two_years = mailroom::db::now_ms() - 2 * 365 * 24 * 3600 * 1000;
    sqlx::query("UPDATE leads SET created_at = $1 WHERE id = $2 OR id = $3")
        .bind(two_years)
        .bind(stale)
        .bind(kept)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE leads SET status = 'converted' WHERE id = $1")
        .bind(kept)
        .execute(&db.pool)
        .await
        .unwrap();

    let (status, policy) = put(&app, json!({ "leads_months": 12 })).await;
    assert_eq!(status, 200, "{policy}");
    let (_, counts) = app
        .post("/api/v1/admin/retention/run", &app.admin_token, json!({}))
        .await;
    assert_eq!(counts["leads_deleted"], 1, "{counts}");
    assert!(
        counts["audit_entries_redacted"].as_i64().unwrap() >= 2,
        "{counts}"
    );
    let (status, _) = app
        .get(&format!("/api/v1/leads/{stale}"), &app.admin_token)
        .await;
    assert_eq!(status, 404);
    for id in [kept, fresh] {
        let (status, _) = app
            .get(&format!("/api/v1/leads/{id}"), &app.admin_token)
            .await;
        assert_eq!(status, 200, "lead {id} stays");
    }
    for value in ["Засидевшийся", "stale@client.example", "555-44-33"] {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE changes LIKE $1")
            .bind(format!("%{value}%"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 0, "{value} is left in the audit log");
    }
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM audit_log WHERE record_kind = 'lead' AND record_id = $1",
    )
    .bind(stale)
    .fetch_one(&db.pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert!(n >= 2, "who and when stay, as tombstones");
    let (_, again) = app
        .post("/api/v1/admin/retention/run", &app.admin_token, json!({}))
        .await;
    assert_eq!(again["leads_deleted"], 0, "{again}");
}
