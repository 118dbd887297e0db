//! The reminder worker, one per instance: fires due reminders into the feed, then sends the letters of those that
//! wait for one. Both steps claim their rows atomically in the database, so with several instances on one
//! database each reminder fires once and each letter goes out once.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::letter::{self, Reminder, Sent};
use super::{store, Reminders};
use crate::campaigns;
use crate::error::Error;

/// How often the worker looks when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Reminders further back than this when first seen (a server down for days) are not fired.
const STALE_MS: i64 = 3 * 24 * 3600 * 1000;
/// How long an instance holds a letter it is sending before another may take it over.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// Empty leases in a row (lost races) after which the pass stops looking; the next pass looks again.
const MAX_RACED_LEASES: u32 = 20;
/// Tries of a letter the relay does not take, the first retry a minute later, doubling.
const MAX_ATTEMPTS: i64 = 5;
const RETRY_BASE_MS: i64 = 60 * 1000;

#[derive(Clone)]
pub struct Worker {
    pub pool: AnyPool,
    pub campaigns: Arc<campaigns::Settings>,
    pub reminders: Reminders,
}

/// Runs until `stop` turns true (or its sender goes), with backoff while the database fails.
pub async fn run(w: Worker, mut stop: watch::Receiver<bool>) {
    let mut delay = POLL;
    loop {
        if *stop.borrow() {
            return;
        }
        match pass(&w, &stop).await {
            Ok(()) => delay = POLL,
            Err(error) => {
                tracing::warn!(%error, "reminder worker pass failed");
                delay = (delay * 2).min(Duration::from_secs(60));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = w.reminders.clock.moved() => {}
            changed = stop.changed() => if changed.is_err() { return },
        }
    }
}

async fn pass(w: &Worker, stop: &watch::Receiver<bool>) -> Result<(), Error> {
    let now = w.reminders.clock.now_ms();
    let relay = store::relay(&w.pool).await?;
    let mail_state = if relay.is_some() { "pending" } else { "none" };
    let mut fired = 0;
    loop {
        let batch = store::fire_due(&w.pool, now, now - STALE_MS, mail_state).await?;
        fired += batch.len();
        if batch.len() < store::FIRE_BATCH {
            break;
        }
    }
    if fired > 0 {
        tracing::info!(count = fired, "reminders fired");
        if relay.is_none() {
            tracing::info!(
                "no relay is set for reminder letters (PUT /api/v1/settings/reminders): feed only, no e-mail"
            );
        }
    }
    if let Some(relay) = relay {
        send_letters(w, &relay, now, stop).await?;
        super::digest::send_due(w, &relay, now).await?;
    }
    Ok(())
}

/// Sends batch after batch until no letter is left to lease (other instances lease theirs meanwhile). It stops
/// early at shutdown, or when the relay cannot be reached (the next pass fires new reminders into the feed instead
/// of waiting on a dead relay letter by letter); the letters still leased are taken again when the lease ends.
async fn send_letters(
    w: &Worker,
    relay: &str,
    now: i64,
    stop: &watch::Receiver<bool>,
) -> Result<(), Error> {
    let mut raced = 0;
    loop {
        let batch = store::lease_letters(&w.pool, now, now + LEASE_MS).await?;
        if batch.is_empty() {
            // On PostgreSQL a lease that raced another instance's comes back empty although letters are left: the
            // rows it picked were taken meanwhile, and its statement does not pick others. Look again while some
            // are due, so both instances share the work instead of one idling until its next pass.
            raced += 1;
            if raced <= MAX_RACED_LEASES && store::any_letter_due(&w.pool, now).await? {
                continue;
            }
            return Ok(());
        }
        raced = 0;
        for pending in batch {
            if *stop.borrow() || !send_one(w, relay, now, pending).await? {
                return Ok(());
            }
        }
    }
}

/// Sends one letter and records its fate; false when the relay did not take it for now.
async fn send_one(
    w: &Worker,
    relay: &str,
    now: i64,
    pending: store::Pending,
) -> Result<bool, Error> {
    let user = match crate::auth::service::get_user(&w.pool, pending.user_id).await {
        Ok(user) if user.active => user,
        Ok(_) | Err(Error::NotFound(_)) => {
            let why = "the assignee is no longer an active user";
            store::letter_done(&w.pool, pending.id, "failed", Some(why), now).await?;
            return Ok(true);
        }
        Err(e) => return Err(e),
    };
    let Some(task_id) = pending.task_id else {
        store::letter_done(&w.pool, pending.id, "failed", Some("no task"), now).await?;
        return Ok(true);
    };
    let reminder = Reminder {
        task_id,
        user_id: user.id,
        title: &pending.title,
        to: &user.email,
        to_name: &user.name,
        now_ms: now,
    };
    let key = &w.reminders.link_key;
    match letter::send(&w.pool, &w.campaigns, key, relay, &reminder).await {
        Sent::Accepted => {
            tracing::info!(task = task_id, user = user.id, "reminder letter sent");
            store::letter_done(&w.pool, pending.id, "sent", None, now).await?;
            Ok(true)
        }
        Sent::Retry(error) if pending.attempts < MAX_ATTEMPTS => {
            tracing::warn!(task = task_id, %error, "reminder letter not sent; will retry");
            let next = now + (RETRY_BASE_MS << (pending.attempts - 1).clamp(0, 10));
            store::letter_done(&w.pool, pending.id, "pending", Some(&error), next).await?;
            Ok(false)
        }
        Sent::Retry(error) | Sent::Failed(error) => {
            tracing::warn!(task = task_id, %error, "reminder letter failed");
            store::letter_done(&w.pool, pending.id, "failed", Some(&error), now).await?;
            Ok(true)
        }
    }
}
