//! Reminder letters through a stored relay that is down at first: the feed has the reminder at once, the letter
//! waits for the retry and then goes out once; one the relay never answered is uncertain, never sent again.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::helpers::fresh_database_url;
use crate::reminders::{feed, letters, set_up, task_reminding_in, Instance};
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn a_letter_the_relay_could_not_take_goes_out_once_when_it_is_back() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let admin = crate::helpers::admin_past_first_run(&app.client, &app.base).await;
    // A relay on a port nobody listens on.
    let dead = format!("smtp://127.0.0.1:{}", crate::dovecot::free_port_for_tests());
    let relay = json!({"name": "office", "url": dead});
    let (status, relay) = app
        .call(Method::POST, "/api/v1/relays", &admin, Some(relay))
        .await;
    assert_eq!(status, 201, "{relay}");
    let (token, email) = set_up(&app, Some("office")).await;
    task_reminding_in(&app, &token, "Через офисный релей", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while feed(&app, &token).await["unread"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "no feed entry after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(sink.received().is_empty());
    let waiting = feed(&app, &token).await;
    assert_eq!(
        waiting["items"][0]["mail"], "pending",
        "to be tried again: {waiting}"
    );
    assert!(waiting["items"][0]["mail_error"].is_string(), "{waiting}");

    // The relay comes back (here: now points at the sink); the retry a minute later delivers it, once.
    let path = format!("/api/v1/relays/{}", relay["id"]);
    let patch = json!({"url": sink.url()});
    let (status, body) = app.call(Method::PATCH, &path, &admin, Some(patch)).await;
    assert_eq!(status, 200, "{body}");
    app.clock.advance(Duration::from_secs(90));
    let got = letters(&[&sink], 1).await;
    app.clock.advance(Duration::from_secs(600));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        (got.len(), sink.received().len()),
        (1, 1),
        "one letter after the retry"
    );
    assert_eq!(got[0].rcpt_to, email);
    assert_eq!(feed(&app, &token).await["items"][0]["mail"], "sent");
}

#[tokio::test]
async fn a_letter_the_relay_never_answered_is_uncertain_in_the_feed_and_never_sent_again() {
    // A relay that hangs up after the letter's final dot without a reply: it may have taken it.
    let sink = SmtpSink::start_on(crate::dovecot::free_port_for_tests(), &["-q", "."]);
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, Some("default")).await;
    task_reminding_in(&app, &token, "Без ответа релея", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let entry = loop {
        let f = feed(&app, &token).await;
        if f["items"][0]["mail"] == "uncertain" {
            break f["items"][0].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not uncertain after 20 s: {f}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        entry["mail_error"]
            .as_str()
            .is_some_and(|e| e.contains("may not have gone out")),
        "{entry}"
    );
    let handed_over = sink.received().len();
    // Hours pass, the worker looks again and again: the letter is not tried again.
    for _ in 0..3 {
        app.clock.advance(Duration::from_secs(3600));
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert_eq!(sink.received().len(), handed_over, "sent again");
    assert!(handed_over <= 1);
    let f = feed(&app, &token).await;
    assert_eq!(
        (f["items"].as_array().unwrap().len(), &f["items"][0]["mail"]),
        (1, &json!("uncertain"))
    );
}
