//! kill -9 while reminders and digests go out: the real `mailroom` binary is killed with SIGKILL again and again
//! while its reminder worker sends, and restarted. The SMTP sink shows nobody got a reminder or a digest twice;
//! every reminder is in the feed exactly once; a letter a kill caught mid-send is `uncertain` in the feed (a
//! digest gets an entry saying so), never resent; and only as many are in doubt as there were kills.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{json, Value};

use crate::campaigns_crash::{admin_token, call, kill_mid_send, Server};
use crate::helpers::fresh_database_url;
use crate::smtp_sink::{Received, SmtpSink};

const REMINDERS: usize = 30;
const DIGESTS: usize = 12;
/// Real seconds after which a dead instance's claims are declared uncertain (the default is 5 minutes).
const LEASE: &str = "2";

fn subject(letter: &Received) -> String {
    mail_parser::MessageParser::default()
        .parse(&letter.raw)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default()
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The whole feed of the user with `token`: its entries.
async fn feed(client: &Client, base: &str, token: &str) -> Vec<Value> {
    let (status, body) = call(
        client,
        base,
        token,
        "GET",
        "/api/v1/notifications?limit=200",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_server_killed_mid_send_never_sends_a_reminder_or_a_digest_twice() {
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::dovecot::free_port_for_tests();
    let mut server = Server {
        dir: dir.path().to_path_buf(),
        port,
        database_url: fresh_database_url().await,
        smtp_url: sink.url(),
        child: None,
    };
    let env = [("MAILROOM_REMINDER_LEASE_SECONDS", LEASE)];
    server.start_with(&env);
    let base = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    let admin = admin_token(&client, &base).await;

    // Users with a digest due now (hour 0 in UTC) and an overdue task each; no relay yet, so nothing goes out.
    let mut digest_users = Vec::new();
    for i in 0..DIGESTS {
        let email = format!("user{i}@digest.test");
        let body = json!({"email": email, "name": format!("Пользователь {i}"), "role": "sales",
            "password": "user-password-1"});
        let (status, u) = call(&client, &base, &admin, "POST", "/api/v1/users", body).await;
        assert_eq!(status, 201, "{u}");
        let login = json!({"email": email, "password": "user-password-1"});
        let response = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .expect("login sent");
        let (status, t) = crate::helpers::read(response).await;
        assert_eq!(status, 200, "{t}");
        let token = t["token"].as_str().unwrap().to_string();
        let due = rfc3339(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
        let task = json!({"title": format!("Просрочено {i}"), "due_at": due});
        let (status, t) = call(&client, &base, &token, "POST", "/api/v1/tasks", task).await;
        assert_eq!(status, 201, "{t}");
        let digest = json!({"time_zone": "UTC", "hour": 0});
        let (status, d) = call(&client, &base, &token, "PUT", "/api/v1/me/digest", digest).await;
        assert_eq!(status, 200, "{d}");
        digest_users.push((email, token));
    }
    // The admin's reminders, due a few seconds after the relay is set.
    let remind_at = rfc3339(time::OffsetDateTime::now_utc() + time::Duration::seconds(8));
    for i in 0..REMINDERS {
        let task = json!({"title": format!("Напомнить {i}"), "remind_at": remind_at});
        let (status, t) = call(&client, &base, &admin, "POST", "/api/v1/tasks", task).await;
        assert_eq!(status, 201, "{t}");
    }
    let relay = json!({"relay": "default"});
    let (status, body) = call(
        &client,
        &base,
        &admin,
        "PUT",
        "/api/v1/settings/reminders",
        relay,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Kill it mid-send, again and again: digests go first, the reminders once they fire.
    let kills = kill_mid_send(
        &mut server,
        &sink,
        &[4, 5, 6, 3, 7],
        Duration::from_secs(40),
        &env,
    )
    .await;

    // Until every reminder's letter is settled (sent, or uncertain once the lease passed) and every digest either
    // arrived or is reported uncertain in its user's feed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let reminders = loop {
        let entries = feed(&client, &base, &admin).await;
        let settled = entries
            .iter()
            .filter(|e| e["mail"] == "sent" || e["mail"] == "uncertain")
            .count();
        if entries.len() == REMINDERS && settled == REMINDERS {
            break entries;
        }
        assert!(
            Instant::now() < deadline,
            "reminders not settled: {entries:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let mut digest_feeds = Vec::new();
    for (email, token) in &digest_users {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = sink
                .received()
                .iter()
                .filter(|l| &l.rcpt_to == email)
                .count();
            let entries = feed(&client, &base, token).await;
            let doubt = entries.iter().any(|e| e["kind"] == "digest");
            if got > 0 || doubt {
                digest_feeds.push((email.clone(), entries));
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{email}: no digest and no word of one"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    // A last look after the sender has had time to send anything twice.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let letters = sink.received();

    let mut per_subject: HashMap<String, usize> = HashMap::new();
    for l in letters
        .iter()
        .filter(|l| l.rcpt_to == crate::helpers::ADMIN_EMAIL)
    {
        *per_subject.entry(subject(l)).or_default() += 1;
    }
    let twice: Vec<_> = per_subject.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "reminders received twice: {twice:?}");
    let mut per_user: HashMap<&str, usize> = HashMap::new();
    for l in &letters {
        *per_user.entry(l.rcpt_to.as_str()).or_default() += 1;
    }
    for (email, _) in &digest_users {
        assert!(
            per_user.get(email.as_str()).copied().unwrap_or(0) <= 1,
            "{email} got a digest twice"
        );
    }

    // The feed: each reminder exactly once; one sent is in the sink; one uncertain says so.
    let mut titles: Vec<&str> = reminders
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    titles.sort_unstable();
    titles.dedup();
    assert_eq!(titles.len(), REMINDERS, "one feed entry per reminder");
    let mut uncertain = 0;
    for e in &reminders {
        let title = e["title"].as_str().unwrap();
        let got = per_subject
            .get(&format!("Reminder: {title}"))
            .copied()
            .unwrap_or(0);
        if e["mail"] == "sent" {
            assert_eq!(got, 1, "{title}: sent, so at the sink");
        } else {
            uncertain += 1;
            assert!(
                e["mail_error"]
                    .as_str()
                    .is_some_and(|m| m.contains("may not have gone out")),
                "{e}"
            );
        }
    }
    let mut digests_uncertain = 0;
    for (email, entries) in &digest_feeds {
        let words: Vec<_> = entries.iter().filter(|e| e["kind"] == "digest").collect();
        assert!(words.len() <= 1, "{email}: {words:?}");
        if let Some(word) = words.first() {
            digests_uncertain += 1;
            assert_eq!(word["mail"], "uncertain", "{word}");
        }
    }
    eprintln!(
        "{kills} kills: {} letters, {uncertain} reminders and {digests_uncertain} digests in doubt",
        letters.len()
    );
    assert!(
        uncertain + digests_uncertain <= kills,
        "at most one letter in doubt per kill"
    );
    assert!(
        letters
            .iter()
            .all(|l| l.rcpt_to == crate::helpers::ADMIN_EMAIL
                || digest_users.iter().any(|(e, _)| e == &l.rcpt_to)),
        "every letter is a reminder or a digest"
    );
}
