//! Campaign API without SMTP: strict templates, previews, segment counts, validation before sending, access, tokens.

use reqwest::Method;
use serde_json::json;

use crate::campaign_fixtures::*;
use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn templates_with_unknown_fields_or_bad_syntax_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    for (html, why) in [
        ("{{contact.nmae}}", "contact.nmae"),
        ("{{default contact.nmae \"x\"}}", "unknown field"),
        ("{{#if}}", "html"),
    ] {
        let body = json!({"name": "t", "subject": "s", "html": html});
        let (status, err) = app.post("/api/v1/templates", &token, body).await;
        assert_eq!(status, 422, "{html}: {err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(why),
            "{err}"
        );
    }
    let (status, t) = app
        .post("/api/v1/templates", &token, greeting_template("ok"))
        .await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["text"], serde_json::Value::Null);
}

#[tokio::test]
async fn preview_fills_recipient_company_and_owner_and_names_missing_fields() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    admin_phone(&app, "+7 812 555-01-02").await;
    let co = company(&app, "ООО «Ромашка»").await;
    let anna = contact(
        &app,
        "Анна Петрова",
        "anna@romashka.ru",
        Some(co),
        &[],
        None,
    )
    .await;
    let loner = contact(&app, "Иван Без Компании", "ivan@mail.ru", None, &[], None).await;
    let t = create(&app, &token, "/api/v1/templates", greeting_template("t")).await;

    let path = format!("/api/v1/templates/{t}/preview");
    let (status, p) = app.post(&path, &token, json!({"contact_id": anna})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["subject"], "Предложение для ООО «Ромашка», Анна Петрова");
    let html = p["html"].as_str().unwrap();
    assert!(
        html.contains("Здравствуйте, Анна Петрова (коллега)!"),
        "{html}"
    );
    assert!(
        html.contains("+7 812 555-01-02"),
        "owner phone in the signature: {html}"
    );
    let text = p["text"].as_str().unwrap();
    assert!(
        text.starts_with("Здравствуйте, Анна Петрова (коллега)!\n\nОтписаться (http"),
        "{text}"
    );
    assert!(!text.contains('<'), "text part derived from HTML: {text}");

    let (status, err) = app.post(&path, &token, json!({"contact_id": loner})).await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("company.name"),
        "{err}"
    );
}

#[tokio::test]
async fn segments_count_one_letter_per_address_and_only_consenting_for_marketing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    contact(&app, "А", "a@x.ru", None, &["news"], Some(true)).await;
    contact(&app, "А дубль", "a@x.ru", None, &["news"], Some(true)).await;
    contact(&app, "Б", "b@x.ru", None, &["news"], Some(false)).await;
    contact(&app, "В", "v@x.ru", None, &["news"], None).await;
    contact(&app, "Г", "g@x.ru", None, &["other"], Some(true)).await;
    let (status, _) = app
        .post("/api/v1/suppressions", &token, json!({"address": "v@x.ru"}))
        .await;
    assert_eq!(status, 204);
    let s = create(
        &app,
        &token,
        "/api/v1/segments",
        json!({"name": "n", "filter": {"tags": ["news"]}}),
    )
    .await;
    let (status, n) = app
        .get(&format!("/api/v1/segments/{s}/count"), &token)
        .await;
    assert_eq!(status, 200, "{n}");
    assert_eq!(
        n,
        json!({"contacts": 4, "addresses": 3, "marketing_deliverable": 1, "deliverable": 2})
    );

    let f = json!({"name": "g", "filter": {"tags": ["news", "other"], "consent": "granted"}});
    let s = create(&app, &token, "/api/v1/segments", f).await;
    let (_, n) = app
        .get(&format!("/api/v1/segments/{s}/count"), &token)
        .await;
    assert_eq!(n["contacts"], 3, "{n}");
    let bad = json!({"name": "b", "filter": {"deal_state": "closed"}});
    let (status, err) = app.post("/api/v1/segments", &token, bad).await;
    assert_eq!((status, error_code(&err)), (422, "validation_failed"));
}

