//! DSNs for campaign letters arriving in a real Dovecot bounce mailbox: a DSN to the letter's signed VERP address
//! suppresses the recipient and counts for the campaign; one to a VERP address with a forged signature is ignored.
//! A DSN to any other address counts only when it quotes a letter we sent to the bounced address; others are
//! listed unverified and suppress nothing.

use std::time::Duration;

use serde_json::json;

use crate::campaign_fixtures::*;
use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::mail_sync::{add_mailbox, sync};
use crate::smtp_sink::SmtpSink;

fn dsn(n: usize, to: &str, failed: &str) -> Vec<u8> {
    dsn_about(n, to, failed, "5.1.1", None)
}

/// A DSN with the given status, quoting the original letter's headers when `original` (a Message-ID) is given.
fn dsn_about(n: usize, to: &str, failed: &str, status: &str, original: Option<&str>) -> Vec<u8> {
    let quoted = original
        .map(|id| {
            format!(
                "--B{n}\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@nordwind.ru\r\nTo: {failed}\r\n\
                 Message-ID: {id}\r\n\r\n"
            )
        })
        .unwrap_or_default();
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.kappa.ru>\r\n\
         To: {to}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: Sat, 07 Nov 2026 10:00:00 +0300\r\n\
         Message-ID: <dsn-{n}@mx.kappa.ru>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B{n}\"\r\n\
         \r\n\
         --B{n}\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         Your message could not be delivered.\r\n\
         \r\n\
         --B{n}\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.kappa.ru\r\n\
         \r\n\
         Final-Recipient: rfc822; {failed}\r\n\
         Action: failed\r\n\
         Status: {status}\r\n\
         Diagnostic-Code: smtp; 550 {status} <{failed}>: User unknown\r\n\
         \r\n\
         {quoted}--B{n}--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn dsns_to_signed_verp_addresses_suppress_and_forged_signatures_are_ignored() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let token = app.admin_token.clone();
    let co = company(&app, "Каппа").await;
    for who in ["gone", "fine"] {
        let email = format!("{who}@kappa.ru");
        contact(&app, who, &email, Some(co), &["dsn"], Some(true)).await;
    }
    let id = campaign(&app, &token, "dsn", json!({})).await;
    start(&app, &token, id).await;
    wait_until(&app, &token, id, Duration::from_secs(20), status_is("done")).await;
    let received = sink.received();
    let verp_of = |address: &str| {
        received
            .iter()
            .find(|r| r.rcpt_to == address)
            .map(|r| r.mail_from.clone())
            .unwrap_or_else(|| panic!("no letter to {address}"))
    };
    let signed = verp_of("gone@kappa.ru");
    let (c, _) = mailroom::campaigns::verp::parse(&signed).expect("a VERP sender");
    assert_eq!(c, id);
    // The other letter's VERP address with its signature altered, reporting the other address as gone.
    let other = verp_of("fine@kappa.ru");
    let (local, domain) = other.rsplit_once('@').unwrap();
    let (unsigned, sig) = local.rsplit_once('-').unwrap();
    let flipped: String = sig
        .chars()
        .map(|ch| if ch == '0' { '1' } else { '0' })
        .collect();
    let forged = format!("{unsigned}-{flipped}@{domain}");

    let dovecot = Dovecot::start();
    dovecot
        .append("INBOX", &dsn(1, &signed, "gone@kappa.ru"))
        .await;
    dovecot
        .append("INBOX", &dsn(2, &forged, "fine@kappa.ru"))
        .await;
    let mailbox = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, mailbox).await;
    assert_eq!(status, 200, "{report}");

    let (_, sup) = app.get("/api/v1/suppressions", &token).await;
    let reason_of = |address: &str| {
        sup["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["address"] == address)
            .map(|s| s["reason"].clone())
    };
    assert_eq!(
        reason_of("gone@kappa.ru"),
        Some(json!("hard_bounce")),
        "{sup}"
    );
    assert_eq!(
        reason_of("fine@kappa.ru"),
        None,
        "a forged DSN suppresses nothing: {sup}"
    );
    let (_, bounces) = app.get("/api/v1/bounces", &token).await;
    let list = bounces.as_array().unwrap();
    assert!(
        list.iter().all(|b| b["address"] != "fine@kappa.ru"),
        "{bounces}"
    );
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(
        c["stats"]["bounced"], 1,
        "the signed DSN counts for its campaign: {c}"
    );
}

