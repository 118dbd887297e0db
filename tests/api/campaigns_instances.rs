//! Two server instances on one database (the scale-out set-up): each campaign is run by one of them at a time, so
//! its rate and concurrency limits hold; when that instance dies, the other takes the campaign over. Each instance
//! mails through its own smtp-sink, so the sinks show which instance sent what.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::campaign_fixtures::greeting_template;
use crate::campaigns_crash::{admin_token, call, Server};
use crate::dovecot::free_port_for_tests;
use crate::helpers::fresh_database_url;
use crate::smtp_sink::SmtpSink;

fn per_address(sinks: &[&SmtpSink]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for sink in sinks {
        for r in sink.received() {
            *counts.entry(r.rcpt_to).or_default() += 1;
        }
    }
    counts
}

#[tokio::test]
async fn one_instance_runs_a_campaign_and_another_takes_it_over_when_it_dies() {
    const CONTACTS: usize = 60;
    let (sink_a, sink_b) = (SmtpSink::start(), SmtpSink::start());
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let server = |sink: &SmtpSink| Server {
        dir: dir.path().to_path_buf(),
        port: free_port_for_tests(),
        database_url: database_url.clone(),
        smtp_url: sink.url(),
        child: None,
    };
    let (mut a, mut b) = (server(&sink_a), server(&sink_b));
    a.start();
    b.start();
    let client = Client::new();
    let base_a = format!("http://127.0.0.1:{}", a.port);
    let base_b = format!("http://127.0.0.1:{}", b.port);
    let token = admin_token(&client, &base_a).await;
    let post = |base: &str, path: &str, body: Value| {
        let (client, base, token, path) = (
            client.clone(),
            base.to_string(),
            token.clone(),
            path.to_string(),
        );
        async move { call(&client, &base, &token, "POST", &path, body).await }
    };
    let (_, co) = post(&base_a, "/api/v1/companies", json!({"name": "ООО «Пара»"})).await;
    for i in 0..CONTACTS {
        let body = json!({"name": format!("Адресат №{i}"), "emails": [format!("p{i}@para.ru")],
                          "company_id": co["id"], "tags": ["pair"]});
        let (status, c) = post(&base_a, "/api/v1/contacts", body).await;
        assert_eq!(status, 201, "{c}");
        let consent = json!({"granted": true, "legal_basis": "152-FZ", "source": "form"});
        let path = format!("/api/v1/contacts/{}/consent", c["id"]);
        let (status, _) = post(&base_a, &path, consent).await;
        assert!(status < 300);
    }
    let (_, t) = post(&base_a, "/api/v1/templates", greeting_template("pair")).await;
    let segment = json!({"name": "pair", "filter": {"tags": ["pair"]}});
    let (_, s) = post(&base_a, "/api/v1/segments", segment).await;
    // 10 letters a second: were both instances sending, they would send 20. Each instance looks for sending
    // campaigns every second, so by the 25th letter both have seen it.
    let body = json!({"name": "pair", "template_id": t["id"], "segment_id": s["id"], "concurrency": 2,
                      "per_second": 10});
    let (status, c) = post(&base_b, "/api/v1/campaigns", body).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (status, c) = post(&base_b, &format!("/api/v1/campaigns/{id}/start"), json!({})).await;
    assert_eq!(status, 200, "{c}");

    let deadline = Instant::now() + Duration::from_secs(30);
    while sink_a.received().len() + sink_b.received().len() < 25 {
        assert!(
            Instant::now() < deadline,
            "the campaign did not start sending"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (got_a, got_b) = (sink_a.received().len(), sink_b.received().len());
    assert!(
        got_a == 0 || got_b == 0,
        "both instances sent the campaign: {got_a} letters through A, {got_b} through B"
    );
    // Kill the runner; the other takes over once its heartbeat is stale (1 s lease in these tests).
    let (survivor_base, survivor_sink) = if got_a > 0 {
        a.kill();
        (&base_b, &sink_b)
    } else {
        b.kill();
        (&base_a, &sink_a)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let c = loop {
        let path = format!("/api/v1/campaigns/{id}");
        let (_, c) = call(&client, survivor_base, &token, "GET", &path, Value::Null).await;
        if c["status"] == "done" {
            break c;
        }
        assert!(
            Instant::now() < deadline,
            "the campaign was not taken over: {c}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        !survivor_sink.received().is_empty(),
        "the survivor sent the rest: {c}"
    );
    let stats = &c["stats"];
    let (sent, unknown) = (
        stats["sent"].as_i64().unwrap(),
        stats["unknown"].as_i64().unwrap(),
    );
    assert_eq!(sent + unknown, CONTACTS as i64, "{c}");
    let counts = per_address(&[&sink_a, &sink_b]);
    assert!(
        counts.values().all(|n| *n == 1),
        "an address got two letters: {counts:?}"
    );
    assert!(counts.len() as i64 >= sent, "{c}");
}
