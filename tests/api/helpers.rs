//! Spawns the real server on a random port against a fresh database: a temp SQLite file, or a fresh database in
//! the PostgreSQL that the test command started (`MAILROOM_TEST_BACKEND=postgres`, `MAILROOM_TEST_PG_URL`).

use std::path::PathBuf;

use mailroom::api::RouteInfo;
use mailroom::{App, Config};
use reqwest::{Client, Method, Response};
use serde_json::Value;
use sqlx::Connection;

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub data_dir: PathBuf,
    pub routes: Vec<RouteInfo>,
    pub admin_token: String,
    /// `None`: the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    _dir: tempfile::TempDir,
}

pub enum TestBackend {
    Sqlite,
    Postgres { server_url: String },
}

pub fn backend() -> TestBackend {
    match std::env::var("MAILROOM_TEST_BACKEND").as_deref() {
        Ok("postgres") => TestBackend::Postgres {
            server_url: std::env::var("MAILROOM_TEST_PG_URL").expect(
                "MAILROOM_TEST_BACKEND=postgres needs MAILROOM_TEST_PG_URL (scripts/test.sh starts a server and sets it)",
            ),
        },
        Ok("sqlite") | Err(_) => TestBackend::Sqlite,
        Ok(other) => panic!("unknown MAILROOM_TEST_BACKEND '{other}' (sqlite or postgres)"),
    }
}

/// A database URL for one test: `None` means the default SQLite file in the data directory.
pub async fn fresh_database_url() -> Option<String> {
    match backend() {
        TestBackend::Sqlite => None,
        TestBackend::Postgres { server_url } => {
            let name = format!("t_{}", uuid_like());
            let mut conn = sqlx::PgConnection::connect(&format!("{server_url}/postgres"))
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            Some(format!("{server_url}/{name}"))
        }
    }
}

fn uuid_like() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

pub fn test_config(dir: &std::path::Path, database_url: Option<String>) -> Config {
    let mut config = Config::with_data_dir(dir);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database_url = database_url.map(Into::into);
    config.admin_email = ADMIN_EMAIL.into();
    config.admin_password = Some(ADMIN_PASSWORD.to_string().into());
    config.db_max_connections = 5;
    config.imap_workers = false;
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut app = spawn_first_run_with(adjust).await;
    app.admin_token = admin_past_first_run(&app.client, &app.base).await;
    app
}

/// The app as an operator first meets it: the admin's start-up password is for one sign-in, so `admin_token`
/// opens only `GET /api/v1/me` and the password change until the admin picks a new one.
pub async fn spawn_first_run_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url().await;
    let mut config = test_config(dir.path(), database_url.clone());
    adjust(&mut config);
    let app = App::build(&config).await.expect("app starts");
    let base = format!("http://{}", app.local_addr());
    let routes = app.routes.clone();
    tokio::spawn(app.run(std::future::pending()));
    let client = Client::new();
    let mut test_app = TestApp {
        base,
        client,
        data_dir: dir.path().to_path_buf(),
        routes,
        admin_token: String::new(),
        database_url,
        _dir: dir,
    };
    test_app.admin_token = test_app.login_ok(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    test_app
}

/// Signs the admin in on the server at `base` past the first run's forced password change (changed to the same
/// password, so that `ADMIN_PASSWORD` keeps working): a token every admin route accepts.
pub async fn admin_past_first_run(client: &Client, base: &str) -> String {
    let login = || async {
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .send()
            .await
            .expect("login sent");
        let (status, body) = read(response).await;
        assert_eq!(status, 200, "admin login: {body}");
        body["token"].as_str().expect("token").to_string()
    };
    let token = login().await;
    let (_, me) = read(
        client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me sent"),
    )
    .await;
    if me["must_change_password"] != true {
        return token;
    }
    let change =
        serde_json::json!({ "current_password": ADMIN_PASSWORD, "new_password": ADMIN_PASSWORD });
    let response = client
        .post(format!("{base}/api/v1/me/password"))
        .bearer_auth(&token)
        .json(&change)
        .send()
        .await
        .expect("password change sent");
    assert_eq!(
        response.status().as_u16(),
        204,
        "the admin's password change"
    );
    // A password change ends the user's sessions: sign in anew.
    login().await
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with an optional bearer token and JSON body; returns status and parsed JSON (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        let body = serde_json::json!({ "email": email, "password": password });
        self.call(Method::POST, "/api/v1/auth/login", None, Some(body))
            .await
    }

    pub async fn login_ok(&self, email: &str, password: &str) -> String {
        let (status, body) = self.login(email, password).await;
        assert_eq!(status, 200, "login of {email}: {body}");
        body["token"]
            .as_str()
            .expect("token in login answer")
            .to_string()
    }

    /// Creates a user as admin and returns (id, token).
    pub async fn user_with_role(&self, email: &str, role: &str) -> (i64, String) {
        let password = "user-password-1";
        let body = serde_json::json!({ "email": email, "name": "Тестовый Пользователь", "role": role, "password": password });
        let (status, user) = self.post("/api/v1/users", &self.admin_token, body).await;
        assert_eq!(status, 201, "create {email}: {user}");
        (
            user["id"].as_i64().unwrap(),
            self.login_ok(email, password).await,
        )
    }
}

pub async fn read(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("response body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("response is not JSON ({status}): {text}"))
    };
    (status, value)
}

/// Asserts the API's error shape and returns the code.
pub fn error_code(body: &Value) -> &str {
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error without message: {body}"
    );
    error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an API error: {body}"))
}

/// The id of the user behind a token.
pub async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", token).await.1["id"].as_i64().unwrap()
}

/// The checkout the tests run from. Cargo sets `CARGO_MANIFEST_DIR` when it runs a test, which is right even when the
/// binary was built from another checkout sharing the target dir (the compile-time value would point there).
pub fn repo_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

pub fn backend_name() -> &'static str {
    match backend() {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres { .. } => "postgres",
    }
}
