//! Task reminders: a reminder fires once (one letter at smtp-sink, one feed entry) when the app's clock reaches it,
//! also with two instances on one database; the letter's signed links mark the task done or snooze it; a forged or
//! expired link gets a page that says so.

use std::path::Path;
use std::time::{Duration, Instant};

use mail_parser::MessageParser;
use mailroom::reminders::Clock;
use mailroom::App;
use reqwest::{Client, Method};
use serde_json::{json, Value};

use crate::helpers::{admin_past_first_run, fresh_database_url, read, test_config};
use crate::smtp_sink::{Received, SmtpSink};

/// One running server, with the clock its reminder worker reads.
pub struct Instance {
    pub base: String,
    pub clock: Clock,
    pub client: Client,
}

impl Instance {
    /// Starts a server on `dir`'s data (the SQLite file there, or `database_url`) mailing through `sink`.
    pub async fn start(dir: &Path, database_url: Option<String>, sink: &SmtpSink) -> Instance {
        let mut config = test_config(dir, database_url);
        config.smtp_url = Some(sink.url().into());
        let app = App::build(&config).await.expect("app starts");
        let instance = Instance {
            base: format!("http://{}", app.local_addr()),
            clock: app.state.reminders.clock.clone(),
            client: Client::new(),
        };
        tokio::spawn(app.run(std::future::pending()));
        instance
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&body)
            .send();
        let (status, body) = read(response.await.expect("login sent")).await;
        assert_eq!(status, 200, "login of {email}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// A page of a reminder link: (status, HTML).
    pub async fn page(&self, method: Method, url: &str) -> (u16, String) {
        let response = self
            .client
            .request(method, url)
            .send()
            .await
            .expect("page request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("page body"))
    }
}

/// The admin's token, the reminder relay set to `default`, and a salesperson: (token, email).
pub async fn set_up(app: &Instance, relay: Option<&str>) -> (String, String) {
    let admin = admin_past_first_run(&app.client, &app.base).await;
    if let Some(relay) = relay {
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/settings/reminders",
                &admin,
                Some(json!({"relay": relay})),
            )
            .await;
        assert_eq!(
            (status, body["relay"].as_str()),
            (200, Some(relay)),
            "{body}"
        );
    }
    let email = "anna@reminders.test";
    let user = json!({"email": email, "name": "Анна Петрова", "role": "sales", "password": "user-password-1"});
    let (status, body) = app
        .call(Method::POST, "/api/v1/users", &admin, Some(user))
        .await;
    assert_eq!(status, 201, "{body}");
    (app.login(email, "user-password-1").await, email.to_string())
}

/// A task of the caller's with its reminder `ahead` of now (real time); answers its id.
pub async fn task_reminding_in(app: &Instance, token: &str, title: &str, ahead: Duration) -> i64 {
    let at = time::OffsetDateTime::now_utc() + ahead;
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"title": title, "remind_at": at});
    let (status, task) = app
        .call(Method::POST, "/api/v1/tasks", token, Some(body))
        .await;
    assert_eq!(status, 201, "{task}");
    task["id"].as_i64().unwrap()
}

