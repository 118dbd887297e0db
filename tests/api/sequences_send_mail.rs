//! Mail that comes back to a sequence's mailbox over IMAP, against a real Dovecot and SMTP sink, the clock injected:
//! a DSN of step 1 (hard) stops the enrolment `bounced`, suppresses the address and step 2 never goes, while a soft
//! one is recorded on the letter and step 2 still goes; an out-of-office reply naming a return date holds step 2
//! till that day, and one naming none changes nothing.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::World;
use crate::dovecot::USER;
use crate::sequences_send::sequence_with;
use crate::sequences_support::{enrol, enrolments, report, secs, sending_world, DAY, HOUR};

const HARD: &str = "irina@client-firm.ru";
const SOFT: &str = "petr@other-firm.ru";
const UNQUOTED: &str = "olga@third-firm.ru";

fn now_rfc2822() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}

/// A delivery status notification as Postfix writes it: multipart/report with the original's headers (some
/// servers leave them out: `original_id` None).
fn dsn(
    recipient: &str,
    status: &str,
    diagnostic: &str,
    original_id: Option<&str>,
    n: u32,
) -> Vec<u8> {
    let action = if status.starts_with('5') {
        "failed"
    } else {
        "delayed"
    };
    let original = original_id.map_or(String::new(), |id| {
        format!(
            "--b{n}\r\nContent-Type: text/rfc822-headers\r\n\r\n\
             From: {USER}\r\nTo: {recipient}\r\nSubject: =?UTF-8?B?0J/RgNC10LTQu9C+0LbQtdC90LjQtQ==?=\r\n\
             Message-ID: <{id}>\r\n\r\n"
        )
    });
    format!(
        "From: MAILER-DAEMON@mx.client-firm.ru (Mail Delivery System)\r\nTo: {USER}\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn{n}.{status}@mx.client-firm.ru>\r\n\
         Date: {date}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b{n}\"\r\n\r\n\
         --b{n}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
         This is the mail system at host mx.client-firm.ru.\r\n\r\nI'm sorry to have to inform you that your \
         message could not be delivered to one or more recipients.\r\n\r\n\
         --b{n}\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.client-firm.ru\r\nArrival-Date: {date}\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\nAction: {action}\r\n\
         Status: {status}\r\nRemote-MTA: dns; mail.client-firm.ru\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n\
         {original}--b{n}--\r\n",
        date = now_rfc2822()
    )
    .into_bytes()
}

/// An out-of-office reply of `from`, as Exchange sends one.
fn out_of_office(from: &str, id: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {USER}\r\nSubject: =?UTF-8?B?0JDQstGC0L7QvtGC0LLQtdGCOg==?= Предложение\r\n\
         Message-ID: <{id}>\r\nDate: {}\r\nAuto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        now_rfc2822()
    )
    .into_bytes()
}

