//! Data quality (issue 17) over records made through the API and mail through a real Dovecot: contacts without
//! e-mail, phone or company, role addresses, records untouched for 90 days (their stamps moved 100 days back in the
//! database, the one thing not done through the API), duplicate pairs; per caller, and as CSV and .xlsx.

use calamine::Reader;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc2822;
use time::{Duration, OffsetDateTime};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{error_code, TestApp};
use crate::mail_sync::{add_mailbox, sync};
use crate::reports::{patch, people, report, DAY};

async fn record(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let (status, r) = app.post(path, token, body).await;
    assert_eq!(status, 201, "{path}: {r}");
    r["id"].as_i64().unwrap()
}

async fn contact(
    app: &TestApp,
    token: &str,
    name: &str,
    email: &[&str],
    phone: &[&str],
    company: Option<i64>,
) -> i64 {
    let body = json!({ "name": name, "emails": email, "phones": phone, "company_id": company,
                       "allow_duplicate": true });
    record(app, token, "/api/v1/contacts", body).await
}

fn mail(n: usize, from: &str, at: OffsetDateTime) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: sales@nordwind.ru\r\nSubject: Question {n}\r\nDate: {}\r\nMessage-ID: <q{n}@client.ru>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nText {n}\r\n",
        at.format(&Rfc2822).unwrap()
    )
    .into_bytes()
}

/// Moves every record's last change 100 days back.
async fn age_everything(app: &TestApp) {
    let url = app.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            app.data_dir.join("mailroom.db").display()
        )
    });
    let db = mailroom::db::Db::connect(&url, 1)
        .await
        .expect("the test database");
    let old = OffsetDateTime::now_utc().unix_timestamp() * 1000 - 100 * DAY;
    for table in ["contacts", "companies", "leads", "deals"] {
        let text = format!("UPDATE {table} SET updated_at = $1");
        sqlx::query(sqlx::AssertSqlSafe(text))
            .bind(old)
            .execute(&db.pool)
            .await
            .expect("age the records");
    }
    db.pool.close().await;
}

/// A report as a file, with the headers in `lang`.
pub(crate) async fn file(app: &TestApp, token: &str, path: &str, lang: &str) -> Vec<u8> {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.bytes().await.expect("the file").to_vec()
}

fn quality(contacts: i64, shares: [(i64, f64); 4], untouched: [i64; 4], pairs: i64) -> Value {
    let s = |(count, share): (i64, f64)| json!({ "count": count, "share": share });
    json!({
        "contacts": contacts,
        "without_email": s(shares[0]), "without_phone": s(shares[1]),
        "without_company": s(shares[2]), "role_addresses": s(shares[3]),
        "untouched_90_days": { "contacts": untouched[0], "companies": untouched[1], "leads": untouched[2],
                               "deals": untouched[3] },
        "duplicate_pairs": pairs,
    })
}

