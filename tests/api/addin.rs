//! The Outlook side panel: its API, its headers, and the pane itself in real headless Chromium
//! (tests/addin/pane.test.mjs, driven by playwright-core with Debian's /usr/bin/chromium).

use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_code, read, spawn_app};

#[tokio::test]
async fn the_pane_is_served_with_a_strict_csp_and_the_api_refuses_other_origins() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/addin/taskpane.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self' https://appsforoffice.microsoft.com")
            && !csp.contains("unsafe"),
        "{csp}"
    );
    let manifest = app
        .client
        .get(app.url("/addin/manifest.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        manifest.contains(&format!("{}/addin/taskpane.html", app.base))
            && !manifest.contains("{{BASE_URL}}")
    );
    assert_eq!(
        app.client
            .get(app.url("/addin/nothing.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({ "email": "a@b.c", "password": "x" }))
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!((status, error_code(&body)), (403, "cross_origin_forbidden"));
    let same = app
        .client
        .get(app.url("/api/v1/me"))
        .header("origin", app.base.clone())
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200, "the pane's own origin is welcome");
}

#[tokio::test]
async fn lookup_suggests_a_company_for_company_domains_but_never_for_free_mail() {
    let app = spawn_app().await;
    app.post(
        "/api/v1/companies",
        &app.admin_token,
        json!({ "name": "ООО «Ромашка»", "domains": ["romashka.ru"] }),
    )
    .await;
    let (status, card) = app
        .get(
            "/api/v1/lookup?email=Petr@SPB.Romashka.ru&name=Пётр",
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 200, "{card}");
    assert!(card["person"].is_null());
    assert_eq!(
        (
            card["suggestion"]["name"].as_str(),
            card["suggestion"]["company_name"].as_str()
        ),
        (Some("Пётр"), Some("ООО «Ромашка»"))
    );
    let (_, card) = app
        .get("/api/v1/lookup?email=someone@mail.ru", &app.admin_token)
        .await;
    assert!(
        card["suggestion"]["domain"].is_null() && card["company"].is_null(),
        "{card}"
    );
    let (status, body) = app
        .get("/api/v1/lookup?email=not-an-address", &app.admin_token)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("email"))
    );
}

