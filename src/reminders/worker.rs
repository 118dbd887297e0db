//! The reminder worker, one per instance: fires due reminders into the feed, then sends the letters of those that
//! wait for one. Both steps claim their rows atomically in the database, so with several instances on one
//! database each reminder fires once, and each letter is claimed (who, when) before it is sent and never taken
//! over: a claim its instance never settled becomes `uncertain` after the lease, never sent again.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::letter::{self, Reminder, Sent};
use super::store::letters::{self as claims, Claim, End};
use super::{store, Reminders};
use crate::campaigns;
use crate::error::Error;

/// How often the worker looks when nothing wakes it.
const POLL: Duration = Duration::from_secs(5);
/// Reminders further back than this when first seen (a server down for days) are not fired.
const STALE_MS: i64 = 3 * 24 * 3600 * 1000;
/// Candidates read at a time; the instances claim among them one by one.
const BATCH: i64 = 20;
/// Batches per pass at most (a pass also ends when none is left, or the relay is down).
const MAX_BATCHES: usize = 500;
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
    let real_now = crate::db::now_ms();
    let orphans = claims::orphans_to_uncertain(
        &w.pool,
        real_now - w.reminders.lease_ms,
        real_now,
        now,
        |o| format!("Daily digest of {}", o.local_date.as_deref().unwrap_or("?")),
    )
    .await?;
    if orphans > 0 {
        tracing::warn!(
            count = orphans,
            "reminder letters uncertain: their sender stopped mid-send; not sent again"
        );
    }
    if let Some(relay) = relay {
        send_letters(w, &relay, now, stop).await?;
        super::digest::send_due(w, &relay, now).await?;
    }
    Ok(())
}

/// Sends batch after batch until no letter is left unclaimed (other instances claim theirs meanwhile, so they
/// share the sending). It stops early at shutdown, or when the relay cannot be reached (the next pass fires new
/// reminders into the feed instead of waiting on a dead relay letter by letter).
async fn send_letters(
    w: &Worker,
    relay: &str,
    now: i64,
    stop: &watch::Receiver<bool>,
) -> Result<(), Error> {
    for _ in 0..MAX_BATCHES {
        let batch = store::due_letters(&w.pool, now, BATCH).await?;
        if batch.is_empty() {
            return Ok(());
        }
        for pending in batch {
            if *stop.borrow() || !send_one(w, relay, now, pending).await? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Claims one letter, sends it and records its end; false when the relay did not take it for now.
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
            store::letter_not_written(&w.pool, pending.id, why).await?;
            return Ok(true);
        }
        Err(e) => return Err(e),
    };
    let Some(task_id) = pending.task_id else {
        store::letter_not_written(&w.pool, pending.id, "no task").await?;
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
    let message_id = letter::message_id(&w.campaigns, &format!("reminder.t{task_id}"));
    let built = letter::build(&w.campaigns, &w.reminders.link_key, &reminder, &message_id);
    let worker = &*w.reminders.instance;
    let claim = Claim {
        by: worker,
        at: crate::db::now_ms(),
        message_id: &message_id,
    };
    let Some(letter) = claims::claim_reminder(&w.pool, pending.id, now, &claim).await? else {
        return Ok(true); // Another instance has it.
    };
    let sent = match built {
        Ok(b) => letter::deliver(&w.pool, &w.campaigns, relay, &b.envelope, &b.bytes).await,
        Err(e) => Sent::Failed(e),
    };
    let (end, error) = match sent {
        Sent::Accepted => {
            tracing::info!(task = task_id, user = user.id, "reminder letter sent");
            (End::Sent, None)
        }
        Sent::Retry(error) if pending.attempts < MAX_ATTEMPTS => {
            tracing::warn!(task = task_id, %error, "reminder letter not sent; will retry");
            let next = now + (RETRY_BASE_MS << (pending.attempts - 1).clamp(0, 10));
            claims::release(&w.pool, letter, worker, &error, next).await?;
            return Ok(false);
        }
        Sent::Retry(error) | Sent::Failed(error) => {
            tracing::warn!(task = task_id, %error, "reminder letter failed");
            (End::Failed, Some(error))
        }
        Sent::Uncertain(error) => {
            tracing::warn!(task = task_id, %error, "reminder letter uncertain");
            (End::Uncertain, Some(error))
        }
    };
    let at = crate::db::now_ms();
    claims::settle(&w.pool, letter, worker, end, error.as_deref(), at).await?;
    Ok(true)
}