/// Waits until the sinks together hold `count` letters (panics after 20 s), then a little more so that a
/// duplicate would show.
pub async fn letters(sinks: &[&SmtpSink], count: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n: usize = sinks.iter().map(|s| s.received().len()).sum();
        if n >= count {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{n} of {count} reminder letters after 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sinks.iter().flat_map(|s| s.received()).collect()
}

pub async fn feed(app: &Instance, token: &str) -> Value {
    let (status, feed) = app
        .call(Method::GET, "/api/v1/notifications", token, None)
        .await;
    assert_eq!(status, 200, "{feed}");
    feed
}

/// The letter's plain text, decoded.
pub fn text(letter: &Received) -> String {
    let message = MessageParser::default()
        .parse(&letter.raw)
        .expect("a parsable letter");
    message.body_text(0).expect("a text body").into_owned()
}

/// The link on the line after `label` in the letter.
pub fn link_after(letter: &Received, label: &str) -> String {
    let text = text(letter);
    let mut lines = text.lines();
    lines
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' in {text}"));
    lines.next().expect("a link line").trim().to_string()
}

#[tokio::test]
async fn a_reminder_fires_once_by_mail_and_in_the_feed_when_its_time_comes() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, email) = set_up(&app, Some("default")).await;
    task_reminding_in(
        &app,
        &token,
        "Позвонить в «Ромашку»",
        Duration::from_secs(60),
    )
    .await;
    // A minute ahead: nothing yet, however often the worker looks.
    app.clock.advance(Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        sink.received().is_empty(),
        "a reminder fired before its time"
    );
    assert_eq!(feed(&app, &token).await["unread"], 0);

    app.clock.advance(Duration::from_secs(120));
    let got = letters(&[&sink], 1).await;
    // The worker looking again (and again) sends nothing more.
    app.clock.advance(Duration::from_secs(60));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    app.clock.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let got_later = sink.received();
    assert_eq!(
        (got.len(), got_later.len()),
        (1, 1),
        "exactly one reminder letter"
    );
    assert_eq!(got[0].rcpt_to, email);
    let parsed = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(parsed.subject(), Some("Reminder: Позвонить в «Ромашку»"));
    assert!(
        text(&got[0]).contains("Mark the task done:\nhttp"),
        "{}",
        text(&got[0])
    );

    let feed_now = feed(&app, &token).await;
    let items = feed_now["items"].as_array().unwrap();
    assert_eq!(
        (items.len(), &feed_now["unread"]),
        (1, &json!(1)),
        "{feed_now}"
    );
    assert_eq!(items[0]["title"], "Позвонить в «Ромашку»");
    assert_eq!(items[0]["kind"], "task_reminder");
    assert_eq!(
        (&items[0]["mail"], &items[0]["mail_error"]),
        (&json!("sent"), &json!(null)),
        "the entry says its e-mail went out"
    );
    // The admin's feed stays empty: a feed is its user's own.
    let admin = admin_past_first_run(&app.client, &app.base).await;
    assert_eq!(feed(&app, &admin).await["items"], json!([]));
    let path = format!("/api/v1/notifications/{}/read", items[0]["id"]);
    let (status, body) = app.call(Method::POST, &path, &admin, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let (status, _) = app
        .call(Method::GET, "/api/v1/notifications/unread", &token, None)
        .await;
    assert_eq!(status, 200);
    let (status, marked) = app.call(Method::POST, &path, &token, None).await;
    assert_eq!(
        (status, &marked["marked"], &marked["unread"]),
        (200, &json!(1), &json!(0)),
        "{marked}"
    );
    let (_, unread) = app
        .call(Method::GET, "/api/v1/notifications/unread", &token, None)
        .await;
    assert_eq!(unread["unread"], 0);
    assert!(feed(&app, &token).await["items"][0]["read_at"].is_string());
}

