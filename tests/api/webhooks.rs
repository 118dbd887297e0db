//! Webhooks (issue 20.3) against a real receiver on a loopback port: signed deliveries, retries with backoff, an
//! endpoint disabled after repeated failures and enabled again by an admin, two instances delivering once.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use mailroom::{App, Config};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::api_keys::database;
use crate::helpers::{error_code, spawn_app_with, test_config, TestApp};

/// What the receiver got: when, the headers that matter, the body.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    signature: String,
    event_id: String,
    attempt: String,
    body: String,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    /// Statuses to answer first, in order; then `otherwise`.
    script: Mutex<VecDeque<u16>>,
    otherwise: AtomicU16,
}

impl Receiver {
    /// Starts on a free loopback port; returns its URL.
    async fn start(otherwise: u16, script: &[u16]) -> (Arc<Receiver>, String) {
        let receiver = Arc::new(Receiver {
            script: Mutex::new(script.iter().copied().collect()),
            otherwise: AtomicU16::new(otherwise),
            ..Receiver::default()
        });
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (receiver, url)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (15 s at most).
    async fn wait(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.got();
            if done(&got) {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "waited in vain for {what}: {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.got.lock().unwrap().push(Received {
        at: Instant::now(),
        signature: header("x-mailroom-signature"),
        event_id: header("x-mailroom-event-id"),
        attempt: header("x-mailroom-attempt"),
        body,
    });
    let scripted = r.script.lock().unwrap().pop_front();
    let code = scripted.unwrap_or_else(|| r.otherwise.load(Ordering::SeqCst));
    StatusCode::from_u16(code).unwrap()
}

/// Fast retries for tests; private (loopback) receivers allowed.
fn quick(config: &mut Config) {
    config.webhooks_allow_private = true;
    config.webhook_poll_ms = 50;
    config.webhook_retry_base_ms = 150;
    config.webhook_settle_ms = 300;
    config.webhook_disable_after = 3;
    config.webhook_max_attempts = 10;
}

async fn endpoint(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let body = json!({ "url": url, "events": events });
    let (status, created) = app
        .post("/api/v1/admin/webhooks", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn contact(app: &TestApp, name: &str, email: &str) -> Value {
    let body = json!({ "name": name, "emails": [email] });
    let (status, c) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{c}");
    c
}

/// Checks `t=…,v1=…` the way a receiver would: HMAC-SHA256 of "<t>.<body>" with the endpoint's secret.
fn signature_valid(secret: &str, header: &str, body: &str) -> bool {
    let Some((t, v1)) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fresh = t
        .parse::<i64>()
        .is_ok_and(|t| (time::OffsetDateTime::now_utc().unix_timestamp() - t).abs() < 300);
    expected == v1 && fresh
}

async fn deliveries(app: &TestApp, endpoint_id: &Value) -> Vec<Value> {
    let path = format!("/api/v1/admin/webhooks/{endpoint_id}/deliveries");
    let (status, list) = app.get(&path, &app.admin_token).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

/// The delivery log once `n` deliveries are recorded as delivered (or as it stands after 10 s).
async fn delivered(app: &TestApp, endpoint_id: &Value, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let log = deliveries(app, endpoint_id).await;
        if log.iter().filter(|d| d["status"] == "delivered").count() >= n {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    deliveries(app, endpoint_id).await
}

#[tokio::test]
async fn record_changes_arrive_signed_with_the_endpoints_secret_and_only_the_subscribed_ones() {
    let app = spawn_app_with(quick).await;
    let (receiver, url) = Receiver::start(200, &[]).await;
    let hook = endpoint(&app, &url, &["contact.created", "contact.updated"]).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let (_, list) = app.get("/api/v1/admin/webhooks", &app.admin_token).await;
    assert!(list["items"][0].get("secret").is_none() && !list.to_string().contains(secret));

    let (status, _) = app
        .post(
            "/api/v1/leads",
            &app.admin_token,
            json!({ "name": "Лид без подписки", "email": "l@nosub.ru" }),
        )
        .await;
    assert_eq!(status, 201);
    let c = contact(&app, "Анна Вебхукова", "anna@hooks.ru").await;
    let path = format!("/api/v1/contacts/{}", c["id"]);
    let (status, _) = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({ "position": "Директор" })),
        )
        .await;
    assert_eq!(status, 200);

    let got = receiver.wait("two contact events", |g| g.len() >= 2).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["contact.created", "contact.updated"],
        "the lead was not subscribed: {bodies:?}"
    );
    for (r, b) in got.iter().zip(&bodies) {
        assert!(
            signature_valid(secret, &r.signature, &r.body),
            "bad signature {}",
            r.signature
        );
        assert!(!signature_valid("whsec_other", &r.signature, &r.body));
        assert_eq!(b["id"], r.event_id.as_str());
        assert_eq!(
            b["data"]["record"],
            json!({ "kind": "contact", "id": c["id"] })
        );
    }
    let change = bodies[1]["data"]["changes"].as_array().unwrap();
    assert!(
        change
            .iter()
            .any(|f| f["field"] == "position" && f["to"] == "Директор"),
        "{change:?}"
    );

    // The receiver has the requests before the worker has read its answers and recorded them.
    let log = delivered(&app, &hook["id"], 2).await;
    assert_eq!(log.len(), 2);
    for d in &log {
        assert_eq!(
            (
                d["status"].as_str(),
                d["attempts"].as_i64(),
                d["response_code"].as_i64()
            ),
            (Some("delivered"), Some(1), Some(200)),
            "{d}"
        );
    }
    let db = database(&app).await;
    let sealed: String = sqlx::Row::get(
        &sqlx::query("SELECT secret_sealed FROM webhook_endpoints")
            .fetch_one(&db.pool)
            .await
            .unwrap(),
        "secret_sealed",
    );
    assert!(
        !sealed.contains(&secret[6..]),
        "the secret is stored sealed"
    );
    db.pool.close().await;
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_on_the_third_attempt_after_growing_waits() {
    let app = spawn_app_with(quick).await;
    let (receiver, url) = Receiver::start(200, &[500, 500]).await;
    let hook = endpoint(&app, &url, &["contact.created"]).await;
    contact(&app, "Борис Повторов", "boris@retry.ru").await;
    let got = receiver.wait("three attempts", |g| g.len() >= 3).await;
    let attempts: Vec<&str> = got.iter().map(|r| r.attempt.as_str()).collect();
    assert_eq!(attempts, ["1", "2", "3"]);
    assert!(
        got.iter().all(|r| r.event_id == got[0].event_id),
        "one event, retried"
    );
    let (first, second) = (got[1].at - got[0].at, got[2].at - got[1].at);
    assert!(
        first >= Duration::from_millis(140),
        "backoff 150 ms, was {first:?}"
    );
    assert!(
        second >= Duration::from_millis(290),
        "backoff doubles to 300 ms, was {second:?}"
    );
    let start = Instant::now();
    let log = loop {
        let log = deliveries(&app, &hook["id"]).await;
        if log[0]["status"] == "delivered" || start.elapsed() > Duration::from_secs(5) {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("delivered"), Some(3)),
        "{log:?}"
    );
    assert_eq!(log[0]["response_code"], 200);
}

#[tokio::test]
async fn a_failing_receiver_gets_its_endpoint_disabled_after_three_failures_until_an_admin_enables_it(
) {
    let app = spawn_app_with(quick).await;
    let (receiver, url) = Receiver::start(503, &[]).await;
    let hook = endpoint(&app, &url, &["contact.created"]).await;
    contact(&app, "Вера Отказова", "vera@dead.ru").await;

    let start = Instant::now();
    loop {
        let (_, list) = app.get("/api/v1/admin/webhooks", &app.admin_token).await;
        if list["items"][0]["enabled"] == false {
            assert_eq!(list["items"][0]["consecutive_failures"], 3);
            assert!(list["items"][0]["disabled_at"].is_string());
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "never disabled: {list}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Disabled: nothing more is sent, however long one waits past the backoff.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.got().len(), 3);
    let log = deliveries(&app, &hook["id"]).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("pending"), Some(3))
    );
    assert_eq!(log[0]["response_code"], 503);
    assert!(
        log[0]["last_error"].as_str().unwrap().contains("503"),
        "{log:?}"
    );

    receiver.otherwise.store(200, Ordering::SeqCst);
    let path = format!("/api/v1/admin/webhooks/{}/enable", hook["id"]);
    let (status, enabled) = app.post(&path, &app.admin_token, json!({})).await;
    assert_eq!(status, 200, "{enabled}");
    assert_eq!(
        (
            enabled["enabled"].as_bool(),
            enabled["consecutive_failures"].as_i64()
        ),
        (Some(true), Some(0))
    );
    let got = receiver
        .wait("the delivery after enabling", |g| g.len() >= 4)
        .await;
    assert_eq!(got[3].attempt, "4");
    let log = delivered(&app, &hook["id"], 1).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("delivered"), Some(4))
    );

    let (status, _) = app
        .post(
            "/api/v1/admin/webhooks/999999/enable",
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn endpoints_on_private_addresses_are_refused_unless_the_operator_allows_them() {
    let app = spawn_app_with(|_| {}).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
    ] {
        let body = json!({ "url": url, "events": ["lead.created"] });
        let (status, answer) = app
            .post("/api/v1/admin/webhooks", &app.admin_token, body)
            .await;
        assert_eq!(
            (status, error_code(&answer)),
            (422, "webhook_url_forbidden"),
            "{url}"
        );
    }
    let body = json!({ "url": "ftp://example.com/x", "events": ["lead.created"] });
    let (status, answer) = app
        .post("/api/v1/admin/webhooks", &app.admin_token, body)
        .await;
    assert_eq!((status, error_code(&answer)), (422, "validation_failed"));
    let body = json!({ "url": "http://127.0.0.1/x", "events": ["lead.exploded"] });
    let (status, answer) = app
        .post("/api/v1/admin/webhooks", &app.admin_token, body)
        .await;
    assert_eq!((status, error_code(&answer)), (422, "validation_failed"));
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_event_once() {
    const CONTACTS: usize = 12;
    let app = spawn_app_with(quick).await;
    let mut config = test_config(&app.data_dir, app.database_url.clone());
    quick(&mut config);
    let second = App::build(&config).await.expect("a second instance starts");
    let second_base = format!("http://{}", second.local_addr());
    tokio::spawn(second.run(std::future::pending()));

    let (receiver, url) = Receiver::start(200, &[]).await;
    endpoint(&app, &url, &["contact.created"]).await;
    for i in 0..CONTACTS {
        let body =
            json!({ "name": format!("Двойник {i}"), "emails": [format!("twin{i}@pair.ru")] });
        // Half through each instance.
        let base = if i % 2 == 0 {
            app.base.clone()
        } else {
            second_base.clone()
        };
        let response = app
            .client
            .post(format!("{base}/api/v1/contacts"))
            .bearer_auth(&app.admin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }
    receiver
        .wait("every contact", |g| {
            g.iter().map(|r| &r.event_id).collect::<HashSet<_>>().len() >= CONTACTS
        })
        .await;
    // Both dispatchers keep polling: any double send would arrive by now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.got();
    let distinct: HashSet<&String> = got.iter().map(|r| &r.event_id).collect();
    assert_eq!(
        (got.len(), distinct.len()),
        (CONTACTS, CONTACTS),
        "each event exactly once"
    );
}

#[tokio::test]
async fn mail_logged_to_a_contact_arrives_as_message_received_with_its_links() {
    let app = spawn_app_with(quick).await;
    let (receiver, url) = Receiver::start(200, &[]).await;
    let hook = endpoint(&app, &url, &["message.received"]).await;
    let c = contact(&app, "Глеб Письмов", "gleb@letters.ru").await;
    let mail = json!({ "record_kind": "contact", "record_id": c["id"], "subject": "Счёт за декабрь",
        "internet_message_id": "<hook-gleb@letters.ru>",
        "from": { "name": "Глеб Письмов", "address": "gleb@letters.ru" },
        "to": [{ "name": "Ольга", "address": "olga@nordwind.ru" }], "body_text": "Пришлите счёт." });
    let (status, logged) = app
        .post("/api/v1/messages/log", &app.admin_token, mail)
        .await;
    assert_eq!(status, 200, "{logged}");
    let got = receiver.wait("message.received", |g| !g.is_empty()).await;
    let body: Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["type"], "message.received");
    assert!(signature_valid(
        hook["secret"].as_str().unwrap(),
        &got[0].signature,
        &got[0].body
    ));
    assert_eq!(body["data"]["message"]["id"], logged["message_id"]);
    assert_eq!(body["data"]["message"]["subject"], "Счёт за декабрь");
    assert!(
        body["data"]["links"]
            .as_array()
            .unwrap()
            .contains(&json!({ "kind": "contact", "id": c["id"] })),
        "{body}"
    );
}
