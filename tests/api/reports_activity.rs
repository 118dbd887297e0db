//! Manager activity (issue 17) over mail that arrives through a real Dovecot (INBOX and Sent), tasks and deals made
//! through the API: mails per owner, first-response median and 90th percentile, unanswered threads, tasks done and
//! overdue, won deals; a salesperson, their team lead and an admin each see their own rows. Figures by hand below.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{error_code, user_id, TestApp};
use crate::mail_sync::{add_mailbox, sync};
use crate::reports::{patch, people, report, Fixture};

/// A mail between a client and us; `reply` is the Message-ID it answers.
fn mail(id: &str, from: &str, to: &str, date: &str, reply: Option<&str>, extra: &str) -> Vec<u8> {
    let refs = reply
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Order {id}\r\nDate: {date}\r\nMessage-ID: <{id}>\r\n{refs}{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст {id}\r\n"
    )
    .into_bytes()
}

const US: &str = "sales@nordwind.ru";

async fn contact(app: &TestApp, token: &str, name: &str, email: &str, company: Option<i64>) -> i64 {
    let body = json!({ "name": name, "emails": [email], "company_id": company });
    let (status, c) = app.post("/api/v1/contacts", token, body).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_i64().unwrap()
}

/// A task of the caller due at `due`, marked done now when `done`.
async fn task(app: &TestApp, token: &str, due: &str, done: bool) {
    let (status, t) = app
        .post(
            "/api/v1/tasks",
            token,
            json!({ "title": "Позвонить", "due_at": due }),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    if done {
        patch(
            app,
            token,
            &format!("/api/v1/tasks/{}", t["id"]),
            json!({ "done": true }),
        )
        .await;
    }
}

/// A deal of the caller moved to the pipeline's stage `stage` (3 Won, 4 Lost), closed now.
async fn closed_deal(f: &Fixture, token: &str, amount: &str, stage: usize) {
    let body = json!({ "title": "Сделка", "amount": amount, "pipeline_id": f.pipeline });
    let (status, d) = f.app.post("/api/v1/deals", token, body).await;
    assert_eq!(status, 201, "{d}");
    let body = json!({ "stage_id": f.stages[stage], "lost_reason": "дорого" });
    patch(&f.app, token, &format!("/api/v1/deals/{}", d["id"]), body).await;
}

/// Mail of the fixture (UTC). Anna's threads: a1 answered after 30 min (then a second round that does not count
/// again), a2 after 90 min, a3 unanswered, a4 after 250 min; an auto-reply that is not human mail; a0 in October.
/// Boris: b1 answered after 5 min, and b2 that we began. The team lead: l1 unanswered.
fn inbox_and_sent() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (a, b, l) = ("a@alpha.ru", "b@beta.ru", "l@lambda.ru");
    let inbox = vec![
        mail(
            "a0@alpha.ru",
            a,
            US,
            "Tue, 20 Oct 2026 10:00:00 +0000",
            None,
            "",
        ),
        mail(
            "a1@alpha.ru",
            a,
            US,
            "Mon, 16 Nov 2026 10:00:00 +0000",
            None,
            "",
        ),
        mail(
            "a1b@alpha.ru",
            a,
            US,
            "Mon, 16 Nov 2026 11:00:00 +0000",
            Some("a1r@nordwind.ru"),
            "",
        ),
        // Local time: 09:00 UTC.
        mail(
            "a2@alpha.ru",
            a,
            US,
            "Tue, 17 Nov 2026 12:00:00 +0300",
            None,
            "",
        ),
        mail(
            "a3@alpha.ru",
            a,
            US,
            "Wed, 18 Nov 2026 12:00:00 +0000",
            None,
            "",
        ),
        mail(
            "auto@alpha.ru",
            a,
            US,
            "Wed, 18 Nov 2026 12:01:00 +0000",
            None,
            "Auto-Submitted: auto-replied\r\n",
        ),
        mail(
            "a4@alpha.ru",
            a,
            US,
            "Thu, 19 Nov 2026 08:00:00 +0000",
            None,
            "",
        ),
        mail(
            "b1@beta.ru",
            b,
            US,
            "Mon, 16 Nov 2026 10:00:00 +0000",
            None,
            "",
        ),
        mail(
            "l1@lambda.ru",
            l,
            US,
            "Tue, 17 Nov 2026 15:00:00 +0000",
            None,
            "",
        ),
    ];
    let sent = vec![
        mail(
            "a1r@nordwind.ru",
            US,
            a,
            "Mon, 16 Nov 2026 10:30:00 +0000",
            Some("a1@alpha.ru"),
            "",
        ),
        mail(
            "a1c@nordwind.ru",
            US,
            a,
            "Mon, 16 Nov 2026 13:00:00 +0000",
            Some("a1b@alpha.ru"),
            "",
        ),
        mail(
            "a2r@nordwind.ru",
            US,
            a,
            "Tue, 17 Nov 2026 10:30:00 +0000",
            Some("a2@alpha.ru"),
            "",
        ),
        mail(
            "a4r@nordwind.ru",
            US,
            a,
            "Thu, 19 Nov 2026 12:10:00 +0000",
            Some("a4@alpha.ru"),
            "",
        ),
        mail(
            "b1r@nordwind.ru",
            US,
            b,
            "Mon, 16 Nov 2026 10:05:00 +0000",
            Some("b1@beta.ru"),
            "",
        ),
        mail(
            "b2@nordwind.ru",
            US,
            b,
            "Fri, 20 Nov 2026 09:00:00 +0000",
            None,
            "",
        ),
    ];
    (inbox, sent)
}

