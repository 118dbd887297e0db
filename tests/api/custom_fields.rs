//! Custom fields: an admin defines typed fields per record kind; records carry their values under `custom`, set on
//! create and update (parsed per type, 422 naming the key), filtered, sorted, merged, and gone with the record or
//! the field.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

async fn field(app: &TestApp, body: Value) -> i64 {
    let (status, f) = app
        .post("/api/v1/custom-fields", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{f}");
    f["id"].as_i64().unwrap()
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> u16 {
    app.call(Method::DELETE, path, Some(token), None).await.0
}

#[tokio::test]
async fn an_admin_defines_fields_and_records_carry_typed_values() {
    let app = spawn_app().await;
    let (seller, sales) = app.user_with_role("seller@fields.local", "sales").await;
    let defs = [
        json!({ "kind": "contact", "key": "contract_no", "label": "Договор №", "type": "text", "required": true }),
        json!({ "kind": "contact", "key": "notes_long", "label": "Заметки", "type": "long_text" }),
        json!({ "kind": "contact", "key": "employees", "label": "Сотрудников", "type": "number" }),
        json!({ "kind": "contact", "key": "budget", "label": "Бюджет", "type": "money" }),
        json!({ "kind": "contact", "key": "signed_on", "label": "Подписан", "type": "date" }),
        json!({ "kind": "contact", "key": "vip", "label": "VIP", "type": "checkbox" }),
        json!({ "kind": "contact", "key": "tier", "label": "Уровень", "type": "single_choice", "options": ["gold", "silver"] }),
        json!({ "kind": "contact", "key": "channels", "label": "Каналы", "type": "multiple_choice", "options": ["mail", "phone", "visit"] }),
        json!({ "kind": "contact", "key": "site", "label": "Сайт", "type": "url" }),
        json!({ "kind": "contact", "key": "billing", "label": "Счета", "type": "email" }),
        json!({ "kind": "contact", "key": "hotline", "label": "Горячая линия", "type": "phone" }),
        json!({ "kind": "contact", "key": "curator", "label": "Куратор", "type": "user" }),
    ];
    for d in &defs {
        field(&app, d.clone()).await;
    }
    // Only admins define fields; everyone reads them (cards and lists show them).
    let (status, _) = app
        .post("/api/v1/custom-fields", &sales, defs[0].clone())
        .await;
    assert_eq!(status, 403);
    let (status, listed) = app.get("/api/v1/custom-fields?kind=contact", &sales).await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys[..3],
        ["contract_no", "notes_long", "employees"],
        "in position order"
    );
    let (status, body) = app
        .post("/api/v1/custom-fields", &app.admin_token, defs[0].clone())
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let (status, body) = app
        .post(
            "/api/v1/custom-fields",
            &app.admin_token,
            json!({ "kind": "contact", "key": "Bad Key", "label": "x", "type": "text" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("key")),
        "{body}"
    );

    let full = json!({
        "contract_no": " A-17 ", "notes_long": "строка 1\nстрока 2", "employees": "250", "budget": 1500.5,
        "signed_on": "2026-03-01", "vip": true, "tier": "gold", "channels": ["visit", "mail"],
        "site": "https://romashka.ru/about", "billing": "Bills@Romashka.RU", "hotline": "8 (916) 123-45-67",
        "curator": seller,
    });
    let (status, c) = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({ "name": "Анна", "custom": full }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let expected = json!({
        "contract_no": "A-17", "notes_long": "строка 1\nстрока 2", "employees": 250, "budget": "1500.50",
        "signed_on": "2026-03-01", "vip": true, "tier": "gold", "channels": ["mail", "visit"],
        "site": "https://romashka.ru/about", "billing": "bills@romashka.ru", "hotline": "+79161234567",
        "curator": seller,
    });
    assert_eq!(c["custom"], expected);
    let id = c["id"].as_i64().unwrap();
    let (_, again) = app.get(&format!("/api/v1/contacts/{id}"), &sales).await;
    assert_eq!(again["custom"], expected, "stored, not echoed");

    // Each bad value is a 422 naming the field's key; nothing is stored.
    for (key, bad) in [
        ("employees", json!("many")),
        ("budget", json!("12.345")),
        ("signed_on", json!("01.03.2026")),
        ("signed_on", json!("2026-02-30")),
        ("vip", json!("yes")),
        ("tier", json!("bronze")),
        ("channels", json!(["mail", "fax"])),
        ("site", json!("ftp://romashka.ru")),
        ("billing", json!("not-an-address")),
        ("hotline", json!("12")),
        ("curator", json!(999_999)),
        ("contract_no", json!(null)),
    ] {
        let (status, body) = patch(
            &app,
            &format!("/api/v1/contacts/{id}"),
            &sales,
            json!({ "custom": { key: bad } }),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "invalid_custom_value"),
            "{key}={bad}: {body}"
        );
        assert_eq!(
            body["error"]["details"]["field"],
            format!("custom.{key}"),
            "{body}"
        );
    }
    let (status, body) = patch(
        &app,
        &format!("/api/v1/contacts/{id}"),
        &sales,
        json!({ "custom": { "nope": 1 } }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "unknown_custom_field"),
        "{body}"
    );
    let (_, unchanged) = app.get(&format!("/api/v1/contacts/{id}"), &sales).await;
    assert_eq!(unchanged["custom"], expected);

    // A required field is demanded on create; an update changes only what it names; null clears.
    let (status, body) = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({ "name": "Без договора" }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_custom_value"),
        "{body}"
    );
    let (status, c) = patch(
        &app,
        &format!("/api/v1/contacts/{id}"),
        &sales,
        json!({ "custom": { "vip": null, "employees": 12.5 } }),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert!(c["custom"].get("vip").is_none(), "{c}");
    assert_eq!(c["custom"]["employees"], 12.5);
    assert_eq!(c["custom"]["tier"], "gold");
}

#[tokio::test]
async fn lists_filter_and_sort_by_custom_fields_with_exact_pages() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    field(
        &app,
        json!({ "kind": "company", "key": "inn", "label": "ИНН", "type": "text" }),
    )
    .await;
    field(
        &app,
        json!({ "kind": "company", "key": "revenue", "label": "Выручка", "type": "money" }),
    )
    .await;
    field(
        &app,
        json!({ "kind": "company", "key": "since", "label": "Клиент с", "type": "date" }),
    )
    .await;
    field(&app, json!({ "kind": "company", "key": "regions", "label": "Регионы", "type": "multiple_choice", "options": ["north", "south"] })).await;
    let rows = [
        ("c1", "7701", Some("100"), Some("2024-01-10"), vec!["north"]),
        (
            "c2",
            "7702",
            Some("2500.5"),
            Some("2025-06-01"),
            vec!["south", "north"],
        ),
        ("c3", "7703", None, Some("2023-12-31"), vec![]),
        ("c4", "7704", Some("99.99"), None, vec!["south"]),
        ("c5", "7705", Some("100"), Some("2025-01-01"), vec!["north"]),
    ];
    for (name, inn, revenue, since, regions) in &rows {
        let custom = json!({ "inn": inn, "revenue": revenue, "since": since, "regions": regions });
        let (status, c) = app
            .post(
                "/api/v1/companies",
                t,
                json!({ "name": name, "custom": custom }),
            )
            .await;
        assert_eq!(status, 201, "{c}");
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, page) = app.get("/api/v1/companies?custom.inn=7703", t).await;
    assert_eq!(names(&page), ["c3"]);
    let (_, page) = app
        .get(
            "/api/v1/companies?custom.revenue.min=100&custom.revenue.max=2500.50",
            t,
        )
        .await;
    assert_eq!(names(&page), ["c1", "c2", "c5"]);
    let (_, page) = app
        .get("/api/v1/companies?custom.since.min=2024-06-01", t)
        .await;
    assert_eq!(names(&page), ["c2", "c5"]);
    let (_, page) = app.get("/api/v1/companies?custom.regions=south", t).await;
    assert_eq!(names(&page), ["c2", "c4"]);
    let (status, body) = app
        .get("/api/v1/companies?custom.revenue.min=lots", t)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "invalid_custom_value"),
        "{body}"
    );
    let (status, body) = app.get("/api/v1/companies?custom.unknown=1", t).await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "unknown_custom_field"),
        "{body}"
    );

    // Sorted by money descending (no value sorts lowest), two at a time, every company once.
    let mut seen = Vec::new();
    let mut url = "/api/v1/companies?sort=-custom.revenue&limit=2".to_string();
    loop {
        let (status, page) = app.get(&url, t).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/companies?sort=-custom.revenue&limit=2&after={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["c2", "c1", "c5", "c4", "c3"]);
    let (_, page) = app.get("/api/v1/companies?sort=custom.since,name", t).await;
    assert_eq!(names(&page), ["c4", "c3", "c1", "c5", "c2"]);
}

