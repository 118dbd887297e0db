//! Ownership: every CRM route × role × owner. A salesperson sees their own records, shared ones and the open lead
//! pool; marketing reads contacts and companies only; admins see everything.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

struct Owned {
    contact: i64,
    company: i64,
    lead: i64,
    deal: i64,
    note: i64,
    task: i64,
}

async fn records_of(app: &TestApp, token: &str, tag: &str) -> Owned {
    let (_, company) = app
        .post(
            "/api/v1/companies",
            token,
            json!({ "name": format!("Компания {tag}"), "domains": [format!("{tag}.ru")] }),
        )
        .await;
    let contact = json!({ "name": format!("Контакт {tag}"), "emails": [format!("person@{tag}.ru")], "company_id": company["id"] });
    let (_, contact) = app.post("/api/v1/contacts", token, contact).await;
    let (_, lead) = app
        .post(
            "/api/v1/leads",
            token,
            json!({ "name": format!("Лид {tag}"), "email": format!("lead@{tag}-lead.ru") }),
        )
        .await;
    let (_, pipelines) = app.get("/api/v1/pipelines", token).await;
    let deal = json!({ "title": format!("Сделка {tag}"), "pipeline_id": pipelines[0]["id"], "contact_id": contact["id"] });
    let (_, deal) = app.post("/api/v1/deals", token, deal).await;
    let (_, note) = app
        .post(
            "/api/v1/notes",
            token,
            json!({ "record_kind": "deal", "record_id": deal["id"], "body": "секрет" }),
        )
        .await;
    let (_, task) = app
        .post(
            "/api/v1/tasks",
            token,
            json!({ "title": "задача", "record_kind": "deal", "record_id": deal["id"] }),
        )
        .await;
    let id = |v: &Value| v["id"].as_i64().unwrap_or_else(|| panic!("created: {v}"));
    Owned {
        contact: id(&contact),
        company: id(&company),
        lead: id(&lead),
        deal: id(&deal),
        note: id(&note),
        task: id(&task),
    }
}

fn concrete(path: &str, owned: &Owned, user: i64) -> Option<String> {
    let id = if path.starts_with("/api/v1/contacts/") {
        owned.contact
    } else if path.starts_with("/api/v1/companies/") {
        owned.company
    } else if path.starts_with("/api/v1/leads/") {
        owned.lead
    } else if path.starts_with("/api/v1/deals/") {
        owned.deal
    } else if path.starts_with("/api/v1/notes/") {
        owned.note
    } else if path.starts_with("/api/v1/tasks/") {
        owned.task
    } else {
        return None;
    };
    Some(
        path.replace("{id}", &id.to_string())
            .replace("{user_id}", &user.to_string()),
    )
}

/// A body that would be accepted if access were granted, so that the answer is about access, not input.
fn body_for(method: &Method, path: &str, other: &Owned, user: i64) -> Option<Value> {
    match *method {
        Method::PATCH if path.starts_with("/api/v1/notes/") => {
            Some(json!({ "body": "переписано" }))
        }
        Method::PATCH => Some(json!({})),
        Method::POST if path.ends_with("/merge") => {
            let other_id = if path.contains("/contacts/") {
                other.contact
            } else if path.contains("/companies/") {
                other.company
            } else {
                other.lead
            };
            Some(json!({ "other_id": other_id }))
        }
        Method::POST if path.ends_with("/shares") => Some(json!({ "user_id": user })),
        Method::POST if path.ends_with("/consent") => {
            Some(json!({ "granted": true, "legal_basis": "x", "source": "y" }))
        }
        Method::POST => Some(json!({})),
        _ => None,
    }
}

