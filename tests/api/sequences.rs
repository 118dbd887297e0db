//! Follow-up sequences against a real Dovecot and a real SMTP sink, two instances on one database, the clock
//! injected: the first step goes at once and lands in Sent; a reply synced before step 2 stops it; an
//! out-of-office reply does not; the sending window holds a night step till morning; each step goes once.

use std::time::Duration;

use serde_json::{json, Value};

use crate::awaiting_support::{client_mail, CLIENT};
use crate::sequences_support::{
    enrol, enrolments, report, secs, sending_world, sent_folder, sequence, subject, wait_enrolment,
    DAY, HOUR,
};

fn letters(e: &Value) -> &Vec<Value> {
    e["letters"].as_array().unwrap()
}

#[tokio::test]
async fn a_reply_synced_before_step_two_stops_the_sequence_and_step_two_never_goes() {
    let w = sending_world().await;
    let contact = w.contact("Ирина", &[CLIENT]).await;
    let seq = sequence(&w, json!({"working_days": 3}), None).await;
    let answer = enrol(&w, seq, &[contact]).await;
    assert_eq!(answer["enrolled"].as_array().unwrap().len(), 1, "{answer}");

    // Step 1 goes at once, from the mailbox's own SMTP, and is filed in its Sent folder.
    let got = w.sink.wait_for(1, Duration::from_secs(20)).await;
    assert!(got[0].rcpt_to.contains(CLIENT), "{}", got[0].rcpt_to);
    assert_eq!(subject(&got[0]), "Предложение для Ирина");
    let e = wait_enrolment(&w, seq, |e| {
        letters(e)
            .first()
            .is_some_and(|l| l["filed_in_sent"] == true)
    })
    .await;
    let first = &letters(&e)[0];
    assert_eq!(
        (&first["step"], &first["state"]),
        (&json!(1), &json!("sent")),
        "{e}"
    );
    let message_id = first["message_id"].as_str().unwrap().to_string();
    assert_eq!(
        got[0].header("Message-ID").unwrap(),
        format!("<{message_id}>")
    );
    assert_eq!(sent_folder(&w).await, vec![format!("<{message_id}>")]);
    assert_eq!(
        (&e["state"], &e["next_step"]),
        (&json!("active"), &json!(2))
    );

    // The client answers; the mailbox syncs: the enrolment stops at once, before step 2 is due.
    let reply = client_mail(
        CLIENT,
        "answer1@client-firm.ru",
        "Re: Предложение для Ирина",
        "",
    );
    w.dovecot.append("INBOX", &reply).await;
    w.sync().await;
    let e = wait_enrolment(&w, seq, |e| e["state"] == "stopped").await;
    assert_eq!(e["stop_reason"], "replied", "{e}");
    // The sync also read step 1 back from Sent: it is on the contact's timeline as our mail, beside the reply.
    let path = format!("/api/v1/contacts/{contact}/timeline");
    let (status, timeline) = w.a.call(reqwest::Method::GET, &path, &w.owner, None).await;
    assert_eq!(status, 200, "{timeline}");
    let subjects: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "email")
        .filter_map(|i| i["text"].as_str())
        .collect();
    assert!(subjects.contains(&"Предложение для Ирина"), "{timeline}");
    assert!(
        subjects.contains(&"Re: Предложение для Ирина"),
        "{timeline}"
    );

    // Past the three working days: nothing more goes out.
    w.advance(5 * DAY);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        w.sink.received().len(),
        1,
        "step 2 was sent after the reply"
    );
    let r = report(&w, seq).await;
    assert_eq!(
        (
            &r["enrolled"],
            &r["replied"],
            &r["reply_rate"],
            &r["steps"][0]["sent"],
            &r["steps"][1]["sent"]
        ),
        (&json!(1), &json!(1), &json!(1.0), &json!(1), &json!(0)),
        "{r}"
    );
}

