//! Full-text search over mail synced from a real Dovecot: other inflections in Russian and English, legacy
//! charsets, phrases and prefixes, ranking, plain-text snippets, who finds what, new and deleted mail.

use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{spawn_app, TestApp};
use crate::mail_sync::{add_mailbox, sync};
use crate::search_support::{database, marked, search_until, titles};

const OTHER: &str = "other@nordwind.ru";

fn letter(n: usize, to: &str, subject: &str, charset: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "From: Клиент {n} <client{n}@example.ru>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <search{n}.{}@example.ru>\r\nDate: Mon, 16 Nov 2026 1{}:00:00 +0300\r\n\
         Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        std::process::id(),
        n % 10
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw.extend_from_slice(b"\r\n");
    raw
}

fn utf8(n: usize, to: &str, subject: &str, body: &str) -> Vec<u8> {
    letter(n, to, &encoded(subject), "utf-8", body.as_bytes())
}

/// An RFC 2047 subject (UTF-8, base64).
fn encoded(subject: &str) -> String {
    use base64::Engine;
    format!(
        "=?utf-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(subject)
    )
}

pub struct World {
    pub dovecot: Dovecot,
    pub app: TestApp,
    pub ivan: String,
    pub olga: String,
    pub ivan_box: i64,
}

/// Ivan's personal mailbox (Dovecot's USER) and Olga's (OTHER), each with its mail, synced.
pub async fn world() -> World {
    let dovecot = Dovecot::start();
    let app = spawn_app().await;
    let (ivan_id, ivan) = app.user_with_role("ivan@test.local", "sales").await;
    let (olga_id, olga) = app.user_with_role("olga@test.local", "sales").await;
    let mut mine = dovecot.mailbox_json(dovecot.port, PASSWORD);
    mine["kind"] = json!("personal");
    mine["owner_id"] = json!(ivan_id);
    let ivan_box = add_mailbox(&app, mine).await;
    let mut theirs = dovecot.mailbox_json(dovecot.port, "other-pass");
    theirs["username"] = json!(OTHER);
    theirs["kind"] = json!("personal");
    theirs["owner_id"] = json!(olga_id);
    let olga_box = add_mailbox(&app, theirs).await;

    let cp1251 = encoding_rs::WINDOWS_1251
        .encode("Счёт на оплату оборудования до пятницы")
        .0;
    let koi8 = encoding_rs::KOI8_R
        .encode("Коммерческое предложение по аренде техники")
        .0;
    dovecot
        .append_many(
            "INBOX",
            &[
                utf8(
                    1,
                    USER,
                    "Договор поставки",
                    "Высылаю договор на подпись. <script>alert('x')</script> Жду ответа.",
                ),
                letter(
                    2,
                    USER,
                    "=?windows-1251?Q?=D1=F7=E5=F2?=",
                    "windows-1251",
                    &cp1251,
                ),
                letter(3, USER, "KP", "koi8-r", &koi8),
                utf8(
                    4,
                    USER,
                    "Signed contracts attached",
                    "Please find the signed contract attached.",
                ),
                utf8(5, USER, "Разное", "Кстати, договор продлим в декабре."),
            ],
        )
        .await;
    let mut s = dovecot.session_as(OTHER, "other-pass").await;
    s.append(
        "INBOX",
        None,
        None,
        &utf8(6, OTHER, "Договор аренды склада", "Аренда склада на год."),
    )
    .await
    .unwrap();
    s.logout().await.unwrap();
    for id in [ivan_box, olga_box] {
        let (status, body) = sync(&app, id).await;
        assert_eq!(status, 200, "{body}");
    }
    World {
        dovecot,
        app,
        ivan,
        olga,
        ivan_box,
    }
}

fn has(page: &Value, title: &str) -> bool {
    titles(page).iter().any(|t| t == title)
}

