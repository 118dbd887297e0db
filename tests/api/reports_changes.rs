//! Manager activity stays right when links and owners change after the mail came (issue 17, item 5: the report
//! reads summaries kept up to date as mail is linked): a hand correction of a link, a late answer synced from Sent,
//! a contact handed to another owner, a merge and a deletion, each followed by the report and figures by hand.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{user_id, TestApp};
use crate::mail_sync::{add_mailbox, sync};
use crate::reports::{patch, people, report};

const US: &str = "sales@nordwind.ru";

fn mail(id: &str, from: &str, to: &str, date: &str, reply: Option<&str>) -> Vec<u8> {
    let refs = reply
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Order {id}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n{refs}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст {id}\r\n"
    )
    .into_bytes()
}

async fn contact(app: &TestApp, token: &str, name: &str, email: &str) -> i64 {
    let body = json!({ "name": name, "emails": [email] });
    let (status, c) = app.post("/api/v1/contacts", token, body).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

/// (received, sent, median, p90, unanswered) per user id, from the admin's report of November on.
async fn figures(app: &TestApp) -> HashMap<i64, (i64, i64, Option<f64>, Option<f64>, i64)> {
    let today = time::OffsetDateTime::now_utc().date();
    let path = format!("/api/v1/reports/managers?from=2026-11-01&to={today}");
    let v = report(app, &app.admin_token, &path).await;
    v["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("{k}: {r}"));
            let line = (
                n("mails_received"),
                n("mails_sent"),
                r["first_response_median_minutes"].as_f64(),
                r["first_response_p90_minutes"].as_f64(),
                n("unanswered"),
            );
            (n("user_id"), line)
        })
        .collect()
}

/// The stored id of the message with this Message-ID.
async fn message(app: &TestApp, message_id: &str) -> i64 {
    let (status, list) = app
        .get("/api/v1/messages?limit=200", &app.admin_token)
        .await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    let found = items.iter().find(|m: &&Value| {
        m["message_id"].as_str().map(|s| s.trim_matches(['<', '>'])) == Some(message_id)
    });
    found.unwrap_or_else(|| panic!("{message_id} in {list}"))["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn manager_activity_follows_corrections_late_answers_owner_changes_merges_and_deletions() {
    let f = people().await;
    let app = &f.app;
    let (anna, boris) = (user_id(app, &f.anna).await, f.boris_id);
    let a = contact(app, &f.anna, "Алексей", "a@alpha.ru").await;
    let b = contact(app, &f.boris, "Борис Клиент", "b@beta.ru").await;
    let c = contact(app, &f.boris, "Галина", "c@gamma.ru").await;

    // x1 (anna's client) answered after 20 min, x2 (boris's) not yet, x3 (boris's) after 60 min.
    let dovecot = Dovecot::start();
    let inbox = [
        mail(
            "x1@alpha.ru",
            "a@alpha.ru",
            US,
            "Mon, 16 Nov 2026 10:00:00 +0000",
            None,
        ),
        mail(
            "x2@beta.ru",
            "b@beta.ru",
            US,
            "Mon, 16 Nov 2026 11:00:00 +0000",
            None,
        ),
        mail(
            "x3@gamma.ru",
            "c@gamma.ru",
            US,
            "Tue, 17 Nov 2026 09:00:00 +0000",
            None,
        ),
    ];
    let sent = [
        mail(
            "x1r@nordwind.ru",
            US,
            "a@alpha.ru",
            "Mon, 16 Nov 2026 10:20:00 +0000",
            Some("x1@alpha.ru"),
        ),
        mail(
            "x3r@nordwind.ru",
            US,
            "c@gamma.ru",
            "Tue, 17 Nov 2026 10:00:00 +0000",
            Some("x3@gamma.ru"),
        ),
    ];
    dovecot.append_many("INBOX", &inbox).await;
    dovecot.append_many("Sent", &sent).await;
    let mailbox = add_mailbox(app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, synced) = sync(app, mailbox).await;
    assert_eq!(status, 200, "{synced}");
    let lines = figures(app).await;
    assert_eq!(lines[&anna], (1, 1, Some(20.0), Some(20.0), 0));
    assert_eq!(lines[&boris], (2, 1, Some(60.0), Some(60.0), 1));

    // A hand correction: x1 belongs to boris's client, not anna's. Its answer stays an answer (any of our mail in
    // the thread): boris waited 20, 60 and x2 unanswered; median 40, p90 20 + 0.9 × 40 = 56.
    let x1 = message(app, "x1@alpha.ru").await;
    let path = format!("/api/v1/messages/{x1}/links/contact/{a}");
    let (status, body) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let link = json!({ "record_kind": "contact", "record_id": b });
    let (status, body) = app
        .post(
            &format!("/api/v1/messages/{x1}/links"),
            &app.admin_token,
            link,
        )
        .await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let lines = figures(app).await;
    assert_eq!(lines[&anna], (0, 1, None, None, 0), "x1r stays anna's");
    assert_eq!(lines[&boris], (3, 1, Some(40.0), Some(56.0), 1));

    // A late answer to x2, seen in Sent on the next sync: 45 min. Boris 20, 45, 60: median 45, p90 45 + 0.8 × 15 = 57.
    let late = mail(
        "x2r@nordwind.ru",
        US,
        "b@beta.ru",
        "Mon, 16 Nov 2026 11:45:00 +0000",
        Some("x2@beta.ru"),
    );
    dovecot.append_many("Sent", &[late]).await;
    let (status, synced) = sync(app, mailbox).await;
    assert_eq!(status, 200, "{synced}");
    let lines = figures(app).await;
    assert_eq!(lines[&boris], (3, 2, Some(45.0), Some(57.0), 0));

    // Boris's client b (x1, x2 and x2r) handed to anna: anna 20, 45 (median 32.5, p90 20 + 0.9 × 25 = 42.5);
    // boris keeps x3 and its answer.
    patch(
        app,
        &app.admin_token,
        &format!("/api/v1/contacts/{b}"),
        json!({ "owner_id": anna }),
    )
    .await;
    let lines = figures(app).await;
    assert_eq!(lines[&anna], (2, 2, Some(32.5), Some(42.5), 0));
    assert_eq!(lines[&boris], (1, 1, Some(60.0), Some(60.0), 0));

    // Boris's c merged into anna's a: x3 and x3r move with it. Anna 20, 45, 60.
    let (status, body) = app
        .post(
            &format!("/api/v1/contacts/{a}/merge"),
            &app.admin_token,
            json!({ "other_id": c }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let lines = figures(app).await;
    assert_eq!(lines[&anna], (3, 3, Some(45.0), Some(57.0), 0));
    assert_eq!(lines[&boris], (0, 0, None, None, 0));

    // Client b deleted: its links go, and with them x1, x2 and x2r. Anna keeps x3 (60 min), x1r and x3r (via a).
    let path = format!("/api/v1/contacts/{b}");
    let (status, body) = app
        .call(Method::DELETE, &path, Some(&app.admin_token), None)
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let lines = figures(app).await;
    assert_eq!(lines[&anna], (1, 2, Some(60.0), Some(60.0), 0));
}
