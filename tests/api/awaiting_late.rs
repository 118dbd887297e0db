//! Mail linked to a record only after it arrived, through a real Dovecot: a contact created later, a link made by
//! hand, a contact made for a lead's sender. The late link starts the wait, due from the client's mail time (an
//! old mail is overdue at once), never a second one for the thread; a reply appended to Sent clears it.

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::{client_mail_dated, reply, world, World};

/// Whole hours from one RFC 3339 time to another.
fn hours_between(from: &Value, to: &Value) -> i64 {
    let at = |v: &Value| {
        time::OffsetDateTime::parse(
            v.as_str().expect("a time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339")
    };
    (at(to) - at(from)).whole_hours()
}

/// Delivers a client's mail written `hours_ago` and syncs; answers the one wait it started (on the lead its new
/// sender made).
async fn mail_from_new_sender(
    w: &World,
    from: &str,
    id: &str,
    subject: &str,
    hours_ago: i64,
) -> Value {
    w.dovecot
        .append(
            "INBOX",
            &client_mail_dated(from, id, subject, "", hours_ago),
        )
        .await;
    w.sync().await;
    let waits: Vec<Value> = w
        .awaiting(&w.owner, "scope=mine")
        .await
        .into_iter()
        .filter(|a| a["from"] == from)
        .collect();
    assert_eq!(waits.len(), 1, "the new sender's lead waits: {waits:?}");
    assert_eq!(waits[0]["record"]["kind"], "lead");
    waits[0].clone()
}

async fn delete(w: &World, token: &str, path: &str) {
    let (status, body) = w.a.call(Method::DELETE, path, token, None).await;
    assert!(status < 300, "DELETE {path}: {status} {body}");
}

#[tokio::test]
async fn a_contact_created_after_its_mail_starts_the_wait_overdue_at_once_until_a_reply_in_sent() {
    let w = world().await;
    let sender = "oleg@late-client.ru";
    let wait = mail_from_new_sender(&w, sender, "late1@late-client.ru", "Счёт за май", 5).await;
    // The lead the mail made is deleted as noise: the mail is linked to no record, nothing waits.
    delete(
        &w,
        &w.owner,
        &format!("/api/v1/leads/{}", wait["record"]["id"]),
    )
    .await;
    assert!(w.awaiting(&w.owner, "scope=mine").await.is_empty());
    assert!(w.awaiting(&w.admin, "scope=all").await.is_empty());

    let contact = w.contact("Олег Смирнов", &[sender]).await;
    let mine = w.awaiting(&w.owner, "scope=mine").await;
    assert_eq!(mine.len(), 1, "the late contact's wait: {mine:?}");
    let a = &mine[0];
    assert_eq!(
        (
            &a["record"]["kind"],
            &a["record"]["id"],
            &a["subject"],
            &a["overdue"]
        ),
        (
            &json!("contact"),
            &json!(contact),
            &json!("Счёт за май"),
            &json!(true)
        ),
        "five hours old with two to answer: overdue at once"
    );
    assert_eq!(
        hours_between(&a["received_at"], &a["due_at"]),
        2,
        "due from the mail's own time"
    );
    assert_eq!(a["received_at"], wait["received_at"]);
    let card = w
        .awaiting(&w.owner, &format!("record=contact:{contact}"))
        .await;
    assert_eq!(card.len(), 1);
    assert_eq!(
        w.awaiting(&w.lead, "scope=team").await.len(),
        1,
        "the team lead sees it too"
    );

    // A second contact with the same address links the same mail again: still one wait for the thread.
    let twin = json!({"name": "Олег (дубль)", "emails": [sender], "allow_duplicate": true});
    let (status, body) =
        w.a.call(Method::POST, "/api/v1/contacts", &w.owner, Some(twin))
            .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        w.awaiting(&w.admin, "scope=all").await.len(),
        1,
        "no second wait"
    );

    w.dovecot
        .append(
            "Sent",
            &reply(sender, "late1@late-client.ru", "Счёт за май"),
        )
        .await;
    w.sync().await;
    assert!(
        w.awaiting(&w.admin, "scope=all").await.is_empty(),
        "the reply seen in Sent clears it"
    );
}

#[tokio::test]
async fn a_link_made_by_hand_starts_the_wait_and_removing_it_ends_it() {
    let w = world().await;
    let firm = w.contact("Ирина Соколова", &["irina@client-firm.ru"]).await;
    let sender = "assistant@elsewhere.ru";
    let wait = mail_from_new_sender(&w, sender, "hand1@elsewhere.ru", "От имени Ирины", 4).await;
    let message = wait["message_id"]
        .as_i64()
        .expect("the wait names its message");
    // An admin takes the mail off the lead it made (it is Irina's business): nothing waits any more.
    let lead = wait["record"]["id"].as_i64().unwrap();
    delete(
        &w,
        &w.admin,
        &format!("/api/v1/messages/{message}/links/lead/{lead}"),
    )
    .await;
    assert!(
        w.awaiting(&w.admin, "scope=all").await.is_empty(),
        "mail on no record waits for nobody"
    );

    // …and links it to Irina by hand: her card shows her owner the wait, overdue at once.
    let link = json!({"record_kind": "contact", "record_id": firm});
    let path = format!("/api/v1/messages/{message}/links");
    let (status, body) = w.a.call(Method::POST, &path, &w.admin, Some(link)).await;
    assert!(status < 300, "{status} {body}");
    let card = w
        .awaiting(&w.owner, &format!("record=contact:{firm}"))
        .await;
    assert_eq!(card.len(), 1, "{card:?}");
    assert_eq!(
        (
            &card[0]["message_id"],
            &card[0]["overdue"],
            &card[0]["from"]
        ),
        (&json!(message), &json!(true), &json!(sender))
    );
    assert_eq!(
        hours_between(&card[0]["received_at"], &card[0]["due_at"]),
        2
    );
    assert_eq!(w.awaiting(&w.admin, "scope=all").await.len(), 1);

    w.dovecot
        .append(
            "Sent",
            &reply(sender, "hand1@elsewhere.ru", "От имени Ирины"),
        )
        .await;
    w.sync().await;
    assert!(w
        .awaiting(&w.owner, &format!("record=contact:{firm}"))
        .await
        .is_empty());
}

#[tokio::test]
async fn a_contact_made_for_a_leads_sender_takes_over_the_wait_without_a_second() {
    let w = world().await;
    let sender = "nina@growing-firm.ru";
    let wait = mail_from_new_sender(&w, sender, "grow1@growing-firm.ru", "Запрос КП", 1).await;
    assert_eq!(wait["overdue"], false);
    // The lead has this address: the contact is made anyway, as for a lead converted by hand.
    let body = json!({"name": "Нина Белова", "emails": [sender], "allow_duplicate": true});
    let (status, c) =
        w.a.call(Method::POST, "/api/v1/contacts", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{c}");
    let contact = c["id"].as_i64().unwrap();
    let all = w.awaiting(&w.admin, "scope=all").await;
    assert_eq!(all.len(), 1, "one wait for the thread: {all:?}");
    assert_eq!(
        (
            &all[0]["record"]["kind"],
            &all[0]["record"]["id"],
            &all[0]["id"]
        ),
        (&json!("contact"), &json!(contact), &wait["id"]),
        "the same wait, now on the contact"
    );
    assert_eq!(all[0]["due_at"], wait["due_at"]);
}
