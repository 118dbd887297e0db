//! Reports (issue 17): funnel, deal dynamics and lead sources over fixtures made through the API, with figures
//! worked out by hand below; a salesperson, their team lead and an admin each see their own totals.
//! The API stamps stage moves and closings with the present, so the fixture then moves those stamps into the past
//! in the database (the only thing not done through the API).

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

/// 2026-10-01T00:00:00Z in ms: the day the fixture's stage history starts.
pub(crate) const T0: i64 = 1_790_812_800_000;
pub(crate) const DAY: i64 = 86_400_000;

pub(crate) struct Fixture {
    pub(crate) app: TestApp,
    pub(crate) anna: String,
    pub(crate) lead: String,
    pub(crate) boris: String,
    pub(crate) boris_id: i64,
    pub(crate) team_id: i64,
    pub(crate) marketing: String,
    /// Qualification, Proposal, Negotiation, Won, Lost.
    pub(crate) stages: [i64; 5],
    pub(crate) pipeline: i64,
}

async fn db(app: &TestApp) -> mailroom::db::Db {
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            app.data_dir.join("mailroom.db").display()
        )
    });
    mailroom::db::Db::connect(&url, 1)
        .await
        .expect("the test database")
}

/// Puts a deal's stage moves (in the order made) at these days after T0, and its closing at `closed` days.
async fn set_history(app: &TestApp, deal: i64, days: &[i64], closed: Option<i64>) {
    let db = db(app).await;
    let rows = sqlx::query("SELECT id FROM stage_changes WHERE deal_id = $1 ORDER BY id")
        .bind(deal)
        .fetch_all(&db.pool)
        .await
        .expect("stage history");
    assert_eq!(rows.len(), days.len(), "moves of deal {deal}");
    for (row, d) in rows.iter().zip(days) {
        let id: i64 = sqlx::Row::get(row, "id");
        sqlx::query("UPDATE stage_changes SET at = $1 WHERE id = $2")
            .bind(T0 + d * DAY)
            .bind(id)
            .execute(&db.pool)
            .await
            .expect("backdate a move");
    }
    let created = T0 + days[0] * DAY;
    sqlx::query("UPDATE deals SET created_at = $1, closed_at = $2 WHERE id = $3")
        .bind(created)
        .bind(closed.map(|c| T0 + c * DAY))
        .bind(deal)
        .execute(&db.pool)
        .await
        .expect("backdate the deal");
    db.pool.close().await;
}

pub(crate) async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, out) = app.call(Method::PATCH, path, Some(token), Some(body)).await;
    assert_eq!(status, 200, "PATCH {path}: {out}");
    out
}

async fn deal(f: &Fixture, token: &str, amount: &str, moves: &[usize]) -> i64 {
    let body =
        json!({ "title": format!("Сделка {amount}"), "amount": amount, "pipeline_id": f.pipeline });
    let (status, d) = f.app.post("/api/v1/deals", token, body).await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    for &stage in moves {
        let body = json!({ "stage_id": f.stages[stage], "lost_reason": "дорого" });
        patch(&f.app, token, &format!("/api/v1/deals/{id}"), body).await;
    }
    id
}

pub(crate) async fn people() -> Fixture {
    let app = spawn_app().await;
    let (lead_id, lead) = app.user_with_role("lead@test.local", "sales").await;
    let (anna_id, anna) = app.user_with_role("anna@test.local", "sales").await;
    let (boris_id, boris) = app.user_with_role("boris@test.local", "sales").await;
    let (_, marketing) = app.user_with_role("mkt@test.local", "marketing").await;
    let team = json!({ "name": "Север", "members": [
        { "user_id": lead_id, "lead": true }, { "user_id": anna_id, "lead": false } ] });
    let (status, team) = app.post("/api/v1/teams", &app.admin_token, team).await;
    assert_eq!(status, 201, "{team}");
    let (_, pipelines) = app.get("/api/v1/pipelines", &app.admin_token).await;
    let p = &pipelines[0];
    let names: Vec<&str> = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Qualification", "Proposal", "Negotiation", "Won", "Lost"]
    );
    let stage = |i: usize| p["stages"][i]["id"].as_i64().unwrap();
    Fixture {
        stages: [stage(0), stage(1), stage(2), stage(3), stage(4)],
        pipeline: p["id"].as_i64().unwrap(),
        team_id: team["id"].as_i64().unwrap(),
        app,
        anna,
        lead,
        boris,
        boris_id,
        marketing,
    }
}

