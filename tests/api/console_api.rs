//! The API parts the console leans on: the forced password change of the first sign-in, and a mailbox sync that
//! runs in the background and reports its progress (against a real Dovecot).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, PASSWORD};
use crate::helpers::{spawn_app_with, spawn_first_run_with, TestApp, ADMIN_PASSWORD};
use crate::mail_sync::add_mailbox;

#[tokio::test]
async fn the_first_admin_must_change_the_start_up_password_and_a_reset_password_is_for_one_sign_in()
{
    let app = spawn_first_run_with(|_| {}).await;
    let (status, me) = app.get("/api/v1/me", &app.admin_token).await;
    assert_eq!(status, 200);
    assert_eq!(me["must_change_password"], true, "{me}");

    let (status, _) = app
        .post(
            "/api/v1/me/password",
            &app.admin_token,
            json!({"current_password": ADMIN_PASSWORD, "new_password": "the-admin's-own-password"}),
        )
        .await;
    assert_eq!(status, 204);
    let token = app
        .login_ok(crate::helpers::ADMIN_EMAIL, "the-admin's-own-password")
        .await;
    let (_, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(me["must_change_password"], false, "{me}");

    // A user the admin creates chooses nothing yet; a password the admin resets must be changed.
    let (status, user) = app
        .post(
            "/api/v1/users",
            &token,
            json!({"email": "olga@nordwind.ru", "name": "Ольга", "role": "sales", "password": "first-password-1"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["must_change_password"], false);
    let id = user["id"].as_i64().unwrap();
    let (status, user) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&token),
            Some(json!({"password": "reset-password-1"})),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    let olga = app.login_ok("olga@nordwind.ru", "reset-password-1").await;
    let (_, me) = app.get("/api/v1/me", &olga).await;
    assert_eq!(me["must_change_password"], true, "{me}");
}

async fn wait_until_finished(app: &TestApp, id: i64) -> (Value, Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let (status, progress) = app
            .get(&format!("/api/v1/mailboxes/{id}/sync"), &app.admin_token)
            .await;
        assert_eq!(status, 200, "{progress}");
        if progress["state"] != "running" {
            return (progress, seen);
        }
        seen.push(progress);
        assert!(Instant::now() < deadline, "the sync did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sync_now_runs_in_the_background_and_reports_messages_and_bytes_as_it_goes() {
    let dovecot = Dovecot::start();
    // Large enough that the sync takes a while: progress is seen part way.
    let body = "Строка прайс-листа.\r\n".repeat(10_000);
    let mails: Vec<Vec<u8>> = (0..40)
        .map(|n| {
            let mut m = message(n, "Прайс");
            m.extend_from_slice(body.as_bytes());
            m
        })
        .collect();
    dovecot.append_many("INBOX", &mails).await;
    // One message per chunk, each committed and counted on its own.
    let app = spawn_app_with(|c| c.imap_chunk_bytes = 300_000).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;

    let (status, before) = app
        .get(&format!("/api/v1/mailboxes/{id}/sync"), &app.admin_token)
        .await;
    assert_eq!((status, before["state"].as_str()), (200, Some("idle")));

    let started = Instant::now();
    let (status, progress) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/sync/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{progress}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered before the sync is done"
    );
    assert_eq!(progress["state"], "running");
    // A second start while it runs is the same sync.
    let (status, again) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/sync/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, again["started_at"].clone()),
        (202, progress["started_at"].clone())
    );

    let (done, seen) = wait_until_finished(&app, id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["report"]["fetched"], 40, "{done}");
    assert_eq!(done["messages_done"], 40);
    assert_eq!(done["messages_total"], 40);
    assert_eq!(done["folder"], "INBOX");
    let bytes = done["bytes_total"].as_u64().unwrap();
    assert!(bytes > 40 * 350_000, "{bytes}");
    assert_eq!(done["bytes_done"].as_u64(), Some(bytes));
    assert!(
        seen.iter().any(|p| {
            let n = p["messages_done"].as_u64().unwrap_or(0);
            n > 0 && n < 40
        }),
        "progress was seen part way: {seen:?}"
    );
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(mailbox["messages_synced"], 40);

    // A failing sync says why in its progress.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/mailboxes/{id}"),
            Some(&app.admin_token),
            Some(json!({"password": "wrong-password"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            &format!("/api/v1/mailboxes/{id}/sync/start"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 202);
    let (failed, _) = wait_until_finished(&app, id).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "imap_auth_failed", "{failed}");

    let (status, body) = app
        .post(
            "/api/v1/mailboxes/999999/sync/start",
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, crate::helpers::error_code(&body)),
        (404, "not_found")
    );
}
