//! Never twice: the real `mailroom` binary is killed with SIGKILL again and again while it sends, restarted, and
//! the SMTP sink's dump shows at most one letter per address. Also `mailroom campaign send` from the shell.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::campaign_fixtures::*;
use crate::helpers::{fresh_database_url, read, spawn_app_with, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::smtp_sink::SmtpSink;

pub(crate) struct Server {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) port: u16,
    pub(crate) database_url: Option<String>,
    pub(crate) smtp_url: String,
    pub(crate) child: Option<Child>,
}

impl Server {
    pub(crate) fn start(&mut self) {
        self.start_with(&[]);
    }

    /// Starts it with `env` added to its environment.
    pub(crate) fn start_with(&mut self, env: &[(&str, &str)]) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mailroom"));
        command.envs(env.iter().copied());
        command
            .arg("serve")
            .env("MAILROOM_DATA_DIR", &self.dir)
            .env("MAILROOM_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("MAILROOM_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("MAILROOM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("MAILROOM_SMTP_URL", &self.smtp_url)
            .env("MAILROOM_SEND_LEASE_SECONDS", "1")
            .env("MAILROOM_LOG", "warn")
            .env_remove("MAILROOM_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = &self.database_url {
            command.env("MAILROOM_DATABASE_URL", url);
        }
        self.child = Some(command.spawn().expect("start mailroom serve"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "mailroom did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix: no shutdown code runs.
            let _ = child.wait();
        }
    }
}

/// Kills the server with SIGKILL each time `after[i]` more letters have reached `sink` since it started (so that the
/// kills land while letters are in flight) and starts it again with `env`; answers how many kills there were.
pub(crate) async fn kill_mid_send(
    server: &mut Server,
    sink: &crate::smtp_sink::SmtpSink,
    after: &[usize],
    patience: Duration,
    env: &[(&str, &str)],
) -> i64 {
    let mut kills = 0;
    for &letters in after {
        let before = sink.received().len();
        let deadline = Instant::now() + patience;
        while sink.received().len() < before + letters {
            assert!(
                Instant::now() < deadline,
                "no progress after restart {kills}: {} letters",
                sink.received().len()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.kill();
        kills += 1;
        server.start_with(env);
    }
    kills
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Signs the admin in on the server at `base`.
pub(crate) async fn admin_token(client: &Client, base: &str) -> String {
    crate::helpers::admin_past_first_run(client, base).await
}

pub(crate) async fn call(
    client: &Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    read(request.send().await.expect("request")).await
}

#[tokio::test]
async fn killed_sender_resumes_and_never_sends_a_letter_twice() {
    const CONTACTS: usize = 400;
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server {
        dir: dir.path().to_path_buf(),
        port,
        database_url: fresh_database_url().await,
        smtp_url: sink.url(),
        child: None,
    };
    server.start();
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    let token = admin_token(&client, &base).await;
    let post = |path: &'static str, body: Value| {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        async move { call(&client, &base, &token, "POST", path, body).await }
    };
    let (_, co) = post("/api/v1/companies", json!({"name": "ООО «Север»"})).await;
    for i in 0..CONTACTS {
        let body = json!({"name": format!("Получатель №{i}"), "emails": [format!("p{i}@sever.ru")],
                          "company_id": co["id"], "tags": ["crash"]});
        let (status, c) = post("/api/v1/contacts", body).await;
        assert_eq!(status, 201, "{c}");
        let path = format!("/api/v1/contacts/{}/consent", c["id"]);
        let consent = json!({"granted": true, "legal_basis": "152-FZ", "source": "form"});
        let (status, _) = call(&client, &base, &token, "POST", &path, consent).await;
        assert!(status < 300);
    }
    let (_, t) = post("/api/v1/templates", greeting_template("crash")).await;
    let (_, s) = post(
        "/api/v1/segments",
        json!({"name": "crash", "filter": {"tags": ["crash"]}}),
    )
    .await;
    let (status, c) = post(
        "/api/v1/campaigns",
        json!({"name": "crash", "template_id": t["id"], "segment_id": s["id"], "concurrency": 4}),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let (status, c) = call(
        &client,
        &base,
        &token,
        "POST",
        &format!("/api/v1/campaigns/{id}/start"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{c}");

    // Kill it mid-send, again and again: each time after a varying number of letters arrived since the restart,
    // so that the kills land while letters are in flight.
    let kills = kill_mid_send(
        &mut server,
        &sink,
        &[7, 23, 11, 31, 17, 5, 29, 13],
        Duration::from_secs(20),
        &[],
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(90);
    let c = loop {
        let (_, c) = call(
            &client,
            &base,
            &token,
            "GET",
            &format!("/api/v1/campaigns/{id}"),
            Value::Null,
        )
        .await;
        if c["status"] == "done" {
            break c;
        }
        assert!(Instant::now() < deadline, "campaign never finished: {c}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stats = &c["stats"];
    let (sent, unknown) = (
        stats["sent"].as_i64().unwrap(),
        stats["unknown"].as_i64().unwrap(),
    );
    assert_eq!(stats["failed"], 0, "{c}");
    assert_eq!(sent + unknown, CONTACTS as i64, "{c}");
    // Each of the 4 connections has at most a few letters claimed and not recorded: those may be in doubt.
    let in_doubt = 4 * mailroom::campaigns::IN_DOUBT_PER_CONNECTION as i64;
    assert!(
        unknown <= kills * in_doubt,
        "at most the letters claimed by the connections at each kill: {c}"
    );

    let mut per_address: HashMap<String, usize> = HashMap::new();
    for r in sink.received() {
        *per_address.entry(r.rcpt_to).or_default() += 1;
    }
    let twice: Vec<_> = per_address.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "letters received twice: {twice:?}");
    let mut after = 0;
    let mut states = HashMap::new();
    loop {
        let path = format!("/api/v1/campaigns/{id}/recipients?limit=200&after={after}");
        let (_, list) = call(&client, &base, &token, "GET", &path, Value::Null).await;
        let items = list["items"].as_array().unwrap().clone();
        for r in &items {
            states.insert(
                r["address"].as_str().unwrap().to_string(),
                r["state"].as_str().unwrap().to_string(),
            );
        }
        match list["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    for (address, state) in &states {
        let got = per_address.get(address).copied().unwrap_or(0);
        match state.as_str() {
            "sent" => assert_eq!(got, 1, "{address} is sent but the sink has {got}"),
            "unknown" => assert!(got <= 1),
            other => panic!("{address} ended {other}"),
        }
    }
    eprintln!(
        "never-twice: {kills} kills, {sent} sent, {unknown} unknown, {} addresses received",
        per_address.len()
    );
}

#[tokio::test]
async fn cli_campaign_send_starts_sends_and_reports_progress() {
    let sink = SmtpSink::start();
    let url = fresh_database_url().await;
    let db_for_app = url.clone();
    let app = spawn_app_with(move |c| {
        c.database_url = db_for_app.map(Into::into);
        c.send_worker = false;
    })
    .await;
    let co = company(&app, "Омега").await;
    for i in 0..5 {
        contact(
            &app,
            &format!("Клиент {i}"),
            &format!("c{i}@omega.ru"),
            Some(co),
            &["cli"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &app.admin_token, "cli", json!({})).await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailroom"));
    command
        .args(["campaign", "send", &id.to_string()])
        .env("MAILROOM_DATA_DIR", &app.data_dir)
        .env("MAILROOM_SMTP_URL", sink.url())
        .env("MAILROOM_PUBLIC_URL", &app.base)
        .env("MAILROOM_LOG", "warn")
        .env_remove("MAILROOM_DATABASE_URL");
    if let Some(url) = &url {
        command.env("MAILROOM_DATABASE_URL", url);
    }
    let output =
        tokio::task::spawn_blocking(move || command.output().expect("run mailroom campaign send"))
            .await
            .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("campaign {id} done: sent 5, failed 0")),
        "summary: {stdout}"
    );
    assert_eq!(sink.received().len(), 5);
    let (_, c) = app
        .get(&format!("/api/v1/campaigns/{id}"), &app.admin_token)
        .await;
    assert_eq!(c["status"], "done");
}
