//! The console's "Awaiting reply" page and card banner in real headless Chromium (tests/console/awaiting.test.mjs),
//! over mail synced from a real Dovecot and a server clock moved past the reply's due time.

use std::time::Duration;

use crate::awaiting_support::{client_mail, world, CLIENT};

#[tokio::test]
async fn the_console_shows_the_overdue_mail_on_its_page_and_the_contacts_card() {
    let dir = crate::browser::suite_dir("tests/console");
    let w = world().await;
    let contact = w.contact("Ирина Соколова", &[CLIENT]).await;
    let quiet = w.contact("Тихий Клиент", &["quiet@client-firm.ru"]).await;
    let subject = "Запрос цены на вентиляцию";
    w.dovecot
        .append(
            "INBOX",
            &client_mail(CLIENT, "c1@client-firm.ru", subject, ""),
        )
        .await;
    w.sync().await;
    w.advance(Duration::from_secs(3 * 3600));
    let fixture = serde_json::json!({
        "owner_email": "owner@nordwind.ru", "owner_password": "user-password-1",
        "subject": subject, "contact_id": contact, "contact_name": "Ирина Соколова", "quiet_contact_id": quiet,
    });
    let (passed, report) = crate::browser::run_node_tests(
        &dir,
        "awaiting.test.mjs",
        "console-awaiting",
        &w.a.base,
        &fixture,
    )
    .await;
    assert!(passed, "the awaiting-reply browser test failed");
    assert!(
        report.contains("# pass 1") && report.contains("# fail 0"),
        "{report}"
    );
}
