//! The person of the privacy tests (a contact with custom values, consent, a lead, notes, a task, audit history
//! and mail in a real Dovecot) and a dump of every table of the database, as bytes, for "occurs nowhere".

use serde_json::{json, Value};
use sqlx::Row;

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{backend_name, TestApp};
use crate::mail_sync::{add_mailbox, sync};
use crate::search_support::database;

pub const EMAIL: &str = "petr.sidorov@stroy-sever.ru";
pub const OTHER_EMAIL: &str = "petya.s@mail-box.example";
pub const NAME: &str = "Пётр Сидоров";
pub const SURNAME: &str = "Сидоров";
pub const PHONE: &str = "+7 916 555-12-34";
pub const INN: &str = "7701987654";

pub struct Person {
    pub dovecot: Dovecot,
    pub mailbox: i64,
    pub contact: i64,
    pub lead: i64,
    /// Mail where they are the only external participant, and mail with another client in copy.
    pub alone: (i64, Vec<u8>),
    pub shared: (i64, Vec<u8>),
    pub unrelated: i64,
}

fn b64(s: &str) -> String {
    use base64::Engine;
    format!(
        "=?utf-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(s)
    )
}

fn letter(tag: &str, subject: &str, cc: Option<&str>, body: &str) -> Vec<u8> {
    let cc = cc.map(|c| format!("Cc: {c}\r\n")).unwrap_or_default();
    format!(
        "From: {} <{EMAIL}>\r\nTo: {USER}\r\n{cc}Subject: {}\r\nMessage-ID: <{tag}.{}@stroy-sever.ru>\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        b64(NAME),
        b64(subject),
        std::process::id()
    )
    .into_bytes()
}

async fn created(app: &TestApp, path: &str, body: Value) -> i64 {
    let (status, v) = app.post(path, &app.admin_token, body).await;
    assert!(status == 201 || status == 200, "{path}: {status} {v}");
    v["id"].as_i64().unwrap()
}

async fn message_by_subject(app: &TestApp, subject: &str) -> i64 {
    let (status, page) = app
        .get("/api/v1/messages?limit=100", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == subject)
        .unwrap_or_else(|| panic!("no message {subject:?} in {page}"))["id"]
        .as_i64()
        .unwrap()
}

