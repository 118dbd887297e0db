//! Shared set-up of the awaiting-reply tests: a server (or two on one database) with its clock, a private Dovecot
//! holding the company mailbox, an owner in a team with a lead, a stranger, and client mail written to order.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::{admin_past_first_run, fresh_database_url};
use crate::reminders::Instance;
use crate::smtp_sink::SmtpSink;

pub const CLIENT: &str = "irina@client-firm.ru";

pub struct World {
    pub a: Instance,
    pub b: Instance,
    pub dovecot: Dovecot,
    pub sink: SmtpSink,
    pub admin: String,
    pub owner: String,
    pub lead: String,
    pub stranger: String,
    pub team: i64,
    pub mailbox: i64,
    _dir: tempfile::TempDir,
}

async fn user(app: &Instance, admin: &str, email: &str) -> (i64, String) {
    let body = json!({"email": email, "name": email.split('@').next().unwrap(), "role": "sales",
        "password": "user-password-1"});
    let (status, u) = app
        .call(Method::POST, "/api/v1/users", admin, Some(body))
        .await;
    assert_eq!(status, 201, "{u}");
    (
        u["id"].as_i64().unwrap(),
        app.login(email, "user-password-1").await,
    )
}

/// Two instances on one database, users, a team whose policy is 2 hours around the clock (so due = received + 2 h
/// on any day), and the mailbox (new senders' leads go to the owner).
pub async fn world() -> World {
    let dovecot = Dovecot::start();
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url().await;
    let a = Instance::start(dir.path(), database_url.clone(), &sink).await;
    let b = Instance::start(dir.path(), database_url, &sink).await;
    let admin = admin_past_first_run(&a.client, &a.base).await;
    let (owner_id, owner) = user(&a, &admin, "owner@nordwind.ru").await;
    let (lead_id, lead) = user(&a, &admin, "lead@nordwind.ru").await;
    let (_, stranger) = user(&a, &admin, "stranger@nordwind.ru").await;
    let team = json!({"name": "Север", "members": [{"user_id": lead_id, "lead": true},
        {"user_id": owner_id, "lead": false}]});
    let (status, team) = a
        .call(Method::POST, "/api/v1/teams", &admin, Some(team))
        .await;
    assert_eq!(status, 201, "{team}");
    let team = team["id"].as_i64().unwrap();
    let policy = json!({"hours": 2, "days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00",
        "time_zone": "UTC", "holidays": []});
    let path = format!("/api/v1/teams/{team}/reply-policy");
    let (status, body) = a.call(Method::PUT, &path, &lead, Some(policy)).await;
    assert_eq!(status, 200, "the team lead sets the team's policy: {body}");
    let mut mailbox = dovecot.mailbox_json(dovecot.port, PASSWORD);
    mailbox["lead_owner_id"] = json!(owner_id);
    let (status, mailbox) = a
        .call(Method::POST, "/api/v1/mailboxes", &admin, Some(mailbox))
        .await;
    assert_eq!(status, 201, "{mailbox}");
    World {
        mailbox: mailbox["id"].as_i64().unwrap(),
        a,
        b,
        dovecot,
        sink,
        admin,
        owner,
        lead,
        stranger,
        team,
        _dir: dir,
    }
}

impl World {
    /// A contact of the owner's with these addresses.
    pub async fn contact(&self, name: &str, emails: &[&str]) -> i64 {
        let body = json!({"name": name, "emails": emails});
        let (status, c) = self
            .a
            .call(Method::POST, "/api/v1/contacts", &self.owner, Some(body))
            .await;
        assert_eq!(status, 201, "{c}");
        c["id"].as_i64().unwrap()
    }

    pub async fn sync(&self) {
        let path = format!("/api/v1/mailboxes/{}/sync", self.mailbox);
        let (status, body) = self
            .a
            .call(Method::POST, &path, &self.admin, Some(json!({})))
            .await;
        assert_eq!(status, 200, "sync: {body}");
    }

    /// `GET /api/v1/awaiting-reply?<query>` on instance `b` (the sync ran on `a`): its items.
    pub async fn awaiting(&self, token: &str, query: &str) -> Vec<Value> {
        let (status, body) = self
            .b
            .call(
                Method::GET,
                &format!("/api/v1/awaiting-reply?{query}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        body["items"].as_array().unwrap().clone()
    }

    /// Moves both instances' clocks.
    pub fn advance(&self, by: Duration) {
        self.a.clock.advance(by);
        self.b.clock.advance(by);
    }
}

/// Now as an RFC 2822 Date header.
fn date_now() -> String {
    date_hours_ago(0)
}

/// `hours` ago as an RFC 2822 Date header.
fn date_hours_ago(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::hours(hours))
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}

/// A client's mail to the mailbox, dated now; `extra` headers (e.g. Auto-Submitted) before the body.
pub fn client_mail(from: &str, id: &str, subject: &str, extra: &str) -> Vec<u8> {
    client_mail_dated(from, id, subject, extra, 0)
}

/// A client's mail written `hours_ago`.
pub fn client_mail_dated(
    from: &str,
    id: &str,
    subject: &str,
    extra: &str,
    hours_ago: i64,
) -> Vec<u8> {
    format!(
        "From: Ирина <{from}>\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: {}\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\n\r\nДобрый день! Пришлите, пожалуйста, счёт.\r\n",
        date_hours_ago(hours_ago)
    )
    .into_bytes()
}

/// Our reply, as a mail client leaves it in Sent.
pub fn reply(to: &str, in_reply_to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Продажи <{USER}>\r\nTo: {to}\r\nSubject: Re: {subject}\r\nMessage-ID: <re-{in_reply_to}>\r\n\
         In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\nDate: {}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nСчёт во вложении.\r\n",
        date_now()
    )
    .into_bytes()
}
