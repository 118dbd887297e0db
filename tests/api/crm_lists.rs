//! The four record lists: `?sort=` with keyset pages that visit every record once in order, `invalid_sort`, and
//! `?scope=mine|team|all` within what the caller may see.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

/// Follows `next_cursor` from the first page to the last; returns every item in the order served.
async fn all_pages(app: &TestApp, token: &str, path: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let url = match &after {
            Some(a) => format!("{path}?{query}&limit=2&after={a}"),
            None => format!("{path}?{query}&limit=2"),
        };
        let (status, page) = app.get(&url, token).await;
        assert_eq!(status, 200, "{url}: {page}");
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => after = Some(c.to_string()),
            None => return items,
        }
    }
    panic!("{path}?{query} never reached its last page");
}

fn ids(items: &[Value]) -> Vec<i64> {
    items
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// Asserts that the items are the expected ids, each once, and ordered by `key` (then id ascending on ties).
fn assert_sorted(
    items: &[Value],
    expected: &[i64],
    key: impl Fn(&Value) -> Value,
    descending: bool,
) {
    let mut got = ids(items);
    got.sort();
    let mut want = expected.to_vec();
    want.sort();
    assert_eq!(got, want, "every record exactly once");
    for pair in items.windows(2) {
        let (a, b) = (key(&pair[0]), key(&pair[1]));
        let cmp = compare(&a, &b);
        let ordered = match cmp {
            std::cmp::Ordering::Equal => pair[0]["id"].as_i64() < pair[1]["id"].as_i64(),
            std::cmp::Ordering::Less => !descending,
            std::cmp::Ordering::Greater => descending,
        };
        assert!(
            ordered,
            "out of order: {a} then {b} ({} then {})",
            pair[0]["id"], pair[1]["id"]
        );
    }
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).expect("numbers"),
        _ => a.as_str().unwrap_or("").cmp(b.as_str().unwrap_or("")),
    }
}

#[tokio::test]
async fn sorted_contact_pages_visit_every_contact_once_in_order() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let mut made = Vec::new();
    // Lower-case ASCII names, so that SQLite's and PostgreSQL's collations agree; repeats test the id tie-break.
    for (name, position) in [
        ("delta", Some("b")),
        ("alpha", None),
        ("delta", Some("a")),
        ("charlie", Some("b")),
        ("bravo", None),
        ("delta", None),
        ("echo", Some("a")),
    ] {
        let (status, c) = app
            .post(
                "/api/v1/contacts",
                t,
                json!({ "name": name, "position": position }),
            )
            .await;
        assert_eq!(status, 201, "{c}");
        made.push(c["id"].as_i64().unwrap());
    }
    let name = |v: &Value| v["name"].clone();
    assert_sorted(
        &all_pages(&app, t, "/api/v1/contacts", "sort=name").await,
        &made,
        name,
        false,
    );
    assert_sorted(
        &all_pages(&app, t, "/api/v1/contacts", "sort=-name").await,
        &made,
        name,
        true,
    );
    let position = |v: &Value| json!(v["position"].as_str().unwrap_or(""));
    assert_sorted(
        &all_pages(&app, t, "/api/v1/contacts", "sort=-position").await,
        &made,
        position,
        true,
    );
    let by_default = all_pages(&app, t, "/api/v1/contacts", "sort=").await;
    assert_eq!(ids(&by_default), made, "default: by id");
    // Two keys: name ascending, then position descending within one name.
    let two = all_pages(&app, t, "/api/v1/contacts", "sort=name,-position").await;
    let deltas: Vec<&str> = two
        .iter()
        .filter(|c| c["name"] == "delta")
        .map(|c| c["position"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(deltas, ["b", "a", ""]);
    // The plain id cursor of the default sort still works, and is refused under another sort.
    let (_, first) = app.get("/api/v1/contacts?limit=3", t).await;
    let after = first["next_after"]
        .as_i64()
        .expect("next_after under the default sort");
    let (_, rest) = app.get(&format!("/api/v1/contacts?after={after}"), t).await;
    assert_eq!(ids(rest["items"].as_array().unwrap()), made[3..].to_vec());
    let (status, body) = app
        .get(&format!("/api/v1/contacts?sort=name&after={after}"), t)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("after")),
        "{body}"
    );
}

