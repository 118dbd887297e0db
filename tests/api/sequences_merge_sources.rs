//! Enrolling a saved view or a segment: each enrols the contacts it holds that the caller may read (another
//! salesperson's contact never), skips those without an address, suppressed or without consent, and says so; the
//! request names exactly one source.

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::World;
use crate::helpers::error_code;
use crate::sequences_merge_support::{enrol_from, enrolled_ids, skipped, waiting_sequence};
use crate::sequences_support::sending_world;

async fn contact_of(w: &World, token: &str, name: &str, emails: &[&str], tags: &[&str]) -> i64 {
    let body = json!({"name": name, "emails": emails, "tags": tags});
    let (status, c) =
        w.a.call(Method::POST, "/api/v1/contacts", token, Some(body))
            .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

async fn created(w: &World, token: &str, path: &str, body: Value) -> i64 {
    let (status, v) = w.a.call(Method::POST, path, token, Some(body)).await;
    assert_eq!(status, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_saved_view_and_a_segment_enrol_only_the_contacts_the_caller_may_read() {
    let w = sending_world().await;
    let mine = contact_of(&w, &w.owner, "Ирина", &["irina@client-firm.ru"], &["vip"]).await;
    let no_address = contact_of(&w, &w.owner, "Без почты", &[], &["vip"]).await;
    let suppressed = contact_of(&w, &w.owner, "Отписан", &["gone@client-firm.ru"], &["vip"]).await;
    let withdrawn = contact_of(&w, &w.owner, "Отказ", &["no@client-firm.ru"], &["vip"]).await;
    let not_vip = contact_of(&w, &w.owner, "Обычный", &["plain@client-firm.ru"], &[]).await;
    let theirs = contact_of(&w, &w.stranger, "Чужой", &["other@rival-firm.ru"], &["vip"]).await;
    let body = json!({"address": "gone@client-firm.ru", "detail": "asked by phone"});
    let (status, e) =
        w.a.call(Method::POST, "/api/v1/suppressions", &w.admin, Some(body))
            .await;
    assert_eq!(status, 204, "{e}");
    let consent = json!({"granted": false, "legal_basis": "consent", "source": "phone"});
    let path = format!("/api/v1/contacts/{withdrawn}/consent");
    let (status, e) = w.a.call(Method::POST, &path, &w.owner, Some(consent)).await;
    assert!(status == 200 || status == 201, "{status} {e}");

    // The owner's view of VIP contacts: theirs only, whatever the stranger tags.
    let view = json!({"kind": "contacts", "name": "VIP", "filters": {"tag": "vip"}});
    let view = created(&w, &w.owner, "/api/v1/views", view).await;
    let by_view = waiting_sequence(&w, "По представлению").await;
    let (status, answer) = enrol_from(&w, by_view, json!({"view_id": view})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(enrolled_ids(&answer), vec![mine], "{answer}");
    let mut expected: Vec<(i64, String)> = vec![
        (no_address, "no_email".to_string()),
        (suppressed, "suppressed".to_string()),
        (withdrawn, "no_consent".to_string()),
    ];
    expected.sort();
    assert_eq!(skipped(&answer), expected);
    // Again: already enrolled.
    let (_, again) = enrol_from(&w, by_view, json!({"view_id": view})).await;
    assert!(
        skipped(&again).contains(&(mine, "already_enrolled".into())),
        "{again}"
    );

    // A segment (marketing's filter) holds the stranger's VIP too; the owner enrols only what they may read.
    let segment = json!({"name": "VIP", "filter": {"tags": ["vip"]}});
    let segment = created(&w, &w.admin, "/api/v1/segments", segment).await;
    let by_segment = waiting_sequence(&w, "По сегменту").await;
    let (status, answer) = enrol_from(&w, by_segment, json!({"segment_id": segment})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(enrolled_ids(&answer), vec![mine], "{answer}");
    let reasons: Vec<i64> = skipped(&answer).into_iter().map(|(id, _)| id).collect();
    assert!(
        !reasons.contains(&theirs) && !reasons.contains(&not_vip),
        "{answer}"
    );
    let path = format!("/api/v1/sequences/{by_segment}/enrolments");
    let (_, list) = w.a.call(Method::GET, &path, &w.owner, None).await;
    let everyone: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["contact_id"])
        .collect();
    assert_eq!(
        everyone,
        vec![&json!(mine)],
        "the stranger's contact is never enrolled"
    );

    // A mail merge takes a view as enrolment does: the same contacts, the same skips; its name from its subject.
    let merge = json!({"mailbox_id": w.mailbox, "subject": "Счёт", "body": "Добрый день, {{contact.name}}!",
        "view_id": view, "send_window": {"start": "03:00", "end": "03:01", "days": [7]}});
    let (status, answer) =
        w.a.call(Method::POST, "/api/v1/mail-merge", &w.owner, Some(merge))
            .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        (&answer["enrolled"], skipped(&answer)),
        (&json!(1), expected.clone()),
        "{answer}"
    );
    let path = format!("/api/v1/sequences/{}", answer["sequence_id"]);
    let (_, m) = w.a.call(Method::GET, &path, &w.owner, None).await;
    assert_eq!(
        (&m["kind"], &m["name"]),
        (&json!("merge"), &json!("Mail merge: Счёт")),
        "{m}"
    );
    let bad = json!({"mailbox_id": w.mailbox, "subject": "", "body": "x", "view_id": view});
    let (status, e) =
        w.a.call(Method::POST, "/api/v1/mail-merge", &w.owner, Some(bad))
            .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("subject")),
        "{e}"
    );

    // Exactly one source; the view must be the caller's own and of contacts.
    let cases = [
        (json!({}), "contact_ids"),
        (
            json!({"view_id": view, "segment_id": segment}),
            "segment_id",
        ),
        (json!({"segment_id": 999_999}), "segment_id"),
        (json!({"contact_ids": [theirs]}), "contact_ids"),
        (
            json!({"contact_ids": (1..=10_001).collect::<Vec<i64>>()}),
            "contact_ids",
        ),
    ];
    for (body, field) in cases {
        let (status, e) = enrol_from(&w, by_view, body.clone()).await;
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (422, Some(field)),
            "{body}: {e}"
        );
    }
    let stranger_view = json!({"kind": "contacts", "name": "Мои", "filters": {}});
    let stranger_view = created(&w, &w.stranger, "/api/v1/views", stranger_view).await;
    let deals_view = json!({"kind": "deals", "name": "Сделки", "filters": {}});
    let deals_view = created(&w, &w.owner, "/api/v1/views", deals_view).await;
    for id in [stranger_view, deals_view] {
        let (status, e) = enrol_from(&w, by_view, json!({"view_id": id})).await;
        assert_eq!(
            (status, error_code(&e), e["error"]["field"].as_str()),
            (422, "validation_failed", Some("view_id")),
            "{e}"
        );
    }
}
