//! What the console's marketing pages show live: an unsaved template rendered for a chosen contact, the count of
//! an unsaved segment filter, and the letters sent per step of a campaign that really sent them (smtp-sink).

use std::time::Duration;

use serde_json::json;

use crate::campaign_fixtures::{
    app_for, campaign, company, contact, greeting_template, start, status_is, wait_until,
};
use crate::helpers::error_code;
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn an_unsaved_template_previews_for_a_contact_and_an_unsaved_filter_counts_its_reach() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let acme = company(&app, "ООО «Акме»").await;
    let anna = contact(
        &app,
        "Анна Петрова",
        "anna@acme.ru",
        Some(acme),
        &["vip"],
        Some(true),
    )
    .await;
    contact(&app, "Борис", "boris@acme.ru", Some(acme), &["vip"], None).await;
    contact(&app, "Вера", "vera@other.ru", None, &["other"], Some(true)).await;
    let (_, marketer) = app.user_with_role("mark@nordwind.ru", "marketing").await;

    let (status, preview) = app
        .post(
            "/api/v1/templates/preview",
            &marketer,
            json!({"contact_id": anna, "template": greeting_template("draft")}),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        preview["subject"],
        "Предложение для ООО «Акме», Анна Петрова"
    );
    assert!(preview["html"]
        .as_str()
        .unwrap()
        .contains("Здравствуйте, Анна Петрова (коллега)!"));
    assert_eq!(preview["address"], "anna@acme.ru");
    // Nothing was saved.
    let (_, templates) = app.get("/api/v1/templates", &marketer).await;
    assert_eq!(templates["items"].as_array().unwrap().len(), 0);

    // A field the contact lacks, and a syntax error, are refused with words.
    let (status, body) = app
        .post(
            "/api/v1/templates/preview",
            &marketer,
            json!({"contact_id": anna, "template": {"name": "x", "subject": "{{contact.phone}}", "html": "<p>{{#if}}</p>"}}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );

    let (status, count) = app
        .post(
            "/api/v1/segments/count",
            &marketer,
            json!({"filter": {"tags": ["vip"]}}),
        )
        .await;
    assert_eq!(status, 200, "{count}");
    assert_eq!(
        (
            count["contacts"].as_i64(),
            count["marketing_deliverable"].as_i64()
        ),
        (Some(2), Some(1))
    );
    let (_, count) = app
        .post(
            "/api/v1/segments/count",
            &marketer,
            json!({"filter": {"company_id": acme, "consent": "granted"}}),
        )
        .await;
    assert_eq!(count["contacts"], 1, "{count}");
    // Marketing does not learn who has deals, not through a live count either.
    let (status, body) = app
        .post(
            "/api/v1/segments/count",
            &marketer,
            json!({"filter": {"deal_state": "open"}}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    assert_eq!(body["error"]["field"], "filter.deal_state");
}

#[tokio::test]
async fn a_campaign_reports_letters_sent_per_step() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let firm = company(&app, "ООО «Клиент»").await;
    for n in 0..5 {
        contact(
            &app,
            &format!("Клиент {n}"),
            &format!("c{n}@client.ru"),
            Some(firm),
            &["rate"],
            Some(true),
        )
        .await;
    }
    let token = app.admin_token.clone();
    let id = campaign(&app, &token, "rate", json!({})).await;
    let (_, empty) = app
        .get(&format!("/api/v1/campaigns/{id}/rate?step=1"), &token)
        .await;
    assert_eq!(empty["points"], json!([]));
    start(&app, &token, id).await;
    wait_until(&app, &token, id, Duration::from_secs(30), status_is("done")).await;
    sink.wait_for(5, Duration::from_secs(10)).await;

    let (status, series) = app
        .get(&format!("/api/v1/campaigns/{id}/rate?step=1"), &token)
        .await;
    assert_eq!(status, 200, "{series}");
    assert_eq!(series["step_seconds"], 1);
    let points = series["points"].as_array().unwrap();
    let sent: i64 = points.iter().map(|p| p["sent"].as_i64().unwrap()).sum();
    assert_eq!(sent, 5, "{series}");
    assert!(points.iter().all(|p| p["at"].is_string()));
    let (_, minutes) = app
        .get(&format!("/api/v1/campaigns/{id}/rate"), &token)
        .await;
    assert_eq!(minutes["step_seconds"], 60);
    let (status, body) = app
        .get(&format!("/api/v1/campaigns/{id}/rate?step=0"), &token)
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    let (status, _) = app.get("/api/v1/campaigns/999999/rate", &token).await;
    assert_eq!(status, 404);
}
