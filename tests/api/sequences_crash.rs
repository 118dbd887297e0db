//! kill -9 during a step: the real `mailroom` binary is killed with SIGKILL while its sequence worker sends, and
//! restarted; the SMTP sink shows nobody got a step twice, and only the steps claimed at a kill are in doubt.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::campaigns_crash::{admin_token, call, kill_mid_send, Server};
use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::fresh_database_url;
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn a_sender_killed_mid_step_never_sends_a_step_twice() {
    const CONTACTS: usize = 60;
    let sink = SmtpSink::start();
    let dovecot = Dovecot::start();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::dovecot::free_port_for_tests();
    let mut server = Server {
        dir: dir.path().to_path_buf(),
        port,
        database_url: fresh_database_url().await,
        smtp_url: sink.url(),
        child: None,
    };
    server.start();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    let token = admin_token(&client, &base).await;
    let post = |path: String, body: Value| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move { call(&client, &base, &token, "POST", &path, body).await }
    };
    let mut mailbox = dovecot.mailbox_json(dovecot.port, PASSWORD);
    mailbox["smtp"] = json!({ "host": "127.0.0.1", "port": sink.port, "security": "none" });
    let (status, mailbox) = post("/api/v1/mailboxes".into(), mailbox).await;
    assert_eq!(status, 201, "{mailbox}");
    let mut contacts = Vec::new();
    for i in 0..CONTACTS {
        let body = json!({"name": format!("Клиент {i}"), "emails": [format!("k{i}@klient{i}.ru")]});
        let (status, c) = post("/api/v1/contacts".into(), body).await;
        assert_eq!(status, 201, "{c}");
        contacts.push(c["id"].clone());
    }
    let body = json!({"name": "Crash", "mailbox_id": mailbox["id"], "time_zone": "UTC",
        "window": {"start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]},
        "steps": [{"subject": "Предложение", "body": "Текст", "delay": {"days": 0}}]});
    let (status, seq) = post("/api/v1/sequences".into(), body).await;
    assert_eq!(status, 201, "{seq}");
    let id = seq["id"].as_i64().unwrap();
    let (status, answer) = post(
        format!("/api/v1/sequences/{id}/enrolments"),
        json!({"contact_ids": contacts}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");

    let kills = kill_mid_send(
        &mut server,
        &sink,
        &[5, 9, 3, 7],
        Duration::from_secs(30),
        &[],
    )
    .await;

    // Until every enrolment finished, but for those whose claim a kill left open (in doubt for the lease).
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = loop {
        let (_, r) = call(
            &client,
            &base,
            &token,
            "GET",
            &format!("/api/v1/sequences/{id}/report"),
            Value::Null,
        )
        .await;
        if r["finished"].as_i64().unwrap_or(0) + kills >= CONTACTS as i64
            && r["active"].as_i64() <= Some(kills)
        {
            tokio::time::sleep(Duration::from_secs(3)).await;
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "the sequence never got through: {r}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for r in sink.received() {
        *per_address.entry(r.rcpt_to).or_default() += 1;
    }
    let twice: Vec<_> = per_address.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "steps received twice: {twice:?}");
    let finished = report["finished"].as_i64().unwrap();
    assert!(per_address.len() as i64 >= finished, "{report}");
    assert!(
        CONTACTS as i64 - finished <= kills,
        "at most one step in doubt per kill: {report}"
    );
}
