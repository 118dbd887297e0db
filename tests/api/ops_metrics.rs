//! `/metrics` as Prometheus reads it: parsed by Prometheus's own Python client (its OpenMetrics parser), with
//! figures that follow what happened — requests timed under their route template, a synced Dovecot mailbox's lag
//! and messages — and the scrape refused to a proxied client, or without the configured token.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{error_code, read, spawn_app, spawn_app_with, TestApp};
use crate::mail_sync::{add_mailbox, sync};

/// Every sample as `(name, labels) -> value`, as the Prometheus client parses the text.
fn parse(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    let script = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([s.name, s.labels, s.value])
print(json.dumps(out))
"#;
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "python3 with prometheus_client (scripts/test.sh installs python3-prometheus-client)",
        );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Prometheus parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Vec<(String, HashMap<String, String>, f64)> =
        serde_json::from_slice(&output.stdout).unwrap();
    samples
}

fn value(
    samples: &[(String, HashMap<String, String>, f64)],
    name: &str,
    labels: &[(&str, &str)],
) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.2)
}

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url("/metrics"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn metrics_parse_and_follow_requests_and_a_synced_mailbox() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let raw = |n: usize| {
        format!(
            "From: Client {n} <client{n}@nordwind.ru>\r\nTo: sales@nordwind.ru\r\nSubject: Заказ {n}\r\n\
             Message-ID: <m{n}@nordwind.ru>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0300\r\n\r\nТекст {n}\r\n"
        )
        .into_bytes()
    };
    dovecot
        .append_many("INBOX", &(0..4).map(raw).collect::<Vec<_>>())
        .await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    for _ in 0..3 {
        let (status, _) = app.get("/api/v1/contacts", &app.admin_token).await;
        assert_eq!(status, 200);
    }
    let (status, _) = app.get("/api/v1/contacts/999999", &app.admin_token).await;
    assert_eq!(status, 404);

    let response = scrape(&app, &[]).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let samples = parse(&response.text().await.unwrap());

    let count = |route: &str, status: &str| {
        value(
            &samples,
            "mailroom_http_request_duration_seconds_count",
            &[("route", route), ("method", "GET"), ("status", status)],
        )
    };
    assert_eq!(
        count("/api/v1/contacts", "200"),
        Some(3.0),
        "timed under the route"
    );
    assert_eq!(
        count("/api/v1/contacts/{id}", "404"),
        Some(1.0),
        "the template, not the id"
    );
    let mailbox = id.to_string();
    let lag = value(
        &samples,
        "mailroom_mailbox_sync_lag_seconds",
        &[("mailbox_id", &mailbox)],
    )
    .expect("the mailbox's lag");
    assert!((0.0..60.0).contains(&lag), "synced just now: {lag}");
    assert_eq!(
        value(
            &samples,
            "mailroom_mailbox_sync_failing",
            &[("mailbox_id", &mailbox)]
        ),
        Some(0.0)
    );
    assert_eq!(value(&samples, "mailroom_messages_stored", &[]), Some(4.0));
    let in_use = value(
        &samples,
        "mailroom_db_pool_connections",
        &[("state", "in_use")],
    );
    let idle = value(
        &samples,
        "mailroom_db_pool_connections",
        &[("state", "idle")],
    );
    assert!(
        in_use.is_some() && idle.is_some(),
        "pool usage: {in_use:?} {idle:?}"
    );
    assert_eq!(
        value(&samples, "mailroom_db_pool_max_connections", &[]),
        Some(5.0)
    );
    assert_eq!(
        value(&samples, "mailroom_send_queue", &[("kind", "campaign")]),
        Some(0.0)
    );

    // Through a proxy on the same host the peer is loopback too: proxied requests are refused without a token.
    let proxied = scrape(&app, &[("x-forwarded-for", "203.0.113.9")]).await;
    let (status, body) = read(proxied).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"), "{body}");
}

#[tokio::test]
async fn with_a_token_configured_a_scrape_must_bear_it() {
    let app = spawn_app_with(|c| c.metrics_token = Some("scrape-token-1".to_string().into())).await;
    let (status, body) = read(scrape(&app, &[]).await).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "unauthenticated"),
        "{body}"
    );
    let (status, body) = read(scrape(&app, &[("authorization", "Bearer wrong")]).await).await;
    assert_eq!(
        (status, error_code(&body)),
        (401, "invalid_token"),
        "{body}"
    );
    let ok = scrape(
        &app,
        &[
            ("authorization", "Bearer scrape-token-1"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(ok.status(), 200);
    let samples = parse(&ok.text().await.unwrap());
    assert!(value(&samples, "mailroom_messages_stored", &[]).is_some());
}
