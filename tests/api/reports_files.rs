//! Reports as files (CSV with BOM and ru/en headers, .xlsx) and the lead-source report, over the fixtures of
//! `reports.rs`.

use calamine::Reader;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::reports::{deals_fixture, patch, people, report, Fixture};

#[tokio::test]
async fn reports_come_as_csv_with_bom_and_russian_headers_and_as_xlsx() {
    let f = deals_fixture().await;
    let csv = |path: &'static str, lang: Option<&'static str>| {
        let f = &f;
        async move {
            let mut request = f
                .app
                .client
                .get(f.app.url(path))
                .bearer_auth(&f.app.admin_token);
            if let Some(lang) = lang {
                request = request.header("Accept-Language", lang);
            }
            let response = request.send().await.expect("report sent");
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let kind = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(kind.starts_with("text/csv"), "{kind}");
            response.bytes().await.expect("the file").to_vec()
        }
    };
    let ru = csv(
        "/api/v1/reports/funnel?format=csv",
        Some("ru-RU,ru;q=0.9,en;q=0.8"),
    )
    .await;
    assert!(ru.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(ru[3..].to_vec()).expect("UTF-8");
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "Этап;Тип;Сделок;Сумма;Дошли до этапа;Конверсия в следующий;Среднее дней на этапе"
    );
    assert_eq!(rows[1], "Qualification;open;1;50000.00;5;0.8;3.75");
    assert_eq!(rows[4], "Won;won;2;180000.00;2;;");
    let en = csv(
        "/api/v1/reports/deals?format=csv&from=2026-11-01&to=2026-11-30",
        None,
    )
    .await;
    let text = String::from_utf8(en[3..].to_vec()).expect("UTF-8");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "Period start;Won;Won amount;Lost;Lost amount",
            "2026-11-01;1;80000.00;1;20000.00",
            "Forecast (open deals);;17000.00;;80000.00",
        ]
    );
    // .xlsx: the same table, counts and amounts as numbers.
    let book = csv_or_xlsx(
        &f,
        "/api/v1/reports/funnel?format=xlsx",
        "application/vnd.openxmlformats",
    )
    .await;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(book)).expect("an .xlsx");
    let sheet = book.worksheet_range("funnel").expect("the funnel sheet");
    let row: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        row,
        ["Qualification", "open", "1", "50000", "5", "0.8", "3.75"]
    );
    assert_eq!(
        sheet.rows().nth(4).unwrap()[3],
        calamine::Data::Float(180000.0)
    );
    let sources = csv("/api/v1/reports/lead-sources?format=csv", Some("ru")).await;
    let text = String::from_utf8(sources[3..].to_vec()).expect("UTF-8");
    assert_eq!(
        text.lines().next(),
        Some("Источник;Лидов;Конвертировано;Сумма выигранных сделок")
    );
}

async fn csv_or_xlsx(f: &Fixture, path: &str, mime: &str) -> Vec<u8> {
    let response = f
        .app
        .client
        .get(f.app.url(path))
        .bearer_auth(&f.app.admin_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with(mime), "{kind}");
    response.bytes().await.expect("the file").to_vec()
}

async fn source_id(app: &TestApp, name: &str) -> i64 {
    let (_, list) = app.get("/api/v1/lead-sources", &app.admin_token).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["id"].as_i64())
        .unwrap_or_else(|| panic!("lead source {name}: {list}"))
}

async fn lead(f: &Fixture, token: &str, name: &str, source: Option<i64>) -> i64 {
    let body = json!({ "name": name, "email": format!("{}@client{}.ru", name.to_lowercase(), name.len()), "source_id": source });
    let (status, l) = f.app.post("/api/v1/leads", token, body).await;
    assert_eq!(status, 201, "{l}");
    l["id"].as_i64().unwrap()
}

async fn convert(f: &Fixture, token: &str, lead: i64, amount: &str) -> i64 {
    let body = json!({ "deal": { "pipeline_id": f.pipeline, "amount": amount } });
    let (status, out) = f
        .app
        .post(&format!("/api/v1/leads/{lead}/convert"), token, body)
        .await;
    assert_eq!(status, 200, "{out}");
    out["deal_id"].as_i64().unwrap()
}

/// Website: anna's L1 (converted, deal won 40000) and L2; phone: boris's L3 (converted, deal open 10000);
/// none: anna's L4.
#[tokio::test]
async fn lead_sources_count_leads_conversions_and_won_amounts_per_caller() {
    let f = people().await;
    let website = source_id(&f.app, "website").await;
    let phone = source_id(&f.app, "phone").await;
    let l1 = lead(&f, &f.anna, "Alpha", Some(website)).await;
    let d1 = convert(&f, &f.anna, l1, "40000").await;
    patch(
        &f.app,
        &f.anna,
        &format!("/api/v1/deals/{d1}"),
        json!({ "stage_id": f.stages[3] }),
    )
    .await;
    lead(&f, &f.anna, "Bravo", Some(website)).await;
    let l3 = lead(&f, &f.boris, "Charlie", Some(phone)).await;
    convert(&f, &f.boris, l3, "10000").await;
    lead(&f, &f.anna, "Delta", None).await;
    let rows = |v: &Value| -> Vec<(Option<String>, i64, i64, String)> {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["source"].as_str().map(str::to_string),
                    s["leads"].as_i64().unwrap(),
                    s["converted"].as_i64().unwrap(),
                    s["won_amount"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let r = |s: Option<&str>, l, c, w: &str| (s.map(str::to_string), l, c, w.to_string());
    let admin = report(&f.app, &f.app.admin_token, "/api/v1/reports/lead-sources").await;
    assert_eq!(
        rows(&admin),
        [
            r(Some("website"), 2, 1, "40000.00"),
            r(Some("phone"), 1, 1, "0.00"),
            r(None, 1, 0, "0.00"),
        ]
    );
    let anna = report(&f.app, &f.anna, "/api/v1/reports/lead-sources").await;
    assert_eq!(
        rows(&anna),
        [r(Some("website"), 2, 1, "40000.00"), r(None, 1, 0, "0.00")]
    );
    // The team lead owns no lead but leads anna: her figures.
    let lead_view = report(&f.app, &f.lead, "/api/v1/reports/lead-sources").await;
    assert_eq!(rows(&lead_view), rows(&anna));
    let boris = report(&f.app, &f.boris, "/api/v1/reports/lead-sources").await;
    assert_eq!(rows(&boris), [r(Some("phone"), 1, 1, "0.00")]);
    // Leads created before the range are not counted.
    let later = report(
        &f.app,
        &f.app.admin_token,
        "/api/v1/reports/lead-sources?from=2099-01-01",
    )
    .await;
    assert_eq!(rows(&later), []);
}