#[tokio::test]
async fn data_quality_counts_gaps_role_addresses_untouched_records_and_duplicates_per_caller() {
    let f = people().await;
    let app = &f.app;
    let alpha = record(
        app,
        &f.anna,
        "/api/v1/companies",
        json!({ "name": "Альфа", "domains": ["alpha.ru"] }),
    )
    .await;
    // Anna: c1 complete; c2 a role address without phone; c3 no e-mail, no company; c4 c1's duplicate (e-mail and
    // phone: one pair); c5 a role address (written in capitals) without phone or company.
    let c1 = contact(
        app,
        &f.anna,
        "Иван",
        &["ivan@alpha.ru"],
        &["+7 900 000-00-01"],
        Some(alpha),
    )
    .await;
    let c2 = contact(
        app,
        &f.anna,
        "Офис Альфы",
        &["info@alpha.ru"],
        &[],
        Some(alpha),
    )
    .await;
    contact(app, &f.anna, "Пётр", &[], &["+7 900 000-00-03"], None).await;
    contact(
        app,
        &f.anna,
        "Иван (дубль)",
        &["ivan@alpha.ru"],
        &["+7 900 000-00-01"],
        Some(alpha),
    )
    .await;
    let c5 = contact(app, &f.anna, "Отдел продаж", &["Sales@Gamma.ru"], &[], None).await;
    // Boris: c6 shares c3's phone (a pair only for whoever sees both); two companies of one name (a pair).
    // (A salesperson may not duplicate what they do not see: the admin creates it for boris.)
    let body = json!({ "name": "Борис Клиент", "emails": ["ivan2@beta.ru"], "phones": ["+7 900 000-00-03"],
                       "owner_id": f.boris_id, "allow_duplicate": true });
    record(app, &app.admin_token, "/api/v1/contacts", body).await;
    for _ in 0..2 {
        let body = json!({ "name": "Бета", "allow_duplicate": true });
        record(app, &f.boris, "/api/v1/companies", body).await;
    }
    // The team lead: c7 with nothing, two leads of one address (a pair).
    contact(app, &f.lead, "Без данных", &[], &[], None).await;
    for name in ["Лид 1", "Лид 2"] {
        let body = json!({ "name": name, "email": "dup@lead.ru", "allow_duplicate": true });
        record(app, &f.lead, "/api/v1/leads", body).await;
    }
    // Anna's deals: one open, one won (closed deals are never "untouched").
    for stage in [None, Some(f.stages[3])] {
        let body = json!({ "title": "Сделка", "amount": "1000", "pipeline_id": f.pipeline });
        let d = record(app, &f.anna, "/api/v1/deals", body).await;
        if let Some(stage) = stage {
            patch(
                app,
                &f.anna,
                &format!("/api/v1/deals/{d}"),
                json!({ "stage_id": stage }),
            )
            .await;
        }
    }
    // Mail: ivan@ wrote 200 days ago (too old to count), boris's client yesterday.
    let now = OffsetDateTime::now_utc();
    let dovecot = Dovecot::start();
    dovecot
        .append_many(
            "INBOX",
            &[
                mail(1, "ivan@alpha.ru", now - Duration::days(200)),
                mail(2, "ivan2@beta.ru", now - Duration::days(1)),
            ],
        )
        .await;
    let mailbox = add_mailbox(app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, synced) = sync(app, mailbox).await;
    assert_eq!(status, 200, "{synced}");

    age_everything(app).await;
    // Touched since: c1 by a note, c2 by a task, c5 by an edit; c6 by yesterday's mail.
    let note = json!({ "record_kind": "contact", "record_id": c1, "body": "Звонил" });
    record(app, &f.anna, "/api/v1/notes", note).await;
    let task = json!({ "title": "Перезвонить", "record_kind": "contact", "record_id": c2 });
    record(app, &f.anna, "/api/v1/tasks", task).await;
    patch(
        app,
        &f.anna,
        &format!("/api/v1/contacts/{c5}"),
        json!({ "position": "отдел" }),
    )
    .await;

    let path = "/api/v1/reports/data-quality";
    // Anna: 5 contacts; untouched c3 c4, Альфа, the open deal; pair c1–c4.
    let anna = report(app, &f.anna, path).await;
    assert_eq!(
        anna,
        quality(5, [(1, 0.2), (2, 0.4), (2, 0.4), (2, 0.4)], [2, 1, 0, 1], 1)
    );
    // The lead: anna's and their own c7 and leads.
    let lead = report(app, &f.lead, path).await;
    let third = 0.3333;
    assert_eq!(
        lead,
        quality(
            6,
            [(2, third), (3, 0.5), (3, 0.5), (2, third)],
            [3, 1, 2, 1],
            2
        )
    );
    let boris = report(app, &f.boris, path).await;
    assert_eq!(
        boris,
        quality(1, [(0, 0.0), (0, 0.0), (1, 1.0), (0, 0.0)], [0, 2, 0, 0], 1)
    );
    // The admin: everyone's, and the c3–c6 pair across owners.
    let admin = report(app, &app.admin_token, path).await;
    let all = [(2, 0.2857), (3, 0.4286), (4, 0.5714), (2, 0.2857)];
    assert_eq!(admin, quality(7, all, [3, 3, 2, 1], 4));
    // Narrowing: the admin for boris alone sees boris's figures; anna for boris sees nothing (share null).
    let only_boris = report(
        app,
        &app.admin_token,
        &format!("{path}?user_id={}", f.boris_id),
    )
    .await;
    assert_eq!(only_boris, boris);
    let none = report(app, &f.anna, &format!("{path}?user_id={}", f.boris_id)).await;
    assert_eq!(
        (
            none["contacts"].clone(),
            none["without_email"]["share"].clone()
        ),
        (json!(0), Value::Null)
    );
    let team = report(
        app,
        &app.admin_token,
        &format!("{path}?team_id={}", f.team_id),
    )
    .await;
    assert_eq!(team, lead);

    // As files: CSV with BOM and Russian headers, .xlsx with numbers.
    let csv = file(app, &f.anna, &format!("{path}?format=csv"), "ru").await;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Показатель;Количество;Доля контактов");
    assert_eq!(lines[1], "Контактов;5;");
    assert_eq!(lines[2], "Без e-mail;1;0.2");
    assert_eq!(lines[5], "Ролевые адреса (info@, sales@ …);2;0.4");
    assert_eq!(lines[10], "Пар возможных дублей;1;");
    let xlsx = file(app, &f.anna, &format!("{path}?format=xlsx"), "en").await;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("an .xlsx");
    let sheet = book.worksheet_range("data-quality").expect("the sheet");
    let row: Vec<calamine::Data> = sheet.rows().nth(3).unwrap().to_vec();
    assert_eq!(
        row,
        [
            calamine::Data::String("Without phone".into()),
            calamine::Data::Float(2.0),
            calamine::Data::Float(0.4)
        ]
    );

    let (status, body) = app.get(&format!("{path}?from=2026-01-01"), &f.anna).await;
    assert_eq!(
        (status, error_code(&body), body["error"]["field"].as_str()),
        (422, "validation_failed", Some("from"))
    );
    let (status, _) = app.get(path, &f.marketing).await;
    assert_eq!(status, 403);
}
