//! Mailbox ingest against a real Dovecot: incremental sync, UIDVALIDITY, IDLE, clear errors, dropped connections.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, PASSWORD};
use crate::helpers::{error_code, spawn_app, spawn_app_with, TestApp};

pub async fn add_mailbox(app: &TestApp, body: Value) -> i64 {
    let (status, mailbox) = app.post("/api/v1/mailboxes", &app.admin_token, body).await;
    assert_eq!(status, 201, "{mailbox}");
    mailbox["id"].as_i64().unwrap()
}

pub async fn sync(app: &TestApp, id: i64) -> (u16, Value) {
    app.post(
        &format!("/api/v1/mailboxes/{id}/sync"),
        &app.admin_token,
        json!({}),
    )
    .await
}

async fn message_count(app: &TestApp) -> usize {
    let mut total = 0;
    let mut after = 0;
    loop {
        let (_, page) = app
            .get(
                &format!("/api/v1/messages?limit=200&after={after}"),
                &app.admin_token,
            )
            .await;
        let items = page["items"].as_array().unwrap();
        total += items.len();
        match page["next_after"].as_i64() {
            Some(a) => after = a,
            None => return total,
        }
    }
}

#[tokio::test]
async fn only_new_mail_is_fetched_and_a_new_uidvalidity_resyncs_without_duplicates() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    dovecot
        .append_many(
            "INBOX",
            &(0..3)
                .map(|n| message(n, "Первое письмо"))
                .collect::<Vec<_>>(),
        )
        .await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["fetched"].as_i64(),
            report["new_messages"].as_i64(),
            report["folders"].as_i64()
        ),
        (Some(3), Some(3), Some(2)),
        "Inbox and Sent by SPECIAL-USE"
    );
    dovecot
        .append_many(
            "INBOX",
            &(3..5).map(|n| message(n, "Второе")).collect::<Vec<_>>(),
        )
        .await;
    let (_, report) = sync(&app, id).await;
    assert_eq!(
        (report["fetched"].as_i64(), report["new_messages"].as_i64()),
        (Some(2), Some(2)),
        "only the new ones"
    );
    let (_, report) = sync(&app, id).await;
    assert_eq!(report["fetched"], 0);

    dovecot.change_uidvalidity("INBOX", 777);
    let (_, report) = sync(&app, id).await;
    assert_eq!(
        (
            report["resynced_folders"].as_i64(),
            report["fetched"].as_i64(),
            report["new_messages"].as_i64()
        ),
        (Some(1), Some(5), Some(0))
    );
    assert_eq!(
        message_count(&app).await,
        5,
        "no duplicates after the resync"
    );

    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(mailbox["messages_synced"], 5);
    assert!(
        mailbox["last_sync_at"].is_string() && mailbox["last_error"].is_null(),
        "{mailbox}"
    );
    let inbox = mailbox["folder_states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "INBOX")
        .unwrap();
    assert_eq!(
        (inbox["uidvalidity"].as_i64(), inbox["last_uid"].as_i64()),
        (Some(777), Some(5))
    );
    assert!(
        mailbox.get("password").is_none() && !mailbox.to_string().contains(PASSWORD),
        "the password never comes back"
    );

    // Nothing changed on the server: no message was marked \Seen.
    let mut session = dovecot.session().await;
    session.examine("INBOX").await.unwrap();
    let flags: Vec<_> = session
        .fetch("1:*", "FLAGS")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(flags.len(), 5);
    assert!(flags.iter().all(|f| !f
        .flags()
        .any(|fl| matches!(fl, async_imap::types::Flag::Seen))));
}

#[tokio::test]
async fn wrong_password_missing_folder_closed_port_and_tls_mismatch_are_clear_errors() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let cases = [
        (
            dovecot.mailbox_json(dovecot.port, "wrong-password"),
            "imap_auth_failed",
        ),
        (
            json!({ "name": "x", "host": "127.0.0.1", "port": dovecot.port, "security": "plain", "username": crate::dovecot::USER, "password": PASSWORD, "folders": ["INBOX", "Нет такой"] }),
            "imap_folder_missing",
        ),
        (
            dovecot.mailbox_json(crate::dovecot::free_port_for_tests(), PASSWORD),
            "imap_connect_failed",
        ),
        (
            json!({ "name": "x", "host": "127.0.0.1", "port": dovecot.port, "security": "tls", "username": "u", "password": "p" }),
            "imap_tls_failed",
        ),
    ];
    for (body, code) in cases {
        let id = add_mailbox(&app, body).await;
        let (status, answer) = app
            .post(
                &format!("/api/v1/mailboxes/{id}/test"),
                &app.admin_token,
                json!({}),
            )
            .await;
        assert_eq!((status, error_code(&answer)), (502, code), "{answer}");
        let (_, mailbox) = app
            .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
            .await;
        assert_eq!(
            mailbox["last_error_code"], code,
            "the mailbox shows its last error"
        );
    }
    let remote_plain = json!({ "name": "x", "host": "imap.example.com", "port": 143, "security": "plain", "username": "u", "password": "p" });
    let (status, body) = app
        .post("/api/v1/mailboxes", &app.admin_token, remote_plain)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("security"))
    );

    let ok = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, test) = app
        .post(
            &format!("/api/v1/mailboxes/{ok}/test"),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["sync_folders"], json!(["INBOX", "Sent"]));
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{ok}"), &app.admin_token)
        .await;
    assert!(mailbox["last_error_code"].is_null());
}

