//! The daily digest: at the hour a user set in their own time zone, one letter with their open tasks due today or
//! overdue, sent once with two instances on one database.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::fresh_database_url;
use crate::reminders::{letters, set_up, text, Instance};
use crate::smtp_sink::SmtpSink;

/// A fixed-offset zone where it is now between 06:00 and 06:59 (Etc/GMT signs are inverted: Etc/GMT-5 is UTC+5).
fn zone_at_six() -> String {
    let utc_hour = i64::from(time::OffsetDateTime::now_utc().hour());
    let mut offset = 6 - utc_hour;
    if offset < -12 {
        offset += 24;
    }
    match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

async fn task(app: &Instance, token: &str, title: &str, due_in_hours: i64, done: bool) {
    let due = time::OffsetDateTime::now_utc() + time::Duration::hours(due_in_hours);
    let due = due
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"title": title, "due_at": due});
    let (status, t) = app
        .call(Method::POST, "/api/v1/tasks", token, Some(body))
        .await;
    assert_eq!(status, 201, "{t}");
    if done {
        let path = format!("/api/v1/tasks/{}", t["id"]);
        let (status, _) = app
            .call(Method::PATCH, &path, token, Some(json!({"done": true})))
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn the_daily_digest_comes_once_at_the_users_hour_in_their_time_zone() {
    let (sink_a, sink_b) = (SmtpSink::start(), SmtpSink::start());
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let a = Instance::start(dir.path(), database_url.clone(), &sink_a).await;
    let b = Instance::start(dir.path(), database_url, &sink_b).await;
    let (token, email) = set_up(&a, Some("default")).await;

    let bad = json!({"time_zone": "Mars/Olympus", "hour": 8});
    let (status, body) = a
        .call(Method::PUT, "/api/v1/me/digest", &token, Some(bad))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("time_zone")),
        "{body}"
    );
    let zone = zone_at_six();
    let setting = json!({"time_zone": zone, "hour": 8});
    let (status, body) = a
        .call(
            Method::PUT,
            "/api/v1/me/digest",
            &token,
            Some(setting.clone()),
        )
        .await;
    assert_eq!((status, &body), (200, &setting));
    assert_eq!(
        b.call(Method::GET, "/api/v1/me/digest", &token, None)
            .await
            .1,
        setting
    );

    task(&a, &token, "Просроченная задача", -24, false).await;
    task(&a, &token, "Задача через месяц", 24 * 30, false).await;
    task(&a, &token, "Сделанная задача", -24, true).await;

    // 06:xx there: not yet.
    a.clock.advance(Duration::from_secs(1));
    b.clock.advance(Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink_a.received().len() + sink_b.received().len(),
        0,
        "a digest before its hour"
    );

    // 08:xx there, on both instances.
    a.clock.advance(Duration::from_secs(2 * 3600));
    b.clock.advance(Duration::from_secs(2 * 3600));
    let got = letters(&[&sink_a, &sink_b], 1).await;
    a.clock.advance(Duration::from_secs(3600));
    b.clock.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = sink_a.received().len() + sink_b.received().len();
    assert_eq!(
        (got.len(), later),
        (1, 1),
        "one digest a day over both instances"
    );
    assert_eq!(got[0].rcpt_to, email);
    let body = text(&got[0]);
    assert!(
        body.contains("Просроченная задача") && body.contains("(overdue)"),
        "{body}"
    );
    assert!(
        !body.contains("через месяц") && !body.contains("Сделанная"),
        "{body}"
    );
}
