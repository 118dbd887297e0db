//! Web forms' rules: the honeypot, the rate limit per client address, the duplicate check, round-robin
//! assignment, the visitor's errors and the allowed origins (CORS).

use reqwest::{header, Method};
use serde_json::json;

use crate::forms::{create_form, leads_with, post_json, standard_fields, submissions, CONSENT};
use crate::helpers::{error_code, read, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_honeypot_creates_nothing_and_is_counted() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let (status, answer) = post_json(
        &app,
        &form,
        json!({ "name": "Бот", "email": "bot@spam.ru", "consent": true, "website": "http://spam.example" }),
    )
    .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (201, Some("accepted")),
        "answered as if accepted"
    );
    assert!(leads_with(&app, "bot@spam.ru").await.is_empty());
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["outcome"], "honeypot");
    assert_eq!(log["counts"]["honeypot"], 1);
    assert_eq!(log["counts"]["created"], 0);
}

#[tokio::test]
async fn the_rate_limit_answers_429_and_another_address_still_gets_through() {
    let app = spawn_app_with(|c| c.form_rate_limit = 2).await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    for n in 0..2 {
        let (status, body) = post_json(
            &app,
            &form,
            json!({ "name": "Клиент", "email": format!("c{n}@firma.ru"), "consent": true }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let key = form["public_key"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/f/{key}")))
        .json(&json!({ "name": "Клиент", "email": "c9@firma.ru", "consent": true }))
        .send()
        .await
        .unwrap();
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (429, "rate_limited"));
    assert!(leads_with(&app, "c9@firma.ru").await.is_empty());

    // Another client address (127.0.0.2 is loopback too) is not held back.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let response = other
        .post(app.url(&format!("/f/{key}")))
        .json(&json!({ "name": "Клиент", "email": "c9@firma.ru", "consent": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(leads_with(&app, "c9@firma.ru").await.len(), 1);
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["client_addr"], "127.0.0.2");
}

#[tokio::test]
async fn a_second_post_with_the_same_email_creates_no_second_lead() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let first = json!({ "name": "Мария", "email": "maria@opt.ru", "consent": true });
    assert_eq!(post_json(&app, &form, first).await.0, 201);
    let again = json!({ "name": "Мария К.", "email": "MARIA@opt.ru", "message": "Повторяю вопрос", "consent": true });
    let (status, answer) = post_json(&app, &form, again).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (201, Some("accepted")),
        "the visitor learns nothing"
    );
    let leads = leads_with(&app, "maria@opt.ru").await;
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead_id = &leads[0]["id"];
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["outcome"], "duplicate");
    assert_eq!(log["items"][0]["record_kind"], "lead");
    assert_eq!(&log["items"][0]["record_id"], lead_id);
    let (_, timeline) = app
        .get(
            &format!("/api/v1/leads/{lead_id}/timeline"),
            &app.admin_token,
        )
        .await;
    let text = timeline.to_string();
    assert!(
        text.contains("Повторная заявка") && text.contains("Повторяю вопрос"),
        "{timeline}"
    );

    // A contact with the phone: the submission and its consent go on the contact.
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Сергей Петров", "phones": ["+7 495 987-65-43"] }),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let by_phone = json!({ "name": "Сергей", "email": "sergey@new.ru", "phone": "8 (495) 987-65-43", "consent": true });
    assert_eq!(post_json(&app, &form, by_phone).await.0, 201);
    assert!(leads_with(&app, "sergey@new.ru").await.is_empty());
    let log = submissions(&app, &form).await;
    assert_eq!(log["items"][0]["record_kind"], "contact");
    assert_eq!(log["items"][0]["record_id"], contact["id"]);
    let (_, consents) = app
        .get(
            &format!("/api/v1/contacts/{}/consent", contact["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(consents[0]["consent_text"], CONSENT);
}

#[tokio::test]
async fn round_robin_assigns_the_active_members_in_turn() {
    let app = spawn_app().await;
    let (a, _) = app.user_with_role("a@nordwind.ru", "sales").await;
    let (b, _) = app.user_with_role("b@nordwind.ru", "sales").await;
    let (c, _) = app.user_with_role("c@nordwind.ru", "sales").await;
    let (status, team) = app
        .post(
            "/api/v1/teams",
            &app.admin_token,
            json!({ "name": "Отдел продаж", "members": [{ "user_id": a }, { "user_id": b }, { "user_id": c }] }),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT,
                "assignment": { "rule": "round_robin", "team_id": team["id"] } }),
    )
    .await;
    let mut owners = Vec::new();
    let post = |n: usize| {
        let app = &app;
        let form = &form;
        async move {
            let email = format!("rr{n}@klient.ru");
            let body = json!({ "name": "Клиент", "email": email, "consent": true });
            assert_eq!(post_json(app, form, body).await.0, 201);
            leads_with(app, &email).await[0]["owner_id"]
                .as_i64()
                .unwrap()
        }
    };
    for n in 0..3 {
        owners.push(post(n).await);
    }
    assert_eq!(owners, vec![a, b, c]);
    // b leaves: the turn skips them.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{b}"),
            Some(&app.admin_token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, 200);
    let mut later = Vec::new();
    for n in 3..6 {
        later.push(post(n).await);
    }
    assert_eq!(later, vec![a, c, a]);
}

#[tokio::test]
async fn required_fields_bad_emails_and_missing_consent_are_refused() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let cases = [
        (json!({ "email": "x@firma.ru", "consent": true }), "name"),
        (
            json!({ "name": "Иван", "email": "не-адрес", "consent": true }),
            "email",
        ),
        (
            json!({ "name": "Иван", "email": "ivan@firma.ru" }),
            "consent",
        ),
        (
            json!({ "name": "Иван", "email": "ivan@firma.ru", "phone": "абв", "consent": true }),
            "phone",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = post_json(&app, &form, body).await;
        assert_eq!(
            (status, error_code(&answer)),
            (422, "validation_failed"),
            "{answer}"
        );
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    assert!(leads_with(&app, "ivan@firma.ru").await.is_empty());
    let log = submissions(&app, &form).await;
    assert_eq!(log["counts"]["rejected"], 4);
    assert_eq!(log["items"][0]["outcome"], "rejected");
    assert!(log["items"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("phone"));

    // The admin's own mistakes are refused too.
    let (status, body) = app
        .post(
            "/api/v1/admin/forms",
            &app.admin_token,
            json!({ "name": "Без связи", "fields": [{ "key": "name" }], "consent_text": CONSENT }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("fields")),
        "{body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/admin/forms",
            &app.admin_token,
            json!({ "name": "Форма", "fields": [{ "key": "email" }], "consent_text": "  " }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("consent_text")),
        "{body}"
    );
}

#[tokio::test]
async fn only_the_allowed_origins_get_cors_headers() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT,
                "allowed_origins": ["https://nordwind.ru/"] }),
    )
    .await;
    assert_eq!(form["allowed_origins"], json!(["https://nordwind.ru"]));
    let url = form["action_url"].as_str().unwrap().to_string();
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, &url)
            .header(header::ORIGIN, origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = preflight("https://nordwind.ru").await.unwrap();
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(
        ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://nordwind.ru"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    let (status, body) = read(refused).await;
    assert_eq!((status, error_code(&body)), (403, "form_origin_forbidden"));

    let post = |origin: &'static str, email: &'static str| {
        app.client
            .post(&url)
            .header(header::ORIGIN, origin)
            .json(&json!({ "name": "Гость", "email": email, "consent": true }))
            .send()
    };
    let ok = post("https://nordwind.ru", "guest@site.ru").await.unwrap();
    assert_eq!(ok.status().as_u16(), 201);
    assert_eq!(
        ok.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://nordwind.ru"
    );
    let (status, body) = read(post("https://evil.example", "evil@site.ru").await.unwrap()).await;
    assert_eq!((status, error_code(&body)), (403, "form_origin_forbidden"));
    assert_eq!(leads_with(&app, "guest@site.ru").await.len(), 1);
    assert!(leads_with(&app, "evil@site.ru").await.is_empty());
}

#[tokio::test]
async fn a_form_leads_consent_follows_it_into_a_merge_and_a_conversion() {
    let app = spawn_app().await;
    let form = create_form(
        &app,
        json!({ "name": "Сайт", "fields": standard_fields(), "consent_text": CONSENT }),
    )
    .await;
    let body = json!({ "name": "Олег", "email": "oleg@metall.ru", "consent": true, "page": "https://nordwind.ru/" });
    assert_eq!(post_json(&app, &form, body).await.0, 201);
    let lead = leads_with(&app, "oleg@metall.ru").await[0]["id"].clone();
    let (status, other) = app
        .post(
            "/api/v1/leads",
            &app.admin_token,
            json!({ "name": "Олег (звонок)" }),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    // The form's lead merged into another one: its consent goes along.
    let (status, merged) = app
        .post(
            &format!("/api/v1/leads/{}/merge", other["id"]),
            &app.admin_token,
            json!({ "other_id": lead }),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    let (_, consents) = app
        .get(
            &format!("/api/v1/leads/{}/consent", other["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(consents[0]["consent_text"], CONSENT, "{consents}");
    // Converted: the contact has the consent, so marketing mail may go to it.
    let (status, out) = app
        .post(
            &format!("/api/v1/leads/{}/convert", other["id"]),
            &app.admin_token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    let (_, contact) = app
        .get(
            &format!("/api/v1/contacts/{}", out["contact_id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(contact["consent"]["granted"], true, "{contact}");
    assert_eq!(contact["consent"]["text_version"], 1);
    assert_eq!(contact["consent"]["page"], "https://nordwind.ru/");
}