#[tokio::test]
async fn mail_appended_while_the_server_runs_arrives_within_seconds_by_idle() {
    let dovecot = Dovecot::start();
    let app = spawn_app_with(|c| {
        c.imap_workers = true;
        c.imap_poll_seconds = 300;
    })
    .await;
    dovecot.append("INBOX", &message(1, "До запуска")).await;
    add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    wait_for_messages(&app, 1).await;
    // Long poll interval: only IDLE can bring this one in quickly.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    dovecot
        .append("INBOX", &message(2, "Во время работы"))
        .await;
    wait_for_messages(&app, 2).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

async fn wait_for_messages(app: &TestApp, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while message_count(app).await < n {
        assert!(Instant::now() < deadline, "{n} messages did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn dropping_the_connection_mid_fetch_again_and_again_loses_and_duplicates_nothing() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let body = "Строка текста для объёма письма. ".repeat(150);
    let messages: Vec<Vec<u8>> = (0..60)
        .map(|n| {
            let mut m = message(n, &format!("Письмо {n}"));
            m.extend_from_slice(body.as_bytes());
            m
        })
        .collect();
    dovecot.append_many("INBOX", &messages).await;
    let proxy = crate::proxy::start(dovecot.port).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(proxy.port, PASSWORD)).await;

    let mut failures = 0;
    for cut in (1..40).map(|i| 2_000 + i * 9_973) {
        proxy.cut_after.store(cut, Ordering::SeqCst);
        let (status, answer) = sync(&app, id).await;
        if status != 200 {
            assert_eq!(error_code(&answer), "imap_connection_lost", "{answer}");
            failures += 1;
        }
    }
    assert!(failures > 20, "the proxy did cut most syncs ({failures})");
    proxy.cut_after.store(usize::MAX, Ordering::SeqCst);
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(message_count(&app).await, 60, "every message exactly once");
    let (_, page) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    let mut subjects: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 60);
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(mailbox["folder_states"][0]["last_uid"], 60, "{mailbox}");
}

#[tokio::test]
async fn an_admin_only_manages_mailboxes() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@test.local", "sales").await;
    let (status, _) = app.post("/api/v1/mailboxes", &sales, json!({})).await;
    assert_eq!(status, 403);
    // Listing mail is for everyone, but shows only what the caller reads: nothing here.
    let (status, list) = app
        .call(Method::GET, "/api/v1/messages", Some(&sales), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn killing_the_sync_process_at_any_moment_then_syncing_again_stores_each_message_once() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let body = "Текст для объёма. ".repeat(400);
    // Enough mail that a sync of it outlasts the first kills (batch ingest stores a few thousand a second).
    const COUNT: usize = 1600;
    let messages: Vec<Vec<u8>> = (0..COUNT)
        .map(|n| {
            let mut m = message(n, &format!("Письмо {n}"));
            m.extend_from_slice(body.as_bytes());
            m
        })
        .collect();
    dovecot.append_many("INBOX", &messages).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let mut killed_midway = 0;
    for round in 0..8u64 {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mailroom"));
        command
            .args(["sync", "--mailbox", &id.to_string()])
            .env("MAILROOM_DATA_DIR", &app.data_dir)
            .env_remove("MAILROOM_DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(url) = &app.database_url {
            command.env("MAILROOM_DATABASE_URL", url);
        }
        let mut child = command.spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(100 + round * 80)).await;
        if child.try_wait().unwrap().is_none() {
            killed_midway += 1;
        }
        let _ = child.kill(); // SIGKILL: no cleanup, no graceful anything
        let _ = child.wait();
    }
    assert!(
        killed_midway >= 3,
        "the process was killed mid-sync ({killed_midway} times)"
    );
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        message_count(&app).await,
        COUNT,
        "every message exactly once"
    );
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    assert_eq!(mailbox["folder_states"][0]["last_uid"], COUNT);
}
