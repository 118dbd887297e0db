//! Web forms (issue 20.2): a visitor's JSON or plain HTML post creates a lead with its owner and its consent (the
//! text version, time, address and page, read back through the API); the admin's snippet and submission log.

use reqwest::header;
use serde_json::{json, Value};

use crate::helpers::{error_code, read, spawn_app, TestApp};

pub const CONSENT: &str =
    "Я даю согласие ООО «Нордвинд» на обработку моих персональных данных (152-ФЗ).";

/// Creates a form as admin; returns its JSON.
pub async fn create_form(app: &TestApp, body: Value) -> Value {
    let (status, form) = app
        .post("/api/v1/admin/forms", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "form created: {form}");
    form
}

pub fn standard_fields() -> Value {
    json!([
        { "key": "name", "required": true },
        { "key": "email", "required": true },
        { "key": "phone" },
        { "key": "company" },
        { "key": "message" },
    ])
}

/// Posts JSON to the form's public URL (no login).
pub async fn post_json(app: &TestApp, form: &Value, body: Value) -> (u16, Value) {
    let key = form["public_key"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/f/{key}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    read(response).await
}

/// The leads with this e-mail, as the admin sees them.
pub async fn leads_with(app: &TestApp, email: &str) -> Vec<Value> {
    let (status, list) = app
        .get(&format!("/api/v1/leads?email={email}"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

pub async fn submissions(app: &TestApp, form: &Value) -> Value {
    let (status, log) = app
        .get(
            &format!("/api/v1/admin/forms/{}/submissions", form["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{log}");
    log
}

#[tokio::test]
async fn a_json_post_creates_a_lead_with_its_owner_and_its_consent() {
    let app = spawn_app().await;
    let (owner, _) = app.user_with_role("manager@nordwind.ru", "sales").await;
    let form = create_form(
        &app,
        json!({ "name": "Заявка с сайта", "fields": standard_fields(), "consent_text": CONSENT,
                "assignment": { "rule": "owner", "user_id": owner } }),
    )
    .await;
    assert_eq!(form["consent_version"], 1);
    let key = form["public_key"].as_str().unwrap();
    assert!(key.len() >= 30, "an unguessable key: {key}");
    assert!(form["action_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/f/{key}")));

    let (status, answer) = post_json(
        &app,
        &form,
        json!({ "name": "Пётр Иванов", "email": "petr@zavod.ru", "phone": "+7 495 123-45-67",
                "company": "Завод «Прогресс»", "message": "Нужен счёт на 10 лицензий",
                "consent": true, "page": "https://nordwind.ru/ceny", "website": "" }),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["status"], "accepted");

    let leads = leads_with(&app, "petr@zavod.ru").await;
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = &leads[0];
    assert_eq!(lead["name"], "Пётр Иванов");
    assert_eq!(lead["company_name"], "Завод «Прогресс»");
    assert_eq!(lead["owner_id"], owner, "the form's owner rule");
    assert_eq!(lead["source_id"], form["source_id"]);
    let (_, sources) = app.get("/api/v1/lead-sources", &app.admin_token).await;
    let source = sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == form["source_id"])
        .expect("the form's lead source");
    assert_eq!(source["name"], "Веб-форма: Заявка с сайта");

    let (status, consents) = app
        .get(
            &format!("/api/v1/leads/{}/consent", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{consents}");
    let consent = &consents[0];
    assert_eq!(consent["granted"], true);
    assert_eq!(consent["text_version"], 1);
    assert_eq!(consent["consent_text"], CONSENT);
    assert_eq!(consent["client_addr"], "127.0.0.1");
    assert_eq!(consent["page"], "https://nordwind.ru/ceny");
    let at = time::OffsetDateTime::parse(
        consent["at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!((time::OffsetDateTime::now_utc() - at).whole_seconds().abs() < 60);

    // The message is a note on the lead's timeline; the log names the lead.
    let (_, timeline) = app
        .get(
            &format!("/api/v1/leads/{}/timeline", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert!(
        timeline.to_string().contains("Нужен счёт на 10 лицензий"),
        "{timeline}"
    );
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["outcome"], "created");
    assert_eq!(log["items"][0]["record_id"], lead["id"]);
    assert_eq!(log["items"][0]["client_addr"], "127.0.0.1");

    // A new consent text is a new version; the earlier lead keeps the words it agreed to.
    let new_text = "Согласен на обработку персональных данных и получение рассылки.";
    let (status, changed) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/forms/{}", form["id"]),
            Some(&app.admin_token),
            Some(json!({ "consent_text": new_text })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["consent_version"], 2);
    let (status, _) = post_json(
        &app,
        &form,
        json!({ "name": "Анна", "email": "anna@zavod2.ru", "consent": "yes" }),
    )
    .await;
    assert_eq!(status, 201);
    let anna = &leads_with(&app, "anna@zavod2.ru").await[0];
    let (_, second) = app
        .get(
            &format!("/api/v1/leads/{}/consent", anna["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(second[0]["text_version"], 2);
    assert_eq!(second[0]["consent_text"], new_text);
    let (_, first) = app
        .get(
            &format!("/api/v1/leads/{}/consent", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        (
            first[0]["text_version"].clone(),
            first[0]["consent_text"].clone()
        ),
        (json!(1), json!(CONSENT))
    );

    // The form's creation and change are in the admin audit.
    let (_, audit) = app
        .get("/api/v1/admin/audit?kind=form", &app.admin_token)
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"update"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_form_encoded_post_creates_a_lead_and_redirects_or_thanks() {
    let app = spawn_app().await;
    let (owner, _) = app.user_with_role("sales@nordwind.ru", "sales").await;
    let form = create_form(
        &app,
        json!({ "name": "Обратный звонок", "fields": standard_fields(), "consent_text": CONSENT,
                "assignment": { "rule": "owner", "user_id": owner },
                "redirect_url": "https://nordwind.ru/spasibo" }),
    )
    .await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = form["action_url"].as_str().unwrap().to_string();
    let response = no_redirect
        .post(&url)
        .header(header::REFERER, "https://nordwind.ru/kontakty")
        .form(&[
            ("name", "Ольга Смирнова"),
            ("email", "olga@stroy.ru"),
            ("consent", "yes"),
            ("website", ""),
            ("page", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://nordwind.ru/spasibo"
    );

    let lead = &leads_with(&app, "olga@stroy.ru").await[0];
    assert_eq!(lead["owner_id"], owner);
    let (_, consents) = app
        .get(
            &format!("/api/v1/leads/{}/consent", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(consents[0]["text_version"], 1);
    assert_eq!(consents[0]["client_addr"], "127.0.0.1");
    assert_eq!(
        consents[0]["page"], "https://nordwind.ru/kontakty",
        "the Referer when no page field"
    );

    // Without a thank-you URL: a small page in Russian and English, no script.
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/forms/{}", form["id"]),
            Some(&app.admin_token),
            Some(json!({ "redirect_url": null })),
        )
        .await;
    assert_eq!(status, 200);
    let response = no_redirect
        .post(&url)
        .form(&[
            ("name", "Игорь"),
            ("email", "igor@stroy2.ru"),
            ("consent", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Спасибо") && page.contains("Thank you"),
        "{page}"
    );
    assert!(!page.contains("<script"), "{page}");
    assert_eq!(leads_with(&app, "igor@stroy2.ru").await.len(), 1);
}

#[tokio::test]
async fn the_snippet_posts_to_the_key_url_with_the_consent_text_escaped() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Форма <b>\"Прайс\"</b>",
                "fields": [{ "key": "email", "required": true, "label": "Ваш e-mail <обязательно>" }, { "key": "message" }],
                "consent_text": "Согласен <script>alert('x')</script> & «точка»" }),
    )
    .await;
    let (status, snippet) = app
        .get(
            &format!("/api/v1/admin/forms/{}/snippet", form["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{snippet}");
    let html = snippet["html"].as_str().unwrap();
    let action = format!(
        "action=\"{}/f/{}\"",
        app.base,
        form["public_key"].as_str().unwrap()
    );
    assert!(html.contains(&action), "{html}");
    assert!(
        html.contains("Согласен &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; «точка»"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("Ваш e-mail &lt;обязательно&gt;"), "{html}");
    assert!(html.contains(r#"name="website""#), "the honeypot: {html}");
    assert!(html.contains(r#"type="hidden" name="page""#), "{html}");
    assert!(
        html.contains(r#"name="consent" value="yes" required"#),
        "{html}"
    );
    assert!(html.contains("<textarea name=\"message\""), "{html}");
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external resources: {html}"
    );
}

#[tokio::test]
async fn forms_are_for_admins_and_an_unknown_key_is_404() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@nordwind.ru", "sales").await;
    let (status, body) = app.get("/api/v1/admin/forms", &sales).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));

    let response = app
        .client
        .post(app.url("/f/no-such-key"))
        .json(&json!({ "email": "a@b.ru", "consent": true }))
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));

    // A disabled form answers like an unknown one.
    let form = create_form(
        &app,
        json!({ "name": "Старая", "fields": [{ "key": "email", "required": true }], "consent_text": CONSENT }),
    )
    .await;
    let (status, _) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/forms/{}", form["id"]),
            Some(&app.admin_token),
            Some(json!({ "enabled": false })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) =
        post_json(&app, &form, json!({ "email": "a@b.ru", "consent": true })).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
    assert!(leads_with(&app, "a@b.ru").await.is_empty());
}
