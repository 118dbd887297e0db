//! Campaigns sent to a real SMTP server (smtp-sink): what arrives, retries, refusals, unsubscribe mid-campaign.

use std::collections::HashMap;
use std::time::Duration;

use mail_parser::MessageParser;
use reqwest::Method;
use serde_json::json;

use crate::campaign_fixtures::*;
use crate::helpers::{spawn_app_with, TestApp};
use crate::smtp_sink::{Received, SmtpSink};

async fn app_for(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |c| {
        c.smtp_url = Some(url.into());
        c.send_retry_base_ms = 200;
        c.send_lease_seconds = 2;
    })
    .await
}

fn by_rcpt(received: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in received {
        *counts.entry(r.rcpt_to.clone()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn campaign_delivers_one_personalized_letter_per_consenting_address() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    admin_phone(&app, "+7 812 555-01-02").await;
    let co = company(&app, "ООО «Ромашка»").await;
    contact(
        &app,
        "Анна Петрова",
        "anna@romashka.ru",
        Some(co),
        &["spring"],
        Some(true),
    )
    .await;
    contact(
        &app,
        "Анна (дубль)",
        "anna@romashka.ru",
        Some(co),
        &["spring"],
        Some(true),
    )
    .await;
    contact(
        &app,
        "Ёжиков Пётр",
        "petr@romashka.ru",
        Some(co),
        &["spring"],
        Some(true),
    )
    .await;
    contact(
        &app,
        "Отказался",
        "no@romashka.ru",
        Some(co),
        &["spring"],
        Some(false),
    )
    .await;
    contact(
        &app,
        "Молчун",
        "silent@romashka.ru",
        Some(co),
        &["spring"],
        None,
    )
    .await;
    contact(
        &app,
        "Отписан",
        "gone@romashka.ru",
        Some(co),
        &["spring"],
        Some(true),
    )
    .await;
    app.post(
        "/api/v1/suppressions",
        &token,
        json!({"address": "gone@romashka.ru"}),
    )
    .await;

    let id = campaign(&app, &token, "spring", json!({"concurrency": 2})).await;
    let c = start(&app, &token, id).await;
    assert_eq!(c["stats"]["total"], 2, "{c}");
    let c = wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
    assert_eq!(c["stats"]["sent"], 2, "{c}");

    let received = sink.received();
    let counts = by_rcpt(&received);
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert_eq!(counts["anna@romashka.ru"], 1);
    assert_eq!(counts["petr@romashka.ru"], 1);
    for r in &received {
        let m = MessageParser::default()
            .parse(&r.raw)
            .expect("a parseable letter");
        let to = m.to().and_then(|a| a.first()).expect("To");
        let name = to.name().unwrap_or_default().to_string();
        let expected = if r.rcpt_to == "anna@romashka.ru" {
            "Анна Петрова"
        } else {
            "Ёжиков Пётр"
        };
        assert_eq!(name, expected, "UTF-8 display name decoded");
        assert_eq!(
            m.subject(),
            Some(format!("Предложение для ООО «Ромашка», {expected}").as_str())
        );
        let from = m.from().and_then(|a| a.first()).unwrap();
        assert_eq!(from.name(), Some("Нордвинд"));
        let html = m.body_html(0).unwrap();
        assert!(
            html.contains(&format!("Здравствуйте, {expected} (коллега)")),
            "{html}"
        );
        assert!(html.contains("+7 812 555-01-02"), "{html}");
        assert!(m.body_text(0).unwrap().contains(expected));
        let unsub = r
            .header("List-Unsubscribe")
            .expect("List-Unsubscribe header");
        assert!(
            unsub.starts_with(&format!("<{}/u/{id}.", app.base)),
            "{unsub}"
        );
        assert!(unsub.contains(", <mailto:bounces+c"), "{unsub}");
        let post = r.header("List-Unsubscribe-Post");
        assert_eq!(post.as_deref(), Some("List-Unsubscribe=One-Click"));
        let verp = mailroom::campaigns::verp::parse(&r.mail_from).expect("VERP envelope sender");
        assert_eq!(verp.0, id);
        assert!(r.mail_from.ends_with("@nordwind.ru"), "{}", r.mail_from);
    }
}

#[tokio::test]
async fn test_send_mails_one_rendered_copy_without_unsubscribe_headers() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let co = company(&app, "Бета").await;
    let c = contact(&app, "Ольга", "olga@beta.ru", Some(co), &[], None).await;
    let t = create(
        &app,
        &app.admin_token,
        "/api/v1/templates",
        greeting_template("t"),
    )
    .await;
    let path = format!("/api/v1/templates/{t}/test-send");
    let (status, body) = app
        .post(
            &path,
            &app.admin_token,
            json!({"contact_id": c, "to": "reviewer@nordwind.ru"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let got = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].rcpt_to, "reviewer@nordwind.ru");
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("Предложение для Бета, Ольга"));
    assert!(!String::from_utf8_lossy(&got[0].raw).contains("List-Unsubscribe"));
}

#[tokio::test]
async fn letters_answered_4xx_are_retried_until_accepted() {
    let port = SmtpSink::start().port; // a free port for the sink that will refuse
    let mut refusing = SmtpSink::start_on(port, &["-r", "rcpt"]);
    let app = app_for(&refusing).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Гамма").await;
    for i in 0..3 {
        contact(
            &app,
            &format!("Получатель {i}"),
            &format!("r{i}@gamma.ru"),
            Some(co),
            &["retry"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &token, "retry", json!({})).await;
    start(&app, &token, id).await;
    // Every letter is refused with 4xx and tried again (with backoff); none fails, none arrives.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let path = format!("/api/v1/campaigns/{id}/recipients");
        let (_, list) = app.get(&path, &token).await;
        let items = list["items"].as_array().unwrap().clone();
        let retrying = |r: &serde_json::Value| r["state"] == "pending" || r["state"] == "claimed";
        assert!(items.iter().all(retrying), "{list}");
        if items.iter().all(|r| r["attempts"].as_i64().unwrap() >= 2) {
            let error = items
                .iter()
                .find_map(|r| r["error"].as_str())
                .unwrap_or_default();
            assert!(error.contains("transient"), "the 4xx reply is kept: {list}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no retries: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refusing.received().is_empty());
    refusing.stop();
    let accepting = SmtpSink::start_on(port, &[]);
    let c = wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
    assert_eq!(c["stats"]["sent"], 3, "{c}");
    let counts = by_rcpt(&accepting.received());
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
}

#[tokio::test]
async fn letters_refused_5xx_fail_with_the_reply_bounce_and_pause_the_campaign() {
    let port = SmtpSink::start().port;
    let sink = SmtpSink::start_on(port, &["-f", "rcpt"]);
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Дельта").await;
    for i in 0..5 {
        contact(
            &app,
            &format!("Адресат {i}"),
            &format!("d{i}@delta.ru"),
            Some(co),
            &["hard"],
            Some(true),
        )
        .await;
    }
    let extra = json!({"concurrency": 1, "max_failures_in_row": 3});
    let id = campaign(&app, &token, "hard", extra).await;
    start(&app, &token, id).await;
    let c = wait_until(
        &app,
        &token,
        id,
        Duration::from_secs(30),
        status_is("paused"),
    )
    .await;
    assert_eq!(c["pause_reason"], "too many failures in a row");
    assert_eq!(c["stats"]["failed"], 3, "{c}");
    assert_eq!(c["stats"]["bounced"], 3, "{c}");
    assert_eq!(c["stats"]["pending"], 2, "{c}");
    let (_, list) = app
        .get(
            &format!("/api/v1/campaigns/{id}/recipients?state=failed"),
            &token,
        )
        .await;
    let error = list["items"][0]["error"].as_str().unwrap();
    assert!(error.contains("5"), "the reply text is kept: {error}");
    let (_, s) = app.get("/api/v1/suppressions", &token).await;
    let hard: Vec<_> = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"] == "hard_bounce")
        .collect();
    assert_eq!(hard.len(), 3, "{s}");
    // Cancel from paused ends it.
    let (status, c) = app
        .post(&format!("/api/v1/campaigns/{id}/cancel"), &token, json!({}))
        .await;
    assert_eq!((status, c["status"].as_str()), (200, Some("cancelled")));
}

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

/// The token a letter to this recipient carries, computed as the server does (same secret file in the data dir).
fn mailroom_token(app: &TestApp, campaign: i64, recipient: i64, address: &str) -> String {
    let secret = mailroom::auth::token::load_or_create_secret(&app.data_dir).expect("token secret");
    let key = mailroom::campaigns::unsubscribe::derive_key(&secret);
    mailroom::campaigns::unsubscribe::token(&key, campaign, recipient, address)
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
