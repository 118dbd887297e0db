//! The reminder letter: to the assignee, from the server's sender address, with the signed done and snooze links,
//! sent through the relay the reminder settings name (`crate::smtp` does the talking).

use lettre::message::{header::ContentType, Mailbox, Message};
use sqlx::AnyPool;

use super::links::{self, Action, Link};
use crate::campaigns;
use crate::smtp::Outcome;

/// What went out, or why not.
pub enum Sent {
    Accepted,
    /// Certainly not handed over (no connection, a 4xx): worth another try later.
    Retry(String),
    /// Refused: never to be sent again.
    Failed(String),
    /// Handed over without an answer: it may have been delivered, so it is never sent again.
    Uncertain(String),
}

/// A built letter: its envelope and its bytes.
pub struct Built {
    pub envelope: lettre::address::Envelope,
    pub bytes: Vec<u8>,
}

/// A Message-ID for a letter of ours: `<{what}.{random}@{the sender's domain}>`.
pub fn message_id(settings: &campaigns::Settings, what: &str) -> String {
    let domain = settings
        .mail_from
        .parse::<Mailbox>()
        .map(|m| m.email.domain().to_string())
        .unwrap_or_else(|_| "mailroom.invalid".to_string());
    format!("<{what}.{:016x}@{domain}>", rand::random::<u64>())
}

pub struct Reminder<'a> {
    pub task_id: i64,
    pub user_id: i64,
    pub title: &'a str,
    pub to: &'a str,
    pub to_name: &'a str,
    pub now_ms: i64,
}

fn body(settings: &campaigns::Settings, key: &[u8], r: &Reminder) -> String {
    let mut text = format!("Reminder: {}\n\n", r.title);
    for action in Action::ALL {
        let link = Link {
            task_id: r.task_id,
            user_id: r.user_id,
            action,
            expires_ms: r.now_ms + links::VALID_MS,
        };
        let url = format!("{}/r/{}", settings.public_url, links::sign(key, &link));
        text.push_str(&format!("{}:\n{url}\n\n", action.label()));
    }
    text.push_str("These links work for 7 days.\n-- \nMailroom\n");
    text
}

/// Builds the reminder letter with Message-ID `message_id`.
pub fn build(
    settings: &campaigns::Settings,
    key: &[u8],
    r: &Reminder,
    message_id: &str,
) -> Result<Built, String> {
    let from: Mailbox = settings
        .mail_from
        .parse()
        .map_err(|e| format!("sender address {}: {e}", settings.mail_from))?;
    let to_address =
        r.to.parse()
            .map_err(|e| format!("assignee's address {}: {e}", r.to))?;
    let to = Mailbox::new(Some(r.to_name.to_string()), to_address);
    let title = crate::text::single_line(r.title);
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Reminder: {title}"))
        .message_id(Some(message_id.to_string()))
        .header(ContentType::TEXT_PLAIN)
        .body(body(settings, key, r))
        .map_err(|e| format!("building the letter: {e}"))?;
    Ok(Built {
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
    })
}

/// Sends a built letter through the relay named `relay` on a connection of its own.
pub async fn deliver(
    pool: &AnyPool,
    settings: &campaigns::Settings,
    relay: &str,
    envelope: &lettre::address::Envelope,
    bytes: &[u8],
) -> Sent {
    let relay_id = match campaigns::relays::resolve(pool, settings, Some(relay)).await {
        Ok(id) => id,
        Err(e) => return Sent::Retry(format!("reminder relay {relay}: {e}")),
    };
    let spec = match campaigns::relays::spec(pool, settings, relay_id).await {
        Ok(spec) => spec,
        Err(e) => return Sent::Retry(e),
    };
    let mut link = match spec.connect().await {
        Ok(link) => link,
        Err(e) => return Sent::Retry(e),
    };
    let outcome = link.send(envelope, bytes).await;
    match outcome {
        Outcome::Accepted(_) => {
            link.quit().await;
            Sent::Accepted
        }
        Outcome::Retry(e) => {
            link.abort().await;
            Sent::Retry(e)
        }
        Outcome::Deferred(code, reply) => {
            link.abort().await;
            Sent::Retry(format!("{code} {reply}"))
        }
        Outcome::Refused(code, reply) => {
            link.abort().await;
            Sent::Failed(format!("{code} {reply}"))
        }
        Outcome::Unknown(e) => {
            link.abort().await;
            Sent::Uncertain(format!(
                "the e-mail may not have gone out: the relay gave no answer ({e}); it is not sent again"
            ))
        }
    }
}

/// The digest's subject: the tasks' count as before, and the awaiting replies when there are any.
pub fn digest_subject(date: &str, tasks: usize, awaiting: usize) -> String {
    match awaiting {
        0 => format!("Your tasks for {date}: {tasks}"),
        n => format!("Your tasks for {date}: {tasks}; awaiting reply: {n}"),
    }
}

/// The digest's "Awaiting reply" section: each overdue client mail with its record, since when and when it was due.
pub fn awaiting_section(
    items: &[crate::awaiting::model::Awaiting],
    zone: &jiff::tz::TimeZone,
) -> String {
    let local = |t: time::OffsetDateTime| {
        jiff::Timestamp::from_millisecond(crate::db::to_ms(t))
            .map(|ts| {
                ts.to_zoned(zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let mut text = String::from("\nAwaiting reply (overdue):\n\n");
    for a in items {
        let subject = a.subject.as_deref().unwrap_or("(subject not shown)");
        text.push_str(&format!(
            "- {} ({}): {} — since {}, due {}\n",
            crate::text::single_line(&a.record.name),
            a.record.kind,
            crate::text::single_line(subject),
            local(a.received_at),
            local(a.due_at),
        ));
    }
    text
}
