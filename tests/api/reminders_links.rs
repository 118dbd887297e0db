//! The signed links of a reminder letter: done and snooze through a confirmation page (the GET changes nothing),
//! and clear pages for a forged or an expired link.

use std::time::Duration;

use reqwest::Method;

use crate::helpers::fresh_database_url;
use crate::reminders::{feed, letters, link_after, set_up, task_reminding_in, Instance};
use crate::smtp_sink::SmtpSink;

async fn task_done(app: &Instance, token: &str, id: i64) -> bool {
    let (status, task) = app
        .call(Method::GET, &format!("/api/v1/tasks/{id}"), token, None)
        .await;
    assert_eq!(status, 200, "{task}");
    task["done"].as_bool().unwrap()
}

#[tokio::test]
async fn the_done_link_marks_the_task_done_after_its_confirmation() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, Some("default")).await;
    let id = task_reminding_in(&app, &token, "Отправить КП", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let got = letters(&[&sink], 1).await;
    let done = link_after(&got[0], "Mark the task done");
    assert!(done.starts_with(&format!("{}/r/", app.base)), "{done}");

    let (status, page) = app.page(Method::GET, &done).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Отправить КП") && page.contains("<form method=\"post\""),
        "{page}"
    );
    assert!(
        !task_done(&app, &token, id).await,
        "opening the link changed the task"
    );

    let (status, page) = app.page(Method::POST, &done).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Task done"), "{page}");
    assert!(
        task_done(&app, &token, id).await,
        "the done link did not mark the task done"
    );
    // Used again: the task stays done, and the page says so.
    let (status, page) = app.page(Method::GET, &done).await;
    assert!(status == 200 && page.contains("already done"), "{page}");
}

#[tokio::test]
async fn the_snooze_link_reminds_again_an_hour_later() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, Some("default")).await;
    let id = task_reminding_in(&app, &token, "Перезвонить", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let got = letters(&[&sink], 1).await;
    let snooze = link_after(&got[0], "Remind me in 1 hour");
    let (status, page) = app.page(Method::POST, &snooze).await;
    assert!(status == 200 && page.contains("Reminder snoozed"), "{page}");
    let (_, task) = app
        .call(Method::GET, &format!("/api/v1/tasks/{id}"), &token, None)
        .await;
    assert!(!task["done"].as_bool().unwrap());

    // Half an hour on: nothing; past the hour: the second reminder.
    app.clock.advance(Duration::from_secs(1800));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "the snoozed reminder came back early"
    );
    app.clock.advance(Duration::from_secs(1900));
    let got = letters(&[&sink], 2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(feed(&app, &token).await["unread"], 2);
}

#[tokio::test]
async fn a_forged_or_expired_link_gets_a_clear_page() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, Some("default")).await;
    let id = task_reminding_in(&app, &token, "Подписать договор", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let got = letters(&[&sink], 1).await;
    let done = link_after(&got[0], "Mark the task done");

    // Another task's id under this link's signature.
    let (prefix, rest) = done.split_once("/r/").unwrap();
    let forged = format!("{prefix}/r/{}{}", id + 1, &rest[id.to_string().len()..]);
    for method in [Method::GET, Method::POST] {
        let (status, page) = app.page(method, &forged).await;
        assert_eq!(status, 400, "{page}");
        assert!(
            page.contains("Invalid link") && !page.contains("<form"),
            "{page}"
        );
    }
    let (status, page) = app.page(Method::GET, &format!("{prefix}/r/garbage")).await;
    assert!(status == 400 && page.contains("Invalid link"), "{page}");

    // Eight days on, the real link has expired and does nothing.
    app.clock.advance(Duration::from_secs(8 * 24 * 3600));
    let (status, page) = app.page(Method::POST, &done).await;
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("Link expired"), "{page}");
    assert!(
        !task_done(&app, &token, id).await,
        "an expired link changed the task"
    );
}
