//! Sequences at the edge and under the stop rules: a wrong field answers 422 naming it, a mailbox the owner may not
//! send from is refused, and a suppressed address (an unsubscribe, a manual suppression) stops the enrolment before
//! its next step, which never goes.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::CLIENT;
use crate::helpers::error_code;
use crate::sequences_support::{enrol, report, sending_world, sequence, wait_enrolment, DAY, HOUR};

fn field(body: &Value) -> &str {
    body["error"]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_wrong_sequence_answers_422_naming_the_field_and_another_users_mailbox_is_refused() {
    let w = sending_world().await;
    let step = json!({"subject": "Привет", "body": "Текст", "delay": {"days": 0}});
    let cases = [
        (
            json!({"name": "", "mailbox_id": w.mailbox, "steps": [step]}),
            "name",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": []}),
            "steps",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [{"subject": "x", "delay": {"days": 1}}]}),
            "steps[0].body",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [step, {"delay": {"weeks": 1}, "body": "x"}]}),
            "steps",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [step],
            "window": {"start": "25:00", "end": "18:00", "days": [1]}}),
            "window.start",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [step], "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [{"subject": "Для {{contact.name",
                "body": "x", "delay": {"days": 0}}]}),
            "steps[0].subject",
        ),
        (
            json!({"name": "S", "mailbox_id": w.mailbox, "steps": [{"body": "x", "delay": {"days": 0},
            "as_reply": true}]}),
            "steps[0].as_reply",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) =
            w.a.call(
                Method::POST,
                "/api/v1/sequences",
                &w.owner,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(field(&answer).starts_with(expected), "{body}: {answer}");
    }
    // The mailbox is the owner's personal one: another salesperson may not send from it.
    let body = json!({"name": "Чужой ящик", "mailbox_id": w.mailbox, "steps": [step]});
    let (status, answer) =
        w.a.call(Method::POST, "/api/v1/sequences", &w.stranger, Some(body))
            .await;
    assert_eq!(
        (status, error_code(&answer), field(&answer)),
        (422, "validation_failed", "mailbox_id"),
        "{answer}"
    );
    // The owner's sequence: their team lead sees it, the stranger does not.
    let seq = sequence(&w, json!({"days": 1}), None).await;
    let path = format!("/api/v1/sequences/{seq}");
    assert_eq!(w.a.call(Method::GET, &path, &w.lead, None).await.0, 200);
    assert_eq!(w.a.call(Method::GET, &path, &w.stranger, None).await.0, 404);
    // A contact the owner may not see is refused, and nobody of the request is enrolled.
    let body = json!({"name": "Чужой", "emails": ["other@stranger-client.ru"]});
    let (status, theirs) =
        w.a.call(Method::POST, "/api/v1/contacts", &w.stranger, Some(body))
            .await;
    assert_eq!(status, 201, "{theirs}");
    let mine = w.contact("Ирина", &["irina@client-firm.ru"]).await;
    let enrol_path = format!("/api/v1/sequences/{seq}/enrolments");
    let body = json!({"contact_ids": [mine, theirs["id"]]});
    let (status, answer) =
        w.a.call(Method::POST, &enrol_path, &w.owner, Some(body))
            .await;
    assert_eq!((status, field(&answer)), (422, "contact_ids"), "{answer}");
    let (_, list) = w.a.call(Method::GET, &enrol_path, &w.owner, None).await;
    assert_eq!(list["items"], json!([]), "{list}");
}

#[tokio::test]
async fn an_unsubscribed_address_stops_the_enrolment_and_its_next_step_never_goes() {
    let w = sending_world().await;
    let contact = w.contact("Ирина", &[CLIENT]).await;
    let seq = sequence(&w, json!({"days": 1}), None).await;
    enrol(&w, seq, &[contact]).await;
    w.sink.wait_for(1, Duration::from_secs(20)).await;
    let (status, body) =
        w.a.call(
            Method::POST,
            "/api/v1/suppressions",
            &w.admin,
            Some(json!({"address": CLIENT, "detail": "asked by phone"})),
        )
        .await;
    assert!(
        status == 200 || status == 201 || status == 204,
        "{status} {body}"
    );
    let e = wait_enrolment(&w, seq, |e| e["state"] == "stopped").await;
    assert_eq!(e["stop_reason"], "suppressed", "{e}");
    w.advance(DAY + HOUR);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        w.sink.received().len(),
        1,
        "a step went to a suppressed address"
    );
    let r = report(&w, seq).await;
    assert_eq!(
        (&r["unsubscribed"], &r["active"], &r["steps"][1]["sent"]),
        (&json!(1), &json!(0), &json!(0)),
        "{r}"
    );
}