#[tokio::test]
async fn a_forged_dsn_is_listed_unverified_and_suppresses_nothing_but_one_quoting_a_sent_letter_does(
) {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let token = app.admin_token.clone();
    let co = company(&app, "Лямбда").await;
    for who in ["gone", "full"] {
        let email = format!("{who}@lambda.ru");
        contact(&app, who, &email, Some(co), &["dsn2"], Some(true)).await;
    }
    let id = campaign(&app, &token, "dsn2", json!({})).await;
    start(&app, &token, id).await;
    wait_until(&app, &token, id, Duration::from_secs(20), status_is("done")).await;
    let letter_to_gone = sink
        .received()
        .iter()
        .find(|r| r.rcpt_to == "gone@lambda.ru")
        .and_then(|r| r.header("Message-ID"))
        .expect("the letter to gone@ has a Message-ID");

    let dovecot = Dovecot::start();
    // Mail a salesperson sent, synced from the Sent folder before its bounce arrives.
    let offer = format!(
        "From: {USER}\r\nTo: Партнёр <partner@mu.ru>\r\nSubject: Предложение\r\nMessage-ID: <offer-1@nordwind.ru>\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nДобрый день!\r\n"
    );
    dovecot.append("Sent", offer.as_bytes()).await;
    let mailbox = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, mailbox).await;
    assert_eq!(status, 200, "{report}");

    // None of these comes to a VERP address: only the quoted Message-ID can tie them to a letter.
    let dsns = [
        dsn_about(1, USER, "gone@lambda.ru", "5.1.1", Some(&letter_to_gone)),
        dsn_about(
            2,
            USER,
            "stranger@lambda.ru",
            "5.1.1",
            Some("<c1.r1.0123456789abcdef@nordwind.ru>"),
        ),
        // The letter to gone@ quoted about another address we mailed.
        dsn_about(3, USER, "full@lambda.ru", "5.1.1", Some(&letter_to_gone)),
        // As many soft bounces as the limit, about nothing we sent.
        dsn_about(4, USER, "full@lambda.ru", "4.2.2", None),
        dsn_about(5, USER, "full@lambda.ru", "4.2.2", None),
        dsn_about(6, USER, "full@lambda.ru", "4.2.2", None),
        dsn_about(
            7,
            USER,
            "partner@mu.ru",
            "5.1.1",
            Some("<offer-1@nordwind.ru>"),
        ),
    ];
    dovecot.append_many("INBOX", &dsns).await;
    let (status, report) = sync(&app, mailbox).await;
    assert_eq!(status, 200, "{report}");

    let (_, sup) = app.get("/api/v1/suppressions", &token).await;
    let mut suppressed: Vec<(String, String)> = sup["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["address"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    suppressed.sort();
    assert_eq!(
        suppressed,
        [
            ("gone@lambda.ru".to_string(), "hard_bounce".to_string()),
            ("partner@mu.ru".to_string(), "hard_bounce".to_string()),
        ],
        "only the bounces of letters we sent suppress: {sup}"
    );
    let (_, bounces) = app.get("/api/v1/bounces", &token).await;
    let list = bounces.as_array().unwrap();
    assert_eq!(list.len(), 7, "every DSN is listed: {bounces}");
    let verified = |address: &str| -> Vec<bool> {
        list.iter()
            .filter(|b| b["address"] == address)
            .map(|b| b["verified"].as_bool().unwrap())
            .collect()
    };
    assert_eq!(verified("gone@lambda.ru"), [true]);
    assert_eq!(verified("partner@mu.ru"), [true]);
    assert_eq!(verified("stranger@lambda.ru"), [false]);
    assert_eq!(verified("full@lambda.ru"), [false; 4]);
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(
        c["stats"]["bounced"], 1,
        "the DSN quoting its letter counts for the campaign: {c}"
    );
}
