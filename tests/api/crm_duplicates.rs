//! Likely duplicates follow every change of the values they pair records on: e-mails, phones, domains, names,
//! as written, edited and deleted, and only among the records the caller sees.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn make(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let (status, r) = app.post(path, token, body).await;
    assert_eq!(status, 201, "{path}: {r}");
    r["id"].as_i64().unwrap()
}

async fn patch(app: &TestApp, path: &str, body: Value) {
    let (status, r) = app
        .call(Method::PATCH, path, Some(&app.admin_token), Some(body))
        .await;
    assert_eq!(status, 200, "{path}: {r}");
}

/// `(a, b, reason)` of every pair the caller is offered for `kind`.
async fn pairs(app: &TestApp, token: &str, kind: &str) -> Vec<(i64, i64, String)> {
    let (status, body) = app
        .get(&format!("/api/v1/duplicates?kind={kind}"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn likely_duplicates_follow_edits_and_deletes_of_their_values() {
    let app = spawn_app().await;
    let t = &app.admin_token.clone();
    let (_, sales) = app.user_with_role("dups@test.local", "sales").await;
    let p = "/api/v1/contacts";
    let a = make(
        &app,
        &sales,
        p,
        json!({ "name": "Анна", "emails": ["anna@dup.ru"], "phones": ["+7 916 000-11-22"] }),
    )
    .await;
    let b = make(
        &app,
        t,
        p,
        json!({ "name": "Анна Б.", "emails": ["ANNA@dup.ru"], "allow_duplicate": true }),
    )
    .await;
    let c = make(
        &app,
        &sales,
        p,
        json!({ "name": "А.", "phones": ["8 916 0001122"], "allow_duplicate": true }),
    )
    .await;
    make(
        &app,
        t,
        p,
        json!({ "name": "Другая", "emails": ["other@dup.ru"] }),
    )
    .await;
    assert_eq!(
        pairs(&app, t, "contact").await,
        [(a, b, "email".into()), (a, c, "phone".into())]
    );
    // The salesperson does not see the admin's contact, so only the pair of their own two.
    assert_eq!(
        pairs(&app, &sales, "contact").await,
        [(a, c, "phone".into())]
    );
    patch(
        &app,
        &format!("{p}/{b}"),
        json!({ "emails": ["anna.b@dup.ru"] }),
    )
    .await;
    assert_eq!(pairs(&app, t, "contact").await, [(a, c, "phone".into())]);
    assert_eq!(
        app.call(Method::DELETE, &format!("{p}/{c}"), Some(t), None)
            .await
            .0,
        204
    );
    assert!(pairs(&app, t, "contact").await.is_empty());
    let d = make(
        &app,
        t,
        p,
        json!({ "name": "Анна Д.", "emails": ["anna@dup.ru"], "allow_duplicate": true }),
    )
    .await;
    assert_eq!(pairs(&app, t, "contact").await, [(a, d, "email".into())]);

    let p = "/api/v1/companies";
    let x = make(
        &app,
        t,
        p,
        json!({ "name": "ООО «Вектор»", "domains": ["vector.ru"] }),
    )
    .await;
    let y = make(
        &app,
        t,
        p,
        json!({ "name": "Вектор АО", "allow_duplicate": true }),
    )
    .await;
    let z = make(
        &app,
        t,
        p,
        json!({ "name": "Ось", "domains": ["spb.vector.ru"], "allow_duplicate": true }),
    )
    .await;
    assert_eq!(
        pairs(&app, t, "company").await,
        [(x, y, "name".into()), (x, z, "domain".into())]
    );
    patch(&app, &format!("{p}/{y}"), json!({ "name": "Вектор Плюс" })).await;
    assert_eq!(pairs(&app, t, "company").await, [(x, z, "domain".into())]);

    let p = "/api/v1/leads";
    let l1 = make(
        &app,
        t,
        p,
        json!({ "name": "Лид 1", "email": "lead@dup.ru", "phone": "+7 495 111-22-33" }),
    )
    .await;
    let l2 = make(
        &app,
        t,
        p,
        json!({ "name": "Лид 2", "email": "lead@dup.ru", "allow_duplicate": true }),
    )
    .await;
    let l3 = make(
        &app,
        t,
        p,
        json!({ "name": "Лид 3", "phone": "8 495 1112233", "allow_duplicate": true }),
    )
    .await;
    assert_eq!(
        pairs(&app, t, "lead").await,
        [(l1, l2, "email".into()), (l1, l3, "phone".into())]
    );
    patch(&app, &format!("{p}/{l3}"), json!({ "phone": null })).await;
    patch(
        &app,
        &format!("{p}/{l2}"),
        json!({ "email": "lead2@dup.ru" }),
    )
    .await;
    assert!(pairs(&app, t, "lead").await.is_empty());
    let l4 = make(
        &app,
        t,
        p,
        json!({ "name": "Лид 4", "phone": "+7 (495) 111-22-33", "allow_duplicate": true }),
    )
    .await;
    assert_eq!(pairs(&app, t, "lead").await, [(l1, l4, "phone".into())]);
}
