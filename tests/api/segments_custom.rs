//! Segments filtered by custom fields of contacts and of their companies: counts, who a campaign mails, and the 422s
//! of a key no field has or a value its field refuses.

use std::collections::BTreeSet;
use std::time::Duration;

use mail_parser::MessageParser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::campaign_fixtures::*;
use crate::helpers::{error_code, spawn_app, TestApp};
use crate::smtp_sink::SmtpSink;

async fn field(app: &TestApp, body: Value) {
    let (status, f) = app
        .post("/api/v1/custom-fields", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{f}");
}

/// The fields the tests filter by: a contact's budget (money), head count (number), first order (date), industry
/// (single choice), channels (multiple choice), VIP (checkbox); a company's tier (single choice).
async fn fields(app: &TestApp) {
    for def in [
        json!({"kind": "contact", "key": "budget", "label": "Бюджет", "type": "money"}),
        json!({"kind": "contact", "key": "staff", "label": "Сотрудников", "type": "number"}),
        json!({"kind": "contact", "key": "first_order", "label": "Первый заказ", "type": "date"}),
        json!({"kind": "contact", "key": "industry", "label": "Отрасль", "type": "single_choice",
               "options": ["банк", "ритейл", "IT"]}),
        json!({"kind": "contact", "key": "channels", "label": "Каналы", "type": "multiple_choice",
               "options": ["mail", "phone", "visit"]}),
        json!({"kind": "contact", "key": "vip", "label": "VIP", "type": "checkbox"}),
        json!({"kind": "company", "key": "tier", "label": "Уровень", "type": "single_choice",
               "options": ["gold", "silver"]}),
    ] {
        field(app, def).await;
    }
}

async fn set_custom(app: &TestApp, path: &str, custom: Value) {
    let (status, body) = app
        .call(
            Method::PATCH,
            path,
            Some(&app.admin_token),
            Some(json!({ "custom": custom })),
        )
        .await;
    assert_eq!(status, 200, "{path}: {body}");
}

/// A consenting contact tagged `seg` with these custom values; returns its address.
async fn member(app: &TestApp, name: &str, company: Option<i64>, custom: Value) -> String {
    let email = format!("{name}@clients.ru");
    let id = contact(app, name, &email, company, &["seg"], Some(true)).await;
    set_custom(app, &format!("/api/v1/contacts/{id}"), custom).await;
    email
}

/// Contacts with values on both sides of every bound; `none` has no custom values at all.
async fn population(app: &TestApp) {
    fields(app).await;
    let gold = company(app, "Золото").await;
    set_custom(
        app,
        &format!("/api/v1/companies/{gold}"),
        json!({"tier": "gold"}),
    )
    .await;
    let silver = company(app, "Серебро").await;
    set_custom(
        app,
        &format!("/api/v1/companies/{silver}"),
        json!({"tier": "silver"}),
    )
    .await;
    for (name, company, custom) in [
        (
            "low",
            Some(gold),
            json!({"budget": "99.99", "staff": 9, "industry": "банк",
                                  "channels": ["mail"], "first_order": "2025-12-31", "vip": false}),
        ),
        (
            "min",
            Some(gold),
            json!({"budget": "100.00", "staff": 10, "industry": "ритейл",
                                  "channels": ["phone", "visit"], "first_order": "2026-01-01"}),
        ),
        (
            "mid",
            Some(silver),
            json!({"budget": 250, "staff": 10.5, "industry": "банк",
                                    "channels": ["visit"], "first_order": "2026-03-15", "vip": true}),
        ),
        (
            "max",
            None,
            json!({"budget": "500", "staff": 50, "industry": "IT",
                             "channels": ["mail", "phone"], "first_order": "2026-06-30"}),
        ),
        (
            "high",
            Some(silver),
            json!({"budget": "500.01", "staff": 51, "industry": "банк",
                                     "first_order": "2026-07-01", "vip": true}),
        ),
        ("none", Some(gold), json!({})),
    ] {
        member(app, name, company, custom).await;
    }
}

async fn segment(app: &TestApp, token: &str, filter: Value) -> (u16, Value) {
    app.post(
        "/api/v1/segments",
        token,
        json!({"name": format!("s {filter}"), "filter": filter}),
    )
    .await
}

async fn count(app: &TestApp, filter: Value) -> i64 {
    let (status, s) = segment(app, &app.admin_token, filter.clone()).await;
    assert_eq!(status, 201, "{filter}: {s}");
    let (status, c) = app
        .get(
            &format!("/api/v1/segments/{}/count", s["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["contacts"], c["addresses"], "{c}");
    c["contacts"].as_i64().unwrap()
}

#[tokio::test]
async fn segments_count_exactly_the_contacts_a_custom_range_or_choice_selects() {
    let app = spawn_app().await;
    population(&app).await;
    let cases = [
        (json!({"budget": {"min": 100, "max": 500}}), 3), // min, mid, max: bounds included
        (json!({"budget": {"min": "100.01"}}), 3),        // mid, max, high
        (json!({"budget": {"max": "99.99"}}), 1),         // low
        (json!({"staff": {"min": 10, "max": 10.5}}), 2),  // min, mid
        (json!({"staff": 10}), 1),
        (
            json!({"first_order": {"min": "2026-01-01", "max": "2026-06-30"}}),
            3,
        ),
        (json!({"industry": "банк"}), 3),
        (json!({"industry": ["ритейл", "IT"]}), 2),
        (json!({"channels": "visit"}), 2),
        (json!({"channels": ["mail", "visit"]}), 4), // any of: low, min, mid, max
        (json!({"vip": true}), 2),
        (json!({"vip": false}), 1),
        (json!({"industry": "банк", "budget": {"min": 100}}), 2), // mid, high
    ];
    for (custom, expected) in cases {
        let filter = json!({"tags": ["seg"], "custom": custom});
        assert_eq!(count(&app, filter.clone()).await, expected, "{filter}");
    }
    let by_company = json!({"company_custom": {"tier": "gold"}});
    assert_eq!(count(&app, by_company).await, 3, "low, min, none");
    let both = json!({"company_custom": {"tier": "silver"}, "custom": {"vip": true}});
    assert_eq!(count(&app, both).await, 2, "mid, high");
    assert_eq!(count(&app, json!({"tags": ["seg"]})).await, 6);
}

#[tokio::test]
async fn a_campaign_on_a_custom_field_segment_mails_only_its_contacts() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@clients.ru", "marketing").await;
    population(&app).await;
    let template = json!({"name": "t", "subject": "{{contact.name}}: {{custom.industry}}",
                          "html": "<p><a href=\"{{unsubscribe_url}}\">Отписаться</a></p>"});
    let t = create(&app, &token, "/api/v1/templates", template).await;
    let filter =
        json!({"custom": {"budget": {"min": "100", "max": "500"}, "industry": ["банк", "IT"]}});
    let (status, s) = segment(&app, &token, filter).await;
    assert_eq!(status, 201, "{s}");
    let body = json!({"name": "c", "template_id": t, "segment_id": s["id"],
                      "from_address": "Нордвинд <news@nordwind.ru>"});
    let id = create(&app, &token, "/api/v1/campaigns", body).await;
    let c = start(&app, &token, id).await;
    assert_eq!(c["stats"]["total"], 2, "{c}");
    let c = wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
    assert_eq!(c["stats"]["sent"], 2, "{c}");
    let got: BTreeSet<(String, String)> = sink
        .received()
        .iter()
        .map(|r| {
            let m = MessageParser::default().parse(&r.raw).expect("a letter");
            (
                r.rcpt_to.clone(),
                m.subject().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("max@clients.ru", "max: IT"),
        ("mid@clients.ru", "mid: банк"),
    ]
    .into_iter()
    .map(|(a, s)| (a.to_string(), s.to_string()))
    .collect();
    assert_eq!(got, want, "one letter each, to the matching contacts only");
}

#[tokio::test]
async fn a_segment_naming_an_unknown_custom_field_or_a_misfit_value_is_refused() {
    let app = spawn_app().await;
    fields(&app).await;
    let (_, token) = app.user_with_role("m@clients.ru", "marketing").await;
    let cases = [
        (
            json!({"custom": {"nope": "x"}}),
            "unknown_custom_field",
            "custom.nope",
        ),
        (
            json!({"custom": {"tier": "gold"}}),
            "unknown_custom_field",
            "custom.tier",
        ), // a company field
        (
            json!({"company_custom": {"nope": 1}}),
            "unknown_custom_field",
            "company_custom.nope",
        ),
        (
            json!({"custom": {"budget": "lots"}}),
            "invalid_custom_value",
            "custom.budget",
        ),
        (
            json!({"custom": {"budget": {"min": "1.234"}}}),
            "invalid_custom_value",
            "custom.budget",
        ),
        (
            json!({"custom": {"budget": {"from": 1}}}),
            "invalid_custom_value",
            "custom.budget",
        ),
        (
            json!({"custom": {"staff": {"min": "ten"}}}),
            "invalid_custom_value",
            "custom.staff",
        ),
        (
            json!({"custom": {"first_order": {"max": "2026-02-30"}}}),
            "invalid_custom_value",
            "custom.first_order",
        ),
        (
            json!({"custom": {"industry": "агро"}}),
            "invalid_custom_value",
            "custom.industry",
        ),
        (
            json!({"custom": {"industry": {"min": "банк"}}}),
            "invalid_custom_value",
            "custom.industry",
        ),
        (
            json!({"custom": {"channels": ["mail", "fax"]}}),
            "invalid_custom_value",
            "custom.channels",
        ),
        (
            json!({"custom": {"channels": []}}),
            "invalid_custom_value",
            "custom.channels",
        ),
        (
            json!({"custom": {"vip": "yes"}}),
            "invalid_custom_value",
            "custom.vip",
        ),
        (
            json!({"custom": {"vip": null}}),
            "invalid_custom_value",
            "custom.vip",
        ),
        (
            json!({"company_custom": {"tier": "bronze"}}),
            "invalid_custom_value",
            "company_custom.tier",
        ),
    ];
    for (filter, code, field) in cases {
        let (status, body) = segment(&app, &token, filter.clone()).await;
        assert_eq!(status, 422, "{filter}: {body}");
        assert_eq!(error_code(&body), code, "{filter}: {body}");
        assert_eq!(body["error"]["details"]["field"], field, "{filter}: {body}");
    }
    let (status, list) = app.get("/api/v1/segments", &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]), "nothing stored: {list}");

    let (status, s) = segment(&app, &token, json!({"custom": {"vip": true}})).await;
    assert_eq!(status, 201, "{s}");
    let path = format!("/api/v1/segments/{}", s["id"]);
    let bad = json!({"name": "s", "filter": {"custom": {"staff": "many"}}});
    let (status, body) = app.call(Method::PUT, &path, Some(&token), Some(bad)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(error_code(&body), "invalid_custom_value");
    let (_, kept) = app.get(&path, &token).await;
    assert_eq!(kept["filter"]["custom"], json!({"vip": true}), "{kept}");

    let (_, vip) = app
        .get("/api/v1/custom-fields?kind=contact", &app.admin_token)
        .await;
    let vip = vip
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "vip"))
        .map(|f| f["id"].clone())
        .expect("the vip field");
    let gone = format!("/api/v1/custom-fields/{vip}");
    let (status, _) = app
        .call(Method::DELETE, &gone, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = app.get(&format!("{path}/count"), &token).await;
    assert_eq!(
        status, 422,
        "a deleted field is not silently dropped: {body}"
    );
    assert_eq!(error_code(&body), "unknown_custom_field", "{body}");
}
