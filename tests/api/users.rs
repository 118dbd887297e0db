use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn sales_and_marketing_get_403_on_admin_routes() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("sales@test.local", "sales").await;
    let (_, marketing) = app
        .user_with_role("marketing@test.local", "marketing")
        .await;
    for token in [&sales, &marketing] {
        let (status, body) = app.get("/api/v1/users", token).await;
        assert_eq!((status, error_code(&body)), (403, "forbidden"));
        let new = json!({ "email": "x@test.local", "name": "X", "role": "admin", "password": "long-enough-1" });
        let (status, body) = app.post("/api/v1/users", token, new).await;
        assert_eq!((status, error_code(&body)), (403, "forbidden"));
        let (status, body) = app
            .call(
                Method::PATCH,
                "/api/v1/users/1",
                Some(token),
                Some(json!({ "role": "sales" })),
            )
            .await;
        assert_eq!((status, error_code(&body)), (403, "forbidden"));
        assert_eq!(app.get("/api/v1/me", token).await.0, 200);
    }
    // Nothing was created by the refused calls.
    let (_, list) = app.get("/api/v1/users", &app.admin_token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_email_is_taken_whatever_its_case() {
    let app = spawn_app().await;
    app.user_with_role("Anna.Smirnova@Test.Local", "sales")
        .await;
    let again = json!({ "email": "anna.smirnova@test.local", "name": "Анна", "role": "sales", "password": "long-enough-1" });
    let (status, body) = app.post("/api/v1/users", &app.admin_token, again).await;
    assert_eq!((status, error_code(&body)), (409, "conflict"));
}

#[tokio::test]
async fn cyrillic_names_round_trip_and_an_admin_edits_users() {
    let app = spawn_app().await;
    let (id, token) = app.user_with_role("dmitry@test.local", "sales").await;
    let path = format!("/api/v1/users/{id}");
    let patch = json!({ "name": "Дмитрий Ёлкин-Щукин", "role": "marketing" });
    let (status, user) = app
        .call(Method::PATCH, &path, Some(&app.admin_token), Some(patch))
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["name"], "Дмитрий Ёлкин-Щукин");
    let (_, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(
        me["role"], "marketing",
        "a role change applies to the next request"
    );
    assert_eq!(me["name"], "Дмитрий Ёлкин-Щукин");

    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&app.admin_token),
            Some(json!({ "name": "  " })),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("name"))
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themself_out() {
    let app = spawn_app().await;
    let (status, body) = app
        .call(
            Method::PATCH,
            "/api/v1/users/1",
            Some(&app.admin_token),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    let (status, body) = app
        .call(
            Method::PATCH,
            "/api/v1/users/1",
            Some(&app.admin_token),
            Some(json!({ "role": "sales" })),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
    assert_eq!(app.get("/api/v1/users", &app.admin_token).await.0, 200);
}

#[tokio::test]
async fn the_user_list_pages_by_keyset() {
    let app = spawn_app().await;
    for i in 0..4 {
        app.user_with_role(&format!("u{i}@test.local"), "sales")
            .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_string();
    loop {
        let (status, page) = app.get(&path, &app.admin_token).await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().unwrap() {
            seen.push(item["email"].as_str().unwrap().to_string());
        }
        match page["next_after"].as_i64() {
            Some(after) => path = format!("/api/v1/users?limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "no user twice");
}
