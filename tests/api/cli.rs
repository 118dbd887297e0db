//! The README's main command, as a user runs it: the real binary, from an empty directory.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::fresh_database_url;

struct Started {
    child: Child,
    base: String,
    admin: Option<(String, String)>,
}

fn start(dir: &std::path::Path, database_url: Option<&str>) -> Started {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailroom"));
    command
        .arg("serve")
        .current_dir(dir)
        .env("MAILROOM_LISTEN", "127.0.0.1:0")
        .env_remove("MAILROOM_ADMIN_EMAIL")
        .env_remove("MAILROOM_ADMIN_PASSWORD")
        .env_remove("MAILROOM_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        command.env("MAILROOM_DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("start mailroom serve");
    let stdout = child.stdout.take().unwrap();
    let (base, admin) = read_banner(stdout);
    Started { child, base, admin }
}

/// Reads the start-up lines up to the listening address, collecting a printed admin e-mail and password.
fn read_banner(stdout: std::process::ChildStdout) -> (String, Option<(String, String)>) {
    let mut lines = BufReader::new(stdout).lines();
    let (mut email, mut password) = (None, None);
    loop {
        let line = lines
            .next()
            .expect("the server prints where it listens")
            .unwrap();
        if let Some(v) = line.trim().strip_prefix("e-mail:") {
            email = Some(v.trim().to_string());
        }
        if let Some(v) = line.trim().strip_prefix("password:") {
            password = Some(v.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("Mailroom listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_string();
            return (base, email.zip(password));
        }
    }
}

fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn serve_starts_from_nothing_prints_the_admin_once_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let first = start(dir.path(), database_url.as_deref());
    let (email, password) = first
        .admin
        .clone()
        .expect("the first start prints the admin e-mail and password");
    assert!(
        dir.path().join("mailroom-data").is_dir(),
        "the data directory is created"
    );

    let client = reqwest::Client::new();
    let login = serde_json::json!({ "email": email, "password": password });
    let response = client
        .post(format!("{}/api/v1/auth/login", first.base))
        .json(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token = response.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    stop(first.child);

    // A second start keeps the admin and the token secret, and prints no password.
    let second = start(dir.path(), database_url.as_deref());
    assert!(second.admin.is_none(), "the password is printed only once");
    let me = client
        .get(format!("{}/api/v1/me", second.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "tokens survive a restart");
    stop(second.child);
}
