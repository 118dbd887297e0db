//! The web console: its files and headers, and its main flows in real headless Chromium
//! (tests/console/console.test.mjs, driven by playwright-core with Debian's /usr/bin/chromium) against a real Dovecot.

use crate::helpers::{
    error_code, read, spawn_app, spawn_first_run_with, ADMIN_EMAIL, ADMIN_PASSWORD,
};

#[tokio::test]
async fn the_console_is_served_at_the_root_with_a_strict_csp() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'none'",
        "script-src 'self';",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"<script type="module" src="/console/app.js">"#));
    assert!(
        !page.contains("<script>") && !page.contains(" style="),
        "no inline script or style"
    );

    // Every file of console/ is compiled in and served; nothing else is.
    let dir = crate::helpers::repo_dir().join("console");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let response = app
            .client
            .get(app.url(&format!("/console/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "console/{name} is served");
        assert!(response.headers().contains_key("content-security-policy"));
    }
    let (status, body) = read(
        app.client
            .get(app.url("/console/nothing.js"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
}

/// A mail that tries everything: script, event handlers, remote images, style sheets, frames, a meta refresh.
fn hostile_mail(subject: &str) -> Vec<u8> {
    let html = r#"<html><head><meta http-equiv="refresh" content="0;url=http://evil.example/refresh">
<link rel="stylesheet" href="http://evil.example/style.css">
<style>@import url(http://evil.example/import.css); body { background: url(http://evil.example/bg.png) }</style></head>
<body><p id="hostile-marker">Hello <b>there</b></p>
<script>window.__pwned = "script"; window.top.__pwned = "script"; alert("script")</script>
<img src="http://evil.example/pixel.png" onerror="document.body.dataset.pwned='onerror'; alert('onerror')">
<img src="x" onerror="document.body.dataset.pwned='x'; window.top.__pwned='x'">
<svg onload="document.body.dataset.pwned='svg'"></svg>
<iframe src="http://evil.example/frame"></iframe>
<form action="http://evil.example/form"><input name="a" autofocus onfocus="document.body.dataset.pwned='focus'"></form>
<a id="js-link" href="javascript:alert('link')">click</a>
<video src="http://evil.example/v.mp4" autoplay></video>
</body></html>"#;
    format!(
        "From: Hostile <hostile@client-corp.ru>\r\nTo: {user}\r\nSubject: {subject}\r\nMessage-ID: <hostile.{pid}@client-corp.ru>\r\n\
         Date: Tue, 17 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plain part of the hostile mail.\r\n\
         --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b1--\r\n--b0\r\n\
         Content-Type: text/plain; name=\"offer.txt\"\r\nContent-Disposition: attachment; filename=\"offer.txt\"\r\n\r\n\
         Price list: 42\r\n--b0--\r\n",
        user = crate::dovecot::USER,
        pid = std::process::id(),
    )
    .into_bytes()
}

#[tokio::test]
async fn the_console_works_in_real_chromium() {
    let dir = crate::browser::suite_dir("tests/console");
    let dovecot = crate::dovecot::Dovecot::start();
    let subject = "<img src=x onerror=alert(1)> Счёт №42";
    dovecot.append("INBOX", &hostile_mail(subject)).await;
    dovecot
        .append("INBOX", &crate::dovecot::message(1, "Запрос цены"))
        .await;
    // Campaigns of the marketing flow go to a real SMTP server.
    let sink = crate::smtp_sink::SmtpSink::start();
    let smtp_url = sink.url();
    // The browser's admin meets the first run: the start-up password, to be changed.
    let app = spawn_first_run_with(move |c| c.smtp_url = Some(smtp_url.into())).await;
    let fixture = serde_json::json!({
        "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD,
        "imap_port": dovecot.port, "imap_user": crate::dovecot::USER, "imap_password": crate::dovecot::PASSWORD,
        "message_count": 2, "hostile_sender": "hostile@client-corp.ru", "hostile_subject": subject,
        "sales_email": "olga@nordwind.ru", "sales_password": "sales-password-1",
    });
    let (passed, report) =
        crate::browser::run_node_tests(&dir, "console.test.mjs", "console", &app.base, &fixture)
            .await;
    assert!(passed, "the console's browser tests failed");
    assert!(
        report.contains("# pass 8") && report.contains("# fail 0"),
        "the admin, sales, identity-provider landing, marketing, import-wizard, lead-preview and notification-bell flows and the accessibility check ran"
    );
    // What the marketer sent arrived: the test letter and one letter per consenting contact, none to the other.
    let received = sink.wait_for(3, std::time::Duration::from_secs(10)).await;
    let mut rcpts: Vec<String> = received.iter().map(|r| r.rcpt_to.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        [
            "qa@nordwind.ru",
            "reader0@subscribers.ru",
            "reader1@subscribers.ru"
        ],
        "letters received by smtp-sink"
    );
}