/// (received, sent, median, p90, unanswered, tasks done, overdue, deals won, won amount) per user id.
type Line = (
    i64,
    i64,
    Option<f64>,
    Option<f64>,
    i64,
    i64,
    i64,
    i64,
    String,
);

fn rows(v: &Value) -> HashMap<i64, Line> {
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
                n("tasks_done"),
                n("tasks_overdue"),
                n("deals_won"),
                r["won_amount"].as_str().unwrap().to_string(),
            );
            (n("user_id"), line)
        })
        .collect()
}

fn zero() -> Line {
    (0, 0, None, None, 0, 0, 0, 0, "0.00".into())
}

#[tokio::test]
async fn manager_activity_counts_mail_responses_tasks_and_won_deals_per_caller() {
    let f = people().await;
    let app = &f.app;
    let (anna, lead, boris) = (
        user_id(app, &f.anna).await,
        user_id(app, &f.lead).await,
        f.boris_id,
    );
    // Anna's company owns the domain too: her mail is linked to it and to the contact, and counts once.
    let (status, alpha) = app
        .post(
            "/api/v1/companies",
            &f.anna,
            json!({ "name": "Альфа", "domains": ["alpha.ru"] }),
        )
        .await;
    assert_eq!(status, 201, "{alpha}");
    contact(app, &f.anna, "Алексей", "a@alpha.ru", alpha["id"].as_i64()).await;
    contact(app, &f.boris, "Борис Клиент", "b@beta.ru", None).await;
    contact(app, &f.lead, "Лев", "l@lambda.ru", None).await;

    let dovecot = Dovecot::start();
    let (inbox, sent) = inbox_and_sent();
    dovecot.append_many("INBOX", &inbox).await;
    dovecot.append_many("Sent", &sent).await;
    let mailbox = add_mailbox(app, dovecot.mailbox_json(dovecot.port, PASSWORD)).await;
    let (status, synced) = sync(app, mailbox).await;
    assert_eq!(status, 200, "{synced}");

    // Tasks (done ones are done now): anna one done on time, one due 20 Nov done late (done and overdue), one due
    // 21 Nov still open (overdue), one due in a year (neither); boris one done.
    let next_year = (time::OffsetDateTime::now_utc() + time::Duration::days(365))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    task(app, &f.anna, &next_year, true).await;
    task(app, &f.anna, "2026-11-20T10:00:00Z", true).await;
    task(app, &f.anna, "2026-11-21T10:00:00Z", false).await;
    task(app, &f.anna, &next_year, false).await;
    task(app, &f.boris, &next_year, true).await;
    // Deals closed now: anna won 100000 and lost one; boris won 80000 and 20000.50.
    closed_deal(&f, &f.anna, "100000", 3).await;
    closed_deal(&f, &f.anna, "5000", 4).await;
    closed_deal(&f, &f.boris, "80000", 3).await;
    closed_deal(&f, &f.boris, "20000.50", 3).await;

    let today = time::OffsetDateTime::now_utc().date();
    let range = format!("/api/v1/reports/managers?from=2026-11-01&to={today}");
    // Anna: in 5 (a1 a1b a2 a3 a4; not the auto-reply, not October's a0), out 4; answered after 30, 90, 250 min:
    // median 90, p90 90 + 0.8 × 160 = 218; a3 unanswered.
    let anna_line: Line = (
        5,
        4,
        Some(90.0),
        Some(218.0),
        1,
        2,
        2,
        1,
        "100000.00".into(),
    );
    let boris_line: Line = (1, 2, Some(5.0), Some(5.0), 0, 1, 0, 2, "100000.50".into());
    let lead_line: Line = (1, 0, None, None, 1, 0, 0, 0, "0.00".into());
    let admin_id = user_id(app, &app.admin_token).await;
    let by_admin = rows(&report(app, &app.admin_token, &range).await);
    assert_eq!(
        by_admin,
        HashMap::from([
            (anna, anna_line.clone()),
            (boris, boris_line.clone()),
            (lead, lead_line.clone()),
            (admin_id, zero()),
        ]),
        "marketing users have no row"
    );
    let by_lead = rows(&report(app, &f.lead, &range).await);
    assert_eq!(
        by_lead,
        HashMap::from([(anna, anna_line.clone()), (lead, lead_line.clone())])
    );
    let by_anna = rows(&report(app, &f.anna, &range).await);
    assert_eq!(by_anna, HashMap::from([(anna, anna_line.clone())]));
    let by_boris = rows(&report(app, &f.boris, &range).await);
    assert_eq!(by_boris, HashMap::from([(boris, boris_line)]));

    // The whole history adds October's unanswered a0 to anna.
    let all = rows(&report(app, &f.anna, "/api/v1/reports/managers").await);
    assert_eq!((all[&anna].0, all[&anna].4), (6, 2), "{all:?}");
    // Filters narrow and never widen: the team, one user, and someone else's figures for anna (no rows).
    let team = format!("{range}&team_id={}", f.team_id);
    assert_eq!(rows(&report(app, &app.admin_token, &team).await), by_lead);
    let only_boris = format!("{range}&user_id={boris}");
    assert_eq!(
        rows(&report(app, &app.admin_token, &only_boris).await).len(),
        1
    );
    assert!(rows(&report(app, &f.anna, &only_boris).await).is_empty());
    // A range before any of it.
    let before = rows(&report(app, &f.anna, "/api/v1/reports/managers?to=2026-10-01").await);
    assert_eq!(before, HashMap::from([(anna, zero())]));

    // As CSV with Russian headers: minutes as numbers, an empty cell for no answer.
    let csv =
        crate::reports_quality::file(app, &f.lead, &format!("{range}&format=csv"), "ru").await;
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0]
        .starts_with("Пользователь;Получено писем;Отправлено писем;Первый ответ, медиана (мин)"));
    let mut body = lines[1..].to_vec();
    body.sort();
    let name = "Тестовый Пользователь";
    assert_eq!(
        body,
        [
            format!("{name};1;0;;;1;0;0;0;0.00"),
            format!("{name};5;4;90;218;1;2;2;1;100000.00")
        ]
    );
    // The JSON shape the console's charts read.
    let raw = report(app, &f.anna, &range).await;
    let keys: Vec<&str> = raw["rows"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort();
    assert_eq!(
        keys,
        [
            "deals_won",
            "first_response_median_minutes",
            "first_response_p90_minutes",
            "mails_received",
            "mails_sent",
            "name",
            "tasks_done",
            "tasks_overdue",
            "unanswered",
            "user_id",
            "won_amount"
        ]
    );
    for (path, field) in [
        ("/api/v1/reports/managers?pipeline_id=1", "pipeline_id"),
        ("/api/v1/reports/managers?from=2026-11-31", "from"),
        ("/api/v1/reports/managers?user_id=x", "user_id"),
    ] {
        let (status, body) = app.get(path, &f.anna).await;
        assert_eq!(
            (status, error_code(&body)),
            (422, "validation_failed"),
            "{body}"
        );
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let (status, _) = app.get("/api/v1/reports/managers", &f.marketing).await;
    assert_eq!(status, 403);
}
