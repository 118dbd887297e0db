//! Header-bound text never breaks a letter: names are cleaned to one line where they enter, a CR/LF never becomes
//! a header, and a recipient whose letter cannot be built fails with the reason while the others are sent.

use std::time::Duration;

use serde_json::json;

use crate::campaign_fixtures::*;
use crate::campaigns_relays::{db, patch};
use crate::helpers::spawn_app_with;
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn a_name_with_a_line_break_reaches_the_letter_as_one_clean_line() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Ипсилон\r\nX-Evil: 1").await;
    let id = contact(
        &app,
        "Анна\r\nBcc: x@y.ru",
        "anna@ypsilon.ru",
        Some(co),
        &["inj"],
        Some(true),
    )
    .await;
    let (_, c) = app
        .get(&format!("/api/v1/contacts/{id}"), &app.admin_token)
        .await;
    assert_eq!(c["name"], "Анна Bcc: x@y.ru", "{c}");
    contact(
        &app,
        "Борис",
        "boris@ypsilon.ru",
        Some(co),
        &["inj"],
        Some(true),
    )
    .await;
    let campaign_id = campaign(&app, &token, "inj", json!({})).await;
    start(&app, &token, campaign_id).await;
    let c = wait_until(
        &app,
        &token,
        campaign_id,
        Duration::from_secs(20),
        status_is("done"),
    )
    .await;
    assert_eq!(c["stats"]["sent"], 2, "{c}");
    let got = sink.wait_for(2, Duration::from_secs(10)).await;
    let anna = got.iter().find(|r| r.rcpt_to == "anna@ypsilon.ru").unwrap();
    let text = String::from_utf8_lossy(&anna.raw).replace("\r\n", "\n");
    let head = text.split("\n\n").next().unwrap();
    // Header names are the lines that do not start with a space (those continue the header before).
    let names: Vec<String> = head
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .map(|l| l.split(':').next().unwrap().to_ascii_lowercase())
        .collect();
    assert!(!names.iter().any(|n| n == "bcc" || n == "x-evil"), "{head}");
    assert_eq!(names.iter().filter(|n| *n == "to").count(), 1, "{head}");
    let to = anna.header("To").unwrap();
    assert!(
        to.ends_with("<anna@ypsilon.ru>") && !to.contains('\n'),
        "{to}"
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&anna.raw)
        .unwrap();
    let to = parsed.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.name(), Some("Анна Bcc: x@y.ru"));
    assert_eq!(
        parsed.subject(),
        Some("Предложение для Ипсилон X-Evil: 1, Анна Bcc: x@y.ru")
    );
}

#[tokio::test]
async fn names_of_users_leads_and_companies_are_cleaned_to_one_line() {
    let app = spawn_app_with(|_| {}).await;
    let body = json!({"email": "u@nordwind.ru", "name": "Иван\r\n\tПетров\u{7}", "role": "sales",
                      "password": "sales-password-1"});
    let (status, u) = app.post("/api/v1/users", &app.admin_token, body).await;
    assert_eq!(status, 201, "{u}");
    assert_eq!(u["name"], "Иван Петров");
    let path = format!("/api/v1/users/{}", u["id"]);
    let (status, u) = patch(
        &app,
        &path,
        &app.admin_token,
        json!({"name": "Иван\nИванов"}),
    )
    .await;
    assert_eq!((status, &u["name"]), (200, &json!("Иван Иванов")), "{u}");
    let body = json!({"name": "Лид\r\nBcc: a@b", "company_name": "ООО\nЛид"});
    let (status, l) = app.post("/api/v1/leads", &app.admin_token, body).await;
    assert_eq!(status, 201, "{l}");
    assert_eq!(
        (&l["name"], &l["company_name"]),
        (&json!("Лид Bcc: a@b"), &json!("ООО Лид"))
    );
    let co = company(&app, "Ро").await;
    let path = format!("/api/v1/companies/{co}");
    let (status, c) = patch(
        &app,
        &path,
        &app.admin_token,
        json!({"name": "Ро\r\nМедиа"}),
    )
    .await;
    assert_eq!((status, &c["name"]), (200, &json!("Ро Медиа")), "{c}");
    let (status, e) = app
        .post(
            "/api/v1/companies",
            &app.admin_token,
            json!({"name": "\r\n"}),
        )
        .await;
    assert_eq!(status, 422, "nothing left of the name: {e}");
}

