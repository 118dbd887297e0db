//! The console's Sequences and Mail merge pages in real headless Chromium (tests/console/sequences.test.mjs)
//! against the real server, a private Dovecot holding the salesperson's mailbox and a real SMTP sink: the
//! salesperson builds a two-step sequence in the editor, enrols two contacts and sees step 1 sent in the enrolments
//! table (the sequence worker sends at the server's clock, around the clock in UTC as the editor sets it), and sends
//! a mail merge with an attachment from the Mail merge page.

use std::time::Duration;

use mail_parser::MimeHeaders;
use reqwest::Method;
use serde_json::json;

use crate::sequences_support::{sending_world, subject};

#[tokio::test]
async fn the_salesperson_builds_a_sequence_enrols_two_contacts_and_sees_step_one_sent() {
    let dir = crate::browser::suite_dir("tests/console");
    let w = sending_world().await;
    let irina = w.contact("Ирина", &["irina@client-firm.ru"]).await;
    let petr = w.contact("Пётр", &["petr@client-firm.ru"]).await;
    // A sequence to delete from the list (made through the API: the editor is the first test's).
    let draft = json!({"name": "Черновик", "mailbox_id": w.mailbox,
        "steps": [{"subject": "Тема", "body": "Текст", "delay": {"days": 1}}]});
    let (status, draft) =
        w.a.call(Method::POST, "/api/v1/sequences", &w.owner, Some(draft))
            .await;
    assert_eq!(status, 201, "{draft}");
    let fixture = json!({
        "owner_email": "owner@nordwind.ru", "lead_email": "lead@nordwind.ru", "password": "user-password-1",
        "mailbox_id": w.mailbox, "irina_id": irina, "petr_id": petr, "draft_id": draft["id"],
    });
    let (passed, report) = crate::browser::run_node_tests(
        &dir,
        "sequences.test.mjs",
        "console-sequences",
        &w.a.base,
        &fixture,
    )
    .await;
    assert!(passed, "the sequences pages' browser tests failed");
    assert!(
        report.contains("# pass 4") && report.contains("# fail 0"),
        "the editor and enrolment, the team lead's view on a phone, delete and the mail merge preview ran: {report}"
    );
    // What the page showed as sent reached the clients: step 1 once each, rendered for each of them, and the mail
    // merge's one letter to Ирина with its attachment.
    let got = w.sink.wait_for(3, Duration::from_secs(10)).await;
    let mut subjects: Vec<String> = got.iter().map(subject).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Предложение для Ирина",
            "Предложение для Пётр",
            "Счёт для Ирина"
        ],
        "one first letter each, and the merge's"
    );
    let merged = got
        .iter()
        .find(|m| subject(m) == "Счёт для Ирина")
        .expect("the merge letter");
    let parsed = mail_parser::MessageParser::default()
        .parse(&merged.raw)
        .expect("a letter");
    let file = parsed.attachments().next().expect("its attachment");
    assert_eq!(file.attachment_name(), Some("Счёт.txt"));
    assert_eq!(file.contents(), "счёт № 7\n".as_bytes());
    assert_eq!(merged.rcpt_to, "irina@client-firm.ru", "one recipient");
    assert!(
        merged.header("Bcc").is_none() && merged.header("Cc").is_none(),
        "never Bcc"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        w.sink.received().len(),
        3,
        "step 2 is three working days away: nothing more"
    );
}