#[tokio::test]
async fn merge_keeps_values_delete_removes_them_and_a_deleted_field_takes_its_values() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let inn = field(
        &app,
        json!({ "kind": "lead", "key": "inn", "label": "ИНН", "type": "text" }),
    )
    .await;
    field(
        &app,
        json!({ "kind": "lead", "key": "score", "label": "Оценка", "type": "number" }),
    )
    .await;
    let (_, a) = app
        .post(
            "/api/v1/leads",
            t,
            json!({ "name": "Лид A", "custom": { "score": 5 } }),
        )
        .await;
    let (_, b) = app
        .post(
            "/api/v1/leads",
            t,
            json!({ "name": "Лид B", "custom": { "inn": "7707083893", "score": 9 } }),
        )
        .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let (status, merged) = app
        .post(
            &format!("/api/v1/leads/{a}/merge"),
            t,
            json!({ "other_id": b }),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        merged["custom"],
        json!({ "inn": "7707083893", "score": 5 }),
        "the kept lead's own value wins"
    );
    let (_, page) = app.get("/api/v1/leads?custom.inn=7707083893", t).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");

    // A record made again after a delete does not inherit anything.
    assert_eq!(delete(&app, &format!("/api/v1/leads/{a}"), t).await, 204);
    let (_, page) = app.get("/api/v1/leads?custom.inn=7707083893", t).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    let (_, c) = app
        .post(
            "/api/v1/leads",
            t,
            json!({ "name": "Лид C", "custom": { "inn": "500100732259" } }),
        )
        .await;
    assert_eq!(
        delete(&app, &format!("/api/v1/custom-fields/{inn}"), t).await,
        204
    );
    let (_, c) = app.get(&format!("/api/v1/leads/{}", c["id"]), t).await;
    assert_eq!(c["custom"], json!({}), "{c}");
    // A new field with the old key starts empty.
    field(
        &app,
        json!({ "kind": "lead", "key": "inn", "label": "ИНН", "type": "text" }),
    )
    .await;
    let (_, c) = app.get(&format!("/api/v1/leads/{}", c["id"]), t).await;
    assert_eq!(c["custom"], json!({}), "{c}");
    assert_eq!(
        delete(&app, &format!("/api/v1/custom-fields/{inn}"), t).await,
        404
    );
}

