//! Shared set-up of the sequence tests: the awaiting-reply world (two instances on one database, a private Dovecot
//! holding the mailbox, a real SMTP sink), the mailbox made the owner's personal one with its own SMTP, and calls.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::{world, World};
use crate::dovecot::PASSWORD;

pub const HOUR: Duration = Duration::from_secs(3600);
pub const DAY: Duration = Duration::from_secs(24 * 3600);

/// The world, its mailbox the owner's personal one sending through the sink.
pub async fn sending_world() -> World {
    let w = world().await;
    let (status, me) = w.a.call(Method::GET, "/api/v1/me", &w.owner, None).await;
    assert_eq!(status, 200, "{me}");
    let smtp = json!({ "host": "127.0.0.1", "port": w.sink.port, "security": "none" });
    let patch =
        json!({ "smtp": smtp, "kind": "personal", "owner_id": me["id"], "password": PASSWORD });
    let path = format!("/api/v1/mailboxes/{}", w.mailbox);
    let (status, body) = w.a.call(Method::PATCH, &path, &w.admin, Some(patch)).await;
    assert_eq!(status, 200, "{body}");
    w
}

/// A sequence of the owner's: a first letter at once, then a reply in its thread `days` later, sent around the
/// clock in UTC unless `window` says otherwise.
pub async fn sequence(w: &World, second_after: Value, window: Option<Value>) -> i64 {
    let window = window.unwrap_or_else(
        || json!({"start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]}),
    );
    let body = json!({"name": "Предложение", "mailbox_id": w.mailbox, "time_zone": "UTC", "window": window,
    "steps": [
        {"subject": "Предложение для {{contact.name}}", "body": "Добрый день, {{contact.name}}! Наше предложение.",
         "delay": {"days": 0}},
        {"body": "Напоминаю о предложении.", "delay": second_after, "as_reply": true}
    ]});
    let (status, s) =
        w.a.call(Method::POST, "/api/v1/sequences", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().unwrap()
}

pub async fn enrol(w: &World, sequence: i64, contacts: &[i64]) -> Value {
    let path = format!("/api/v1/sequences/{sequence}/enrolments");
    let body = json!({ "contact_ids": contacts });
    let (status, answer) = w.a.call(Method::POST, &path, &w.owner, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The enrolments as instance `b` shows them.
pub async fn enrolments(w: &World, sequence: i64) -> Vec<Value> {
    let path = format!("/api/v1/sequences/{sequence}/enrolments");
    let (status, list) = w.b.call(Method::GET, &path, &w.owner, None).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

pub async fn report(w: &World, sequence: i64) -> Value {
    let path = format!("/api/v1/sequences/{sequence}/report");
    let (status, r) = w.a.call(Method::GET, &path, &w.owner, None).await;
    assert_eq!(status, 200, "{r}");
    r
}

/// Waits (up to 20 s) until the first enrolment satisfies `done`; panics with what it shows otherwise.
pub async fn wait_enrolment(w: &World, sequence: i64, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let items = enrolments(w, sequence).await;
        if items.first().is_some_and(&done) {
            return items[0].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "enrolment never got there: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Every letter in the mailbox's Sent folder, whole.
pub async fn sent_letters(w: &World) -> Vec<Vec<u8>> {
    use futures::TryStreamExt;
    let mut s = w.dovecot.session().await;
    s.select("Sent").await.unwrap();
    let ids: Vec<u32> = s.search("ALL").await.unwrap().into_iter().collect();
    let mut out = Vec::new();
    if !ids.is_empty() {
        let set = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let fetched: Vec<_> = s
            .fetch(set, "BODY.PEEK[]")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        out = fetched
            .iter()
            .map(|f| f.body().unwrap_or_default().to_vec())
            .collect();
    }
    s.logout().await.unwrap();
    out
}

/// The Message-IDs (brackets included) in the mailbox's Sent folder.
pub async fn sent_folder(w: &World) -> Vec<String> {
    sent_letters(w)
        .await
        .iter()
        .map(|raw| {
            let letter = mail_parser::MessageParser::default()
                .parse(raw)
                .expect("a letter");
            format!("<{}>", letter.message_id().expect("its Message-ID"))
        })
        .collect()
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn secs(v: &Value) -> i64 {
    time::OffsetDateTime::parse(
        v.as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp()
}

/// A received letter's Subject, decoded.
pub fn subject(m: &crate::smtp_sink::Received) -> String {
    mail_parser::MessageParser::default()
        .parse(&m.raw)
        .and_then(|p| p.subject().map(str::to_string))
        .unwrap_or_default()
}
