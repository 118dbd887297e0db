//! Helpers of the import/export tests: uploads, waiting for a job, downloads, and spreadsheets made by a real
//! LibreOffice (headless, private HOME) from the CSV fixtures, converted once per test run and cached.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{read, TestApp};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = crate::helpers::repo_dir()
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// `POST /api/v1/imports?kind=…&filename=…` with the file as the raw body.
pub async fn upload(
    app: &TestApp,
    token: &str,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let url = app.url(&format!(
        "/api/v1/imports?kind={kind}&filename={}",
        urlencode(filename)
    ));
    let response = app
        .client
        .post(url)
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .expect("upload sent");
    read(response).await
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn upload_ok(
    app: &TestApp,
    token: &str,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> Value {
    let (status, body) = upload(app, token, kind, filename, bytes).await;
    assert_eq!(status, 201, "upload of {filename}: {body}");
    body
}

pub async fn check(app: &TestApp, token: &str, id: i64, options: Value) -> Value {
    let (status, report) = app
        .post(&format!("/api/v1/imports/{id}/check"), token, options)
        .await;
    assert_eq!(status, 200, "check of import {id}: {report}");
    report
}

/// Runs the import and waits for its job to finish; the import as it ends.
pub async fn run(app: &TestApp, token: &str, id: i64, options: Value) -> Value {
    let (status, body) = app
        .post(&format!("/api/v1/imports/{id}/run"), token, options)
        .await;
    assert_eq!(status, 202, "run of import {id}: {body}");
    wait_done(app, token, id).await
}

pub async fn wait_done(app: &TestApp, token: &str, id: i64) -> Value {
    let start = Instant::now();
    loop {
        let (status, import) = app.get(&format!("/api/v1/imports/{id}"), token).await;
        assert_eq!(status, 200, "{import}");
        match import["status"].as_str() {
            Some("done") => return import,
            Some("failed") => panic!("import {id} failed: {import}"),
            _ => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "import {id} did not finish: {import}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Upload + run in one go, with the suggested mapping and the given options.
pub async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
    options: Value,
) -> Value {
    let up = upload_ok(app, token, kind, filename, bytes).await;
    run(app, token, up["id"].as_i64().unwrap(), options).await
}

/// A GET whose body is a file: status, content type, bytes.
pub async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let mime = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, mime, response.bytes().await.expect("body").to_vec())
}

pub fn progress(import: &Value) -> [i64; 5] {
    let p = &import["progress"];
    ["created", "updated", "skipped", "failed", "done"].map(|k| p[k].as_i64().unwrap_or(-1))
}

pub async fn all(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let (status, list) = app.get(&format!("{path}?limit=200"), token).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().unwrap().clone()
}

pub async fn manager(app: &TestApp) -> (i64, String) {
    let body = json!({ "email": "manager@test.local", "name": "Менеджер Продаж", "role": "sales", "password": "user-password-1" });
    let (status, user) = app.post("/api/v1/users", &app.admin_token, body).await;
    assert_eq!(status, 201, "{user}");
    (
        user["id"].as_i64().unwrap(),
        app.login_ok("manager@test.local", "user-password-1").await,
    )
}

fn soffice() -> PathBuf {
    let found = Command::new("sh")
        .arg("-c")
        .arg("command -v soffice")
        .output()
        .expect("sh runs");
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(
        !path.is_empty(),
        "LibreOffice (soffice) is missing: scripts/test.sh installs it (scripts/services.sh ensure_libreoffice)"
    );
    PathBuf::from(path)
}

/// Runs LibreOffice on `files` into `out` with a private profile; fails loudly.
pub fn convert(files: &[PathBuf], to: &str, out: &Path, infilter: Option<&str>) {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(soffice());
    cmd.env("HOME", home.path())
        .arg("--headless")
        .arg("--norestore");
    if let Some(f) = infilter {
        cmd.arg(format!("--infilter={f}"));
    }
    let output = cmd
        .arg("--convert-to")
        .arg(to)
        .arg("--outdir")
        .arg(out)
        .args(files)
        .output()
        .expect("soffice runs");
    assert!(
        output.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The CSV fixtures as .xlsx, .xls and .ods made by LibreOffice, once per test run.
pub fn workbooks() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("mailroom-import-books-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cache dir");
        let src = crate::helpers::repo_dir().join("tests/fixtures/import");
        let files = [src.join("contacts.csv"), src.join("deals.csv")];
        for to in ["xlsx", "xls", "ods"] {
            convert(&files, to, &dir, Some("CSV:59,34,76"));
        }
        dir
    })
}

pub fn workbook(name: &str) -> Vec<u8> {
    let path = workbooks().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
