//! A web form's consent is the visitor's personal data (their address, the page): a data subject export carries
//! it, an erasure removes it.

use std::io::Read;

use serde_json::{json, Value};

use crate::forms::{create_form, leads_with, post_json, standard_fields, CONSENT};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_form_leads_consent_is_exported_and_erased_with_the_person() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let body = json!({ "name": "Вера", "email": "vera@privat.ru", "consent": true, "page": "https://nordwind.ru/a" });
    assert_eq!(post_json(&app, &form, body).await.0, 201);
    let lead = leads_with(&app, "vera@privat.ru").await[0]["id"].clone();

    let response = app
        .client
        .post(app.url("/api/v1/admin/privacy/export"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "emails": ["vera@privat.ru"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    zip.by_name("consent.json")
        .expect("consent.json")
        .read_to_string(&mut text)
        .unwrap();
    let consent: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(consent[0]["lead_id"], lead, "{consent}");
    assert_eq!(consent[0]["consent_text"], CONSENT);
    assert_eq!(consent[0]["client_addr"], "127.0.0.1");
    assert_eq!(consent[0]["page"], "https://nordwind.ru/a");

    let (status, report) = app
        .post(
            "/api/v1/admin/privacy/erase",
            &app.admin_token,
            json!({ "emails": ["vera@privat.ru"], "reason": "Требование субъекта" }),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["consent_events_deleted"], 1, "{report}");
    let (status, _) = app
        .get(&format!("/api/v1/leads/{lead}/consent"), &app.admin_token)
        .await;
    assert_eq!(status, 404);
}