pub async fn person(app: &TestApp) -> Person {
    created(
        app,
        "/api/v1/custom-fields",
        json!({ "kind": "contact", "key": "inn", "label": "ИНН", "type": "text" }),
    )
    .await;
    let contact = created(
        app,
        "/api/v1/contacts",
        json!({ "name": NAME, "emails": [EMAIL, OTHER_EMAIL], "phones": [PHONE], "custom": { "inn": INN } }),
    )
    .await;
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/contacts/{contact}"),
            Some(&app.admin_token),
            Some(json!({ "position": "Главный инженер" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let consent =
        json!({ "granted": true, "legal_basis": "согласие 152-FZ", "source": "форма на сайте" });
    let (status, body) = app
        .post(
            &format!("/api/v1/contacts/{contact}/consent"),
            &app.admin_token,
            consent,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let lead = created(
        app,
        "/api/v1/leads",
        json!({ "name": NAME, "email": OTHER_EMAIL, "phone": PHONE, "company_name": "Строй-Север", "allow_duplicate": true }),
    )
    .await;
    let note = json!({ "record_kind": "contact", "record_id": contact, "body": format!("Звонил {NAME}, {PHONE}") });
    created(app, "/api/v1/notes", note).await;
    let task = json!({ "title": format!("Перезвонить: {NAME}"), "record_kind": "lead", "record_id": lead });
    created(app, "/api/v1/tasks", task).await;

    let dovecot = Dovecot::start();
    let mailbox = add_mailbox(app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let alone = letter(
        "alone",
        "Смета на фундамент",
        None,
        &format!("Добрый день.\r\n{NAME}\r\n{PHONE}"),
    );
    let shared = shared_letter();
    let unrelated = crate::dovecot::message(1, "Посторонний вопрос");
    dovecot
        .append_many("INBOX", &[alone.clone(), shared.clone(), unrelated])
        .await;
    let (status, report) = sync(app, mailbox).await;
    assert_eq!(status, 200, "{report}");
    Person {
        mailbox,
        contact,
        lead,
        alone: (message_by_subject(app, "Смета на фундамент").await, alone),
        shared: (message_by_subject(app, "Договор поставки").await, shared),
        unrelated: message_by_subject(app, "Посторонний вопрос").await,
        dovecot,
    }
}

/// Mail with another client in copy, as Russian mail arrives: the person's name and address inside a
/// quoted-printable KOI8-R text, a base64 windows-1251 HTML part, a base64 attachment named after them, and a
/// KOI8-R encoded word in another header.
fn shared_letter() -> Vec<u8> {
    use base64::Engine;
    let base64_of = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let koi = |s: &str| encoding_rs::KOI8_R.encode(s).0.into_owned();
    let cp = |s: &str| encoding_rs::WINDOWS_1251.encode(s).0.into_owned();
    let text = quoted_printable::encode(koi(&format!("Коллеги, договор.\r\n{NAME}, {EMAIL}\r\n")));
    let html = base64_of(&cp(&format!(
        "<p>Коллеги, договор.</p><p>{NAME}, {PHONE}</p>"
    )));
    let file = base64_of(format!("Подписант: {SURNAME}, тел. {PHONE}").as_bytes());
    let mut m = format!(
        "From: {} <{EMAIL}>\r\nTo: {USER}\r\nCc: {} <anna@partner-group.example>\r\n\
         Subject: {}\r\nX-Signed-By: =?koi8-r?B?{}?=\r\nMessage-ID: <shared.{}@stroy-sever.ru>\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n--b2\r\n\
         Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
        b64(NAME),
        b64("Анна Партнёрова"),
        b64("Договор поставки"),
        base64_of(&koi(SURNAME)),
        std::process::id()
    )
    .into_bytes();
    m.extend_from_slice(&text);
    m.extend_from_slice(
        format!(
            "\r\n--b2\r\nContent-Type: text/html; charset=windows-1251\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{html}\r\n--b2--\r\n--b1\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename*=utf-8''{}.txt\r\n\r\n{file}\r\n--b1--\r\n",
            pct(SURNAME)
        )
        .as_bytes(),
    );
    m
}

fn pct(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// What a mail client shows of a raw message: every part decoded, attachment names, decoded headers.
pub fn decoded(raw: &[u8]) -> String {
    use mail_parser::{MessageParser, MimeHeaders, PartType};
    let Some(m) = MessageParser::default().parse(raw) else {
        return String::new();
    };
    let mut out = String::new();
    for h in m.headers() {
        out.push_str(&format!("{:?}\n", h.value));
    }
    for part in &m.parts {
        if let Some(name) = part.attachment_name() {
            out.push_str(name);
        }
        match &part.body {
            PartType::Text(t) | PartType::Html(t) => out.push_str(t),
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                out.push_str(&String::from_utf8_lossy(b))
            }
            PartType::Message(inner) => out.push_str(&decoded(inner.raw_message())),
            PartType::Multipart(_) => {}
        }
        out.push('\n');
    }
    out
}

/// Every row of every table (index shadow tables too), each value as its bytes, lower-cased as text; the raw
/// messages also decoded as a mail client reads them.
pub async fn dump(app: &TestApp) -> String {
    let pool = database(app).await;
    let postgres = backend_name() == "postgres";
    let list = if postgres {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, ordinal_position"
    } else {
        "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid"
    };
    let columns: Vec<(String, String, String)> = sqlx::query(list)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert!(columns.iter().any(|c| c.0 == "raw_messages"), "{columns:?}");
    let mut out = String::new();
    for (table, column, kind) in columns {
        let expr = match (postgres, kind.as_str()) {
            (true, "bytea") => format!("\"{column}\""),
            (true, _) => format!("convert_to(CAST(\"{column}\" AS TEXT), 'UTF8')"),
            (false, _) => format!("CAST(\"{column}\" AS BLOB)"),
        };
        let text = format!("SELECT {expr} FROM \"{table}\"");
        for r in sqlx::query(sqlx::AssertSqlSafe(text))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            if let Some(bytes) = r.try_get::<Option<Vec<u8>>, _>(0).unwrap() {
                out.push_str(&format!("{table}.{column}: "));
                out.push_str(&String::from_utf8_lossy(&bytes).to_lowercase());
                out.push('\n');
                if table == "raw_messages" && column == "bytes" {
                    for line in decoded(&bytes).lines() {
                        out.push_str(&format!(
                            "{table}.{column} (decoded): {}\n",
                            line.to_lowercase()
                        ));
                    }
                }
            }
        }
    }
    pool.close().await;
    out
}

/// On SQLite, the database file and its WAL as bytes hold none of the person's values: deleted rows are zeroed
/// (`secure_delete`), not left in free pages, and the WAL's older copies are gone.
pub fn assert_not_in_file(app: &TestApp, when: &str) {
    if backend_name() == "postgres" {
        return;
    }
    let path = app.data_dir.join("mailroom.db");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    for v in [EMAIL, OTHER_EMAIL, NAME, SURNAME, PHONE, INN] {
        for form in [v.to_string(), v.to_lowercase()] {
            let hits = bytes
                .windows(form.len())
                .filter(|w| *w == form.as_bytes())
                .count();
            assert_eq!(
                hits, 0,
                "{when}: {form:?} is {hits} times in the SQLite file"
            );
        }
    }
}

/// The person's values, lower-case, that must occur nowhere after the erasure.
pub fn values() -> Vec<String> {
    [
        EMAIL,
        OTHER_EMAIL,
        NAME,
        SURNAME,
        "555-12-34",
        "79165551234",
        INN,
    ]
    .iter()
    .map(|v| v.to_lowercase())
    .collect()
}