#[tokio::test]
async fn another_inflection_finds_the_mail_subject_hits_first_and_markup_stays_text() {
    let w = world().await;
    let page = search_until(&w.app, &w.ivan, "договоры", "mail", |p| {
        titles(p).len() == 2
    })
    .await;
    assert_eq!(
        titles(&page),
        vec!["Договор поставки", "Разное"],
        "the subject hit ranks first"
    );
    let hit = &page["items"][0];
    assert_eq!(hit["kind"], "mail");
    assert!(hit["link"]["thread_id"].is_i64(), "{hit}");
    assert_eq!(marked(&hit["title"]), vec!["Договор"]);
    assert_eq!(marked(&hit["snippet"]), vec!["договор"]);
    // The body's markup comes back as the text it is, never as markup.
    let text = hit["snippet"]["text"].as_str().unwrap();
    assert!(text.contains("<script>alert('x')</script>"), "{text}");

    let page = search_until(&w.app, &w.ivan, "contract", "mail", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Signed contracts attached"]);
    assert_eq!(marked(&page["items"][0]["title"]), vec!["contracts"]);

    // windows-1251 and KOI8-R mail, decoded at ingest, found by Cyrillic words in other forms.
    let page = search_until(&w.app, &w.ivan, "оборудование", "mail", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Счет"]);
    let page = search_until(&w.app, &w.ivan, "аренда", "mail", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["KP"], "Ivan does not find Olga's lease");
    assert_eq!(marked(&page["items"][0]["snippet"]), vec!["аренде"]);

    // A phrase needs its words together; a prefix matches what starts with it.
    let page = search_until(
        &w.app,
        &w.ivan,
        "\"договор поставки\"",
        "mail",
        |p| !titles(p).is_empty(),
    )
    .await;
    assert_eq!(titles(&page), vec!["Договор поставки"]);
    let page = search_until(&w.app, &w.ivan, "догов*", "all", |p| {
        titles(p).len() == 2
    })
    .await;
    assert!(has(&page, "Разное"), "{page}");
}

#[tokio::test]
async fn a_salesperson_finds_only_the_mail_of_their_own_mailbox() {
    let w = world().await;
    let page = search_until(&w.app, &w.olga, "договор", "mail", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Договор аренды склада"]);
    let page = search_until(&w.app, &w.ivan, "склад", "mail", |_| true).await;
    assert_eq!(titles(&page), Vec::<String>::new(), "{page}");
    let admin = &w.app.admin_token;
    let page = search_until(&w.app, admin, "договор", "mail", |p| {
        titles(p).len() == 3
    })
    .await;
    assert!(
        has(&page, "Договор аренды склада") && has(&page, "Договор поставки"),
        "{page}"
    );
}

#[tokio::test]
async fn new_mail_becomes_searchable_and_deleted_mail_leaves_the_index() {
    let w = world().await;
    search_until(&w.app, &w.ivan, "договор", "mail", |p| {
        titles(p).len() == 2
    })
    .await;
    w.dovecot
        .append(
            "INBOX",
            &utf8(
                7,
                USER,
                "Спецификация к договору",
                "Спецификация приложена.",
            ),
        )
        .await;
    let (status, body) = sync(&w.app, w.ivan_box).await;
    assert_eq!(status, 200, "{body}");
    let page = search_until(&w.app, &w.ivan, "спецификации", "mail", |p| {
        !titles(p).is_empty()
    })
    .await;
    assert_eq!(titles(&page), vec!["Спецификация к договору"]);

    // No route deletes mail yet (the folders work will, when the server does): delete it as that would.
    let id = page["items"][0]["id"].as_i64().unwrap();
    let db = database(&w.app).await;
    sqlx::query("DELETE FROM messages WHERE id = $1")
        .bind(id)
        .execute(&db)
        .await
        .unwrap();
    search_until(&w.app, &w.ivan, "спецификации", "mail", |p| {
        titles(p).is_empty()
    })
    .await;
    let key = if w.app.database_url.is_some() {
        "doc_id"
    } else {
        "rowid"
    };
    let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM search_mail WHERE {key} = $1"
    )))
    .bind(id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(left, 0, "the index keeps no row of the deleted message");
    let admin = &w.app.admin_token;
    search_until(&w.app, admin, "спецификации", "all", |p| {
        titles(p).is_empty()
    })
    .await;
}
