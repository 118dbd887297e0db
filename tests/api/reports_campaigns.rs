//! Campaign results (issue 17): a campaign sent through smtp-sink, then replies, an auto-reply, a late and an early
//! mail and a DSN arriving in a real Dovecot, and a one-click unsubscribe: sent, bounced, unsubscribed and replied
//! within 7 days, counted by hand below; who may run the report and how its range filters.

use std::time::Duration;

use serde_json::{json, Value};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

use crate::campaign_fixtures::*;
use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::error_code;
use crate::mail_sync::{add_mailbox, sync};
use crate::reports::report;
use crate::smtp_sink::SmtpSink;

fn mail(n: usize, from: &str, at: OffsetDateTime, extra: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: news@nordwind.ru\r\nSubject: Re: offer\r\nDate: {}\r\nMessage-ID: <r{n}@kappa.ru>\r\n\
         {extra}Content-Type: text/plain; charset=utf-8\r\n\r\nОтвет {n}\r\n",
        at.format(&Rfc2822).unwrap()
    )
    .into_bytes()
}

/// A DSN to the letter's VERP address reporting `failed` as unknown.
fn dsn(verp: &str, failed: &str) -> Vec<u8> {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.kappa.ru>\r\nTo: {verp}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nDate: Sat, 07 Nov 2026 10:00:00 +0300\r\n\
         Message-ID: <dsn-1@mx.kappa.ru>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n\r\n\
         --B1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered.\r\n\r\n\
         --B1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.kappa.ru\r\n\r\n\
         Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: User unknown\r\n\r\n--B1--\r\n"
    )
    .into_bytes()
}

fn row(v: &Value, id: i64) -> Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["campaign_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no campaign {id}: {v}"))
}

#[tokio::test]
async fn campaign_results_count_sent_bounced_unsubscribed_and_replies_within_7_days() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, mkt) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let (_, sales) = app.user_with_role("s@nordwind.ru", "sales").await;
    let co = company(&app, "Каппа").await;
    for i in 1..=4 {
        let email = format!("r{i}@kappa.ru");
        contact(
            &app,
            &format!("Читатель {i}"),
            &email,
            Some(co),
            &["promo"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &mkt, "promo", json!({})).await;
    start(&app, &mkt, id).await;
    wait_until(&app, &mkt, id, Duration::from_secs(20), status_is("done")).await;
    let draft = campaign(&app, &mkt, "later", json!({})).await;

    let (_, list) = app
        .get(
            &format!("/api/v1/campaigns/{id}/recipients?state=sent"),
            &mkt,
        )
        .await;
    let letters = list["items"].as_array().unwrap().clone();
    assert_eq!(letters.len(), 4, "{list}");
    let letter = |address: &str| {
        letters
            .iter()
            .find(|r| r["address"] == address)
            .cloned()
            .unwrap_or_else(|| panic!("{address}: {list}"))
    };
    let sent_at = |address: &str| {
        OffsetDateTime::parse(letter(address)["sent_at"].as_str().unwrap(), &Rfc3339).unwrap()
    };
    let day = time::Duration::days(1);
    let verp = sink
        .received()
        .iter()
        .find(|r| r.rcpt_to == "r4@kappa.ru")
        .map(|r| r.mail_from.clone())
        .expect("the letter to r4");
    // r1 answers the next day (a reply); r2 wrote the day before the letter and 8 days after it (neither counts);
    // r3's auto-reply is not human mail; r4's letter bounced.
    let dovecot = Dovecot::start();
    let inbox = [
        mail(1, "r1@kappa.ru", sent_at("r1@kappa.ru") + day, ""),
        mail(2, "r2@kappa.ru", sent_at("r2@kappa.ru") - day, ""),
        mail(3, "r2@kappa.ru", sent_at("r2@kappa.ru") + day * 8, ""),
        mail(
            4,
            "r3@kappa.ru",
            sent_at("r3@kappa.ru") + time::Duration::hours(1),
            "Auto-Submitted: auto-replied\r\n",
        ),
        dsn(&verp, "r4@kappa.ru"),
    ];
    dovecot.append_many("INBOX", &inbox).await;
    let mailbox = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, synced) = sync(&app, mailbox).await;
    assert_eq!(status, 200, "{synced}");
    // r1 also unsubscribes with their letter's one-click link.
    let r1 = letter("r1@kappa.ru");
    let token = mailroom_token(&app, id, r1["id"].as_i64().unwrap(), "r1@kappa.ru");
    let response = app
        .client
        .post(format!("{}/u/{token}", app.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let all = report(&app, &mkt, "/api/v1/reports/campaigns").await;
    let sent = row(&all, id);
    assert_eq!(
        (
            &sent["name"],
            &sent["sent"],
            &sent["bounced"],
            &sent["unsubscribed"],
            &sent["replied"],
            &sent["reply_rate"]
        ),
        (
            &json!("c-promo"),
            &json!(4),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(0.25)
        ),
        "{sent}"
    );
    assert!(
        sent["started_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "{sent}"
    );
    let unsent = row(&all, draft);
    assert_eq!(
        (
            &unsent["sent"],
            &unsent["replied"],
            &unsent["reply_rate"],
            &unsent["started_at"]
        ),
        (&json!(0), &json!(0), &Value::Null, &Value::Null),
        "{unsent}"
    );
    // The admin sees the same; a salesperson may not run it.
    assert_eq!(
        report(&app, &app.admin_token, "/api/v1/reports/campaigns").await,
        all
    );
    let (status, body) = app.get("/api/v1/reports/campaigns", &sales).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
    // A range keeps the campaigns started in it (never-started ones have no start).
    let today = OffsetDateTime::now_utc().date();
    let started = report(
        &app,
        &mkt,
        &format!("/api/v1/reports/campaigns?from={today}&to={today}"),
    )
    .await;
    let ids: Vec<i64> = started["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["campaign_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    let january = report(
        &app,
        &mkt,
        "/api/v1/reports/campaigns?from=2026-01-01&to=2026-01-31",
    )
    .await;
    assert_eq!(january["rows"], json!([]));
    let (status, body) = app.get("/api/v1/reports/campaigns?team_id=1", &mkt).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("team_id")),
        "{body}"
    );
    // As CSV with Russian headers.
    let csv =
        crate::reports_quality::file(&app, &mkt, "/api/v1/reports/campaigns?format=csv", "ru")
            .await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Кампания;Запущена (UTC);Отправлено;Недоставлено;Отписались;Ответили за 7 дней;Доля ответивших"
    );
    assert!(
        lines[1].starts_with("c-promo;") && lines[1].ends_with(";4;1;1;1;0.25"),
        "{text}"
    );
}
