//! Web forms in the console, in real headless Chromium (tests/console/forms.test.mjs): made on the Integrations
//! page, the snippet pasted into a page and posted, the lead in the list and its consent read back here.

use serde_json::json;

use crate::helpers::{spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn a_form_made_in_the_console_and_posted_from_its_snippet_gives_a_lead() {
    let dir = crate::browser::suite_dir("tests/console");
    let app = spawn_app().await;
    let fixture = json!({ "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD });
    let (passed, report) = crate::browser::run_node_tests(
        &dir,
        "forms.test.mjs",
        "console-forms",
        &app.base,
        &fixture,
    )
    .await;
    assert!(passed, "the console's web form browser test failed");
    assert!(
        report.contains("# pass 1") && report.contains("# fail 0"),
        "{report}"
    );

    // What the browser posted is a lead with its consent, as the API reads it.
    let (_, list) = app
        .get("/api/v1/leads?email=petr@zavod-test.ru", &app.admin_token)
        .await;
    let lead = &list["items"][0];
    assert_eq!(lead["name"], "Пётр <Тестов>");
    let (_, consents) = app
        .get(
            &format!("/api/v1/leads/{}/consent", lead["id"]),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        consents[0]["consent_text"],
        "Согласен на обработку персональных данных <ООО «Нордвинд»>"
    );
    assert_eq!(consents[0]["text_version"], 1);
}