#[tokio::test]
async fn choice_options_in_use_stay_and_deals_carry_values_too() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let f = field(&app, json!({ "kind": "deal", "key": "source", "label": "Источник", "type": "single_choice", "options": ["web", "fair"] })).await;
    let (_, pipelines) = app.get("/api/v1/pipelines", t).await;
    let (status, d) = app
        .post("/api/v1/deals", t, json!({ "title": "Поставка", "pipeline_id": pipelines[0]["id"], "custom": { "source": "fair" } }))
        .await;
    assert_eq!(
        (status, d["custom"]["source"].as_str()),
        (201, Some("fair")),
        "{d}"
    );
    let (status, body) = patch(
        &app,
        &format!("/api/v1/custom-fields/{f}"),
        t,
        json!({ "options": ["web"] }),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("options")),
        "{body}"
    );
    let (status, body) = patch(
        &app,
        &format!("/api/v1/custom-fields/{f}"),
        t,
        json!({ "options": ["web", "fair", "call"], "label": "Канал" }),
    )
    .await;
    assert_eq!(
        (
            status,
            body["label"].as_str(),
            body["options"].as_array().map(|o| o.len())
        ),
        (200, Some("Канал"), Some(3)),
        "{body}"
    );
    let (status, body) = app.get("/api/v1/custom-fields/999999", t).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
}

