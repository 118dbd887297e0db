//! Search in the console's header and in the Outlook pane, in real headless Chromium (tests/console/search.test.mjs,
//! tests/addin/search.test.mjs) over mail synced from a real Dovecot into Ivan's and Olga's mailboxes.

use crate::search::world;
use crate::search_support::{search_until, titles};

#[tokio::test]
async fn the_console_and_the_pane_find_mail_by_another_inflection_and_keep_markup_as_text() {
    let console = crate::browser::suite_dir("tests/console");
    let addin = crate::browser::suite_dir("tests/addin");
    let w = world().await;
    // The indexer has caught up with both mailboxes before the browsers look.
    search_until(&w.app, &w.app.admin_token, "договор", "mail", |p| {
        titles(p).len() == 3
    })
    .await;
    let fixture = serde_json::json!({
        "ivan_email": "ivan@test.local", "olga_email": "olga@test.local", "password": "user-password-1",
    });
    let (passed, report) = crate::browser::run_node_tests(
        &console,
        "search.test.mjs",
        "console-search",
        &w.app.base,
        &fixture,
    )
    .await;
    assert!(passed, "the console's search browser tests failed");
    assert!(
        report.contains("# pass 2") && report.contains("# fail 0"),
        "{report}"
    );
    let (passed, report) = crate::browser::run_node_tests(
        &addin,
        "search.test.mjs",
        "addin-search",
        &w.app.base,
        &fixture,
    )
    .await;
    assert!(passed, "the pane's search browser test failed");
    assert!(
        report.contains("# pass 1") && report.contains("# fail 0"),
        "{report}"
    );
}
