//! Shared calls of the mail-merge and enrolment-source tests: uploads (multipart written by hand, as the import
//! tests do), a sequence whose first step waits, the timeline, and whole letters read back from Sent over IMAP.

use reqwest::Method;
use serde_json::{json, Value};

use crate::awaiting_support::World;
pub use crate::sequences_support::sent_letters;

/// Every day, around the clock, in UTC: the test clock's hour never holds a letter back.
pub fn always() -> Value {
    json!({"start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]})
}

/// `POST /api/v1/sequences/attachments` as `token`: (status, answer).
pub async fn upload(w: &World, token: &str, name: &str, kind: &str, bytes: &[u8]) -> (u16, Value) {
    let boundary = "mailroom-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {kind}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response =
        w.a.client
            .post(format!("{}/api/v1/sequences/attachments", w.a.base))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("upload sent");
    crate::helpers::read(response).await
}

/// A sequence of the owner's whose first step waits three days (nothing goes while a test looks at enrolments).
pub async fn waiting_sequence(w: &World, name: &str) -> i64 {
    let body = json!({"name": name, "mailbox_id": w.mailbox, "time_zone": "UTC", "window": always(),
        "steps": [{"subject": "Предложение", "body": "Добрый день!", "delay": {"days": 3}}]});
    let (status, s) =
        w.a.call(Method::POST, "/api/v1/sequences", &w.owner, Some(body))
            .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().unwrap()
}

/// `POST …/enrolments` with `body` as the owner: (status, answer).
pub async fn enrol_from(w: &World, sequence: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/sequences/{sequence}/enrolments");
    w.a.call(Method::POST, &path, &w.owner, Some(body)).await
}

/// The enrolled contacts' ids, sorted.
pub fn enrolled_ids(answer: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = answer["enrolled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["contact_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// `(contact_id, reason)` of the skipped, sorted.
pub fn skipped(answer: &Value) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = answer["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["contact_id"].as_i64().unwrap(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A contact's timeline items of one kind, as the owner sees them.
pub async fn timeline_of(w: &World, contact: i64, kind: &str) -> Vec<Value> {
    let path = format!("/api/v1/contacts/{contact}/timeline");
    let (status, t) = w.a.call(Method::GET, &path, &w.owner, None).await;
    assert_eq!(status, 200, "{t}");
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .cloned()
        .collect()
}

/// A letter's attachments: `(file name, bytes)`, in order.
pub fn attachments_of(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    use mail_parser::MimeHeaders;
    let m = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a letter");
    m.attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or_default().to_string(),
                a.contents().to_vec(),
            )
        })
        .collect()
}

/// A letter's plain-text body.
pub fn text_of(raw: &[u8]) -> String {
    let m = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a letter");
    m.body_text(0).map(|t| t.to_string()).unwrap_or_default()
}
