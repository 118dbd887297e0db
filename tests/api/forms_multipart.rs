//! Web forms posted as multipart/form-data, as a page's `fetch(url, {body: new FormData(form)})` sends them: the
//! lead with its consent, JSON or a redirect by what the page accepts, a file field refused by name.

use reqwest::header;
use serde_json::json;

use crate::forms::{create_form, leads_with, standard_fields, CONSENT};
use crate::helpers::{error_code, read, spawn_app};

const BOUNDARY: &str = "----formdata-ZQ3x";

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some((name, filename)) = file {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

#[tokio::test]
async fn a_multipart_post_creates_a_lead_and_answers_as_the_page_accepts() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Заявка", "fields": standard_fields(), "consent_text": CONSENT,
                "redirect_url": "https://nordwind.ru/spasibo" }),
    )
    .await;
    let url = form["action_url"].as_str().unwrap().to_string();
    let kind = format!("multipart/form-data; boundary={BOUNDARY}");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |body: Vec<u8>, accept: &'static str| {
        no_redirect
            .post(&url)
            .header(header::CONTENT_TYPE, &kind)
            .header(header::ACCEPT, accept)
            .body(body)
            .send()
    };

    let fields = [
        ("name", "Мария Кузнецова"),
        ("email", "maria@les-torg.ru"),
        ("message", "Нужен счёт на 20 т"),
        ("consent", "on"),
        ("website", ""),
    ];
    let (status, body) = read(
        post(multipart(&fields, None), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("accepted")),
        "{body}"
    );
    let lead = &leads_with(&app, "maria@les-torg.ru").await[0];
    assert_eq!(lead["name"], "Мария Кузнецова");
    let (_, consents) = app
        .get(
            &format!("/api/v1/leads/{}/consent", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(consents[0]["consent_text"], CONSENT);

    // A plain HTML form with that enctype: the thank-you redirect.
    let fields = [
        ("name", "Олег"),
        ("email", "oleg@les-torg2.ru"),
        ("consent", "yes"),
    ];
    let response = post(multipart(&fields, None), "text/html").await.unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://nordwind.ru/spasibo"
    );
    assert_eq!(leads_with(&app, "oleg@les-torg2.ru").await.len(), 1);

    // A file is refused by its field's name, and nothing is made.
    let fields = [
        ("name", "Ива"),
        ("email", "iva@les-torg3.ru"),
        ("consent", "yes"),
    ];
    let (status, body) = read(
        post(
            multipart(&fields, Some(("resume", "резюме.pdf"))),
            "application/json",
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    assert!(body.to_string().contains("resume"), "{body}");
    assert!(leads_with(&app, "iva@les-torg3.ru").await.is_empty());

    // A body cut off before its closing boundary.
    let mut cut = multipart(&fields, None);
    cut.truncate(cut.len() - 20);
    let (status, body) = read(post(cut, "application/json").await.unwrap()).await;
    assert_eq!(
        (status, error_code(&body)),
        (400, "invalid_form_body"),
        "{body}"
    );
}