#[tokio::test]
async fn a_salesperson_cannot_reach_a_colleagues_records_by_any_route() {
    let app = spawn_app().await;
    let (a_id, a) = app.user_with_role("a@test.local", "sales").await;
    let (b_id, b) = app.user_with_role("b@test.local", "sales").await;
    let (_, m) = app.user_with_role("m@test.local", "marketing").await;
    let mine = records_of(&app, &a, "alpha").await;
    let bs = records_of(&app, &b, "beta").await;

    let mut checked = 0;
    for route in app.routes.iter().filter(|r| r.path.contains('{')) {
        let Some(path) = concrete(route.path, &mine, b_id) else {
            continue;
        };
        if route.path.starts_with("/api/v1/users/")
            || route.path.starts_with("/api/v1/pipelines/")
            || route.path.starts_with("/api/v1/stages/")
        {
            continue;
        }
        let body = body_for(&route.method, route.path, &bs, b_id);
        let (status, answer) = app
            .call(route.method.clone(), &path, Some(&b), body.clone())
            .await;
        assert!(
            status == 404 || status == 403,
            "salesperson B reached A's record: {} {path} -> {status} {answer}",
            route.method
        );

        let (status, answer) = app.call(route.method.clone(), &path, Some(&m), body).await;
        let marketing_reads = route.method == Method::GET
            && (route.path.starts_with("/api/v1/contacts/{id}")
                || route.path.starts_with("/api/v1/companies/{id}"));
        let marketing_writes_consent = route.path == "/api/v1/contacts/{id}/consent";
        if marketing_reads || marketing_writes_consent {
            assert!(status < 300, "marketing reads {path}: {status} {answer}");
            // Marketing's timelines are mail only: never notes, tasks or deal moves.
            if let Some(items) = answer["items"]
                .as_array()
                .filter(|_| path.ends_with("/timeline"))
            {
                assert!(
                    items.iter().all(|i| i["kind"] == "email"),
                    "marketing sees history in {path}: {answer}"
                );
            }
        } else {
            assert!(
                status == 403 || status == 404,
                "marketing reached {} {path} -> {status} {answer}",
                route.method
            );
        }
        checked += 1;
    }
    assert!(checked >= 40, "every record route was tried ({checked})");

    // Lists and search do not show them either.
    for (path, name) in [
        ("/api/v1/contacts", "Контакт alpha"),
        ("/api/v1/companies", "Компания alpha"),
        ("/api/v1/leads", "Лид alpha"),
        ("/api/v1/deals", "Сделка alpha"),
    ] {
        let (_, list) = app.get(path, &b).await;
        let names: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().or(i["title"].as_str()).unwrap())
            .collect();
        assert!(
            !names.contains(&name) && !names.is_empty(),
            "{path}: {names:?}"
        );
        let (_, admin_list) = app.get(path, &app.admin_token).await;
        assert_eq!(
            admin_list["items"].as_array().unwrap().len(),
            2,
            "admin sees both in {path}"
        );
    }
    let (_, tasks) = app.get("/api/v1/tasks", &b).await;
    assert!(tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["id"] != mine.task));
    let (_, found) = app.get("/api/v1/contacts?q=alpha", &b).await;
    assert_eq!(found["items"], json!([]));
    let (status, _) = app.get("/api/v1/deals", &m).await;
    assert_eq!(status, 403, "marketing never sees deals");
    assert_eq!(app.get("/api/v1/leads", &m).await.0, 403);
    assert_eq!(
        app.post("/api/v1/contacts", &m, json!({ "name": "x" }))
            .await
            .0,
        403
    );

    // The owner does reach them, so the refusals above are about ownership.
    assert_eq!(
        app.get(&format!("/api/v1/deals/{}", mine.deal), &a).await.0,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/deals/{}/timeline", mine.deal), &a)
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/notes/{}", mine.note), &a).await.0,
        200
    );
    let _ = a_id;
}

#[tokio::test]
async fn sharing_the_pool_and_reassignment_open_records_to_a_colleague() {
    let app = spawn_app().await;
    let (a_id, a) = app.user_with_role("a@test.local", "sales").await;
    let (b_id, b) = app.user_with_role("b@test.local", "sales").await;
    let mine = records_of(&app, &a, "alpha").await;
    let deal_path = format!("/api/v1/deals/{}", mine.deal);
    assert_eq!(app.get(&deal_path, &b).await.0, 404);

    let (status, shares) = app
        .post(
            &format!("{deal_path}/shares"),
            &a,
            json!({ "user_id": b_id }),
        )
        .await;
    assert_eq!((status, shares["user_ids"].clone()), (200, json!([b_id])));
    assert_eq!(app.get(&deal_path, &b).await.0, 200);
    let (status, _) = app
        .post(
            &format!("{deal_path}/shares"),
            &b,
            json!({ "user_id": b_id }),
        )
        .await;
    assert_eq!(status, 403, "only the owner shares");
    let (_, list) = app.get("/api/v1/deals", &b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("{deal_path}/shares/{b_id}"),
            Some(&a),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(app.get(&deal_path, &b).await.0, 404);

    let (status, pool_lead) = app
        .post(
            "/api/v1/leads",
            &a,
            json!({ "name": "Ничей", "pool": true }),
        )
        .await;
    assert_eq!((status, pool_lead["owner_id"].clone()), (201, Value::Null));
    let lead_path = format!("/api/v1/leads/{}", pool_lead["id"]);
    assert_eq!(
        app.get(&lead_path, &b).await.0,
        200,
        "the open pool is visible to every salesperson"
    );
    let (status, taken) = app
        .call(
            Method::PATCH,
            &lead_path,
            Some(&b),
            Some(json!({ "owner_id": b_id, "status": "in_work" })),
        )
        .await;
    assert_eq!((status, taken["owner_id"].as_i64()), (200, Some(b_id)));
    assert_eq!(
        app.get(&lead_path, &a).await.0,
        404,
        "taken leads leave the pool"
    );
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/leads/{}", mine.lead),
            Some(&b),
            Some(json!({ "owner_id": b_id })),
        )
        .await;
    assert_eq!(status, 404, "an owned lead cannot be taken");

    let (status, moved) = app
        .post(
            &format!("/api/v1/users/{a_id}/reassign"),
            &app.admin_token,
            json!({ "to_user_id": b_id }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (
            moved["contacts"].as_u64(),
            moved["deals"].as_u64(),
            moved["companies"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(app.get(&deal_path, &b).await.0, 200);
    assert_eq!(app.get(&deal_path, &a).await.0, 404);
    let (_, task) = app.get(&format!("/api/v1/tasks/{}", mine.task), &b).await;
    assert_eq!(task["assignee_id"], b_id, "open tasks follow");
    let (_, audit) = app.get(&format!("{deal_path}/audit"), &b).await;
    assert_eq!(audit["items"][0]["action"], "reassign");
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{a_id}/reassign"),
            &b,
            json!({ "to_user_id": b_id })
        )
        .await
        .0,
        403
    );
}
