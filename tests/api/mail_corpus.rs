//! The shared real-world corpus and CRM scenarios, ingested through a real Dovecot. These suites need
//! `../shared/` (CI has it); scripts/test.sh skips them by name, and says so, where it is absent.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use crate::mail_sync::{add_mailbox, sync};

pub fn shared() -> PathBuf {
    let dir = crate::helpers::repo_dir().join("../shared");
    assert!(
        dir.is_dir(),
        "../shared is absent: scripts/test.sh skips the corpus suites in that case"
    );
    dir
}

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
    out.sort();
}

/// IMAP servers hand out lines ending in CRLF: a bare LF in a file comes back as CRLF.
pub fn as_served(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

pub fn sha256(raw: &[u8]) -> String {
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn all_messages(app: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = app
            .get(
                &format!("/api/v1/messages?limit=200&after={after}"),
                &app.admin_token,
            )
            .await;
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(a) => after = a,
            None => return out,
        }
    }
}

#[tokio::test]
async fn corpus_every_real_world_message_is_stored_byte_for_byte() {
    let mut files = Vec::new();
    eml_files(&shared().join("mail-corpus"), &mut files);
    assert!(files.len() >= 100, "corpus: {} files", files.len());
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let raws: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    dovecot.append_many("INBOX", &raws).await;
    let id = add_mailbox(&app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["fetched"].as_u64(), Some(files.len() as u64));

    // The baseline is what the IMAP server itself hands out (it turns bare LF into CRLF and NUL bytes into
    // something else): every one of those must be stored exactly, byte for byte.
    let mut session = dovecot.session().await;
    session.examine("INBOX").await.unwrap();
    let served: Vec<_> = session
        .uid_fetch("1:*", "BODY.PEEK[]")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(served.len(), files.len());
    let expected: HashSet<String> = served.iter().map(|f| sha256(f.body().unwrap())).collect();
    let stored = all_messages(&app).await;
    assert_eq!(
        stored.len(),
        expected.len(),
        "one message per distinct file"
    );
    for message in &stored {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/messages/{}/raw", message["id"])))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], "message/rfc822");
        let raw = response.bytes().await.unwrap();
        let hash = sha256(&raw);
        assert_eq!(hash, message["sha256"].as_str().unwrap());
        assert!(
            expected.contains(&hash),
            "message {} is not byte-identical to any corpus file",
            message["id"]
        );
        let (status, detail) = app
            .get(
                &format!("/api/v1/messages/{}", message["id"]),
                &app.admin_token,
            )
            .await;
        assert_eq!(status, 200, "{detail}");
    }
    let with_attachments = stored
        .iter()
        .find(|m| m["has_attachments"] == true)
        .expect("the corpus has attachments");
    let (_, detail) = app
        .get(
            &format!("/api/v1/messages/{}", with_attachments["id"]),
            &app.admin_token,
        )
        .await;
    let attachment = &detail["attachments"][0];
    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/messages/{}/attachments/0",
            with_attachments["id"]
        )))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.bytes().await.unwrap().len() as i64,
        attachment["size"].as_i64().unwrap()
    );
}

#[tokio::test]
async fn corpus_scenarios_decode_every_charset_store_the_duplicate_once_and_thread_t1() {
    let dir = shared().join("scenarios");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let mut hash_of_file = HashMap::new();
    let mut folders = HashSet::new();
    for m in expected["messages"].as_array().unwrap() {
        let file = m["file"].as_str().unwrap();
        let folder = m["folder"].as_str().unwrap();
        let raw = std::fs::read(dir.join(file)).unwrap();
        hash_of_file.insert(file.to_string(), sha256(&as_served(&raw)));
        dovecot.append(folder, &raw).await;
        folders.insert(folder.to_string());
    }
    let mut folders: Vec<String> = folders.into_iter().collect();
    folders.sort();
    let mut body = dovecot.mailbox_json(dovecot.port, PASSWORD);
    body["folders"] = json!(folders);
    let id = add_mailbox(&app, body).await;
    let (status, report) = sync(&app, id).await;
    assert_eq!(status, 200, "{report}");

    let stored = all_messages(&app).await;
    assert_eq!(
        stored.len() as u64,
        expected["final"]["distinct_messages"].as_u64().unwrap()
    );
    let by_hash: HashMap<&str, &Value> = stored
        .iter()
        .map(|m| (m["sha256"].as_str().unwrap(), m))
        .collect();
    for m in expected["messages"].as_array().unwrap() {
        let file = m["file"].as_str().unwrap();
        let message = by_hash[hash_of_file[file].as_str()];
        let (_, detail) = app
            .get(
                &format!("/api/v1/messages/{}", message["id"]),
                &app.admin_token,
            )
            .await;
        if let Some(subject) = m["subject"].as_str() {
            assert_eq!(detail["subject"], subject, "{file}");
        }
        if let Some(prefix) = m["subject_starts_with"].as_str() {
            assert!(
                detail["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(prefix),
                "{file}: {}",
                detail["subject"]
            );
        }
        if let Some(name) = m["from_name"].as_str() {
            assert_eq!(detail["from_name"], name, "{file}");
        }
        if let Some(text) = m["body_contains"].as_str() {
            assert!(
                detail["text_body"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(text),
                "{file}: {}",
                detail["text_body"]
            );
        }
        if let Some(original) = m["duplicate_of"].as_str() {
            assert_eq!(
                hash_of_file[file], hash_of_file[original],
                "{file} is the same bytes"
            );
            let folders: Vec<&str> = detail["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["folder"].as_str().unwrap())
                .collect();
            assert!(
                folders.contains(&m["folder"].as_str().unwrap()) && folders.len() == 2,
                "known in both folders: {folders:?}"
            );
        }
    }
    for (name, files) in expected["final"]["threads"].as_object().unwrap() {
        let ids: HashSet<i64> = files
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                by_hash[hash_of_file[f.as_str().unwrap()].as_str()]["thread_id"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids.len(), 1, "thread {name} is one thread");
        let thread = ids.into_iter().next().unwrap();
        let (_, view) = app
            .get(&format!("/api/v1/threads/{thread}"), &app.admin_token)
            .await;
        assert_eq!(
            view["messages"].as_array().unwrap().len(),
            files.as_array().unwrap().len(),
            "nothing else in {name}"
        );
    }
}
