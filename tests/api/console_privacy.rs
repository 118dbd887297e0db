//! The Personal data page in real headless Chromium (tests/console/privacy.test.mjs): retention set and read back
//! after a reload, a pass run; a contact exported (a zip with person.json) and erased with a reason, its report
//! shown; a salesperson without the page. Here: the contact gone, the erasure in the admin audit, the policy kept.

use serde_json::json;

use crate::helpers::{spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD};

const EMAIL: &str = "olga.subject@privacy-console.ru";
const REASON: &str = "Требование субъекта от 1 декабря <по 152-ФЗ>";

#[tokio::test]
async fn an_admin_sets_retention_exports_and_erases_a_person_in_the_console() {
    let dir = crate::browser::suite_dir("tests/console");
    let app = spawn_app().await;
    let mailbox = json!({ "name": "Продажи <общий>", "host": "127.0.0.1", "port": 1, "security": "plain",
        "username": "sales", "password": "unused-password" });
    let (status, mailbox) = app
        .post("/api/v1/mailboxes", &app.admin_token, mailbox)
        .await;
    assert_eq!(status, 201, "{mailbox}");
    let (status, contact) = app
        .post(
            "/api/v1/contacts",
            &app.admin_token,
            json!({ "name": "Ольга <Субъект>", "emails": [EMAIL] }),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    let sales_password = "user-password-1";
    app.user_with_role("seller@privacy-console.ru", "sales")
        .await;
    let fixture = json!({ "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD,
        "sales_email": "seller@privacy-console.ru", "sales_password": sales_password,
        "mailbox_id": mailbox["id"], "email": EMAIL, "reason": REASON });
    let (passed, report) = crate::browser::run_node_tests(
        &dir,
        "privacy.test.mjs",
        "console-privacy",
        &app.base,
        &fixture,
    )
    .await;
    assert!(passed, "the console's personal data browser test failed");
    assert!(
        report.contains("# pass 2") && report.contains("# fail 0"),
        "{report}"
    );

    // The contact erased in the browser is gone, as the API sees it.
    let (status, _) = app
        .get(
            &format!("/api/v1/contacts/{}", contact["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = app
        .get(&format!("/api/v1/contacts?email={EMAIL}"), &app.admin_token)
        .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    // The three requests are in the admin audit (the second erasure found nothing left), with the reason.
    let (status, audit) = app
        .get("/api/v1/admin/audit?kind=privacy", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["erase", "erase", "export"], "{audit}");
    assert!(audit.to_string().contains(REASON), "{audit}");
    // The policy saved in the browser is the server's.
    let (_, policy) = app.get("/api/v1/admin/retention", &app.admin_token).await;
    assert_eq!(policy["leads_months"], 18, "{policy}");
    assert_eq!(policy["mailboxes"][0]["mail_months"], 24, "{policy}");
    assert!(policy["last_run_at"].is_string(), "{policy}");
}
