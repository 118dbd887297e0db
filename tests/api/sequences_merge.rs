//! Personal mail merge against a real Dovecot and a real SMTP sink: three contacts and two uploads give three
//! letters, one per recipient, each personal and carrying both files byte for byte, filed in Sent; sequence letters
//! and the stop after the client's reply are on the contact's timeline and in the report per step.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::{client_mail, CLIENT};
use crate::helpers::error_code;
use crate::sequences_merge_support::{
    always, attachments_of, sent_letters, text_of, timeline_of, upload,
};
use crate::sequences_support::{enrol, report, sending_world, sequence, subject, wait_enrolment};

/// A binary file (every byte value, NULs included) and a text one with a Cyrillic name.
fn files() -> (Vec<u8>, Vec<u8>) {
    let pdf: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..4096u32).map(|i| (i * 7 % 256) as u8))
        .collect();
    let price = "Прайс-лист: 1 000 ₽ за место.\r\n".repeat(50).into_bytes();
    (pdf, price)
}

#[tokio::test]
async fn a_mail_merge_of_three_contacts_sends_each_their_own_letter_with_both_attachments_filed_in_sent(
) {
    let w = sending_world().await;
    let people = [
        ("Ирина", "irina@client-firm.ru"),
        ("Пётр", "petr@other-firm.ru"),
        ("Анна", "anna@third-firm.ru"),
    ];
    let mut contacts = Vec::new();
    for (name, address) in people {
        contacts.push(w.contact(name, &[address]).await);
    }
    let (pdf, price) = files();
    let (status, a) = upload(&w, &w.owner, "Предложение.pdf", "application/pdf", &pdf).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (&a["name"], &a["size"]),
        (&json!("Предложение.pdf"), &json!(pdf.len()))
    );
    let (status, b) = upload(
        &w,
        &w.owner,
        "Прайс.txt",
        "text/plain; charset=utf-8",
        &price,
    )
    .await;
    assert_eq!(status, 201, "{b}");
    let ids = vec![a["id"].clone(), b["id"].clone()];

    // Someone else's upload, or an oversized file, is refused.
    let (status, theirs) = upload(&w, &w.stranger, "x.txt", "text/plain", b"x").await;
    assert_eq!(status, 201, "{theirs}");
    let merge = |attachments: Vec<Value>| {
        json!({"mailbox_id": w.mailbox, "subject": "Предложение для {{contact.name}}",
            "body": "Здравствуйте, {{contact.name}}! Наше предложение во вложении.",
            "attachment_ids": attachments, "contact_ids": contacts, "send_window": always()})
    };
    let (status, e) =
        w.a.call(
            Method::POST,
            "/api/v1/mail-merge",
            &w.owner,
            Some(merge(vec![theirs["id"].clone()])),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("attachment_ids")),
        "{e}"
    );
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let (status, e) = upload(&w, &w.owner, "big.bin", "application/octet-stream", &big).await;
    assert_eq!(
        (status, error_code(&e)),
        (422, "attachment_too_large"),
        "{e}"
    );

    let (status, answer) =
        w.a.call(
            Method::POST,
            "/api/v1/mail-merge",
            &w.owner,
            Some(merge(ids.clone())),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        (&answer["enrolled"], &answer["skipped"]),
        (&json!(3), &json!([])),
        "{answer}"
    );
    let seq = answer["sequence_id"].as_i64().unwrap();

    // Three letters, each to one recipient only (no Bcc, no shared To), personal, with both files intact.
    let got = w.sink.wait_for(3, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 3);
    for (name, address) in people {
        let letter = got
            .iter()
            .find(|m| m.rcpt_to.contains(address))
            .unwrap_or_else(|| panic!("no letter to {address}"));
        assert_eq!(letter.rcpt_to.matches('@').count(), 1, "{}", letter.rcpt_to);
        assert_eq!(letter.header("To").unwrap().matches('@').count(), 1);
        assert!(letter.header("Bcc").is_none() && letter.header("Cc").is_none());
        assert_eq!(subject(letter), format!("Предложение для {name}"));
        let text = text_of(&letter.raw);
        assert!(text.contains(&format!("Здравствуйте, {name}!")), "{text}");
        let others = people.iter().filter(|(n, _)| *n != name);
        assert!(others.clone().all(|(n, _)| !text.contains(n)), "{text}");
        assert_eq!(
            attachments_of(&letter.raw),
            vec![
                ("Предложение.pdf".to_string(), pdf.clone()),
                ("Прайс.txt".to_string(), price.clone())
            ]
        );
    }

    // Each went from the owner's mailbox and is in its Sent folder over IMAP, files and all.
    let e = wait_enrolment(&w, seq, |_| true).await;
    assert_eq!(e["sequence_id"], seq);
    let start = std::time::Instant::now();
    let sent = loop {
        let sent = sent_letters(&w).await;
        if sent.len() >= 3 || start.elapsed() > Duration::from_secs(20) {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(sent.len(), 3, "letters in Sent");
    for raw in &sent {
        assert_eq!(attachments_of(raw).len(), 2);
        assert_eq!(attachments_of(raw)[0].1, pdf);
    }

    // The merge is a sequence of kind merge whose one step shows its attachments; the report counts three.
    let (status, s) =
        w.a.call(
            Method::GET,
            &format!("/api/v1/sequences/{seq}"),
            &w.owner,
            None,
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["kind"], "merge");
    let shown: Vec<(&Value, &Value)> = s["steps"][0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (&a["id"], &a["content_type"]))
        .collect();
    assert_eq!(
        shown,
        vec![
            (&ids[0], &json!("application/pdf")),
            (&ids[1], &json!("text/plain; charset=utf-8"))
        ]
    );
    let (_, list) =
        w.a.call(Method::GET, "/api/v1/sequences", &w.owner, None)
            .await;
    assert_eq!(list["items"][0]["kind"], "merge", "{list}");
    let r = report(&w, seq).await;
    assert_eq!(
        (&r["enrolled"], &r["steps"][0]["sent"]),
        (&json!(3), &json!(3)),
        "{r}"
    );

    // An attachment a step carries is not deleted; the stranger's own one is.
    let path = format!("/api/v1/sequences/attachments/{}", ids[0]);
    let (status, e) = w.a.call(Method::DELETE, &path, &w.owner, None).await;
    assert_eq!((status, error_code(&e)), (409, "in_use"), "{e}");
    assert_eq!(e["error"]["details"]["sequence_ids"], json!([seq]));
    let (status, _) = w.a.call(Method::DELETE, &path, &w.stranger, None).await;
    assert_eq!(status, 404, "another's attachment is not theirs to delete");
    let path = format!("/api/v1/sequences/attachments/{}", theirs["id"]);
    let (status, _) = w.a.call(Method::DELETE, &path, &w.stranger, None).await;
    assert_eq!(status, 204);

    // Each contact's timeline shows their letter.
    let letters = timeline_of(&w, contacts[1], "sequence_letter").await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(
        (
            &letters[0]["sequence_id"],
            &letters[0]["step"],
            &letters[0]["subject"]
        ),
        (&json!(seq), &json!(1), &json!("Предложение для Пётр"))
    );
    assert!(letters[0]["sent_at"].is_string());
}

#[tokio::test]
async fn the_timeline_shows_each_sequence_letter_and_each_stop_and_the_report_counts_stops_per_step(
) {
    let w = sending_world().await;
    let contact = w.contact("Ирина", &[CLIENT]).await;
    let other = w.contact("Пётр", &["petr@other-firm.ru"]).await;
    let seq = sequence(&w, json!({"days": 2}), None).await;
    enrol(&w, seq, &[contact, other]).await;
    w.sink.wait_for(2, Duration::from_secs(20)).await;
    wait_enrolment(&w, seq, |e| e["letters"][0]["state"] == "sent").await;
    let letters = timeline_of(&w, contact, "sequence_letter").await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(
        (
            &letters[0]["sequence_name"],
            &letters[0]["step"],
            &letters[0]["text"]
        ),
        (
            &json!("Предложение"),
            &json!(1),
            &json!("Предложение для Ирина")
        )
    );
    assert!(timeline_of(&w, contact, "sequence_stopped")
        .await
        .is_empty());

    let reply = client_mail(
        CLIENT,
        "answer-merge@client-firm.ru",
        "Re: Предложение для Ирина",
        "",
    );
    w.dovecot.append("INBOX", &reply).await;
    w.sync().await;
    wait_enrolment(&w, seq, |e| e["state"] == "stopped").await;
    let stops = timeline_of(&w, contact, "sequence_stopped").await;
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(
        (
            &stops[0]["sequence_name"],
            &stops[0]["reason"],
            &stops[0]["sequence_id"]
        ),
        (&json!("Предложение"), &json!("replied"), &json!(seq))
    );
    // Others who may not see the contact see no timeline at all.
    let path = format!("/api/v1/contacts/{contact}/timeline");
    let (status, _) = w.a.call(Method::GET, &path, &w.stranger, None).await;
    assert_eq!(status, 404);

    // The other address is suppressed after step 1: that stop too is on the timeline.
    let body = json!({"address": "petr@other-firm.ru", "detail": "asked by phone"});
    let (status, e) =
        w.a.call(Method::POST, "/api/v1/suppressions", &w.admin, Some(body))
            .await;
    assert_eq!(status, 204, "{e}");
    let start = std::time::Instant::now();
    let stops = loop {
        let stops = timeline_of(&w, other, "sequence_stopped").await;
        if !stops.is_empty() || start.elapsed() > Duration::from_secs(20) {
            break stops;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0]["reason"], "suppressed");

    // The report puts each stop after step 1, the step that went last.
    let r = report(&w, seq).await;
    let s0 = &r["steps"][0];
    assert_eq!(
        (
            &s0["replied"],
            &s0["unsubscribed"],
            &r["steps"][1]["replied"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{r}"
    );
    assert_eq!(
        (&r["replied"], &r["unsubscribed"]),
        (&json!(1), &json!(1)),
        "{r}"
    );
}