/// Five deals (stage indices: 0 Qualification, 1 Proposal, 2 Negotiation, 3 Won, 4 Lost):
/// anna  D1 100000: Q (day 0) → P (2) → N (5) → Won (6), closed day 14 (October)
/// anna  D2  50000: Q (0), open
/// anna  D3  20000: Q (0) → P (1) → Lost (4), closed day 33 (2026-11-03)
/// lead  D4  30000: Q (0) → P (2), open
/// boris D5  80000: Q (0) → Won (10), closed day 50 (2026-11-20)
pub(crate) async fn deals_fixture() -> Fixture {
    let f = people().await;
    let d1 = deal(&f, &f.anna, "100000", &[1, 2, 3]).await;
    set_history(&f.app, d1, &[0, 2, 5, 6], Some(14)).await;
    let d2 = deal(&f, &f.anna, "50000", &[]).await;
    set_history(&f.app, d2, &[0], None).await;
    let d3 = deal(&f, &f.anna, "20000", &[1, 4]).await;
    set_history(&f.app, d3, &[0, 1, 4], Some(33)).await;
    let d4 = deal(&f, &f.lead, "30000", &[1]).await;
    set_history(&f.app, d4, &[0, 2], None).await;
    let d5 = deal(&f, &f.boris, "80000", &[3]).await;
    set_history(&f.app, d5, &[0, 10], Some(50)).await;
    f
}

pub(crate) async fn report(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = app.get(path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// (deals, amount, reached, conversion, avg days) per stage, in the report's order.
type StageLine = (i64, String, i64, Option<f64>, Option<f64>);

fn lines(funnel: &Value) -> Vec<StageLine> {
    funnel["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["deals"].as_i64().unwrap(),
                s["amount"].as_str().unwrap().to_string(),
                s["reached"].as_i64().unwrap(),
                s["conversion"].as_f64(),
                s["avg_days_in_stage"].as_f64(),
            )
        })
        .collect()
}

fn line(d: i64, a: &str, r: i64, c: Option<f64>, days: Option<f64>) -> StageLine {
    (d, a.to_string(), r, c, days)
}

#[tokio::test]
async fn the_funnel_counts_stages_conversions_and_days_per_caller() {
    let f = deals_fixture().await;
    let admin = report(&f.app, &f.app.admin_token, "/api/v1/reports/funnel").await;
    // Reached: Q all 5; P D1 D3 D4 D5 (D5 jumped to Won); N and Won D1 D5. Ended stays: Q 2, 1, 2, 10 days; P 3, 3.
    assert_eq!(
        lines(&admin),
        [
            line(1, "50000.00", 5, Some(0.8), Some(3.75)),
            line(1, "30000.00", 4, Some(0.5), Some(3.0)),
            line(0, "0.00", 2, Some(1.0), Some(1.0)),
            line(2, "180000.00", 2, None, None),
            line(1, "20000.00", 1, None, None),
        ]
    );
    // Anna: D1 D2 D3.
    let anna = report(&f.app, &f.anna, "/api/v1/reports/funnel").await;
    assert_eq!(
        lines(&anna),
        [
            line(1, "50000.00", 3, Some(0.6667), Some(1.5)),
            line(0, "0.00", 2, Some(0.5), Some(3.0)),
            line(0, "0.00", 1, Some(1.0), Some(1.0)),
            line(1, "100000.00", 1, None, None),
            line(1, "20000.00", 1, None, None),
        ]
    );
    // The team lead: their D4 and anna's three.
    let lead = report(&f.app, &f.lead, "/api/v1/reports/funnel").await;
    assert_eq!(
        lines(&lead),
        [
            line(1, "50000.00", 4, Some(0.75), Some(1.67)),
            line(1, "30000.00", 3, Some(0.3333), Some(3.0)),
            line(0, "0.00", 1, Some(1.0), Some(1.0)),
            line(1, "100000.00", 1, None, None),
            line(1, "20000.00", 1, None, None),
        ]
    );
    // The admin narrows to one salesperson; anna asking for boris's figures gets none (as lists answer).
    let only_boris = format!("/api/v1/reports/funnel?user_id={}", f.boris_id);
    let by_admin = report(&f.app, &f.app.admin_token, &only_boris).await;
    assert_eq!(lines(&by_admin)[3], line(1, "80000.00", 1, None, None));
    let by_anna = report(&f.app, &f.anna, &only_boris).await;
    assert!(
        lines(&by_anna).iter().all(|l| l.0 == 0 && l.2 == 0),
        "{by_anna}"
    );
    // The team filter: the admin sees the team's deals (lead + anna), not boris's.
    let team = format!("/api/v1/reports/funnel?team_id={}", f.team_id);
    let team = report(&f.app, &f.app.admin_token, &team).await;
    assert_eq!(lines(&team), lines(&lead));
    // A period before the deals were created holds none of them.
    let before = report(
        &f.app,
        &f.app.admin_token,
        "/api/v1/reports/funnel?to=2026-09-30",
    )
    .await;
    assert!(lines(&before).iter().all(|l| l.0 == 0), "{before}");
}

