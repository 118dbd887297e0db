//! SMTP connection options against a server with AUTH and STARTTLS (aiosmtpd): credentials from the URL
//! (percent-encoded), STARTTLS before AUTH, and a refused login reported with the server's reply.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::campaign_fixtures::*;
use crate::helpers::spawn_app;

struct AuthServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl AuthServer {
    fn start(tls: bool) -> AuthServer {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/smtp_auth_server.py");
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

    fn received(&self) -> Vec<String> {
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
    let body = json!({"contact_id": c, "to": "reviewer@nordwind.ru", "smtp_url": smtp_url});
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
async fn credentials_in_the_smtp_url_authenticate() {
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
