//! API keys (issue 20.3): shown once, hashed at rest, scoped by actions and by role, revocable, expiring.

use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::helpers::{error_code, read, spawn_app, TestApp};

/// The app's database, for scanning what is stored.
pub async fn database(app: &TestApp) -> mailroom::db::Db {
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rw",
            app.data_dir.join("mailroom.db").display()
        )
    });
    mailroom::db::Db::connect(&url, 1)
        .await
        .expect("the test database opens")
}

pub async fn create_key(app: &TestApp, role: &str, actions: &[&str]) -> Value {
    let body = json!({ "name": format!("Интеграция {role}"), "role": role, "actions": actions });
    let (status, key) = app
        .post("/api/v1/admin/api-keys", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{key}");
    key
}

/// A request with the key, as `Authorization: Bearer` or as `X-Api-Key`.
async fn with_key(
    app: &TestApp,
    method: Method,
    path: &str,
    secret: &str,
    header: bool,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path));
    request = if header {
        request.header("X-Api-Key", secret)
    } else {
        request.bearer_auth(secret)
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.expect("request sent")).await
}

const KEY_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "prefix",
    "secret_hash",
    "role",
    "actions",
    "user_id",
    "created_by",
    "created_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
];

async fn rows_containing(db: &mailroom::db::Db, table: &str, column: &str, text: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE CAST({column} AS TEXT) LIKE $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(format!("%{text}%"))
        .fetch_one(&db.pool)
        .await
        .expect("scan")
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn a_key_is_shown_once_listed_by_its_prefix_and_only_its_hash_is_stored() {
    let app = spawn_app().await;
    let key = create_key(&app, "sales", &["contacts:read"]).await;
    let secret = key["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("mrk_") && secret.len() > 40, "{secret}");
    assert_eq!(key["prefix"], secret[..12]);
    assert_eq!(key["actions"], json!(["contacts:read"]));

    let (status, list) = app.get("/api/v1/admin/api-keys", &app.admin_token).await;
    assert_eq!(status, 200);
    let item = &list["items"][0];
    assert_eq!(item["id"], key["id"]);
    assert_eq!(item["prefix"], key["prefix"]);
    assert!(
        item.get("secret").is_none(),
        "the list never shows the secret: {item}"
    );
    assert!(!list.to_string().contains(&secret[12..]));

    let db = database(&app).await;
    let secret_tail = &secret[12..];
    for column in KEY_COLUMNS {
        assert_eq!(
            rows_containing(&db, "api_keys", column, secret_tail).await,
            0,
            "the secret is in api_keys.{column}"
        );
    }
    for (table, column) in [
        ("audit_log", "changes"),
        ("users", "email"),
        ("users", "password_hash"),
    ] {
        assert_eq!(
            rows_containing(&db, table, column, secret_tail).await,
            0,
            "{table}.{column}"
        );
    }
    let hash: String = sqlx::query("SELECT secret_hash FROM api_keys WHERE id = $1")
        .bind(key["id"].as_i64().unwrap())
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("secret_hash");
    let expected: String = Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, expected, "SHA-256 of the secret is what is kept");
    db.pool.close().await;
}

#[tokio::test]
async fn a_key_calls_its_actions_only_and_answers_401_once_revoked_or_expired() {
    let app = spawn_app().await;
    let key = create_key(&app, "admin", &["contacts:read"]).await;
    let secret = key["secret"].as_str().unwrap();
    for header in [false, true] {
        let (status, body) =
            with_key(&app, Method::GET, "/api/v1/contacts", secret, header, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let refused = [
        (Method::GET, "/api/v1/leads", None),
        (
            Method::POST,
            "/api/v1/contacts",
            Some(json!({ "name": "Новый" })),
        ),
        // Admin routes have no action at all: not even an admin-role key calls them.
        (Method::GET, "/api/v1/users", None),
        (Method::GET, "/api/v1/admin/api-keys", None),
    ];
    for (method, path, body) in refused {
        let (status, answer) = with_key(&app, method.clone(), path, secret, false, body).await;
        assert_eq!(
            (status, error_code(&answer)),
            (403, "api_key_scope"),
            "{method} {path}"
        );
    }
    let (_, list) = app.get("/api/v1/admin/api-keys", &app.admin_token).await;
    assert!(
        list["items"][0]["last_used_at"].is_string(),
        "last use recorded: {list}"
    );

    let path = format!("/api/v1/admin/api-keys/{}", key["id"]);
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = with_key(&app, Method::GET, "/api/v1/contacts", secret, true, None).await;
    assert_eq!((status, error_code(&body)), (401, "api_key_revoked"));
    let (_, list) = app.get("/api/v1/admin/api-keys", &app.admin_token).await;
    assert!(list["items"][0]["revoked_at"].is_string());
    let db = database(&app).await;
    let actions: Vec<(String, Option<i64>)> = sqlx::query(
        "SELECT action, actor_id FROM audit_log WHERE record_kind = 'api_key' AND record_id = $1 ORDER BY id",
    )
    .bind(key["id"].as_i64().unwrap())
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("action"), r.get("actor_id")))
    .collect();
    let admin = crate::helpers::user_id(&app, &app.admin_token).await;
    assert_eq!(
        actions,
        [
            ("create".to_string(), Some(admin)),
            ("revoke".to_string(), Some(admin))
        ]
    );
    db.pool.close().await;

    let forged = format!("mrk_{}", "A".repeat(43));
    let (status, body) =
        with_key(&app, Method::GET, "/api/v1/contacts", &forged, false, None).await;
    assert_eq!((status, error_code(&body)), (401, "api_key_invalid"));

    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let soon = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({ "name": "Скоро истечёт", "role": "sales", "actions": ["contacts:read"], "expires_at": soon });
    let (status, short) = app
        .post("/api/v1/admin/api-keys", &app.admin_token, body)
        .await;
    assert_eq!(status, 201, "{short}");
    let short = short["secret"].as_str().unwrap();
    let (status, _) = with_key(&app, Method::GET, "/api/v1/contacts", short, false, None).await;
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let (status, body) = with_key(&app, Method::GET, "/api/v1/contacts", short, false, None).await;
    assert_eq!((status, error_code(&body)), (401, "api_key_expired"));

    let bad = json!({ "name": "x", "role": "sales", "actions": ["users:write"] });
    let (status, body) = app
        .post("/api/v1/admin/api-keys", &app.admin_token, bad)
        .await;
    assert_eq!((status, error_code(&body)), (422, "validation_failed"));
}

#[tokio::test]
async fn a_keys_role_limits_the_records_it_sees_and_it_owns_what_it_creates() {
    let app = spawn_app().await;
    let body = json!({ "name": "Пётр Админов", "emails": ["petr@admins.ru"] });
    let (status, admins) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{admins}");
    let admins_path = format!("/api/v1/contacts/{}", admins["id"]);

    let sales = create_key(&app, "sales", &["contacts:read", "contacts:write"]).await;
    let secret = sales["secret"].as_str().unwrap();
    let (status, _) = with_key(&app, Method::GET, &admins_path, secret, false, None).await;
    assert_eq!(status, 404, "a sales key sees only its own contacts");
    let body = json!({ "name": "Из интеграции", "emails": ["lead@integration.ru"] });
    let (status, made) = with_key(
        &app,
        Method::POST,
        "/api/v1/contacts",
        secret,
        false,
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["owner_id"], sales["user_id"],
        "the key's service user owns it"
    );
    let (_, list) = with_key(&app, Method::GET, "/api/v1/contacts", secret, false, None).await;
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["id"])
        .collect();
    assert_eq!(ids, [&made["id"]], "{list}");
    let (_, audit) = app
        .get(
            &format!("/api/v1/contacts/{}/audit", made["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(audit["items"][0]["actor_id"], sales["user_id"], "{audit}");

    let admin_key = create_key(&app, "admin", &["contacts:read"]).await;
    let (status, _) = with_key(
        &app,
        Method::GET,
        &admins_path,
        admin_key["secret"].as_str().unwrap(),
        true,
        None,
    )
    .await;
    assert_eq!(status, 200, "an admin-role key sees every contact");

    // The role's own limits still apply within the granted actions: marketing reads no leads.
    let marketing = create_key(&app, "marketing", &["leads:read"]).await;
    let (status, body) = with_key(
        &app,
        Method::GET,
        "/api/v1/leads",
        marketing["secret"].as_str().unwrap(),
        false,
        None,
    )
    .await;
    assert_eq!((status, error_code(&body)), (403, "forbidden"));
}
