//! Bounded IMAP fetches against a real Dovecot: a message over the size limit is stored once as its headers with a
//! marker, and a small byte budget per chunk still syncs a whole folder.

use futures::TryStreamExt;
use serde_json::Value;

use crate::dovecot::{message, Dovecot, PASSWORD, USER};
use crate::helpers::{spawn_app_with, TestApp};
use crate::mail_sync::{add_mailbox, sync};

/// A multipart message with an attachment of about `bytes`.
fn big_message(n: usize, bytes: usize) -> Vec<u8> {
    let attachment = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n".repeat(bytes / 38 + 1);
    format!(
        "From: Поставщик <supplier@example.ru>\r\nTo: {USER}\r\nSubject: Большой прайс {n}\r\n\
         Message-ID: <big{n}.{}@example.ru>\r\nDate: Mon, 16 Nov 2026 11:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Прайс во вложении.\r\n--XX\r\nContent-Type: application/octet-stream; name=\"price.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"price.bin\"\r\n\r\n\
         {attachment}--XX--\r\n",
        std::process::id()
    )
    .into_bytes()
}

async fn all_messages(app: &TestApp) -> Vec<Value> {
    let (status, page) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn counts(report: &Value) -> (Option<i64>, Option<i64>) {
    (report["fetched"].as_i64(), report["new_messages"].as_i64())
}

async fn inbox_last_uid(app: &TestApp, id: i64) -> Value {
    let (_, mailbox) = app
        .get(&format!("/api/v1/mailboxes/{id}"), &app.admin_token)
        .await;
    mailbox["folder_states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "INBOX")
        .map(|f| f["last_uid"].clone())
        .unwrap_or_else(|| panic!("no INBOX state: {mailbox}"))
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_stored_once_as_headers_with_a_marker() {
    let dovecot = Dovecot::start();
    let app = spawn_app_with(|c| c.imap_max_message_bytes = 4_000).await;
    let big = big_message(1, 20_000);
    dovecot.append("INBOX", &message(1, "Маленькое 1")).await;
    dovecot.append("INBOX", &big).await;
    dovecot
        .append_many(
            "INBOX",
            &[message(2, "Маленькое 2"), message(3, "Маленькое 3")],
        )
        .await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(counts(&report), (Some(4), Some(4)), "{report}");
    assert_eq!(inbox_last_uid(&app, id).await, 4, "the mark passes it too");

    let messages = all_messages(&app).await;
    assert_eq!(messages.len(), 4);
    let (truncated, whole): (Vec<&Value>, Vec<&Value>) =
        messages.iter().partition(|m| m["truncated"] == true);
    assert_eq!(truncated.len(), 1, "{messages:?}");
    let stub = truncated[0];
    assert_eq!(stub["subject"], "Большой прайс 1");
    assert_eq!(stub["from_address"], "supplier@example.ru");
    assert_eq!(stub["original_size"], big.len(), "the size on the server");
    assert!(stub["size"].as_i64().unwrap() < 4_000, "{stub}");
    let (_, detail) = app
        .get(
            &format!("/api/v1/messages/{}", stub["id"]),
            &app.admin_token,
        )
        .await;
    let text = detail["text_body"].as_str().unwrap_or_default();
    assert!(
        text.contains("too large") && text.contains(&big.len().to_string()),
        "the body says it was not downloaded: {detail}"
    );
    assert_eq!(detail["truncated"], true);
    assert_eq!(detail["attachments"].as_array().map(Vec::len), Some(0));
    for m in &whole {
        assert!(m["original_size"].is_null(), "{m}");
        let (_, d) = app
            .get(&format!("/api/v1/messages/{}", m["id"]), &app.admin_token)
            .await;
        assert!(
            d["text_body"].as_str().unwrap().contains("Текст письма"),
            "{d}"
        );
    }

    let (_, report) = sync(&app, id).await;
    assert_eq!(counts(&report), (Some(0), Some(0)), "nothing new: {report}");
    dovecot.change_uidvalidity("INBOX", 4242);
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        counts(&report),
        (Some(4), Some(0)),
        "read again, stored nothing twice: {report}"
    );
    assert_eq!(all_messages(&app).await.len(), 4);

    // BODY.PEEK[HEADER] like BODY.PEEK[]: nothing was marked read.
    let mut session = dovecot.session().await;
    session.examine("INBOX").await.unwrap();
    let flags: Vec<_> = session
        .fetch("1:*", "FLAGS")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(flags.len(), 4);
    assert!(flags.iter().all(|f| !f
        .flags()
        .any(|fl| matches!(fl, async_imap::types::Flag::Seen))));
}

#[tokio::test]
async fn a_folder_syncs_completely_in_chunks_of_a_small_byte_budget() {
    let dovecot = Dovecot::start();
    let app = spawn_app_with(|c| c.imap_chunk_bytes = 5_000).await;
    let filler = "Строка для объёма письма. ".repeat(40);
    let mut messages: Vec<Vec<u8>> = (0..30)
        .map(|n| {
            let mut m = message(n, &format!("Письмо {n}"));
            m.extend_from_slice(filler.as_bytes());
            m
        })
        .collect();
    // Larger than the whole budget, smaller than the size limit: a chunk of its own, stored whole.
    messages.insert(12, big_message(1, 12_000));
    dovecot.append_many("INBOX", &messages).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;

    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(counts(&report), (Some(31), Some(31)), "{report}");
    let stored = all_messages(&app).await;
    assert_eq!(stored.len(), 31);
    assert!(stored.iter().all(|m| m["truncated"] == false), "{stored:?}");
    let big = stored
        .iter()
        .find(|m| m["subject"] == "Большой прайс 1")
        .expect("the large one");
    assert_eq!(big["has_attachments"], true, "{big}");
    assert_eq!(inbox_last_uid(&app, id).await, 31);
    let (_, report) = sync(&app, id).await;
    assert_eq!(counts(&report), (Some(0), Some(0)));
}
