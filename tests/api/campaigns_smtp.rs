//! SMTP connection options against a server with AUTH and STARTTLS (aiosmtpd): credentials from the URL
//! (percent-encoded), STARTTLS before AUTH, a refused login reported with the server's reply, and PIPELINING with
//! refusals answered per letter.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::campaign_fixtures::*;
use crate::helpers::{spawn_app, spawn_app_with};

pub(crate) struct AuthServer {
    child: Child,
    pub(crate) port: u16,
    dir: tempfile::TempDir,
}

impl AuthServer {
    fn start(tls: bool) -> AuthServer {
        AuthServer::launch(tls, false)
    }

    /// Offers PIPELINING; refuses RCPT to `refused*` (550) and `later*` (451).
    fn pipelining() -> AuthServer {
        AuthServer::launch(false, true)
    }

    /// Also offers XOAUTH2, checking bearer tokens by introspection at this URL.
    pub(crate) fn xoauth2(introspection_url: &str) -> AuthServer {
        AuthServer::launch_with(false, false, Some(introspection_url))
    }

    fn launch(tls: bool, pipelining: bool) -> AuthServer {
        AuthServer::launch_with(tls, pipelining, None)
    }

    fn launch_with(tls: bool, pipelining: bool, introspection_url: Option<&str>) -> AuthServer {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = crate::helpers::repo_dir().join("tests/api/smtp_auth_server.py");
        let script = script.to_str().unwrap();
        let dump = dir.path().join("dump");
        std::fs::create_dir(&dump).unwrap();
        let mut args = vec![
            script.to_string(),
            port.to_string(),
            dump.display().to_string(),
            "news@nordwind.ru".into(),
            "p@ss w".into(),
        ];
        if tls {
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let status = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .stderr(Stdio::null())
                .status()
                .expect("openssl makes a test certificate");
            assert!(status.success());
            args.push(cert.display().to_string());
            args.push(key.display().to_string());
        }
        // Debian's python3-aiosmtpd lives beside the system interpreter (a pyenv python3 on PATH lacks it).
        let mut child = Command::new("/usr/bin/python3")
            .args(&args)
            .env(
                "MAILROOM_TEST_PIPELINING",
                if pipelining { "1" } else { "0" },
            )
            .env(
                "MAILROOM_TEST_INTROSPECT",
                introspection_url.unwrap_or_default(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 (scripts/test.sh installs python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "aiosmtpd did not start: run scripts/test.sh (installs python3-aiosmtpd)"
        );
        AuthServer { child, port, dir }
    }

    pub(crate) fn received(&self) -> Vec<String> {
        std::fs::read_dir(self.dir.path().join("dump"))
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn test_send(app: &crate::helpers::TestApp, smtp_url: &str) -> (u16, serde_json::Value) {
    let co = company(app, &format!("Каппа {}", rand_suffix())).await;
    let c = contact(
        app,
        "Кирилл",
        &format!("k{}@kappa.ru", rand_suffix()),
        Some(co),
        &[],
        None,
    )
    .await;
    let t = create(
        app,
        &app.admin_token,
        "/api/v1/templates",
        greeting_template(&format!("t{}", rand_suffix())),
    )
    .await;
    let name = format!("relay {}", rand_suffix());
    relay(app, &name, smtp_url).await;
    let body = json!({"contact_id": c, "to": "reviewer@nordwind.ru", "relay": name});
    app.post(
        &format!("/api/v1/templates/{t}/test-send"),
        &app.admin_token,
        body,
    )
    .await
}

fn rand_suffix() -> u64 {
    rand::random::<u32>() as u64
}

#[tokio::test]
async fn credentials_in_the_relay_url_authenticate() {
    let server = AuthServer::start(false);
    let app = spawn_app().await;
    let url = format!(
        "smtp://news%40nordwind.ru:p%40ss%20w@127.0.0.1:{}",
        server.port
    );
    let (status, body) = test_send(&app, &url).await;
    assert_eq!(status, 200, "{body}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("X-Auth-User: news@nordwind.ru\r\nX-Tls: 0"),
        "{}",
        got[0]
    );

    let wrong = format!("smtp://news%40nordwind.ru:wrong@127.0.0.1:{}", server.port);
    let (status, body) = test_send(&app, &wrong).await;
    assert_eq!(
        status, 502,
        "a refused login is not the letter's fault: {body}"
    );
    assert_eq!(body["error"]["code"], "smtp_unreachable", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("AUTH") && message.contains("535"),
        "the server's reply is shown: {body}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn starttls_is_used_before_auth() {
    let server = AuthServer::start(true);
    let app = spawn_app().await;
    let url = format!(
        "smtp://news%40nordwind.ru:p%40ss%20w@127.0.0.1:{}?tls=required&tls_insecure=true",
        server.port
    );
    let (status, body) = test_send(&app, &url).await;
    assert_eq!(status, 200, "{body}");
    let got = server.received();
    assert!(
        got[0].starts_with("X-Auth-User: news@nordwind.ru\r\nX-Tls: 1"),
        "{}",
        got[0]
    );
    // Without accepting the self-signed certificate, nothing is sent.
    let strict = format!(
        "smtp://news%40nordwind.ru:p%40ss%20w@127.0.0.1:{}?tls=required",
        server.port
    );
    let (status, body) = test_send(&app, &strict).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "smtp_unreachable", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("STARTTLS"),
        "{body}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_pipelining_server_gets_each_envelope_at_once_and_its_refusals_count_per_letter() {
    let server = AuthServer::pipelining();
    let url = format!("smtp://127.0.0.1:{}", server.port);
    let app = spawn_app_with(move |c| {
        c.smtp_url = Some(url.into());
        c.send_retry_base_ms = 200;
    })
    .await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Лямбда").await;
    let locals = ["ok0", "refused1", "ok2", "later3", "ok4", "refused5", "ok6"];
    for local in locals {
        let email = format!("{local}@lambda.ru");
        contact(
            &app,
            &format!("Адресат {local}"),
            &email,
            Some(co),
            &["pipe"],
            Some(true),
        )
        .await;
    }
    let id = campaign(&app, &token, "pipe", json!({"concurrency": 1})).await;
    start(&app, &token, id).await;
    let c = wait_until(&app, &token, id, Duration::from_secs(30), |c| {
        c["stats"]["sent"] == 4 && c["stats"]["failed"] == 2
    })
    .await;
    assert_eq!(c["stats"]["bounced"], 2, "{c}");

    let got = server.received();
    let mut rcpts: Vec<String> = got
        .iter()
        .map(|m| {
            assert!(
                m.contains("X-Pipelined: 1\r\n"),
                "MAIL, RCPT and DATA in one go: {m}"
            );
            let line = m.lines().find(|l| l.starts_with("X-Rcpt: ")).unwrap();
            line["X-Rcpt: ".len()..].to_string()
        })
        .collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        [
            "ok0@lambda.ru",
            "ok2@lambda.ru",
            "ok4@lambda.ru",
            "ok6@lambda.ru"
        ]
    );

    let (_, list) = app
        .get(&format!("/api/v1/campaigns/{id}/recipients"), &token)
        .await;
    for r in list["items"].as_array().unwrap() {
        let (address, error) = (
            r["address"].as_str().unwrap(),
            r["error"].as_str().unwrap_or(""),
        );
        if address.starts_with("refused") {
            assert_eq!(r["state"], "failed", "{r}");
            assert!(
                error.contains("No such user"),
                "the RCPT reply, not DATA's 503: {r}"
            );
        } else if address.starts_with("later") {
            assert!(r["state"] == "pending" || r["state"] == "claimed", "{r}");
            assert!(
                error.contains("Greylisted"),
                "a 4xx to RCPT is retried: {r}"
            );
        } else {
            assert_eq!(r["state"], "sent", "{r}");
        }
    }
    let (_, s) = app.get("/api/v1/suppressions", &token).await;
    let hard = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"] == "hard_bounce");
    assert_eq!(hard.count(), 2, "{s}");
}
