//! Mail decoded as a mail client shows it (issue 21), through a real Dovecot and the API: one message we wrote per
//! cause, in `tests/fixtures/mail-decoding/`, and the fields a reader of the message sees.

use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use crate::mail_corpus::all_messages;
use crate::mail_sync::{add_mailbox, sync};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/mail-decoding/{name}",
        crate::helpers::repo_dir().display()
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Syncs the fixtures from a fresh Dovecot; the detail of each, in the order given.
async fn synced(names: &[&str]) -> (Dovecot, TestApp, Vec<Value>) {
    synced_with_contacts(names, &[]).await
}

/// The same, with contacts `(name, e-mail)` created before the sync.
async fn synced_with_contacts(
    names: &[&str],
    contacts: &[(&str, &str)],
) -> (Dovecot, TestApp, Vec<Value>) {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    for (name, email) in contacts {
        let body = json!({ "name": name, "emails": [email] });
        let (status, contact) = app.post("/api/v1/contacts", &app.admin_token, body).await;
        assert_eq!(status, 201, "{contact}");
    }
    let raws: Vec<Vec<u8>> = names.iter().map(|n| fixture(n)).collect();
    dovecot.append_many("INBOX", &raws).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    let stored = all_messages(&app).await;
    assert_eq!(stored.len(), names.len());
    let mut details = Vec::new();
    for raw in &raws {
        let text = String::from_utf8_lossy(raw);
        let message_id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: <"))
            .and_then(|l| l.strip_suffix('>'))
            .expect("every fixture has a Message-ID");
        let message = stored
            .iter()
            .find(|m| m["message_id"] == message_id)
            .unwrap_or_else(|| panic!("{message_id} not stored"));
        let (status, detail) = app
            .get(
                &format!("/api/v1/messages/{}", message["id"]),
                &app.admin_token,
            )
            .await;
        assert_eq!(status, 200, "{detail}");
        details.push(detail);
    }
    (dovecot, app, details)
}

