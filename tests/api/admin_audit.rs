//! The admin audit page: every admin change to users, teams and relays (besides mailboxes and identity providers,
//! audited before) is one entry with who, when and what changed; passwords and relay secrets never appear.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, ADMIN_EMAIL};

#[tokio::test]
async fn admins_changes_to_users_teams_and_relays_are_on_the_admin_audit_page() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let body = json!({ "email": "olga@test.local", "name": "Ольга", "role": "sales", "password": "first-pass-123" });
    let (status, olga) = app.post("/api/v1/users", &admin, body).await;
    assert_eq!(status, 201, "{olga}");
    let olga_id = olga["id"].as_i64().unwrap();
    let patch = json!({ "role": "marketing", "password": "second-pass-456" });
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{olga_id}"),
            Some(&admin),
            Some(patch),
        )
        .await;
    assert_eq!(status, 200);
    let team =
        json!({ "name": "Продажи Москва", "members": [{ "user_id": olga_id, "lead": true }] });
    let (status, team) = app.post("/api/v1/teams", &admin, team).await;
    assert_eq!(status, 201, "{team}");
    let team_path = format!("/api/v1/teams/{}", team["id"]);
    let renamed = json!({ "name": "Продажи Москва и МО", "members": [{ "user_id": olga_id, "lead": false }] });
    let (status, _) = app
        .call(Method::PUT, &team_path, Some(&admin), Some(renamed))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(Method::DELETE, &team_path, Some(&admin), None)
        .await;
    assert_eq!(status, 204);
    let relay = json!({ "name": "Рассылки", "url": "smtp://news:s3cret-pw@relay.nordwind.ru:587?tls=required" });
    let (status, relay) = app.post("/api/v1/relays", &admin, relay).await;
    assert_eq!(status, 201, "{relay}");

    let (status, page) = app.get("/api/v1/admin/audit", &admin).await;
    assert_eq!(status, 200, "{page}");
    let text = page.to_string();
    for secret in ["first-pass-123", "second-pass-456", "s3cret-pw", "$argon2"] {
        assert!(!text.contains(secret), "no secret in the audit: {secret}");
    }
    let items = page["items"].as_array().unwrap();
    let seen: Vec<(String, String)> = items
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("relay", "create"),
        ("team", "delete"),
        ("team", "update"),
        ("team", "create"),
        ("user", "update"),
        ("user", "create"),
    ]
    .iter()
    .map(|(k, a)| (k.to_string(), a.to_string()))
    .collect();
    assert_eq!(seen[..6], expected[..], "newest first: {page:#}");
    assert!(items[..6].iter().all(|e| e["actor_email"] == ADMIN_EMAIL));
    let change = |entry: &Value, field: &str| {
        entry["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .cloned()
    };
    let user_update = &items[4];
    assert_eq!(user_update["record_id"], olga_id);
    assert_eq!(change(user_update, "role").unwrap()["to"], "marketing");
    assert_eq!(change(user_update, "password").unwrap()["to"], "reset");
    let team_update = &items[2];
    assert_eq!(
        change(team_update, "name").unwrap()["to"],
        "Продажи Москва и МО"
    );
    assert!(
        change(team_update, "members").is_some(),
        "the lead flag changed"
    );

    let (status, users_only) = app.get("/api/v1/admin/audit?kind=user", &admin).await;
    assert_eq!(status, 200);
    assert!(users_only["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["kind"] == "user"));
    let (status, body) = app.get("/api/v1/admin/audit?kind=contact", &admin).await;
    assert_eq!(
        (status, error_code(&body)),
        (422, "validation_failed"),
        "{body}"
    );
    // The user's own page shows the same history.
    let (_, history) = app
        .get(&format!("/api/v1/users/{olga_id}/audit"), &admin)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "{history}");
}