async fn first_letters(w: &World, seq: i64, n: usize) -> Vec<Value> {
    w.sink.wait_for(n, Duration::from_secs(20)).await;
    let start = std::time::Instant::now();
    loop {
        let items = enrolments(w, seq).await;
        let sent = items
            .iter()
            .filter(|e| e["letters"][0]["state"] == "sent")
            .count();
        if sent == n {
            return items;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{items:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn by_address<'a>(items: &'a [Value], address: &str) -> &'a Value {
    items.iter().find(|e| e["address"] == address).unwrap()
}

/// Waits (up to 20 s) until the enrolment of `address` satisfies `done`.
async fn wait_for(w: &World, seq: i64, address: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let items = enrolments(w, seq).await;
        let e = by_address(&items, address).clone();
        if done(&e) {
            return e;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never got there: {e}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_hard_bounce_of_step_one_stops_the_enrolment_and_suppresses_the_address_a_soft_one_does_not(
) {
    let w = sending_world().await;
    let hard = w.contact("Ирина", &[HARD]).await;
    let soft = w.contact("Пётр", &[SOFT]).await;
    let unquoted = w.contact("Ольга", &[UNQUOTED]).await;
    let seq = sequence_with(&w, json!({}), None).await;
    enrol(&w, seq, &[hard, soft, unquoted]).await;
    let items = first_letters(&w, seq, 3).await;
    let id_of = |a: &str| {
        by_address(&items, a)["letters"][0]["message_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (hard_id, soft_id) = (id_of(HARD), id_of(SOFT));

    let user_unknown = "550 5.1.1 <irina@client-firm.ru>: Recipient address rejected: User unknown";
    w.dovecot
        .append(
            "INBOX",
            &dsn(HARD, "5.1.1", user_unknown, Some(&hard_id), 1),
        )
        .await;
    let full = "452 4.2.2 <petr@other-firm.ru>: Mailbox full";
    w.dovecot
        .append("INBOX", &dsn(SOFT, "4.2.2", full, Some(&soft_id), 2))
        .await;
    let no_such = "550 5.1.1 <olga@third-firm.ru>: No such user";
    w.dovecot
        .append("INBOX", &dsn(UNQUOTED, "5.1.1", no_such, None, 3))
        .await;
    w.sync().await;

    let e = wait_for(&w, seq, HARD, |e| e["state"] == "stopped").await;
    assert_eq!(e["stop_reason"], "bounced", "{e}");
    assert_eq!(e["letters"][0]["bounce_status"], "5.1.1", "{e}");
    assert!(
        e["letters"][0]["bounce_diagnostic"]
            .as_str()
            .unwrap()
            .contains("User unknown"),
        "{e}"
    );
    let e = wait_for(&w, seq, SOFT, |e| {
        e["letters"][0]["bounce_status"] == "4.2.2"
    })
    .await;
    assert_eq!(
        (&e["state"], &e["next_step"]),
        (&json!("active"), &json!(2)),
        "a soft bounce does not stop: {e}"
    );
    // A DSN quoting no Message-ID, in the sequence's mailbox: taken as about the latest letter to that address.
    let e = wait_for(&w, seq, UNQUOTED, |e| e["state"] == "stopped").await;
    let shown = (&e["stop_reason"], &e["letters"][0]["bounce_status"]);
    assert_eq!(shown, (&json!("bounced"), &json!("5.1.1")), "{e}");

    // The hard bounce is a suppression as campaigns record them; the soft one is not, nor the one that quotes no
    // letter of ours (anyone could write it).
    let (status, list) =
        w.a.call(Method::GET, "/api/v1/suppressions", &w.admin, None)
            .await;
    assert_eq!(status, 200, "{list}");
    let reasons: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["address"].as_str().unwrap().into(),
                s["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![(HARD.to_string(), "hard_bounce".to_string())],
        "{list}"
    );

    // Past step 2's delay: it goes to the soft-bounced address only.
    w.advance(3 * DAY);
    let got = w.sink.wait_for(4, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got_now = w.sink.received();
    assert_eq!(got_now.len(), 4, "step 2 went to a hard-bounced address");
    for address in [HARD, UNQUOTED] {
        let to = got.iter().filter(|m| m.rcpt_to.contains(address)).count();
        assert_eq!(to, 1, "only step 1 went to {address}");
    }
    let r = report(&w, seq).await;
    assert_eq!(
        (&r["bounced"], &r["steps"][1]["sent"]),
        (&json!(2), &json!(1)),
        "{r}"
    );
}

const RU_MONTHS: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

#[tokio::test]
async fn an_out_of_office_reply_naming_a_return_date_holds_step_two_till_that_day_one_naming_none_does_not(
) {
    let w = sending_world().await;
    let away = w.contact("Ирина", &[HARD]).await;
    let vague = w.contact("Пётр", &[SOFT]).await;
    let seq = sequence_with(&w, json!({"wait_for_return": true}), None).await;
    enrol(&w, seq, &[away, vague]).await;
    let items = first_letters(&w, seq, 2).await;
    let normal_due = secs(&by_address(&items, SOFT)["next_due_at"]);

    // Back in ten days (the reply's own date is today): "буду в офисе с 11 декабря".
    let back = time::OffsetDateTime::now_utc().date() + time::Duration::days(10);
    let text = format!(
        "Здравствуйте!\r\nЯ в отпуске, буду в офисе с {} {}. Письма не пересылаются.\r\n",
        back.day(),
        RU_MONTHS[usize::from(u8::from(back.month())) - 1]
    );
    w.dovecot
        .append("INBOX", &out_of_office(HARD, "ooo1@client-firm.ru", &text))
        .await;
    let none = "Спасибо за письмо. Я сейчас не в офисе и отвечу позже.";
    w.dovecot
        .append("INBOX", &out_of_office(SOFT, "ooo2@other-firm.ru", none))
        .await;
    w.sync().await;

    let midnight = back.midnight().assume_utc().unix_timestamp();
    let e = wait_for(&w, seq, HARD, |e| secs(&e["next_due_at"]) == midnight).await;
    assert_eq!(e["state"], "active", "an auto-reply is not a reply: {e}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let e = by_address(&enrolments(&w, seq).await, SOFT).clone();
    assert_eq!(
        secs(&e["next_due_at"]),
        normal_due,
        "no date named, nothing changes: {e}"
    );

    // Step 2's own delay passes: it goes to the one who named no date, not to the one away.
    w.advance(2 * DAY + HOUR);
    w.sink.wait_for(3, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got = w.sink.received();
    assert_eq!(got.len(), 3, "step 2 went before the return date");
    assert_eq!(got.iter().filter(|m| m.rcpt_to.contains(HARD)).count(), 1);
    // The day they are back, it goes.
    w.advance(8 * DAY);
    w.sink.wait_for(4, Duration::from_secs(20)).await;
    let e = wait_for(&w, seq, HARD, |e| e["state"] == "finished").await;
    assert!(secs(&e["letters"][1]["sent_at"]) >= midnight, "{e}");
}
