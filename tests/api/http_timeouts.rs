//! Slow clients: a request whose headers or body stall is cut off after the configured timeout.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    fresh_database_url, spawn_app_with, test_config, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};

async fn slow_app() -> TestApp {
    spawn_app_with(|config| {
        config.http_header_timeout_seconds = 1;
        config.http_body_timeout_seconds = 1;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://");
    TcpStream::connect(addr)
        .await
        .expect("connect to the server")
}

/// Everything the server sends until it closes the connection; fails after 10 s.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection within 10 s")
        .expect("read from the server");
    received
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let app = slow_app().await;
    for partial in ["GET /heal", "GET /healthz HTTP/1.1\r\nHost: x\r\nAcc"] {
        let mut stream = connect(&app).await;
        stream.write_all(partial.as_bytes()).await.unwrap();
        let started = Instant::now();
        let received = read_until_closed(&mut stream).await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(900),
            "closed after {waited:?} only"
        );
        assert!(
            !String::from_utf8_lossy(&received).contains("200 OK"),
            "{received:?}"
        );
    }

    // A client that sends its request in time is served on the same server.
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let received = String::from_utf8_lossy(&read_until_closed(&mut stream).await).to_string();
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
}

#[tokio::test]
async fn a_body_that_stalls_answers_408_in_the_error_shape() {
    let app = slow_app().await;
    let mut stream = connect(&app).await;
    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 200\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(br#"{"email": "adm"#).await.unwrap();
    let started = Instant::now();
    let received = String::from_utf8_lossy(&read_until_closed(&mut stream).await).to_string();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    let (_, body) = received.split_once("\r\n\r\n").expect("headers end");
    let body: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(
        crate::helpers::error_code(&body),
        "request_timeout",
        "{body}"
    );
}

#[tokio::test]
async fn a_request_in_flight_finishes_after_shutdown_begins() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), fresh_database_url().await);
    let app = mailroom::App::build(&config).await.expect("app starts");
    let addr = app.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));

    let body = serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }).to_string();
    let (first, rest) = body.split_at(10);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{first}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no new connections once shutdown began"
    );
    stream.write_all(rest.as_bytes()).await.unwrap();
    let received = String::from_utf8_lossy(&read_until_closed(&mut stream).await).to_string();
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(received.contains("\"token\""), "{received}");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once the request is answered")
        .unwrap()
        .unwrap();
}