#[tokio::test]
async fn the_pane_works_in_real_chromium() {
    let dir = crate::browser::suite_dir("tests/addin");
    let app = spawn_app().await;
    let (sales_id, sales) = app.user_with_role("olga@nordwind.ru", "sales").await;
    let (status, company) = app
        .post(
            "/api/v1/companies",
            &sales,
            json!({ "name": "ООО «Клиент»", "domains": ["client-corp.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{company}");
    let contact = json!({ "name": "Иван Петров", "emails": ["ivan@client-corp.ru"], "company_id": company["id"], "position": "Директор" });
    let (_, contact) = app.post("/api/v1/contacts", &sales, contact).await;
    let (_, pipeline) = app.get("/api/v1/pipelines/1", &sales).await;
    let deal = json!({ "title": "Поставка вентиляции", "pipeline_id": 1, "contact_id": contact["id"], "amount": "150000" });
    let (_, deal) = app.post("/api/v1/deals", &sales, deal).await;
    let task =
        json!({ "title": "Позвонить Ивану", "record_kind": "contact", "record_id": contact["id"] });
    app.post("/api/v1/tasks", &sales, task).await;
    // A CRM template for the compose pane (admins and marketing write them; every user inserts them).
    let template = json!({ "name": "Коммерческое предложение", "subject": "Предложение для {{company.name}}",
        "html": "<p>Здравствуйте, {{contact.name}}!</p><p>С уважением, {{owner.name}}</p>" });
    let (status, body) = app
        .post("/api/v1/templates", &app.admin_token, template)
        .await;
    assert_eq!(status, 201, "{body}");
    // A reminder that has fired (due a second ago; the worker looks every 5 s): the pane shows one unread.
    let at = (time::OffsetDateTime::now_utc() - std::time::Duration::from_secs(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let reminder = json!({ "title": "Напомнить Ивану", "remind_at": at });
    assert_eq!(app.post("/api/v1/tasks", &sales, reminder).await.0, 201);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get("/api/v1/notifications/unread", &sales).await.1["unread"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the reminder did not fire in 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A client's mail of two days ago that nobody answered, under a policy of one hour around the clock: overdue
    // at once, so the pane shows it under Ждан's name (the tracker looks every 5 s; a list request catches up).
    let zhdan = json!({ "name": "Ждан Ожидающий", "emails": ["zhdan@client-corp.ru"], "company_id": company["id"] });
    let (status, zhdan) = app.post("/api/v1/contacts", &sales, zhdan).await;
    assert_eq!(status, 201, "{zhdan}");
    let policy = json!({ "hours": 1, "days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00",
        "time_zone": "UTC", "holidays": [] });
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/settings/reply-policy",
            Some(&app.admin_token),
            Some(policy),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let sent = (time::OffsetDateTime::now_utc() - std::time::Duration::from_secs(2 * 86_400))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mail = json!({ "record_kind": "contact", "record_id": zhdan["id"], "subject": "Когда будет счёт?",
        "internet_message_id": "<awaiting-zhdan@client-corp.ru>",
        "from": { "name": "Ждан Ожидающий", "address": "zhdan@client-corp.ru" },
        "to": [{ "name": "Ольга", "address": "olga@nordwind.ru" }], "date": sent, "body_text": "Жду счёт." });
    let (status, body) = app.post("/api/v1/messages/log", &sales, mail).await;
    assert_eq!(status, 200, "{body}");
    let record = format!("/api/v1/awaiting-reply?record=contact:{}", zhdan["id"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get(&record, &sales).await.1["items"][0]["overdue"] != true {
        assert!(
            std::time::Instant::now() < deadline,
            "Ждан's mail is not overdue in 20 s: {}",
            app.get(&record, &sales).await.1
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A user whose password an admin set: the server wants a new one before anything else.
    let (pavel_id, _) = app.user_with_role("pavel@nordwind.ru", "sales").await;
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{pavel_id}"),
            Some(&app.admin_token),
            Some(json!({ "password": "admin-set-password-1" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let fixture = json!({
        "reset_email": "pavel@nordwind.ru", "reset_password": "admin-set-password-1",
        "template_name": "Коммерческое предложение",
        "email": "olga@nordwind.ru", "password": "user-password-1", "user_id": sales_id,
        "contact_email": "ivan@client-corp.ru", "contact_name": "Иван Петров", "contact_id": contact["id"],
        "company_name": "ООО «Клиент»", "company_id": company["id"], "deal_title": "Поставка вентиляции", "deal_id": deal["id"],
        "next_stage_id": pipeline["stages"][1]["id"], "task_title": "Позвонить Ивану",
        "waiting_email": "zhdan@client-corp.ru", "waiting_name": "Ждан Ожидающий",
    });
    let (passed, report) =
        crate::browser::run_node_tests(&dir, "pane.test.mjs", "addin", &app.base, &fixture).await;
    assert!(passed, "the pane's browser tests failed");
    assert!(
        report.contains("# pass 13") && report.contains("# fail 0"),
        "all thirteen flows ran"
    );
}

#[tokio::test]
async fn logging_a_mail_the_server_already_has_links_that_copy_instead_of_storing_another() {
    let dovecot = crate::dovecot::Dovecot::start();
    let app = spawn_app().await;
    dovecot
        .append("INBOX", &crate::dovecot::message(5, "Уже в CRM"))
        .await;
    let mailbox = crate::mail_sync::add_mailbox(
        &app,
        dovecot.mailbox_json(dovecot.port, crate::dovecot::PASSWORD),
    )
    .await;
    crate::mail_sync::sync(&app, mailbox).await;
    let (_, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Кто-то", "emails": ["someone@other-corp.ru"] }),
        )
        .await;
    let stored = crate::mail_corpus::all_messages(&app).await;
    let mid = stored[0]["message_id"].as_str().unwrap().to_string();
    let lookup = format!("/api/v1/lookup?email=someone@other-corp.ru&message_id={mid}");
    let (_, card) = app.get(&lookup, &app.admin_token).await;
    assert_eq!(
        (card["mail"]["id"].clone(), card["mail"]["linked"].as_bool()),
        (stored[0]["id"].clone(), Some(false)),
        "stored, not yet linked to this contact: {card}"
    );
    let body = json!({ "record_kind": "contact", "record_id": contact["id"], "internet_message_id": format!("<{mid}>") });
    let (status, logged) = app
        .post("/api/v1/messages/log", &app.admin_token, body)
        .await;
    assert_eq!(
        (status, logged["stored"].as_bool()),
        (200, Some(false)),
        "{logged}"
    );
    assert_eq!(logged["message_id"], stored[0]["id"]);
    assert_eq!(
        crate::mail_corpus::all_messages(&app).await.len(),
        1,
        "no second copy"
    );
    let (_, card) = app.get(&lookup, &app.admin_token).await;
    assert_eq!(
        (card["mail"]["id"].clone(), card["mail"]["linked"].as_bool()),
        (stored[0]["id"].clone(), Some(true)),
        "{card}"
    );
    let _ = Method::GET;
}
