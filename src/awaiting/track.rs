//! Tracking: which client mail waits for our reply. A pass reads the messages stored since the shared cursor and
//! decides each thread they touch, one transaction per thread holding that thread's turn, so any number of
//! instances (and the list routes catching up) may run passes at once without double rows or lost answers.
//!
//! Why a worker over the messages table rather than a step in ingest: ingest lives in `imap`/`mail`/`linking`,
//! below this layer, and a lower layer never calls a higher one; the cursor also picks up mail that arrives by
//! any path (sync, the CLI, logging from Outlook) with one rule. Mail linked later (a record created after its
//! mail, a link by hand, a conversion, a class corrected) is queued by database triggers for the same reason, and
//! its thread decided again: a late link starts the wait (overdue at once when the mail is old), moves it to the
//! contact now linked, or ends it when the mail no longer waits.

use sqlx::AnyPool;

use super::hours::WorkingTime;
use super::model::ReplyPolicy;
use super::store::late::{self, OpenWait};
use super::store::{self, NewWait, ThreadMail};
use crate::crm::RecordKind;
use crate::error::Error;

/// Messages read per pass.
const BATCH: i64 = 500;
/// Messages stored this recently are looked at again (late commits on PostgreSQL, see `store::recent_threads`).
const LOOKBACK_MS: i64 = 2 * 60 * 1000;
/// … among this many ids below the cursor.
const LOOKBACK_IDS: i64 = 5000;
/// Client mail older than this when first seen (a mailbox's history at its first sync) starts no wait.
const STALE_MS: i64 = 30 * 24 * 3600 * 1000;

/// The message ids one worker has decided lately, so that its look back at recent ids only takes the ones it
/// never saw (committed after the cursor passed them, or read by another instance or a list request).
#[derive(Default)]
pub struct Seen {
    ids: std::collections::BTreeSet<i64>,
}

impl Seen {
    fn keep_from(&mut self, low: i64) {
        self.ids = self.ids.split_off(&low);
    }
}

/// One pass; answers how many new messages (or queued ones) it read (BATCH: there may be more). With `seen` (the worker) it also
/// looks back at messages stored lately below the cursor that it has not decided yet.
pub async fn pass(pool: &AnyPool, seen: Option<&mut Seen>) -> Result<usize, Error> {
    let cursor = store::cursor(pool).await?;
    let fresh = store::new_messages(pool, cursor, BATCH).await?;
    let rechecks = late::rechecks(pool, BATCH).await?;
    let real_now = crate::db::now_ms();
    let mut threads: Vec<i64> = fresh.iter().filter_map(|(_, t)| *t).collect();
    threads.extend(rechecks.iter().filter_map(|(_, t)| *t));
    if let Some(seen) = seen {
        let low = cursor - LOOKBACK_IDS;
        let recent = store::recent_messages(pool, low, cursor, real_now - LOOKBACK_MS).await?;
        threads.extend(
            recent
                .iter()
                .filter(|(id, _)| !seen.ids.contains(id))
                .filter_map(|(_, t)| *t),
        );
        seen.keep_from(low);
        seen.ids
            .extend(recent.iter().chain(&fresh).map(|(id, _)| *id));
    }
    threads.sort_unstable();
    threads.dedup();
    for thread in threads {
        decide_thread(pool, thread, real_now).await?;
    }
    if let Some((last, _)) = fresh.last() {
        store::advance_cursor(pool, *last).await?;
    }
    let decided: Vec<i64> = rechecks.iter().map(|(id, _)| *id).collect();
    late::drop_rechecks(pool, &decided).await?;
    Ok(fresh.len().max(rechecks.len()))
}

/// Passes until the cursor is at the end (at most `max` passes).
pub async fn catch_up(
    pool: &AnyPool,
    max: usize,
    mut seen: Option<&mut Seen>,
) -> Result<(), Error> {
    for _ in 0..max {
        if pass(pool, seen.as_deref_mut()).await? < BATCH as usize {
            break;
        }
    }
    Ok(())
}

/// When a message happened: its Date, but never after we stored it (a sender's clock may run ahead).
fn at(m: &ThreadMail) -> i64 {
    m.sent_at.unwrap_or(m.received_at).min(m.received_at)
}

