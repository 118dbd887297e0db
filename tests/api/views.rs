//! Saved list views (per user, on the server) and the users directory every role may read.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_saved_view_keeps_filters_sort_and_columns_for_its_owner_only() {
    let app = spawn_app().await;
    let (_, olga) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let (_, ivan) = app.user_with_role("ivan@nordwind.ru", "sales").await;
    let view = json!({"kind": "leads", "name": "Мои новые", "filters": {"status": "new", "scope": "mine"},
                      "sort": ["-updated_at", "name"], "columns": ["name", "status", "owner"]});
    let (status, saved) = app.post("/api/v1/views", &olga, view.clone()).await;
    assert_eq!(status, 201, "{saved}");
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["filters"], json!({"status": "new", "scope": "mine"}));
    assert_eq!(saved["sort"], json!(["-updated_at", "name"]));
    assert_eq!(saved["columns"], json!(["name", "status", "owner"]));

    // The same name twice in one list is refused; in another list it is fine.
    let (status, body) = app.post("/api/v1/views", &olga, view.clone()).await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");
    let mut deals = view.clone();
    deals["kind"] = json!("deals");
    assert_eq!(app.post("/api/v1/views", &olga, deals).await.0, 201);

    let (_, leads) = app.get("/api/v1/views?kind=leads", &olga).await;
    assert_eq!(leads["items"].as_array().unwrap().len(), 1, "{leads}");
    let (_, all) = app.get("/api/v1/views", &olga).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // Another user sees none of them, and cannot change or delete one.
    let (_, theirs) = app.get("/api/v1/views", &ivan).await;
    assert_eq!(theirs["items"], json!([]));
    let path = format!("/api/v1/views/{id}");
    assert_eq!(app.get(&path, &ivan).await.0, 404);
    let (status, _) = app
        .call(Method::PUT, &path, Some(&ivan), Some(view.clone()))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&ivan), None).await.0,
        404
    );

    let mut renamed = view.clone();
    renamed["name"] = json!("Новые лиды");
    renamed["sort"] = json!(["name"]);
    let (status, changed) = app
        .call(Method::PUT, &path, Some(&olga), Some(renamed))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["name"].as_str(), changed["sort"].clone()),
        (Some("Новые лиды"), json!(["name"]))
    );

    // Parsed at the edge: an unknown list, a sort key that is no column name, an empty name.
    for (bad, field) in [
        (json!({"kind": "tasks", "name": "x"}), None),
        (
            json!({"kind": "leads", "name": "x", "sort": ["name; DROP TABLE"]}),
            Some("sort"),
        ),
        (json!({"kind": "leads", "name": "  "}), Some("name")),
        (
            json!({"kind": "leads", "name": "x", "filters": {"Status!": "new"}}),
            Some("filters"),
        ),
    ] {
        let (status, body) = app.post("/api/v1/views", &olga, bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{body}");
        }
    }
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&olga), None).await.0,
        204
    );
    assert_eq!(app.get(&path, &olga).await.0, 404);
}

#[tokio::test]
async fn a_saved_view_keeps_custom_field_columns_in_order() {
    let app = spawn_app().await;
    let (_, olga) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let view =
        json!({"kind": "contacts", "name": "С ИНН", "columns": ["custom.inn", "name", "email"]});
    let (status, saved) = app.post("/api/v1/views", &olga, view).await;
    assert_eq!(status, 201, "{saved}");
    let (_, again) = app
        .get(&format!("/api/v1/views/{}", saved["id"]), &olga)
        .await;
    assert_eq!(again["columns"], json!(["custom.inn", "name", "email"]));
    // Only `custom.` followed by a key: no other dot, no empty key, no upper case.
    for bad in ["custom.", "custom.a.b", "other.inn", "custom.INN", ".inn"] {
        let view = json!({"kind": "contacts", "name": bad, "columns": [bad]});
        let (status, body) = app.post("/api/v1/views", &olga, view).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (422, Some("columns")),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn every_role_reads_the_users_directory_without_roles_or_phones() {
    let app = spawn_app().await;
    let (_, sales) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let (_, marketing) = app.user_with_role("mark@nordwind.ru", "marketing").await;
    for token in [&sales, &marketing, &app.admin_token] {
        let (status, dir) = app.get("/api/v1/users/directory", token).await;
        assert_eq!(status, 200, "{dir}");
        let items = dir["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "{dir}");
        let olga = items
            .iter()
            .find(|u| u["email"] == "olga@nordwind.ru")
            .unwrap();
        assert_eq!(olga["active"], true);
        assert!(olga["name"].is_string() && olga["id"].is_i64());
        assert!(
            olga.get("role").is_none() && olga.get("phone").is_none(),
            "{olga}"
        );
    }
    let (status, _) = app
        .call(Method::GET, "/api/v1/users/directory", None, None)
        .await;
    assert_eq!(status, 401);
}
