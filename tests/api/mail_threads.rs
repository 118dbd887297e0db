//! Threads built in one batch and across batches: a message that ties two new threads together merges them, a
//! headerless "Re:" joins its subject's thread even when that thread began earlier in the same batch, and a later
//! reply finds the merged thread.

use std::collections::HashMap;

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use crate::mail_sync::{add_mailbox, sync};

fn mail(id: &str, subject: &str, refs: &str) -> Vec<u8> {
    let encoded = format!("=?utf-8?b?{}?=", base64_encode(subject.as_bytes()));
    format!(
        "From: Клиент <client@thread-test.ru>\r\nTo: sales@nordwind.ru\r\nSubject: {encoded}\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\n{id}{refs}MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nТекст письма {subject}\r\n"
    )
    .into_bytes()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Thread of each message, by Message-ID (or subject for the headerless ones).
async fn threads(app: &TestApp) -> HashMap<String, i64> {
    let (_, page) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let key = m["message_id"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| m["subject"].as_str().unwrap().to_string());
            (key, m["thread_id"].as_i64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn one_batch_merges_new_threads_and_subject_replies_find_threads_begun_in_it() {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let batch = [
        mail("Message-ID: <a1@t.ru>\r\n", "Поставка труб", ""),
        // Headerless: joins a1's thread by subject, though a1's thread is only as old as this batch.
        mail("", "Re: Поставка труб", ""),
        mail(
            "Message-ID: <b1@t.ru>\r\n",
            "Другая тема",
            "In-Reply-To: <a0@t.ru>\r\n",
        ),
        // Ties a1's thread and the thread of a0 (which b1 answers) together.
        mail(
            "Message-ID: <c1@t.ru>\r\n",
            "Re: Поставка труб",
            "References: <a1@t.ru> <a0@t.ru>\r\n",
        ),
        mail("", "Re: Новая тема", ""),
    ];
    dovecot.append_many("INBOX", &batch).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    let t = threads(&app).await;
    assert_eq!(t.len(), 5, "{t:?}");
    let supply = t["a1@t.ru"];
    assert_eq!(t["b1@t.ru"], supply, "merged through c1: {t:?}");
    assert_eq!(t["c1@t.ru"], supply, "{t:?}");
    assert_eq!(
        t["Re: Поставка труб"], supply,
        "the subject fallback: {t:?}"
    );
    assert_ne!(t["Re: Новая тема"], supply, "{t:?}");

    // A second batch: a reply to b1 lands in the merged thread.
    dovecot
        .append(
            "INBOX",
            &mail(
                "Message-ID: <d1@t.ru>\r\n",
                "Re: Другая тема",
                "In-Reply-To: <b1@t.ru>\r\n",
            ),
        )
        .await;
    sync(&app, id).await;
    let t = threads(&app).await;
    assert_eq!(t["d1@t.ru"], supply, "{t:?}");
    let (status, thread) = app
        .get(&format!("/api/v1/threads/{supply}"), &app.admin_token)
        .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["messages"].as_array().unwrap().len(), 5, "{thread}");
}