/// What a thread's messages say: the open wait's answer (our first outgoing mail at or after it), and the client
/// mail a new wait starts from (the earliest human mail from a contact or lead after our last outgoing one).
#[derive(Debug, PartialEq, Eq)]
pub struct Decision {
    /// `(answered_at, answering message)`
    pub answer: Option<(i64, i64)>,
    /// The client mail a new wait starts from.
    pub start: Option<Start>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Start {
    pub at: i64,
    pub message_id: i64,
    pub kind: RecordKind,
    pub record_id: i64,
}

pub fn decide(mail: &[ThreadMail], open_since: Option<i64>) -> Decision {
    let mut outgoing: Vec<(i64, i64)> = mail
        .iter()
        .filter(|m| m.outgoing)
        .map(|m| (at(m), m.id))
        .collect();
    outgoing.sort_unstable();
    let answer = open_since.and_then(|since| outgoing.iter().copied().find(|(t, _)| *t >= since));
    if open_since.is_some() && answer.is_none() {
        return Decision {
            answer,
            start: None,
        };
    }
    let last_out = outgoing.last().map(|(t, _)| *t);
    let start = mail
        .iter()
        .filter(|m| !m.outgoing && m.human && last_out.is_none_or(|o| at(m) > o))
        .filter_map(|m| {
            let (kind, record_id) = record_of(m)?;
            Some(Start {
                at: at(m),
                message_id: m.id,
                kind,
                record_id,
            })
        })
        .min_by_key(|s| (s.at, s.message_id));
    Decision { answer, start }
}

/// The record a client's message waits on: a contact first, else a lead.
fn record_of(m: &ThreadMail) -> Option<(RecordKind, i64)> {
    match (m.contact_id, m.lead_id) {
        (Some(c), _) => Some((RecordKind::Contact, c)),
        (None, Some(l)) => Some((RecordKind::Lead, l)),
        (None, None) => None,
    }
}

/// What the thread's messages, as linked now, say of its open wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Reassess {
    Keep,
    /// Its mail no longer waits: unlinked, its record deleted, no longer human or incoming.
    Drop,
    /// Its mail now waits on another record (a contact linked to a lead's mail, a converted lead).
    Move(RecordKind, i64),
}

pub fn reassess(mail: &[ThreadMail], open: &OpenWait) -> Reassess {
    // Not among the thread's first messages read (a huge thread): nothing is known against it.
    let Some(m) = mail.iter().find(|m| m.id == open.message_id) else {
        return Reassess::Keep;
    };
    if m.outgoing || !m.human {
        return Reassess::Drop;
    }
    match record_of(m) {
        None => Reassess::Drop,
        Some((kind, id)) if kind.as_str() == open.record_kind && id == open.record_id => {
            Reassess::Keep
        }
        Some((kind, id)) => Reassess::Move(kind, id),
    }
}

async fn decide_thread(pool: &AnyPool, thread_id: i64, real_now: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    store::take_thread(&mut tx, thread_id).await?;
    let mail = store::thread_mail(&mut tx, thread_id).await?;
    let mut open = late::open_wait(&mut tx, thread_id).await?;
    if let Some(wait) = &open {
        match reassess(&mail, wait) {
            Reassess::Keep => {}
            Reassess::Drop => {
                late::drop_wait(&mut tx, wait.id).await?;
                open = None;
            }
            Reassess::Move(kind, record_id) => {
                let owner_id = crate::crm::access::owner_of(&mut tx, kind, record_id).await?;
                let due_at = working_time(&mut tx, owner_id)
                    .await?
                    .due_at(wait.received_at);
                let to = (kind.as_str(), record_id);
                late::move_wait(&mut tx, wait.id, to, owner_id, due_at).await?;
            }
        }
    }
    let decision = decide(&mail, open.as_ref().map(|w| w.received_at));
    if let (Some(wait), Some((answered_at, by))) = (&open, decision.answer) {
        store::answer(&mut tx, wait.id, answered_at, by).await?;
    }
    if let Some(Start {
        at: received_at,
        message_id,
        kind,
        record_id,
    }) = decision.start
    {
        if received_at >= real_now - STALE_MS {
            let owner_id = crate::crm::access::owner_of(&mut tx, kind, record_id).await?;
            let due_at = working_time(&mut tx, owner_id).await?.due_at(received_at);
            let wait = NewWait {
                thread_id,
                message_id,
                record_kind: kind.as_str(),
                record_id,
                owner_id,
                received_at,
                due_at,
            };
            store::insert_wait(&mut tx, &wait, real_now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The working time that times `owner`'s replies; a stored policy that no longer parses falls back to the default
/// (logged), so one bad row cannot stop tracking.
pub async fn working_time(
    conn: &mut sqlx::AnyConnection,
    owner: Option<i64>,
) -> Result<WorkingTime, Error> {
    let stored = store::policy_for_owner(conn, owner).await?;
    let parsed = stored
        .as_deref()
        .map(|text| serde_json::from_str::<ReplyPolicy>(text).map_err(Error::internal))
        .transpose()
        .and_then(|p| WorkingTime::parse(&p.unwrap_or_default()));
    match parsed {
        Ok(w) => Ok(w),
        Err(error) => {
            tracing::warn!(%error, ?owner, "stored reply policy unreadable; the default applies");
            WorkingTime::parse(&ReplyPolicy::default())
        }
    }
}

/// Times every open wait anew under the policies now in force (after a policy change), owner by owner.
pub async fn retime(pool: &AnyPool) -> Result<(), Error> {
    let mut policies: std::collections::HashMap<Option<i64>, WorkingTime> = Default::default();
    let mut conn = pool.acquire().await?;
    for (id, owner, received_at) in store::open_waits(pool).await? {
        let due = match policies.entry(owner) {
            std::collections::hash_map::Entry::Occupied(known) => known.get().due_at(received_at),
            std::collections::hash_map::Entry::Vacant(new) => new
                .insert(working_time(&mut conn, owner).await?)
                .due_at(received_at),
        };
        store::set_due(&mut conn, id, due).await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "track_tests.rs"]
mod tests;
