//! Campaigns sent to a real SMTP server (smtp-sink): what arrives, test sends, retries after 4xx, refusals (5xx).

use std::time::Duration;

use mail_parser::MessageParser;
use serde_json::json;

use crate::campaign_fixtures::*;
use crate::smtp_sink::SmtpSink;

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
async fn letters_deferred_until_the_last_attempt_are_soft_bounces_that_suppress_at_the_limit() {
    let port = SmtpSink::start().port;
    let sink = SmtpSink::start_on(port, &["-r", "rcpt"]);
    let url = sink.url();
    let app = crate::helpers::spawn_app_with(move |c| {
        c.smtp_url = Some(url.into());
        c.send_retry_base_ms = 10;
        c.send_lease_seconds = 2;
    })
    .await;
    let token = app.admin_token.clone();
    let co = company(&app, "Эпсилон").await;
    let tags = ["soft1", "soft2", "soft3"];
    let contact_id = contact(
        &app,
        "Евгений",
        "full@epsilon.ru",
        Some(co),
        &tags,
        Some(true),
    )
    .await;

    // The default limit is 3 soft bounces: each campaign's letter is deferred until it fails, one soft bounce each.
    for round in 1..=3 {
        let id = campaign(&app, &token, &format!("soft{round}"), json!({})).await;
        start(&app, &token, id).await;
        let c = wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
        assert_eq!(c["stats"]["failed"], 1, "{c}");
        assert_eq!(c["stats"]["bounced"], 1, "the final 4xx is a bounce: {c}");
        let (_, list) = app
            .get(&format!("/api/v1/campaigns/{id}/recipients"), &token)
            .await;
        let r = &list["items"][0];
        assert_eq!(r["attempts"], 6, "{list}");
        assert!(r["error"].as_str().unwrap().contains("transient"), "{list}");
        let (_, sup) = app.get("/api/v1/suppressions", &token).await;
        let suppressed = sup["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["address"] == "full@epsilon.ru");
        if round < 3 {
            assert!(suppressed.is_none(), "round {round}: {sup}");
        } else {
            let s = suppressed.unwrap_or_else(|| panic!("suppressed after 3: {sup}"));
            assert_eq!(s["reason"], "soft_bounce", "{sup}");
        }
    }
    assert!(sink.received().is_empty());

    // A test send deferred by the server says so, with the server's reply.
    let t = create(
        &app,
        &token,
        "/api/v1/templates",
        greeting_template("deferred"),
    )
    .await;
    let path = format!("/api/v1/templates/{t}/test-send");
    let (status, body) = app
        .post(
            &path,
            &token,
            json!({"contact_id": contact_id, "to": "reviewer@nordwind.ru"}),
        )
        .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "smtp_deferred", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("45"),
        "the 4xx reply: {body}"
    );
}