#[tokio::test]
async fn templates_name_contact_custom_fields_and_previews_fill_them() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let (_, marketing) = app.user_with_role("m@fields.local", "marketing").await;
    let body = json!({ "name": "t", "subject": "Договор {{custom.contract_no}}",
        "html": "<p>{{contact.name}}: {{default custom.channels \"—\"}}</p>" });
    let (status, err) = app
        .post("/api/v1/templates", &marketing, body.clone())
        .await;
    assert_eq!(status, 422, "no such field yet: {err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("custom.contract_no"),
        "{err}"
    );
    field(
        &app,
        json!({ "kind": "contact", "key": "contract_no", "label": "Договор", "type": "text" }),
    )
    .await;
    field(&app, json!({ "kind": "contact", "key": "channels", "label": "Каналы", "type": "multiple_choice", "options": ["mail", "visit"] })).await;
    let (status, template) = app.post("/api/v1/templates", &marketing, body).await;
    assert_eq!(status, 201, "{template}");
    let (_, anna) = app
        .post(
            "/api/v1/contacts",
            t,
            json!({ "name": "Анна", "emails": ["anna@romashka.ru"],
            "custom": { "contract_no": "A-17", "channels": ["visit", "mail"] } }),
        )
        .await;
    let (_, ivan) = app
        .post(
            "/api/v1/contacts",
            t,
            json!({ "name": "Иван", "emails": ["ivan@romashka.ru"] }),
        )
        .await;
    let path = format!("/api/v1/templates/{}/preview", template["id"]);
    let (status, p) = app
        .post(&path, &marketing, json!({ "contact_id": anna["id"] }))
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["subject"], "Договор A-17");
    assert!(
        p["html"].as_str().unwrap().contains("Анна: mail, visit"),
        "{p}"
    );
    let (status, err) = app
        .post(&path, &marketing, json!({ "contact_id": ivan["id"] }))
        .await;
    assert_eq!(status, 422, "a contact without the value is named: {err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("custom.contract_no"),
        "{err}"
    );
}

#[tokio::test]
async fn record_fields_list_standard_then_custom_fields_with_types() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@fields.local", "sales").await;
    field(&app, json!({ "kind": "company", "key": "inn", "label": "ИНН", "type": "text", "required": true })).await;
    let (status, fields) = app.get("/api/v1/record-fields?kind=company", &sales).await;
    assert_eq!(status, 200, "{fields}");
    let all = fields.as_array().unwrap();
    assert_eq!(all[0]["key"], "name");
    let size = all.iter().find(|f| f["key"] == "size").expect("size");
    assert_eq!(size["options"].as_array().unwrap().len(), 5);
    let last = all.last().unwrap();
    assert_eq!(
        (
            last["key"].as_str(),
            last["type"].as_str(),
            last["required"].as_bool(),
            last["custom"].as_bool()
        ),
        (Some("custom.inn"), Some("text"), Some(true), Some(true))
    );
    let (status, _) = app.get("/api/v1/record-fields?kind=planet", &sales).await;
    assert_eq!(status, 400);
}
