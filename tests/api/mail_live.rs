//! Every synced folder live against a real Dovecot, with the poll set long so that only IDLE can explain what
//! arrives: new mail in Sent and a custom folder, moves, expunges and flags reflected, bodies never fetched twice.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde_json::{json, Value};

use crate::dovecot::{message, Dovecot, PASSWORD, USER};
use crate::helpers::{spawn_app_with, TestApp};
use crate::mail_sync::{add_mailbox, sync};

const SOON: Duration = Duration::from_secs(10);

async fn live_app(connections: u32) -> TestApp {
    spawn_app_with(|c| {
        c.imap_workers = true;
        c.imap_poll_seconds = 600;
        c.imap_connections = connections;
    })
    .await
}

fn mailbox(dovecot: &Dovecot, folders: &[&str]) -> Value {
    let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
    body["folders"] = json!(folders);
    body
}

/// Every message the admin reads, by subject.
async fn messages(app: &TestApp) -> Vec<Value> {
    let (status, page) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn by_subject(app: &TestApp, subject: &str) -> Option<Value> {
    let found: Vec<Value> = messages(app)
        .await
        .into_iter()
        .filter(|m| m["subject"] == subject)
        .collect();
    assert!(found.len() <= 1, "'{subject}' stored twice: {found:?}");
    let id = found.first()?["id"].as_i64().unwrap();
    let (status, detail) = app
        .get(&format!("/api/v1/messages/{id}"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{detail}");
    Some(detail)
}

/// Waits until the message with this subject satisfies `ok`; returns how long it took.
async fn until(app: &TestApp, subject: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let found = by_subject(app, subject).await;
        if found.as_ref().is_some_and(&ok) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < SOON,
            "'{subject}': {what} not seen within {SOON:?}: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn folders_of(m: &Value) -> Vec<String> {
    m["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["folder"].as_str().unwrap().to_string())
        .collect()
}

fn letter(n: usize, subject: &str) -> Vec<u8> {
    message(n, subject)
}

async fn uid_of(s: &mut async_imap::Session<tokio::net::TcpStream>, subject: &str) -> u32 {
    let uids = s
        .uid_search(format!("SUBJECT \"{subject}\""))
        .await
        .unwrap();
    assert_eq!(uids.len(), 1, "'{subject}' on the server");
    *uids.iter().next().unwrap()
}

/// Bodies Dovecot sent over every connection that has ended (its logout line counts them).
fn bodies_fetched(dovecot: &Dovecot) -> u64 {
    dovecot
        .log()
        .lines()
        .filter(|l| l.contains(USER))
        .filter_map(|l| l.split("body_count=").nth(1))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

#[tokio::test]
async fn mail_appended_to_sent_and_a_custom_folder_arrives_within_seconds_without_the_poll() {
    let dovecot = Dovecot::start();
    let mut s = dovecot.session().await;
    s.create("Projects").await.unwrap();
    s.logout().await.unwrap();
    let app = live_app(5).await;
    dovecot.append("INBOX", &letter(1, "До запуска")).await;
    add_mailbox(&app, mailbox(&dovecot, &["INBOX", "Sent", "Projects"])).await;
    until(&app, "До запуска", "initial sync", |_| true).await;
    // Watchers connect beside the first sync; give them a moment to be IDLE.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    dovecot.append("Sent", &letter(2, "Отправлено")).await;
    let took = until(&app, "Отправлено", "Sent by IDLE", |m| {
        folders_of(m) == ["Sent"]
    })
    .await;
    eprintln!("Sent shown after {took:?}");
    dovecot.append("Projects", &letter(3, "В папке")).await;
    let took = until(&app, "В папке", "custom folder by IDLE", |m| {
        folders_of(m) == ["Projects"]
    })
    .await;
    eprintln!("custom folder shown after {took:?}");
    assert_eq!(messages(&app).await.len(), 3);
}

#[tokio::test]
async fn moves_expunges_and_flags_on_the_server_show_through_the_api_without_refetching() {
    let dovecot = Dovecot::start();
    let app = live_app(5).await;
    let subjects = ["Переедет", "Удалится", "Скопируется"];
    let letters: Vec<Vec<u8>> = (0..3).map(|n| letter(10 + n, subjects[n])).collect();
    dovecot.append_many("INBOX", &letters).await;
    add_mailbox(&app, mailbox(&dovecot, &["INBOX", "Archive"])).await;
    for subject in subjects {
        until(&app, subject, "initial sync", |m| {
            folders_of(m) == ["INBOX"]
        })
        .await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let raw_before = raw_of(&app, "Переедет").await;

    let mut s = dovecot.session().await;
    s.select("INBOX").await.unwrap();
    let moved = uid_of(&mut s, "Переедет").await;
    s.uid_mv(moved.to_string(), "Archive").await.unwrap();
    let moved_took = until(&app, "Переедет", "the move", |m| {
        folders_of(m) == ["Archive"] && m["deleted_on_server"] == false
    })
    .await;

    let copied = uid_of(&mut s, "Скопируется").await;
    s.uid_copy(copied.to_string(), "Archive").await.unwrap();
    let deleted = uid_of(&mut s, "Удалится").await;
    let _: Vec<_> = s
        .uid_store(format!("{copied},{deleted}"), "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let _: Vec<_> = s.expunge().await.unwrap().try_collect().await.unwrap();
    until(&app, "Удалится", "deleted on the server", |m| {
        m["deleted_on_server"] == true && folders_of(m).is_empty()
    })
    .await;
    until(
        &app,
        "Скопируется",
        "the INBOX copy expunged",
        |m| folders_of(m) == ["Archive"] && m["deleted_on_server"] == false,
    )
    .await;

    s.select("Archive").await.unwrap();
    let in_archive = uid_of(&mut s, "Скопируется").await;
    let _: Vec<_> = s
        .uid_store(in_archive.to_string(), "+FLAGS (\\Seen \\Answered)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let seen_took = until(
        &app,
        "Скопируется",
        "\\Seen and \\Answered",
        |m| m["seen"] == true && m["answered"] == true && m["flagged"] == false,
    )
    .await;
    // The thread view shows the same flags.
    let copy = by_subject(&app, "Скопируется").await.unwrap();
    let (status, thread) = app
        .get(
            &format!("/api/v1/threads/{}", copy["thread_id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{thread}");
    let in_thread = &thread["messages"][0];
    assert_eq!(
        (in_thread["id"].clone(), in_thread["seen"].clone()),
        (copy["id"].clone(), json!(true)),
        "{thread}"
    );
    let again = uid_of(&mut s, "Переедет").await;
    let _: Vec<_> = s
        .uid_store(again.to_string(), "+FLAGS (\\Flagged)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    until(&app, "Переедет", "\\Flagged", |m| {
        m["flagged"] == true && m["seen"] == false
    })
    .await;
    s.logout().await.unwrap();

    // One row per message all along, the moved one's stored bytes untouched.
    assert_eq!(messages(&app).await.len(), 3);
    assert_eq!(raw_of(&app, "Переедет").await, raw_before);
    let deleted = by_subject(&app, "Удалится").await.unwrap();
    assert_eq!(
        deleted["deleted_on_server"], true,
        "kept in the CRM, marked"
    );
    // Bodies fetched: three at first, then the moved and the copied one in Archive (their new UIDs); none for flags
    // or expunges. Dovecot logs each connection's count when it ends.
    dovecot.kick(USER);
    let deadline = Instant::now() + SOON;
    while bodies_fetched(&dovecot) < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bodies_fetched(&dovecot), 5, "{}", dovecot.log());
    eprintln!("move shown after {moved_took:?}, \\Seen after {seen_took:?}");
}

async fn raw_of(app: &TestApp, subject: &str) -> Vec<u8> {
    let id = by_subject(app, subject).await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let response = app
        .client
        .get(app.url(&format!("/api/v1/messages/{id}/raw")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn news_syncs_only_its_folder_and_folders_beyond_the_connection_limit_wait_for_the_poll() {
    let dovecot = Dovecot::start();
    // Two connections: one syncs, one IDLEs on the Inbox; Sent has none.
    let app = live_app(2).await;
    dovecot.append("INBOX", &letter(20, "Первое")).await;
    let id = add_mailbox(&app, mailbox(&dovecot, &["INBOX", "Sent"])).await;
    until(&app, "Первое", "initial sync", |_| true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    dovecot.append("Sent", &letter(21, "Без наблюдателя")).await;
    dovecot.append("INBOX", &letter(22, "С наблюдателем")).await;
    until(&app, "С наблюдателем", "Inbox by IDLE", |_| {
        true
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(
        by_subject(&app, "Без наблюдателя").await.is_none(),
        "the Inbox's news synced the Inbox only"
    );
    // The poll (here a sync from the console) brings it; nothing else is fetched again.
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["fetched"], 1, "{report}");
    assert!(by_subject(&app, "Без наблюдателя").await.is_some());
}

#[tokio::test]
async fn with_one_connection_the_syncing_connection_itself_idles_on_the_inbox() {
    let dovecot = Dovecot::start();
    let app = live_app(1).await;
    dovecot.append("INBOX", &letter(30, "Один")).await;
    add_mailbox(&app, mailbox(&dovecot, &["INBOX", "Sent"])).await;
    until(&app, "Один", "initial sync", |_| true).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    dovecot.append("INBOX", &letter(31, "Два")).await;
    let took = until(
        &app,
        "Два",
        "Inbox by the syncing connection's IDLE",
        |_| true,
    )
    .await;
    eprintln!("Inbox shown after {took:?} on one connection");
}
