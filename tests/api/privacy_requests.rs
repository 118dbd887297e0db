//! The list of past data subject requests (`GET /api/v1/admin/privacy/requests`): newest first, paged, with who,
//! when, what, why and the counts, never the person; admins only.

use serde_json::json;

use crate::helpers::{error_code, spawn_app, ADMIN_EMAIL};

#[tokio::test]
async fn past_requests_are_listed_newest_first_without_the_person() {
    let app = spawn_app().await;
    let email = "subject.person@privacy-list.ru";
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Субъект Данных", "emails": [email] }),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let export = app
        .client
        .post(app.url("/api/v1/admin/privacy/export"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "emails": [email] }))
        .send()
        .await
        .unwrap();
    assert_eq!(export.status().as_u16(), 200);
    export.bytes().await.unwrap();
    let (status, report) = app
        .post(
            "/api/v1/admin/privacy/erase",
            &app.admin_token,
            json!({ "emails": [email], "reason": "Отзыв согласия по письму от 1 декабря" }),
        )
        .await;
    assert_eq!(status, 200, "{report}");

    let (status, page) = app
        .get("/api/v1/admin/privacy/requests", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    let (erase, export) = (&items[0], &items[1]);
    assert_eq!(erase["kind"], "erase");
    assert_eq!(erase["id"], report["request_id"]);
    assert_eq!(erase["reason"], "Отзыв согласия по письму от 1 декабря");
    assert_eq!(erase["requested_by_email"], ADMIN_EMAIL);
    assert_eq!(erase["counts"]["contacts_deleted"], 1);
    assert_eq!(export["kind"], "export");
    assert!(export["reason"].is_null());
    assert!(page["next_before"].is_null());
    // The person is only a salted hash on the server, and not even that is shown.
    let text = page.to_string();
    assert!(!text.contains(email) && !text.contains("Субъект"), "{text}");
    assert!(!text.contains("subject_hash"), "{text}");

    let (_, first) = app
        .get("/api/v1/admin/privacy/requests?limit=1", &app.admin_token)
        .await;
    assert_eq!(first["items"][0]["kind"], "erase");
    let before = first["next_before"].as_i64().expect("a next page");
    let (_, second) = app
        .get(
            &format!("/api/v1/admin/privacy/requests?limit=1&before={before}"),
            &app.admin_token,
        )
        .await;
    assert_eq!(second["items"][0]["kind"], "export");
    let (status, body) = app
        .get("/api/v1/admin/privacy/requests?limit=0", &app.admin_token)
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
}

#[tokio::test]
async fn a_salesperson_may_not_list_privacy_requests() {
    let app = spawn_app().await;
    let (_, sales) = app
        .user_with_role("sales.person@privacy-list.ru", "sales")
        .await;
    let (status, body) = app.get("/api/v1/admin/privacy/requests", &sales).await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
}
