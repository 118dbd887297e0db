//! `mailroom backup` as an operator runs it — the real binary, while the server serves and writes — and
//! `mailroom restore` into a fresh place: the restored server answers with a consistent snapshot, and old tokens
//! still work when the keys came along. A restore under a live SQLite server, or of a damaged backup, changes
//! nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mailroom::App;
use serde_json::json;

use crate::helpers::{self, fresh_database_url, spawn_app, test_config, TestApp, TestBackend};

async fn mailroom(
    args: &[&str],
    data_dir: &Path,
    database_url: Option<&str>,
) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mailroom"));
    command
        .args(args)
        .env("MAILROOM_DATA_DIR", data_dir)
        .env_remove("MAILROOM_DATABASE_URL")
        .env_remove("MAILROOM_SECRET_KEY")
        .env_remove("MAILROOM_JWT_SECRET");
    if let Some(url) = database_url {
        command.env("MAILROOM_DATABASE_URL", url);
    }
    command.output().await.expect("run mailroom")
}

fn text(output: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn contact_ids(app_base: &str, token: &str) -> Vec<i64> {
    let client = reqwest::Client::new();
    let (mut ids, mut after) = (Vec::new(), String::new());
    loop {
        let url = format!("{app_base}/api/v1/contacts?limit=200{after}");
        let page: serde_json::Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().expect("a list").clone();
        ids.extend(items.iter().map(|c| c["id"].as_i64().unwrap()));
        match &page["next_cursor"] {
            serde_json::Value::Null => break,
            next => {
                after = format!(
                    "&after={}",
                    next.as_str().map(String::from).unwrap_or(next.to_string())
                )
            }
        }
    }
    ids.sort_unstable();
    ids
}

async fn add_contact(app: &TestApp, n: usize) -> i64 {
    let body =
        json!({ "name": format!("Клиент {n}"), "emails": [format!("client{n}@example.ru")] });
    let (status, contact) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{contact}");
    contact["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_restores_a_consistent_working_server() {
    let app = Arc::new(spawn_app().await);
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(add_contact(&app, n).await);
    }
    // A writer keeps adding contacts, one after another, all through the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut ids = Vec::new();
            let mut n = 3;
            while !stop.load(Ordering::Relaxed) {
                ids.push(add_contact(&app, n).await);
                n += 1;
            }
            ids
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backup_dir = tempfile::tempdir().unwrap();
    let out = backup_dir.path().join("nightly");
    let (data_dir, url) = (app.data_dir.clone(), app.database_url.clone());
    let out_arg = out.to_str().unwrap().to_string();
    let output = mailroom(
        &["backup", &out_arg, "--with-keys"],
        &data_dir,
        url.as_deref(),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    created.extend(writer.await.unwrap());
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        created.len() > 5,
        "the writer wrote during the backup: {}",
        created.len()
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["backend"], helpers::backend_name(), "{manifest}");
    assert_eq!(
        manifest["keys"],
        json!(["secret-key", "jwt-secret"]),
        "{manifest}"
    );
    // A second backup never writes over the first.
    let again = mailroom(
        &["backup", out.to_str().unwrap()],
        &app.data_dir,
        app.database_url.as_deref(),
    )
    .await;
    assert!(!again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("not empty"), "{}", text(&again));

    // Restore into a new data directory and database, as on a replacement machine.
    let new_dir = tempfile::tempdir().unwrap();
    let new_url = fresh_database_url().await;
    let output = mailroom(
        &["restore", out.to_str().unwrap()],
        new_dir.path(),
        new_url.as_deref(),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    let restored = App::build(&test_config(new_dir.path(), new_url))
        .await
        .expect("the restored server starts");
    let base = format!("http://{}", restored.local_addr());
    tokio::spawn(restored.run(std::future::pending()));
    // The original server's token: the jwt-secret came with the backup.
    let ids = contact_ids(&base, &app.admin_token).await;
    // One snapshot: the contacts created before some moment, every one of them, none after.
    assert!(
        ids.len() >= 3,
        "the contacts made before the backup are there: {ids:?}"
    );
    assert_eq!(
        ids,
        created[..ids.len()],
        "a consistent prefix of what was written"
    );
    assert!(
        ids.len() < created.len(),
        "what was written after the backup is not there"
    );
}

#[tokio::test]
async fn a_restore_under_a_live_server_or_of_a_damaged_backup_changes_nothing() {
    let app = spawn_app().await;
    let id = add_contact(&app, 1).await;
    let backup_dir = tempfile::tempdir().unwrap();
    let out = backup_dir.path().join("b");
    let output = mailroom(
        &["backup", out.to_str().unwrap()],
        &app.data_dir,
        app.database_url.as_deref(),
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    let second = add_contact(&app, 2).await;

    if let TestBackend::Sqlite = helpers::backend() {
        let live = mailroom(&["restore", out.to_str().unwrap()], &app.data_dir, None).await;
        assert!(!live.status.success(), "{}", text(&live));
        assert!(text(&live).contains("stop it"), "{}", text(&live));
    }
    // Damage the copy: half of it is gone.
    let file = ["mailroom.db", "mailroom.pgdump"]
        .iter()
        .map(|f| out.join(f))
        .find(|p| p.exists())
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let target_dir = tempfile::tempdir().unwrap();
    let (dir, url) = match helpers::backend() {
        // SQLite: restoring into a fresh place, so that no lock refuses it before the check.
        TestBackend::Sqlite => (target_dir.path().to_path_buf(), None),
        // PostgreSQL: into the live database itself — one transaction, so the failure leaves it whole.
        TestBackend::Postgres { .. } => (app.data_dir.clone(), app.database_url.clone()),
    };
    let damaged = mailroom(&["restore", out.to_str().unwrap()], &dir, url.as_deref()).await;
    assert!(!damaged.status.success(), "{}", text(&damaged));
    let said = text(&damaged);
    assert!(
        said.contains("damaged") || said.contains("pg_restore failed"),
        "{said}"
    );
    assert!(
        !target_dir.path().join("mailroom.db").exists(),
        "nothing was put in place"
    );
    assert_eq!(
        contact_ids(&app.base, &app.admin_token).await,
        vec![id, second]
    );
}