#[tokio::test]
async fn without_a_relay_a_reminder_reaches_the_feed_only() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, None).await;
    task_reminding_in(&app, &token, "Only in the feed", Duration::from_secs(60)).await;
    app.clock.advance(Duration::from_secs(120));
    let deadline = Instant::now() + Duration::from_secs(20);
    while feed(&app, &token).await["unread"] != 1 {
        assert!(Instant::now() < deadline, "no feed entry after 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        sink.received().is_empty(),
        "a letter went out with no relay set"
    );
    let entries = feed(&app, &token).await;
    assert_eq!(entries["items"].as_array().unwrap().len(), 1);
    assert_eq!(entries["items"][0]["mail"], "none", "no e-mail was to go");
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_reminder_once() {
    // Six lease batches (of 20), so that both instances send while the other does even on a loaded machine (with
    // two and a bit batches one instance sometimes sent them all before the other's first lease).
    const TASKS: usize = 120;
    let (sink_a, sink_b) = (SmtpSink::start(), SmtpSink::start());
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let a = Instance::start(dir.path(), database_url.clone(), &sink_a).await;
    let b = Instance::start(dir.path(), database_url, &sink_b).await;
    let (token, email) = set_up(&a, Some("default")).await;
    for i in 0..TASKS {
        task_reminding_in(&b, &token, &format!("Задача {i}"), Duration::from_secs(60)).await;
    }
    // Both reach the reminders' time together and race for them.
    a.clock.advance(Duration::from_secs(120));
    b.clock.advance(Duration::from_secs(120));
    let got = letters(&[&sink_a, &sink_b], TASKS).await;
    for _ in 0..3 {
        a.clock.advance(Duration::from_secs(60));
        b.clock.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let later = sink_a.received().len() + sink_b.received().len();
    assert_eq!(
        (got.len(), later),
        (TASKS, TASKS),
        "one letter per reminder over both instances"
    );
    let mut subjects: Vec<String> = got
        .iter()
        .map(|l| {
            MessageParser::default()
                .parse(&l.raw)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), TASKS, "every task reminded, none twice");
    assert!(got.iter().all(|l| l.rcpt_to == email));
    let feed_a = feed(&a, &token).await;
    // The feed's first page holds 50; the unread count covers them all.
    assert_eq!(feed_a["items"].as_array().unwrap().len(), 50, "{feed_a}");
    assert_eq!(feed_a["unread"], TASKS, "{feed_a}");
    let (from_a, from_b) = (sink_a.received().len(), sink_b.received().len());
    eprintln!("two instances: {from_a} letters from a, {from_b} from b");
    assert!(
        from_a > 0 && from_b > 0,
        "one instance sent all ({from_a} + {from_b}): no race was run"
    );
}

#[tokio::test]
async fn the_feed_pages_newest_first_and_read_all_clears_the_count() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let app = Instance::start(dir.path(), fresh_database_url().await, &sink).await;
    let (token, _) = set_up(&app, None).await;
    for i in 0..5 {
        let ahead = Duration::from_secs(60 + 60 * i);
        task_reminding_in(&app, &token, &format!("Напоминание {i}"), ahead).await;
        // One at a time, so that the feed's order is the reminders' order.
        app.clock.advance(Duration::from_secs(60));
        let deadline = Instant::now() + Duration::from_secs(20);
        while feed(&app, &token).await["unread"] != i + 1 {
            assert!(Instant::now() < deadline, "reminder {i} did not fire");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let (status, page) = app
        .call(Method::GET, "/api/v1/notifications?limit=2", &token, None)
        .await;
    assert_eq!(status, 200, "{page}");
    let titles = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&page), ["Напоминание 4", "Напоминание 3"]);
    assert_eq!(page["unread"], 5);
    let path = format!(
        "/api/v1/notifications?limit=2&before={}",
        page["next_before"]
    );
    let (_, next) = app.call(Method::GET, &path, &token, None).await;
    assert_eq!(titles(&next), ["Напоминание 2", "Напоминание 1"]);
    let (status, bad) = app
        .call(Method::GET, "/api/v1/notifications?limit=0", &token, None)
        .await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (422, Some("limit")),
        "{bad}"
    );

    let (status, marked) = app
        .call(Method::POST, "/api/v1/notifications/read-all", &token, None)
        .await;
    assert_eq!(
        (status, &marked["marked"], &marked["unread"]),
        (200, &json!(5), &json!(0)),
        "{marked}"
    );
    let (_, unread) = app
        .call(Method::GET, "/api/v1/notifications/unread", &token, None)
        .await;
    assert_eq!(unread["unread"], 0);
    assert_eq!(
        feed(&app, &token).await["items"].as_array().unwrap().len(),
        5
    );
}
