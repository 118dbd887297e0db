//! What keeps letters from going out while a campaign runs: one-click unsubscribe over real HTTP, consent withdrawn
//! in the CRM, and bounces (recorded as mail ingest will record them).

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::campaign_fixtures::*;
use crate::helpers::spawn_app_with;
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn one_click_unsubscribe_mid_campaign_stops_the_next_letter() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Эпсилон").await;
    for i in 0..6 {
        contact(
            &app,
            &format!("Читатель {i}"),
            &format!("u{i}@eps.ru"),
            Some(co),
            &["slow"],
            Some(true),
        )
        .await;
    }
    let extra = json!({"concurrency": 1, "per_second": 2});
    let id = campaign(&app, &token, "slow", extra).await;
    start(&app, &token, id).await;
    let first = sink.wait_for(1, Duration::from_secs(10)).await;
    // The confirmation page of the first letter's link shows the address and a one-click form.
    let header = first[0].header("List-Unsubscribe").unwrap();
    let url = header[1..].split('>').next().unwrap().to_string();
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&first[0].rcpt_to) && html.contains("<form method=\"post\""),
        "{html}"
    );
    let (_, s) = app.get("/api/v1/suppressions", &token).await;
    assert_eq!(
        s["items"].as_array().unwrap().len(),
        0,
        "GET changes nothing"
    );
    // Altering the signature is refused.
    let forged = format!("{}x", &url[..url.len() - 1]);
    let (status, _) = crate::helpers::read(app.client.post(&forged).send().await.unwrap()).await;
    assert_eq!(status, 400);

    // Unsubscribe a recipient that has not been mailed yet, with their own link, as a mail client would.
    let (_, list) = app
        .get(
            &format!("/api/v1/campaigns/{id}/recipients?state=pending"),
            &token,
        )
        .await;
    let last = list["items"].as_array().unwrap().last().unwrap().clone();
    let last_address = last["address"].as_str().unwrap().to_string();
    let token_of_last = mailroom_token(&app, id, last["id"].as_i64().unwrap(), &last_address);
    let response = app
        .client
        .post(format!("{}/u/{token_of_last}", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let path = format!("/api/v1/contacts/{}/consent", last["contact_id"]);
    let (_, history) = app.get(&path, &app.admin_token).await;
    let latest = &history[0]; // newest first
    assert_eq!(latest["granted"], false, "consent withdrawn: {history}");
    assert!(
        latest["source"]
            .as_str()
            .unwrap()
            .starts_with("one-click unsubscribe"),
        "{history}"
    );
    // The withdrawal is in the contact's audit log, made by no user: the recipient, through the link.
    let path = format!("/api/v1/contacts/{}/audit", last["contact_id"]);
    let (_, audit) = app.get(&path, &app.admin_token).await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "consent", "{audit}");
    assert_eq!(entry["actor_id"], serde_json::Value::Null, "{audit}");
    let changes = entry["changes"].to_string();
    assert!(
        changes.contains("recipient via unsubscribe link") && changes.contains("\"granted\":false"),
        "{audit}"
    );
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(
        c["status"], "sending",
        "unsubscribed while the campaign runs: {c}"
    );
    assert!(c["stats"]["pending"].as_i64().unwrap() >= 2, "{c}");
    // Pause and resume through the API while it runs.
    let (status, c) = app
        .post(&format!("/api/v1/campaigns/{id}/pause"), &token, json!({}))
        .await;
    assert_eq!((status, c["status"].as_str()), (200, Some("paused")), "{c}");
    let (status, c) = app
        .post(&format!("/api/v1/campaigns/{id}/resume"), &token, json!({}))
        .await;
    assert_eq!(
        (status, c["status"].as_str()),
        (200, Some("sending")),
        "{c}"
    );
    let c = wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
    assert_eq!(c["stats"]["sent"], 5, "{c}");
    assert_eq!(c["stats"]["skipped"], 1, "{c}");
    assert_eq!(c["stats"]["unsubscribed"], 1, "{c}");
    let counts = by_rcpt(&sink.received());
    assert!(!counts.contains_key(&last_address), "{counts:?}");
    assert_eq!(counts.len(), 5);
}