#[tokio::test]
async fn a_recipient_whose_letter_cannot_be_built_fails_with_the_reason_and_the_others_are_sent() {
    let sink = SmtpSink::start();
    let app = app_for(&sink).await;
    let (_, token) = app.user_with_role("m@nordwind.ru", "marketing").await;
    let co = company(&app, "Фи").await;
    // A position is not a name and may hold a control character; a subject made of it cannot be a header.
    let body = json!({"name": "Фёдор", "emails": ["fedor@phi.ru"], "company_id": co, "tags": ["pos"],
                      "position": "Директор\u{7}"});
    let (status, bad) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{bad}");
    let consent = json!({"granted": true, "legal_basis": "152-FZ art. 9", "source": "web form"});
    let path = format!("/api/v1/contacts/{}/consent", bad["id"]);
    app.post(&path, &app.admin_token, consent).await;
    for i in 0..3 {
        let email = format!("p{i}@phi.ru");
        let body = json!({"name": format!("Фи {i}"), "emails": [email], "company_id": co, "tags": ["pos"],
                          "position": "Менеджер"});
        let (status, c) = app.post("/api/v1/contacts", &app.admin_token, body).await;
        assert_eq!(status, 201, "{c}");
        let consent =
            json!({"granted": true, "legal_basis": "152-FZ art. 9", "source": "web form"});
        app.post(
            &format!("/api/v1/contacts/{}/consent", c["id"]),
            &app.admin_token,
            consent,
        )
        .await;
    }
    // A name stored before names were cleaned (written straight into the database here).
    let body = json!({"name": "Старое имя", "emails": ["old@phi.ru"], "company_id": co, "tags": ["pos"],
                      "position": "Менеджер"});
    let (status, old) = app.post("/api/v1/contacts", &app.admin_token, body).await;
    assert_eq!(status, 201, "{old}");
    let consent = json!({"granted": true, "legal_basis": "152-FZ art. 9", "source": "web form"});
    let path = format!("/api/v1/contacts/{}/consent", old["id"]);
    app.post(&path, &app.admin_token, consent).await;
    sqlx::query("UPDATE contacts SET name = $1 WHERE id = $2")
        .bind("Анна\r\nBcc: x@y.ru")
        .bind(old["id"].as_i64().unwrap())
        .execute(&db(&app).await.pool)
        .await
        .unwrap();
    let template = json!({"name": "t-pos", "subject": "Для {{contact.position}}", "html": "<p>{{contact.name}}</p>"});
    let t = create(&app, &token, "/api/v1/templates", template).await;
    let s = create(
        &app,
        &token,
        "/api/v1/segments",
        json!({"name": "s-pos", "filter": {"tags": ["pos"]}}),
    )
    .await;

    // A test send says why, instead of a 500.
    let path = format!("/api/v1/templates/{t}/test-send");
    let (status, e) = app
        .post(
            &path,
            &token,
            json!({"contact_id": bad["id"], "to": "r@nordwind.ru"}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("subject")),
        "{e}"
    );

    let body = json!({"name": "c-pos", "template_id": t, "segment_id": s});
    let id = create(&app, &token, "/api/v1/campaigns", body).await;
    start(&app, &token, id).await;
    let c = wait_until(&app, &token, id, Duration::from_secs(20), status_is("done")).await;
    assert_eq!(
        (&c["stats"]["sent"], &c["stats"]["failed"]),
        (&json!(3), &json!(2)),
        "{c}"
    );
    let got = sink.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| r.rcpt_to.starts_with('p')),
        "only the good ones"
    );
    let (_, list) = app
        .get(
            &format!("/api/v1/campaigns/{id}/recipients?state=failed"),
            &token,
        )
        .await;
    let reason = |address: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == address)
            .and_then(|r| r["error"].as_str())
            .unwrap_or_else(|| panic!("{address} failed: {list}"))
            .to_string()
    };
    let fedor = reason("fedor@phi.ru");
    assert!(
        fedor.contains("subject") && fedor.contains("one line"),
        "{fedor}"
    );
    let old = reason("old@phi.ru");
    assert!(
        old.contains("contact.name") && old.contains("one line"),
        "{old}"
    );
}
