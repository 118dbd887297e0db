//! The daily digest: at the hour a user set, in their own time zone, one letter listing their open tasks due today
//! or overdue. The digest of a local day is claimed by one instance (its letter's unique key) before it is built
//! and sent, and sent at most once; a day with nothing due sends nothing.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use lettre::message::{header::ContentType, Mailbox, Message};
use sqlx::AnyPool;

use super::letter::{self, Sent};
use super::model::DigestSettings;
use super::store::digest::{self as store, DueTask};
use super::store::letters::{self as claims, Claim, End};
use super::worker::Worker;
use crate::awaiting::model::Awaiting;
use crate::error::Error;

pub async fn settings(pool: &AnyPool, user: i64) -> Result<DigestSettings, Error> {
    Ok(match store::setting(pool, user).await? {
        Some((zone, hour)) => DigestSettings {
            time_zone: Some(zone),
            hour: Some(hour),
        },
        None => DigestSettings {
            time_zone: None,
            hour: None,
        },
    })
}

/// Sets the caller's digest (a known IANA zone and an hour 0–23), or turns it off (`time_zone` null).
pub async fn set(pool: &AnyPool, user: i64, s: DigestSettings) -> Result<DigestSettings, Error> {
    let value = match &s.time_zone {
        None => None,
        Some(zone) => {
            let zone = zone.trim();
            TimeZone::get(zone).map_err(|_| {
                Error::validation(
                    "time_zone",
                    format!("unknown time zone '{zone}' (e.g. Europe/Moscow)"),
                )
            })?;
            let hour = s.hour.unwrap_or(9);
            if !(0..=23).contains(&hour) {
                return Err(Error::validation("hour", "must be 0 to 23"));
            }
            Some((zone, hour))
        }
    };
    store::set(pool, user, value).await?;
    settings(pool, user).await
}

/// Sends the digests whose hour has come (`now` by the reminders' clock).
pub async fn send_due(w: &Worker, relay: &str, now: i64) -> Result<(), Error> {
    let at = Timestamp::from_millisecond(now).map_err(Error::internal)?;
    for s in store::subscribers(&w.pool).await? {
        let Ok(zone) = TimeZone::get(&s.time_zone) else {
            tracing::warn!(user = s.user_id, zone = %s.time_zone, "digest: unknown time zone");
            continue;
        };
        let local = at.to_zoned(zone.clone());
        if i64::from(local.hour()) < s.hour {
            continue;
        }
        let date = local.date();
        let end_of_day = date
            .tomorrow()
            .and_then(|d| d.to_zoned(zone))
            .map_err(Error::internal)?
            .timestamp()
            .as_millisecond();
        let day = Day {
            user_id: s.user_id,
            date: date.to_string(),
            zone: &s.time_zone,
            end_of_day,
            message_id: letter::message_id(&w.campaigns, &format!("digest.u{}", s.user_id)),
        };
        let worker = &*w.reminders.instance;
        let claim = Claim {
            by: worker,
            at: crate::db::now_ms(),
            message_id: &day.message_id,
        };
        let Some(claimed) = claims::claim_digest(&w.pool, s.user_id, &day.date, &claim).await?
        else {
            continue;
        };
        let (end, error) = match one(w, relay, &day, now).await {
            Ok(ended) => ended,
            Err(error) => {
                // Nothing went out: the claim is settled so that the day is not in doubt.
                claims::settle(
                    &w.pool,
                    claimed,
                    worker,
                    End::Failed,
                    Some(&error.to_string()),
                    crate::db::now_ms(),
                )
                .await?;
                return Err(error);
            }
        };
        claims::settle(
            &w.pool,
            claimed,
            worker,
            end,
            error.as_deref(),
            crate::db::now_ms(),
        )
        .await?;
    }
    Ok(())
}

/// One user's digest of one local day.
struct Day<'a> {
    user_id: i64,
    date: String,
    zone: &'a str,
    /// The end of that local day (UTC ms): tasks due before it are listed.
    end_of_day: i64,
    message_id: String,
}

