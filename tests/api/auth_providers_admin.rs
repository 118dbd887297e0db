//! Identity providers after they were added: PATCH (rename, switch off, just-in-time creation and its role, a new
//! client secret that is never shown, the add-in's settings), the add-in's public sign-in settings, and the audit
//! trail of provider changes and of users created just in time at their first sign-in.

use reqwest::Method;
use serde_json::{json, Value};

use crate::addin_naa::{addin_provider, audience, KeyServer, CLIENT_ID};
use crate::auth_oidc::idp;
use crate::helpers::{error_code, spawn_app, TestApp};

async fn patch(app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    app.call(
        Method::PATCH,
        &format!("/api/v1/oidc/providers/{id}"),
        Some(&app.admin_token),
        Some(body),
    )
    .await
}

async fn addin_config(app: &TestApp) -> Value {
    let (status, config) = app
        .call(Method::GET, "/api/v1/addin/config", None, None)
        .await;
    assert_eq!(status, 200, "{config}");
    config
}

/// The fields each audit entry changed, newest entry first.
fn changed(page: &Value) -> Vec<(String, Vec<String>)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let fields = e["changes"].as_array().unwrap().iter();
            let fields = fields.map(|c| c["field"].as_str().unwrap().to_string());
            (e["action"].as_str().unwrap().to_string(), fields.collect())
        })
        .collect()
}

#[tokio::test]
async fn an_admin_changes_a_provider_its_secret_stays_hidden_and_every_change_is_audited() {
    let keys = KeyServer::start().await;
    let app = spawn_app().await;
    assert_eq!(
        addin_config(&app).await,
        json!({ "nested_app_auth": null }),
        "unconfigured: the pane offers the password only"
    );
    let created = addin_provider(&app, &keys).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        addin_config(&app).await["nested_app_auth"],
        json!({ "client_id": CLIENT_ID, "authority": keys.issuer,
            "scopes": [format!("{}/access_as_user", audience())] })
    );

    let secret = "brand-new-client-secret-42";
    let (status, changed_view) = patch(
        &app,
        id,
        json!({ "name": "Entra ID", "jit": true, "default_role": "marketing", "client_secret": secret }),
    )
    .await;
    assert_eq!(status, 200, "{changed_view}");
    assert_eq!(
        (
            changed_view["name"].as_str(),
            changed_view["jit"].as_bool(),
            changed_view["default_role"].as_str(),
            changed_view["has_client_secret"].as_bool()
        ),
        (Some("Entra ID"), Some(true), Some("marketing"), Some(true))
    );
    let (_, listed) = app.get("/api/v1/oidc/providers", &app.admin_token).await;
    assert_eq!(listed[0]["name"], "Entra ID");
    let (_, second) = patch(&app, id, json!({ "client_secret": "another-secret-43" })).await;
    assert!(!second.to_string().contains("secret-4"), "{second}");

    // Switched off: no sign-in button and no add-in settings; the pane falls back to the password.
    let (status, _) = patch(&app, id, json!({ "enabled": false })).await;
    assert_eq!(status, 200);
    assert_eq!(addin_config(&app).await["nested_app_auth"], Value::Null);
    let (_, buttons) = app
        .call(Method::GET, "/api/v1/auth/oidc/providers", None, None)
        .await;
    assert_eq!(buttons, json!([]));
    let (_, back) = patch(&app, id, json!({ "enabled": true, "addin": false })).await;
    assert_eq!(back["addin"], false);
    assert_eq!(addin_config(&app).await["nested_app_auth"], Value::Null);

    let (status, body) = patch(&app, id, json!({ "colour": "blue" })).await;
    assert_eq!(
        (status, error_code(&body), body["error"]["field"].as_str()),
        (422, "validation_failed", Some("colour")),
        "{body}"
    );
    let (status, body) = patch(&app, id, json!({ "addin": true, "addin_scopes": [] })).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("addin_scopes")),
        "{body}"
    );
    let (status, body) = patch(&app, 9999, json!({ "name": "x" })).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"), "{body}");
    // Only one enabled provider is the add-in's.
    patch(&app, id, json!({ "addin": true })).await;
    let second = json!({ "name": "Second", "kind": "oidc", "discovery_url": keys.discovery_url(),
        "client_id": "second", "audiences": ["second"], "addin": true, "addin_scopes": ["second/.default"] });
    let (status, body) = app
        .post("/api/v1/oidc/providers", &app.admin_token, second)
        .await;
    assert_eq!((status, error_code(&body)), (409, "conflict"), "{body}");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/oidc/providers/{id}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, trail) = app
        .get(
            &format!("/api/v1/oidc/providers/{id}/audit"),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{trail}");
    let entries = changed(&trail);
    let actions: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["delete", "update", "update", "update", "update", "update", "create"],
        "{trail}"
    );
    let rename = &entries[5].1;
    for field in ["name", "jit", "default_role", "has_client_secret"] {
        assert!(rename.contains(&field.to_string()), "{rename:?}");
    }
    assert_eq!(
        entries[4].1,
        ["client_secret"],
        "a replaced secret is noted"
    );
    assert_eq!(trail["items"][4]["changes"][0]["to"], "(replaced)");
    assert_eq!(
        trail["items"][0]["actor_email"],
        crate::helpers::ADMIN_EMAIL
    );
    let shown = trail.to_string();
    assert!(
        !shown.contains(secret) && !shown.contains("another-secret-43"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_user_created_just_in_time_has_the_sign_in_in_the_audit_trail() {
    let (idp, ids) =
        idp(&[json!({ "jit": true, "default_role": "marketing", "trust_email": true })]).await;
    let me = idp.me(&idp.sign_in(ids[0], "boris").await).await;
    let boris = me["id"].as_i64().unwrap();
    let (status, trail) = idp
        .app
        .get(
            &format!("/api/v1/users/{boris}/audit"),
            &idp.app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{trail}");
    let items = trail["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{trail}");
    assert_eq!(
        (items[0]["action"].as_str(), &items[0]["actor_id"]),
        (Some("create"), &Value::Null)
    );
    let change = |field: &str| {
        items[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == field)
            .map(|c| c["to"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(change("email"), "boris@nordwind.ru");
    assert_eq!(change("role"), "marketing");
    assert_eq!(change("identity_provider_id"), ids[0]);
    assert_eq!(change("created_by"), "just-in-time sign-in");
    // A second sign-in creates nobody, so nothing more is written.
    idp.me(&idp.sign_in(ids[0], "boris").await).await;
    let (_, again) = idp
        .app
        .get(
            &format!("/api/v1/users/{boris}/audit"),
            &idp.app.admin_token,
        )
        .await;
    assert_eq!(again["items"].as_array().unwrap().len(), 1);
}
