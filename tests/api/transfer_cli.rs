//! `mailroom import` and `mailroom export`, the real binary against the database of a running server: the dry run
//! prints what each row would do and writes nothing; the run imports (the API then lists the import); the export
//! writes the list. The binary runs under `tokio::process`, so the server beside it (on this test's one-thread
//! runtime) keeps running: a blocking wait once froze a server task holding the SQLite write lock, and the CLI
//! waited out its busy timeout ("database error").

use serde_json::json;

use crate::helpers::{spawn_app, TestApp, ADMIN_EMAIL};
use crate::transfer_support::{all, manager};

async fn mailroom(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mailroom"));
    cmd.args(args)
        .env("MAILROOM_DATA_DIR", &app.data_dir)
        .env("MAILROOM_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("MAILROOM_LOG", "warn")
        .env_remove("MAILROOM_DATABASE_URL");
    if let Some(url) = &app.database_url {
        cmd.env("MAILROOM_DATABASE_URL", url);
    }
    let out = cmd.output().await.expect("mailroom runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_cli_checks_imports_and_exports_a_file() {
    let app = spawn_app().await;
    manager(&app).await;
    let file = crate::helpers::repo_dir().join("tests/fixtures/import/contacts.csv");
    let file = file.to_str().unwrap();
    let (ok, out) = mailroom(&app, &["import", file, "--kind", "contacts", "--dry-run"]).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("7 rows: 3 to create, 0 to update, 1 to skip, 3 failing; 2 new companies"),
        "{out}"
    );
    assert!(out.contains("row 5: fail unknown owner"), "{out}");
    assert!(
        all(&app, &app.admin_token, "/api/v1/contacts")
            .await
            .is_empty(),
        "a dry run writes nothing"
    );

    let (ok, out) = mailroom(
        &app,
        &[
            "import",
            file,
            "--kind",
            "contacts",
            "--policy",
            "overwrite",
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("3 created, 1 updated, 0 skipped, 3 failed"),
        "the in-file duplicate overwrites: {out}"
    );
    assert_eq!(
        all(&app, &app.admin_token, "/api/v1/contacts").await.len(),
        3
    );
    let (_, list) = app.get("/api/v1/imports", &app.admin_token).await;
    assert_eq!(list["items"][0]["status"], "done", "{list}");

    let (ok, out) = mailroom(
        &app,
        &[
            "import",
            file,
            "--kind",
            "contacts",
            "--policy",
            "sometimes",
        ],
    )
    .await;
    assert!(!ok, "{out}");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("контакты.csv");
    let (ok, out) = mailroom(
        &app,
        &[
            "export",
            "--kind",
            "contacts",
            "-o",
            target.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{out}");
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.contains("Петрова Анна Сергеевна"), "{text}");
    let xlsx = dir.path().join("c.xlsx");
    let (ok, out) = mailroom(
        &app,
        &[
            "export",
            "--kind",
            "contacts",
            "--format",
            "xlsx",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn the_cli_exports_the_columns_asked_in_their_order_custom_fields_included() {
    let app = spawn_app().await;
    let admin = app.admin_token.clone();
    let field = json!({ "kind": "contact", "key": "inn", "label": "ИНН", "type": "text" });
    assert_eq!(
        app.post("/api/v1/custom-fields", &admin, field).await.0,
        201
    );
    let contact = json!({ "name": "Иван Колонкин", "emails": ["ivan@kolonki.ru"], "custom": { "inn": "7707083893" } });
    let (status, body) = app.post("/api/v1/contacts", &admin, contact).await;
    assert_eq!(status, 201, "{body}");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("c.csv");
    let out_path = target.to_str().unwrap();
    let args = ["export", "--kind", "contacts", "-o", out_path];
    let (ok, out) = mailroom(
        &app,
        &[&args[..], &["--columns", "custom.inn,name,emails"]].concat(),
    )
    .await;
    assert!(ok, "{out}");
    let text = std::fs::read_to_string(&target).unwrap();
    let rows: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        rows,
        ["ИНН;ФИО;E-mail", "7707083893;Иван Колонкин;ivan@kolonki.ru"],
        "{text}"
    );

    // A column no list has is refused, naming it, and writes nothing.
    let bad = dir.path().join("bad.csv");
    let bad_args = [
        "export",
        "--kind",
        "contacts",
        "-o",
        bad.to_str().unwrap(),
        "--columns",
        "name,salary",
    ];
    let (ok, out) = mailroom(&app, &bad_args).await;
    assert!(!ok && out.contains("salary"), "{out}");
    assert!(!bad.exists(), "no file for a refused export");
}
