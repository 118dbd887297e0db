//! The console's reports pages in real headless Chromium (tests/console/reports.test.mjs): charts and tables of
//! the funnel, deal dynamics and lead sources over the deals of `reports.rs` (moved through stages, won and lost)
//! and leads with sources made here through the API, for an admin, a salesperson and marketing.

use serde_json::json;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::reports::{deals_fixture, patch, Fixture};

async fn source_id(f: &Fixture, name: &str) -> i64 {
    let (_, list) = f.app.get("/api/v1/lead-sources", &f.app.admin_token).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("lead source {name}: {list}"))
}

async fn lead(f: &Fixture, token: &str, name: &str, source: Option<i64>) -> i64 {
    let body = json!({ "name": name, "email": format!("{}@client-{}.ru", name.to_lowercase(), name.len()),
        "source_id": source });
    let (status, l) = f.app.post("/api/v1/leads", token, body).await;
    assert_eq!(status, 201, "{l}");
    l["id"].as_i64().unwrap()
}

/// Converts a lead with a deal in the fixture's pipeline (created now, in its first stage): the deal's id.
async fn convert(f: &Fixture, token: &str, lead: i64, amount: &str) -> i64 {
    let body = json!({ "deal": { "pipeline_id": f.pipeline, "amount": amount } });
    let (status, out) = f
        .app
        .post(&format!("/api/v1/leads/{lead}/convert"), token, body)
        .await;
    assert_eq!(status, 200, "{out}");
    out["deal_id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_reports_pages_chart_the_callers_figures_in_real_chromium() {
    let dir = crate::browser::suite_dir("tests/console");
    // Five deals of October–November 2026 (reports.rs), then four leads made now:
    // website: anna's Alpha (converted, its deal won 40000) and Bravo; phone: boris's Charlie (converted, its deal
    // open 10000 in Qualification); no source: anna's Delta.
    let f = deals_fixture().await;
    let website = source_id(&f, "website").await;
    let phone = source_id(&f, "phone").await;
    let alpha = lead(&f, &f.anna, "Alpha", Some(website)).await;
    let alpha_deal = convert(&f, &f.anna, alpha, "40000").await;
    let won = json!({ "stage_id": f.stages[3] });
    patch(&f.app, &f.anna, &format!("/api/v1/deals/{alpha_deal}"), won).await;
    lead(&f, &f.anna, "Bravo", Some(website)).await;
    let charlie = lead(&f, &f.boris, "Charlie", Some(phone)).await;
    convert(&f, &f.boris, charlie, "10000").await;
    lead(&f, &f.anna, "Delta", None).await;

    let fixture = json!({
        "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD, "password": "user-password-1",
        "anna_email": "anna@test.local", "lead_email": "lead@test.local", "marketing_email": "mkt@test.local",
        "boris_id": f.boris_id, "team_id": f.team_id,
    });
    let (passed, report) = crate::browser::run_node_tests(
        &dir,
        "reports.test.mjs",
        "console-reports",
        &f.app.base,
        &fixture,
    )
    .await;
    assert!(passed, "the reports pages' browser tests failed");
    assert!(
        report.contains("# pass 5") && report.contains("# fail 0"),
        "the admin's funnel, deals and sources, the other reports, the salesperson's, marketing's and the accessibility check ran"
    );
}
