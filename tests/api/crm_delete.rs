//! Deleting a record takes what hangs on it: its mail links (the mail stays), notes, tasks, shares and custom
//! values; nothing of it shows again, not even on a record that later gets the same id's place.

use reqwest::Method;
use serde_json::json;

use crate::dovecot::{message, Dovecot, PASSWORD};
use crate::helpers::spawn_app;
use crate::mail_corpus::all_messages;
use crate::mail_sync::{add_mailbox, sync};

#[tokio::test]
async fn deleting_a_company_removes_its_mail_links_but_keeps_the_mail() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let t = &app.admin_token;
    dovecot.append("INBOX", &message(1, "Заказ")).await;
    let mailbox = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    sync(&app, mailbox).await;
    let message_id = all_messages(&app).await[0]["id"].as_i64().unwrap();
    let (status, company) = app
        .post(
            "/api/v1/companies",
            t,
            json!({ "name": "Example", "domains": ["example.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{company}");
    let company = company["id"].as_i64().unwrap();
    let linked = |links: &serde_json::Value| {
        links
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["record_kind"] == "company" && l["record_id"] == company)
    };
    let (_, links) = app
        .get(&format!("/api/v1/messages/{message_id}/links"), t)
        .await;
    assert!(
        linked(&links),
        "the company picked up its earlier mail: {links}"
    );
    let (status, note) = app
        .post(
            "/api/v1/notes",
            t,
            json!({ "record_kind": "company", "record_id": company, "body": "звонить" }),
        )
        .await;
    assert_eq!(status, 201, "{note}");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/companies/{company}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, links) = app
        .get(&format!("/api/v1/messages/{message_id}/links"), t)
        .await;
    assert_eq!(status, 200, "the mail stays: {links}");
    assert!(!linked(&links), "no link to the deleted company: {links}");
    let (status, _) = app.get(&format!("/api/v1/notes/{}", note["id"]), t).await;
    assert_eq!(status, 404, "its notes went with it");
    let (status, _) = app.get(&format!("/api/v1/companies/{company}"), t).await;
    assert_eq!(status, 404);
}