#[tokio::test]
async fn deal_dynamics_sum_won_and_lost_per_period_and_forecast_open_deals() {
    let f = deals_fixture().await;
    let path = "/api/v1/reports/deals?period=month&from=2026-10-01&to=2026-11-30";
    let periods = |v: &Value| -> Vec<(String, i64, String, i64, String)> {
        v["periods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["start"].as_str().unwrap().to_string(),
                    p["won"].as_i64().unwrap(),
                    p["won_amount"].as_str().unwrap().to_string(),
                    p["lost"].as_i64().unwrap(),
                    p["lost_amount"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let p =
        |s: &str, w, wa: &str, l, la: &str| (s.to_string(), w, wa.to_string(), l, la.to_string());
    let admin = report(&f.app, &f.app.admin_token, path).await;
    assert_eq!(
        periods(&admin),
        [
            p("2026-10-01", 1, "100000.00", 0, "0.00"),
            p("2026-11-01", 1, "80000.00", 1, "20000.00")
        ]
    );
    // Open: D2 50000 × 10 % + D4 30000 × 40 %.
    assert_eq!(admin["forecast"], "17000.00");
    assert_eq!(admin["open_amount"], "80000.00");
    let anna = report(&f.app, &f.anna, path).await;
    assert_eq!(
        periods(&anna),
        [
            p("2026-10-01", 1, "100000.00", 0, "0.00"),
            p("2026-11-01", 0, "0.00", 1, "20000.00")
        ]
    );
    assert_eq!(anna["forecast"], "5000.00");
    let lead = report(&f.app, &f.lead, path).await;
    assert_eq!(periods(&lead), periods(&anna));
    assert_eq!(lead["forecast"], "17000.00");
    let boris = report(&f.app, &f.boris, path).await;
    assert_eq!(
        periods(&boris),
        [
            p("2026-10-01", 0, "0.00", 0, "0.00"),
            p("2026-11-01", 1, "80000.00", 0, "0.00")
        ]
    );
    assert_eq!(boris["forecast"], "0.00");
    // Weeks start on Monday: 2026-10-15 is in the week of 10-12, 11-03 in that of 11-02, 11-20 in that of 11-16.
    let weeks = "/api/v1/reports/deals?period=week&from=2026-10-12&to=2026-11-22";
    let weeks = report(&f.app, &f.app.admin_token, weeks).await;
    let weeks = periods(&weeks);
    assert_eq!(weeks.len(), 6, "{weeks:?}");
    assert_eq!(weeks[0], p("2026-10-12", 1, "100000.00", 0, "0.00"));
    assert_eq!(weeks[3], p("2026-11-02", 0, "0.00", 1, "20000.00"));
    assert_eq!(weeks[5], p("2026-11-16", 1, "80000.00", 0, "0.00"));
}

#[tokio::test]
async fn reports_refuse_bad_filters_by_field_and_marketing_by_role() {
    let f = people().await;
    for (path, field) in [
        ("/api/v1/reports/funnel?from=2026-13-01", "from"),
        ("/api/v1/reports/funnel?from=2026-11-02&to=2026-11-01", "to"),
        ("/api/v1/reports/deals?period=year", "period"),
        ("/api/v1/reports/deals?user_id=abc", "user_id"),
        ("/api/v1/reports/lead-sources?team_id=1.5", "team_id"),
        ("/api/v1/reports/funnel?pipeline_id=999", "pipeline_id"),
        ("/api/v1/reports/deals?pipeline_id=999", "pipeline_id"),
        ("/api/v1/reports/funnel?format=pdf", "format"),
        ("/api/v1/reports/funnel?owner=1", "owner"),
    ] {
        let (status, body) = f.app.get(path, &f.anna).await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "validation_failed"),
            "{path}: {body}"
        );
        assert_eq!(body["error"]["field"], field, "{path}: {body}");
    }
    for path in ["funnel", "deals", "lead-sources"] {
        let (status, body) = f
            .app
            .get(&format!("/api/v1/reports/{path}"), &f.marketing)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (403, "forbidden"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn everyone_lists_their_own_teams_with_members_for_the_report_filters() {
    let f = people().await;
    let (status, lead) = f.app.get("/api/v1/me/teams", &f.lead).await;
    assert_eq!(status, 200, "{lead}");
    assert_eq!(lead.as_array().unwrap().len(), 1, "{lead}");
    assert_eq!(lead[0]["id"], f.team_id);
    assert_eq!(lead[0]["name"], "Север");
    let members = lead[0]["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{lead}");
    assert_eq!(
        members.iter().filter(|m| m["lead"] == true).count(),
        1,
        "{lead}"
    );
    let (_, anna) = f.app.get("/api/v1/me/teams", &f.anna).await;
    assert_eq!(anna, lead, "a member sees the same team");
    let (_, boris) = f.app.get("/api/v1/me/teams", &f.boris).await;
    assert_eq!(boris, json!([]), "boris is in no team");
}