#[tokio::test]
async fn starting_renders_every_recipient_first_and_sends_nothing_if_one_fails() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Альфа").await;
    contact(
        &app,
        "С компанией",
        "ok@x.ru",
        Some(co),
        &["promo"],
        Some(true),
    )
    .await;
    let bad = contact(
        &app,
        "Без компании",
        "nocompany@x.ru",
        None,
        &["promo"],
        Some(true),
    )
    .await;
    let id = campaign(&app, &token, "promo", json!({})).await;
    let (status, err) = app
        .post(&format!("/api/v1/campaigns/{id}/start"), &token, json!({}))
        .await;
    assert_eq!(
        (status, error_code(&err)),
        (422, "recipients_invalid"),
        "{err}"
    );
    let details = err["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{err}");
    assert_eq!(details[0]["contact_id"], bad);
    assert!(details[0]["error"]
        .as_str()
        .unwrap()
        .contains("company.name"));
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!(c["status"], "draft");
    assert_eq!(c["stats"]["total"], 0, "nothing queued: {c}");
}

#[tokio::test]
async fn only_admin_and_marketing_run_campaigns() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("s@nordwind.ru", "sales").await;
    for path in [
        "/api/v1/templates",
        "/api/v1/segments",
        "/api/v1/campaigns",
        "/api/v1/suppressions",
    ] {
        let (status, body) = app.get(path, &sales).await;
        assert_eq!((status, error_code(&body)), (403, "forbidden"), "{path}");
        let (status, _) = app.get(path, &app.admin_token).await;
        assert_eq!(status, 200, "{path}");
    }
}

#[tokio::test]
async fn forged_unsubscribe_tokens_are_refused() {
    let app = spawn_app().await;
    for token in ["1.1.AAAA", "garbage", "1.2.3.4", "99999.1.aGVsbG8"] {
        let (status, body) = app
            .call(Method::POST, &format!("/u/{token}"), None, None)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (400, "invalid_unsubscribe_link"),
            "{token}"
        );
    }
}

#[tokio::test]
async fn templates_and_segments_in_use_by_an_unfinished_campaign_are_not_deleted() {
    let app = crate::helpers::spawn_app().await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let id = campaign(&app, &token, "del", json!({})).await;
    let (_, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    let (t, s) = (
        c["template_id"].as_i64().unwrap(),
        c["segment_id"].as_i64().unwrap(),
    );
    for path in [
        format!("/api/v1/templates/{t}"),
        format!("/api/v1/segments/{s}"),
    ] {
        let (status, body) = app.call(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "in_use", "{body}");
        assert_eq!(
            body["error"]["details"]["campaign_ids"],
            json!([id]),
            "{body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("campaign"),
            "{body}"
        );
        let (status, _) = app.get(&path, &token).await;
        assert_eq!(status, 200, "still there");
    }
    // Once the campaign is finished (cancelled), both go; the campaign keeps naming them.
    let (status, _) = app
        .post(&format!("/api/v1/campaigns/{id}/cancel"), &token, json!({}))
        .await;
    assert_eq!(status, 200);
    for (path, list) in [
        (format!("/api/v1/templates/{t}"), "/api/v1/templates"),
        (format!("/api/v1/segments/{s}"), "/api/v1/segments"),
    ] {
        let (status, body) = app.call(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(status, 204, "{body}");
        let (status, body) = app.get(&path, &token).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
        let (_, items) = app.get(list, &token).await;
        assert_eq!(items["items"], json!([]), "{items}");
        let (status, _) = app.call(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(status, 404, "deleted once");
    }
    let (status, c) = app.get(&format!("/api/v1/campaigns/{id}"), &token).await;
    assert_eq!((status, c["template_id"].as_i64()), (200, Some(t)), "{c}");
    // The name is free again.
    create(
        &app,
        &token,
        "/api/v1/templates",
        greeting_template("t-del"),
    )
    .await;
}