/// Builds and sends one claimed digest; how it ended, and why when not sent.
async fn one(
    w: &Worker,
    relay: &str,
    day: &Day<'_>,
    now: i64,
) -> Result<(End, Option<String>), Error> {
    let tasks = store::due_tasks(&w.pool, day.user_id, day.end_of_day).await?;
    let user = crate::auth::service::get_user(&w.pool, day.user_id).await?;
    if !user.active {
        return Ok((End::Empty, Some("the user is not active".into())));
    }
    let reader = crate::auth::Caller {
        id: user.id,
        role: user.role,
        email: user.email.clone(),
    };
    let awaiting = crate::awaiting::overdue_for(&w.pool, &reader, now).await?;
    if tasks.is_empty() && awaiting.is_empty() {
        return Ok((End::Empty, None));
    }
    let head = Head {
        to: &user.email,
        to_name: &user.name,
        date: &day.date,
        now_ms: now,
        zone: day.zone,
        message_id: &day.message_id,
    };
    let (envelope, bytes) = match build(w, &head, &tasks, &awaiting) {
        Ok(letter) => letter,
        Err(error) => {
            tracing::warn!(user = user.id, %error, "digest not built");
            return Ok((End::Failed, Some(error)));
        }
    };
    // At most once: a digest the relay did not take is not tried again (the next day's has the same tasks).
    Ok(
        match letter::deliver(&w.pool, &w.campaigns, relay, &envelope, &bytes).await {
            Sent::Accepted => {
                tracing::info!(user = user.id, tasks = tasks.len(), "digest sent");
                (End::Sent, None)
            }
            Sent::Retry(error) | Sent::Failed(error) => {
                tracing::warn!(user = user.id, %error, "digest not sent");
                (End::Failed, Some(error))
            }
            Sent::Uncertain(error) => {
                tracing::warn!(user = user.id, %error, "digest uncertain");
                (End::Uncertain, Some(error))
            }
        },
    )
}

struct Head<'a> {
    to: &'a str,
    to_name: &'a str,
    date: &'a str,
    now_ms: i64,
    zone: &'a str,
    message_id: &'a str,
}

fn body(head: &Head, tasks: &[DueTask], awaiting: &[Awaiting]) -> String {
    let zone = TimeZone::get(head.zone).unwrap_or(TimeZone::UTC);
    let mut text = String::new();
    if !tasks.is_empty() {
        text = format!("Your open tasks due by the end of {}:\n\n", head.date);
    }
    for t in tasks {
        let due = Timestamp::from_millisecond(crate::db::to_ms(t.due_at))
            .map(|ts| {
                ts.to_zoned(zone.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        let overdue = if crate::db::to_ms(t.due_at) < head.now_ms {
            " (overdue)"
        } else {
            ""
        };
        text.push_str(&format!(
            "- {} — due {due}{overdue}\n",
            crate::text::single_line(&t.title)
        ));
    }
    if !awaiting.is_empty() {
        text.push_str(&super::letter::awaiting_section(awaiting, &zone));
    }
    text.push_str("\n-- \nMailroom\n");
    text
}

fn build(
    w: &Worker,
    head: &Head,
    tasks: &[DueTask],
    awaiting: &[Awaiting],
) -> Result<(lettre::address::Envelope, Vec<u8>), String> {
    let from: Mailbox = w
        .campaigns
        .mail_from
        .parse()
        .map_err(|e| format!("sender address: {e}"))?;
    let to_address = head
        .to
        .parse()
        .map_err(|e| format!("address {}: {e}", head.to))?;
    let message = Message::builder()
        .from(from)
        .to(Mailbox::new(Some(head.to_name.to_string()), to_address))
        .subject(super::letter::digest_subject(
            head.date,
            tasks.len(),
            awaiting.len(),
        ))
        .message_id(Some(head.message_id.to_string()))
        .header(ContentType::TEXT_PLAIN)
        .body(body(head, tasks, awaiting))
        .map_err(|e| format!("building the digest: {e}"))?;
    Ok((message.envelope().clone(), message.formatted()))
}