/// `(address, name)` of the participants in `role`.
fn people(detail: &Value, role: &str) -> Vec<(String, Option<String>)> {
    detail["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == role)
        .map(|p| {
            (
                p["address"].as_str().unwrap().to_string(),
                p["name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn person(address: &str, name: Option<&str>) -> (String, Option<String>) {
    (address.to_string(), name.map(str::to_string))
}

fn text_body(detail: &Value) -> &str {
    detail["text_body"].as_str().unwrap_or_default().trim()
}

/// `(filename, content_type)` of each attachment.
fn attachments(detail: &Value) -> Vec<(Option<String>, String)> {
    detail["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["filename"].as_str().map(str::to_string),
                a["content_type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn download(app: &TestApp, detail: &Value, index: usize) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/messages/{}/attachments/{index}",
            detail["id"]
        )))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    (disposition, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn japanese_chinese_and_korean_subjects_names_and_bodies_are_decoded() {
    let (_dovecot, _app, details) = synced(&["1-cjk-charsets.eml"]).await;
    let m = &details[0];
    assert_eq!(m["subject"], "見積もりのお願い");
    assert_eq!(m["from_name"], "山田太郎");
    assert_eq!(
        people(m, "cc"),
        [
            person("wang@shanghai-trade.example.cn", Some("王小明")),
            person("kim@seoul-parts.example.kr", Some("김민수")),
        ]
    );
    assert_eq!(
        text_body(m),
        "お世話になっております。見積もりをお願いします。"
    );
}

#[tokio::test]
async fn a_boundary_and_an_attachment_name_folded_after_the_equals_sign_are_kept() {
    let (_dovecot, app, details) = synced(&["2-folded-after-equals.eml"]).await;
    let m = &details[0];
    assert_eq!(text_body(m), "Добрый день, резюме во вложении.");
    assert_eq!(
        attachments(m),
        [(Some("Résumé Olga.pdf".into()), "application/pdf".into())]
    );
    let (_, content) = download(&app, m, 0).await;
    assert!(content.starts_with(b"%PDF-1.4"), "the decoded PDF");
}

#[tokio::test]
async fn every_to_and_cc_line_is_read_and_the_first_of_two_from_lines_is_the_sender() {
    let (_dovecot, app, details) = synced_with_contacts(
        &["3-repeated-address-headers.eml"],
        &[
            ("Boris Kuznetsov", "boris@vostok-trade.example.ru"),
            ("Misha", "misha@uralsteel.example.ru"),
        ],
    )
    .await;
    let m = &details[0];
    assert_eq!(m["from_address"], "anna@vostok-trade.example.ru");
    assert_eq!(m["from_name"], "Anna Petrova");
    assert_eq!(
        people(m, "from"),
        [person("anna@vostok-trade.example.ru", Some("Anna Petrova"))]
    );
    assert_eq!(
        people(m, "to"),
        [
            person("sales@nordwind.ru", None),
            person("boris@vostok-trade.example.ru", Some("Boris Kuznetsov")),
        ]
    );
    assert_eq!(
        people(m, "cc"),
        [
            person("lena@uralsteel.example.ru", Some("Lena")),
            person("misha@uralsteel.example.ru", Some("Misha")),
            person("dasha@sibgaz.example.ru", Some("Dasha")),
        ]
    );
    // The contacts on the second To line and the second Cc line are linked to the message.
    let (status, links) = app
        .get(
            &format!("/api/v1/messages/{}/links", m["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{links}");
    let mut linked = Vec::new();
    for link in links.as_array().unwrap() {
        if link["record_kind"] == "contact" {
            let path = format!("/api/v1/contacts/{}", link["record_id"]);
            let (_, contact) = app.get(&path, &app.admin_token).await;
            linked.push(contact["primary_email"].as_str().unwrap().to_string());
        }
    }
    linked.sort();
    assert_eq!(
        linked,
        [
            "boris@vostok-trade.example.ru",
            "misha@uralsteel.example.ru"
        ]
    );
}

#[tokio::test]
async fn content_type_text_without_a_subtype_is_shown_as_the_text_body() {
    let (_dovecot, _app, details) = synced(&["4-content-type-text-only.eml"]).await;
    let m = &details[0];
    assert_eq!(text_body(m), "Прошу выставить счёт.");
    assert_eq!(m["has_attachments"], false);
    assert!(attachments(m).is_empty());
}

#[tokio::test]
async fn a_message_that_is_only_a_pdf_or_a_png_shows_it_as_its_attachment() {
    let (_dovecot, app, details) =
        synced(&["5a-single-part-pdf.eml", "5b-single-part-png.eml"]).await;
    let (pdf, png) = (&details[0], &details[1]);
    assert_eq!(pdf["has_attachments"], true);
    assert_eq!(
        attachments(pdf),
        [(Some("contract.pdf".into()), "application/pdf".into())]
    );
    let (disposition, content) = download(&app, pdf, 0).await;
    assert!(content.starts_with(b"%PDF-1.4"));
    assert_eq!(disposition, "attachment; filename=\"contract.pdf\"");
    assert_eq!(
        attachments(png),
        [(Some("chart.png".into()), "image/png".into())]
    );
    let (_, content) = download(&app, png, 0).await;
    assert!(content.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn a_character_split_across_encoded_words_and_text_touching_a_word_read_as_written() {
    let (_dovecot, _app, details) = synced(&[
        "6a-utf8-split-across-words.eml",
        "6b-word-touching-text.eml",
    ])
    .await;
    assert_eq!(details[0]["subject"], "Письмо не доставлено");
    assert_eq!(
        people(&details[0], "to"),
        [person("ivan@nordwind.ru", Some("Иван Петров"))]
    );
    assert_eq!(details[1]["subject"], "Re: Счёт, акт!");
    assert_eq!(details[1]["from_name"], "Нина-san");
}

#[tokio::test]
async fn comments_and_source_routes_are_left_out_of_names_and_addresses() {
    let (_dovecot, _app, details) = synced(&["7-obsolete-address-syntax.eml"]).await;
    let m = &details[0];
    assert_eq!(m["from_name"], "Pete");
    assert_eq!(m["from_address"], "pete@silly.example");
    assert_eq!(
        people(m, "to"),
        [person("masha@uralsteel.example.ru", None)]
    );
    assert_eq!(
        people(m, "cc"),
        [
            person("smith@sibgaz.example.ru", Some("Smith (Sales)")),
            person("jdoe@sibgaz.example.ru", Some("John Doe")),
        ]
    );
}

#[tokio::test]
async fn charsets_only_iconv_knows_and_folded_attachment_names_read_as_written() {
    let (_dovecot, app, details) = synced(&[
        "8a-charset-437.eml",
        "8b-charset-mac-cyrillic.eml",
        "8c-folded-attachment-name.eml",
    ])
    .await;
    assert_eq!(text_body(&details[0]), "Grüße aus München: ½ Preis für Öl.");
    assert_eq!(details[1]["subject"], "Привет");
    assert_eq!(details[1]["from_name"], "Сергей");
    assert_eq!(text_body(&details[1]), "Привет из Mac OS 9.");
    assert_eq!(
        attachments(&details[2]),
        [(
            Some("Quarterly report for the board.pdf".into()),
            "application/pdf".into()
        )]
    );
    let (disposition, _) = download(&app, &details[2], 0).await;
    assert_eq!(
        disposition,
        "attachment; filename=\"Quarterly report for the board.pdf\""
    );
}