#[tokio::test]
async fn unsubscribe_stops_a_letter_already_claimed_with_its_chunk() {
    // A sink that waits a second before answering DATA: letters go one a second, and the rest of the chunk
    // sits claimed meanwhile.
    let port = SmtpSink::start().port;
    let sink = SmtpSink::start_on(port, &["-w", "1"]);
    let app = app_for(&sink).await;
    let co = company(&app, "Йота").await;
    for i in 0..4 {
        let email = format!("chunk{i}@iota.ru");
        contact(
            &app,
            &format!("Читатель {i}"),
            &email,
            Some(co),
            &["chunk"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &app.admin_token, "chunk", json!({"concurrency": 1})).await;
    start(&app, &app.admin_token, id).await;
    sink.wait_for(1, Duration::from_secs(15)).await;
    let path = format!("/api/v1/campaigns/{id}/recipients");
    let (_, list) = app.get(&path, &app.admin_token).await;
    let last = list["items"][3].clone();
    assert_eq!(
        last["state"], "claimed",
        "claimed with its chunk, not sent yet: {list}"
    );
    let address = last["address"].as_str().unwrap().to_string();
    let token = mailroom_token(&app, id, last["id"].as_i64().unwrap(), &address);
    let response = app
        .client
        .post(format!("{}/u/{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let c = wait_until(
        &app,
        &app.admin_token,
        id,
        Duration::from_secs(30),
        status_is("done"),
    )
    .await;
    assert_eq!(
        (c["stats"]["sent"].as_i64(), c["stats"]["skipped"].as_i64()),
        (Some(3), Some(1)),
        "{c}"
    );
    let counts = by_rcpt(&sink.received());
    assert!(!counts.contains_key(&address), "{counts:?}");
    assert_eq!(counts.len(), 3, "{counts:?}");
}

#[tokio::test]
async fn tokens_of_one_recipient_do_not_unsubscribe_another() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let co = company(&app, "Зета").await;
    contact(&app, "Один", "one@zeta.ru", Some(co), &["z"], Some(true)).await;
    contact(&app, "Два", "two@zeta.ru", Some(co), &["z"], Some(true)).await;
    let id = campaign(&app, &app.admin_token, "z", json!({})).await;
    start(&app, &app.admin_token, id).await;
    wait_until(
        &app,
        &app.admin_token,
        id,
        Duration::from_secs(20),
        status_is("done"),
    )
    .await;
    let (_, list) = app
        .get(
            &format!("/api/v1/campaigns/{id}/recipients"),
            &app.admin_token,
        )
        .await;
    let items = list["items"].as_array().unwrap();
    let (a, b) = (&items[0], &items[1]);
    // A's signature with B's id: refused.
    let t = mailroom_token(
        &app,
        id,
        a["id"].as_i64().unwrap(),
        a["address"].as_str().unwrap(),
    );
    let sig = t.rsplit('.').next().unwrap();
    let swapped = format!("{id}.{}.{sig}", b["id"]);
    let (status, _) = app
        .call(Method::POST, &format!("/u/{swapped}"), None, None)
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn bounces_from_the_mailbox_suppress_hard_at_once_and_soft_after_the_limit() {
    use mailroom::campaigns::bounces::{record_bounce, BounceKind};
    use mailroom::campaigns::verp;
    let sink = SmtpSink::start();
    let url = crate::helpers::fresh_database_url().await;
    let (smtp, db_url) = (sink.url(), url.clone());
    let app = spawn_app_with(move |c| {
        c.smtp_url = Some(smtp.into());
        c.database_url = db_url.map(Into::into);
    })
    .await;
    let url = url.unwrap_or(format!("sqlite://{}/mailroom.db", app.data_dir.display()));
    let db = mailroom::db::Db::connect(&url, 2).await.unwrap();
    let co = company(&app, "Эта").await;
    contact(&app, "Жёсткий", "hard@eta.ru", Some(co), &["b"], Some(true)).await;
    contact(&app, "Мягкий", "soft@eta.ru", Some(co), &["b"], Some(true)).await;
    let id = campaign(&app, &app.admin_token, "b", json!({})).await;
    start(&app, &app.admin_token, id).await;
    wait_until(
        &app,
        &app.admin_token,
        id,
        Duration::from_secs(20),
        status_is("done"),
    )
    .await;

    // What mail ingest will do with a DSN: the Return-Path names campaign and recipient.
    let received = sink.received();
    let mut ids = HashMap::new();
    for r in &received {
        let local = r.mail_from.split('@').next().unwrap();
        ids.insert(r.rcpt_to.clone(), verp::parse(local).expect("VERP"));
    }
    let hard = ids["hard@eta.ru"];
    record_bounce(
        &db.pool,
        "hard@eta.ru",
        BounceKind::Hard,
        "5.1.1",
        "user unknown",
        Some(hard),
    )
    .await
    .unwrap();
    let soft = ids["soft@eta.ru"];
    let suppressed = |s: &serde_json::Value, reason: &str| {
        s["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["reason"] == reason)
    };
    for n in 1..=3 {
        record_bounce(
            &db.pool,
            "soft@eta.ru",
            BounceKind::Soft,
            "4.2.2",
            "mailbox full",
            Some(soft),
        )
        .await
        .unwrap();
        let (_, s) = app.get("/api/v1/suppressions", &app.admin_token).await;
        assert!(suppressed(&s, "hard_bounce"), "{s}");
        assert_eq!(
            suppressed(&s, "soft_bounce"),
            n == 3,
            "after {n} soft bounces: {s}"
        );
    }
    let (_, c) = app
        .get(&format!("/api/v1/campaigns/{id}"), &app.admin_token)
        .await;
    assert_eq!(c["stats"]["bounced"], 2, "{c}");
    assert_eq!(c["stats"]["sent"], 2, "{c}");
}

#[tokio::test]
async fn consent_withdrawn_after_the_start_skips_the_letter() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let co = company(&app, "Тета").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let email = format!("t{i}@theta.ru");
        ids.push(
            contact(
                &app,
                &format!("Тета {i}"),
                &email,
                Some(co),
                &["w"],
                Some(true),
            )
            .await,
        );
    }
    // One letter a second: the last one is still pending when its contact withdraws consent in the CRM.
    let extra = json!({"concurrency": 1, "per_second": 1});
    let id = campaign(&app, &app.admin_token, "w", extra).await;
    start(&app, &app.admin_token, id).await;
    let body = json!({"granted": false, "legal_basis": "152-FZ art. 9", "source": "phone call"});
    let path = format!("/api/v1/contacts/{}/consent", ids[2]);
    let (status, _) = app.post(&path, &app.admin_token, body).await;
    assert!(status < 300);
    let c = wait_until(
        &app,
        &app.admin_token,
        id,
        Duration::from_secs(20),
        status_is("done"),
    )
    .await;
    assert_eq!(
        (c["stats"]["sent"].as_i64(), c["stats"]["skipped"].as_i64()),
        (Some(2), Some(1)),
        "{c}"
    );
    assert!(!by_rcpt(&sink.received()).contains_key("t2@theta.ru"));
}