#[tokio::test]
async fn deals_leads_and_companies_sort_by_their_own_fields() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let (_, pipelines) = app.get("/api/v1/pipelines", t).await;
    let pipeline = pipelines[0]["id"].clone();
    let mut deals = Vec::new();
    for (title, amount) in [
        ("d1", Some("500")),
        ("d2", None),
        ("d3", Some("20.50")),
        ("d4", Some("500")),
    ] {
        let (status, d) = app
            .post(
                "/api/v1/deals",
                t,
                json!({ "title": title, "pipeline_id": pipeline, "amount": amount }),
            )
            .await;
        assert_eq!(status, 201, "{d}");
        deals.push(d["id"].as_i64().unwrap());
    }
    let amount = |v: &Value| {
        json!(v["amount"]
            .as_str()
            .map(|a| a.parse::<f64>().unwrap())
            .unwrap_or(-1.0))
    };
    let got = all_pages(&app, t, "/api/v1/deals", "sort=-amount").await;
    assert_sorted(&got, &deals, amount, true);
    assert_eq!(got.last().unwrap()["title"], "d2", "no amount sorts lowest");

    let mut leads = Vec::new();
    for (name, email) in [
        ("lb", "b@lead-b.ru"),
        ("la", "c@lead-c.ru"),
        ("lc", "a@lead-a.ru"),
    ] {
        let (status, l) = app
            .post("/api/v1/leads", t, json!({ "name": name, "email": email }))
            .await;
        assert_eq!(status, 201, "{l}");
        leads.push(l["id"].as_i64().unwrap());
    }
    let email = |v: &Value| v["email"].clone();
    assert_sorted(
        &all_pages(&app, t, "/api/v1/leads", "sort=email").await,
        &leads,
        email,
        false,
    );

    let mut companies = Vec::new();
    for name in ["zeta", "eta", "theta"] {
        let (status, c) = app
            .post("/api/v1/companies", t, json!({ "name": name }))
            .await;
        assert_eq!(status, 201, "{c}");
        companies.push(c["id"].as_i64().unwrap());
    }
    let name = |v: &Value| v["name"].clone();
    let got = all_pages(&app, t, "/api/v1/companies", "sort=-name").await;
    assert_sorted(&got, &companies, name, true);
}

#[tokio::test]
async fn an_unknown_sort_field_answers_invalid_sort_on_every_list() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/contacts",
        "/api/v1/companies",
        "/api/v1/leads",
        "/api/v1/deals",
    ] {
        for sort in [
            "nope",
            "-search",
            "name,name",
            "custom.missing",
            "owner_id;drop",
        ] {
            let (status, body) = app
                .get(&format!("{path}?sort={sort}"), &app.admin_token)
                .await;
            assert_eq!(
                (status, error_code(&body)),
                (422, "invalid_sort"),
                "{path}?sort={sort}: {body}"
            );
        }
    }
    let (status, body) = app
        .get("/api/v1/contacts?sort=name&after=garbage", &app.admin_token)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("after")),
        "{body}"
    );
}

async fn contact_of(app: &TestApp, token: &str, name: &str) -> i64 {
    let (status, c) = app
        .post("/api/v1/contacts", token, json!({ "name": name }))
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

async fn names(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let (status, page) = app.get(&format!("/api/v1/contacts?{query}"), token).await;
    assert_eq!(status, 200, "{query}: {page}");
    let mut out: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn scope_narrows_a_list_to_mine_or_my_teams_within_what_i_see() {
    let app = spawn_app().await;
    let (lead, lead_t) = app.user_with_role("lead@scope.local", "sales").await;
    let (member, member_t) = app.user_with_role("member@scope.local", "sales").await;
    let (other_member, other_t) = app.user_with_role("peer@scope.local", "sales").await;
    let (_, outsider_t) = app.user_with_role("outsider@scope.local", "sales").await;
    let (status, team) = app
        .post(
            "/api/v1/teams",
            &app.admin_token,
            json!({ "name": "Юг", "members": [
                { "user_id": lead, "lead": true },
                { "user_id": member, "lead": false },
                { "user_id": other_member, "lead": false },
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{team}");
    contact_of(&app, &lead_t, "of-lead").await;
    contact_of(&app, &member_t, "of-member").await;
    let peer = contact_of(&app, &other_t, "of-peer").await;
    let peer_hidden = contact_of(&app, &other_t, "of-peer-hidden").await;
    contact_of(&app, &outsider_t, "of-outsider").await;
    contact_of(&app, &app.admin_token, "of-admin").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/contacts/{peer}/shares"),
            &other_t,
            json!({ "user_id": member }),
        )
        .await;
    assert_eq!(status, 200);

    // The team lead sees the whole team's records: mine is theirs, team and all are the team's.
    assert_eq!(names(&app, &lead_t, "scope=mine").await, ["of-lead"]);
    let team_names = ["of-lead", "of-member", "of-peer", "of-peer-hidden"];
    assert_eq!(names(&app, &lead_t, "scope=team").await, team_names);
    assert_eq!(names(&app, &lead_t, "scope=all").await, team_names);
    // A member's team scope stays within what they see: a colleague's record only when shared.
    assert_eq!(names(&app, &member_t, "scope=mine").await, ["of-member"]);
    assert_eq!(
        names(&app, &member_t, "scope=team").await,
        ["of-member", "of-peer"]
    );
    assert_eq!(names(&app, &member_t, "").await, ["of-member", "of-peer"]);
    // The admin sees everything; their own team scope is empty (they are in no team).
    assert_eq!(
        names(&app, &app.admin_token, "scope=mine").await,
        ["of-admin"]
    );
    assert!(names(&app, &app.admin_token, "scope=team").await.is_empty());
    assert_eq!(names(&app, &app.admin_token, "scope=all").await.len(), 6);
    let _ = peer_hidden;
    let (status, body) = app
        .get("/api/v1/contacts?scope=everyone", &app.admin_token)
        .await;
    assert_eq!(status, 400, "{body}");
}
