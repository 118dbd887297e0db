//! DSNs for campaign letters arriving in a real Dovecot bounce mailbox: a DSN to the letter's signed VERP address
//! suppresses the recipient and counts for the campaign; one to a VERP address with a forged signature is ignored.

use std::time::Duration;

use serde_json::json;

use crate::campaign_fixtures::*;
use crate::dovecot::{Dovecot, PASSWORD};
use crate::mail_sync::{add_mailbox, sync};
use crate::smtp_sink::SmtpSink;

fn dsn(n: usize, to: &str, failed: &str) -> Vec<u8> {
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
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: User unknown\r\n\
         \r\n\
         --B{n}--\r\n"
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
