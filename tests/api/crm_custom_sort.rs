//! Lists sorted first by a custom field: records with a value in key order, records without one lowest (first
//! ascending, last descending), keyset pages exact across that boundary, and only the records the caller sees.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn field(app: &TestApp, body: Value) {
    let (status, f) = app
        .post("/api/v1/custom-fields", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{f}");
}

/// Every page of `query` at `limit`, following `next_cursor`: the names in the order served.
async fn walk(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut url = format!("/api/v1/contacts?{query}&limit={limit}");
    for _ in 0..50 {
        let (status, page) = app.get(&url, token).await;
        assert_eq!(status, 200, "{url}: {page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= limit, "{url}: more than a page");
        names.extend(
            items
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/contacts?{query}&limit={limit}&after={c}"),
            None => return names,
        }
    }
    panic!("{query} never reached its last page");
}

/// A contact: name, revenue, tier, owned by the salesperson.
type Row = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    bool,
);

/// The contacts `(name, revenue, tier)` in creation order; `mine` marks the salesperson's.
const ROWS: &[Row] = &[
    ("n1", Some("500"), Some("gold"), false),
    ("n2", None, None, true),
    ("n3", Some("120.5"), Some("bronze"), true),
    ("n4", Some("500"), None, true),
    ("n5", None, Some("gold"), false),
    ("n6", Some("-3"), Some("silver"), true),
    ("n7", None, None, true),
    ("n8", Some("120.5"), Some("gold"), false),
    ("n9", Some("0"), None, true),
    ("n10", None, Some("bronze"), true),
];

/// The order the server must serve: values by `key` (ties by creation, i.e. id), the missing ones lowest.
fn expected(rows: &[&Row], desc: bool, numeric: bool) -> Vec<String> {
    let key = |r: &Row| if numeric { r.1 } else { r.2 };
    let mut with: Vec<(usize, &str, &str)> = Vec::new();
    let mut without: Vec<&str> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match key(r) {
            Some(v) => with.push((i, v, r.0)),
            None => without.push(r.0),
        }
    }
    with.sort_by(|a, b| {
        let by_value = if numeric {
            let (x, y): (f64, f64) = (a.1.parse().unwrap(), b.1.parse().unwrap());
            x.partial_cmp(&y).unwrap()
        } else {
            a.1.cmp(b.1)
        };
        (if desc { by_value.reverse() } else { by_value }).then(a.0.cmp(&b.0))
    });
    let valued = with.into_iter().map(|w| w.2.to_string());
    let missing = without.into_iter().map(String::from);
    if desc {
        valued.chain(missing).collect()
    } else {
        missing.chain(valued).collect()
    }
}

#[tokio::test]
async fn custom_field_sorts_page_through_records_with_and_without_a_value() {
    let app = spawn_app().await;
    let (_, sales_t) = app.user_with_role("sorter@custom.local", "sales").await;
    field(
        &app,
        json!({ "kind": "contact", "key": "revenue", "label": "Выручка", "type": "money" }),
    )
    .await;
    field(
        &app,
        json!({ "kind": "contact", "key": "tier", "label": "Уровень", "type": "text" }),
    )
    .await;
    for (name, revenue, tier, mine) in ROWS {
        let mut custom = serde_json::Map::new();
        if let Some(r) = revenue {
            custom.insert("revenue".into(), json!(r));
        }
        if let Some(t) = tier {
            custom.insert("tier".into(), json!(t));
        }
        let token = if *mine { &sales_t } else { &app.admin_token };
        let (status, c) = app
            .post(
                "/api/v1/contacts",
                token,
                json!({ "name": name, "custom": custom }),
            )
            .await;
        assert_eq!(status, 201, "{c}");
    }
    let all: Vec<_> = ROWS.iter().collect();
    let mine: Vec<_> = ROWS.iter().filter(|r| r.3).collect();
    for (token, rows, who) in [
        (&app.admin_token, &all, "admin"),
        (&sales_t, &mine, "sales"),
    ] {
        for (sort, desc, numeric) in [
            ("-custom.revenue", true, true),
            ("custom.revenue", false, true),
            ("custom.tier", false, false),
            ("-custom.tier", true, false),
        ] {
            let want = expected(rows, desc, numeric);
            // Page sizes that end pages before, on and after the boundary between valued and missing records.
            for limit in [1, 2, 3, 4, 200] {
                let got = walk(&app, token, &format!("sort={sort}"), limit).await;
                assert_eq!(got, want, "{who}: sort={sort} limit={limit}");
            }
        }
    }
    // A second key orders the records without a value among themselves (and ties of the first).
    let got = walk(&app, &app.admin_token, "sort=-custom.revenue,-name", 2).await;
    assert_eq!(
        got,
        ["n4", "n1", "n8", "n3", "n9", "n6", "n7", "n5", "n2", "n10"]
    );
    // Filters and scope hold in both segments.
    let got = walk(
        &app,
        &sales_t,
        "sort=-custom.revenue&scope=mine&custom.tier=bronze",
        1,
    )
    .await;
    assert_eq!(got, ["n3", "n10"]);
}