#[tokio::test]
async fn an_out_of_office_reply_does_not_stop_the_sequence_and_step_two_goes_as_a_reply_in_the_thread(
) {
    let w = sending_world().await;
    let contact = w.contact("Ирина", &[CLIENT]).await;
    let seq = sequence(&w, json!({"days": 2}), None).await;
    enrol(&w, seq, &[contact]).await;
    w.sink.wait_for(1, Duration::from_secs(20)).await;
    let e = wait_enrolment(&w, seq, |e| {
        letters(e).first().is_some_and(|l| l["state"] == "sent")
    })
    .await;
    let first_id = letters(&e)[0]["message_id"].as_str().unwrap().to_string();

    let auto = "Auto-Submitted: auto-replied\r\n";
    let ooo = client_mail(
        CLIENT,
        "ooo1@client-firm.ru",
        "Out of office: Предложение для Ирина",
        auto,
    );
    w.dovecot.append("INBOX", &ooo).await;
    w.sync().await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        enrolments(&w, seq).await[0]["state"],
        "active",
        "an auto-reply is not a reply"
    );

    w.advance(2 * DAY + HOUR);
    let got = w.sink.wait_for(2, Duration::from_secs(20)).await;
    // The sink's order is not the sending order: the second step is the one that is not the first.
    let second = got
        .iter()
        .find(|m| m.header("Message-ID") != Some(format!("<{first_id}>")))
        .unwrap();
    assert_eq!(subject(second), "Re: Предложение для Ирина");
    assert_eq!(
        second.header("In-Reply-To").unwrap(),
        format!("<{first_id}>")
    );
    assert!(second.header("References").unwrap().contains(&first_id));
    let e = wait_enrolment(&w, seq, |e| e["state"] == "finished").await;
    assert_eq!(letters(&e).len(), 2, "{e}");
    let sent = sent_folder(&w).await;
    assert_eq!(sent.len(), 2, "both letters filed in Sent: {sent:?}");
}

#[tokio::test]
async fn a_step_due_at_night_goes_out_next_morning_inside_the_sending_window() {
    let w = sending_world().await;
    let contact = w.contact("Ирина", &[CLIENT]).await;
    // Move the clock to 23:00 UTC of the coming night.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let to_night = (23 * 3600 - now.rem_euclid(86400)).rem_euclid(86400);
    w.advance(Duration::from_secs(u64::try_from(to_night).unwrap()));
    let window = json!({"start": "09:00", "end": "18:00", "days": [1, 2, 3, 4, 5, 6, 7]});
    let seq = sequence(&w, json!({"days": 1}), Some(window)).await;
    let answer = enrol(&w, seq, &[contact]).await;
    let due = secs(&answer["enrolled"][0]["next_due_at"]);
    assert_eq!(due.rem_euclid(86400), 9 * 3600, "due at 09:00: {answer}");
    assert!(
        due - (now + to_night) <= 10 * 3600,
        "the next morning: {answer}"
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(w.sink.received().is_empty(), "a letter went out at night");
    w.advance(10 * HOUR + Duration::from_secs(60));
    w.sink.wait_for(1, Duration::from_secs(20)).await;
    let e = wait_enrolment(&w, seq, |e| {
        letters(e).first().is_some_and(|l| l["state"] == "sent")
    })
    .await;
    let sent_at = secs(&letters(&e)[0]["sent_at"]);
    assert!(
        (9 * 3600..18 * 3600).contains(&sent_at.rem_euclid(86400)),
        "{e}"
    );
    // Step 2 (a day later) is due at the same hour, inside the window.
    assert_eq!(secs(&e["next_due_at"]) - sent_at, 86400, "{e}");
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_step_once() {
    let w = sending_world().await;
    let mut contacts = Vec::new();
    for n in 0..6 {
        contacts.push(
            w.contact(&format!("Клиент {n}"), &[&format!("client{n}@firm{n}.ru")])
                .await,
        );
    }
    let seq = sequence(&w, json!({"days": 1}), None).await;
    enrol(&w, seq, &contacts).await;
    w.sink.wait_for(6, Duration::from_secs(30)).await;
    w.advance(DAY + HOUR);
    w.sink.wait_for(12, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let got = w.sink.received();
    assert_eq!(got.len(), 12, "each of 6 contacts gets 2 steps, once each");
    let mut seen: Vec<(String, String)> = got
        .iter()
        .map(|m| (m.rcpt_to.clone(), subject(m)))
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12, "a letter went twice: {seen:?}");
    let r = report(&w, seq).await;
    assert_eq!(
        (
            &r["steps"][0]["sent"],
            &r["steps"][1]["sent"],
            &r["finished"]
        ),
        (&json!(6), &json!(6), &json!(6)),
        "{r}"
    );
}
