//! One SMTP connection's share of a campaign run. While it sends a chunk, the database records the previous
//! chunk's fates and claims the next chunk in one transaction, so the connection never waits for the database;
//! a letter is still claimed before SMTP sees it and recorded after. A kill leaves at most two chunks of a
//! connection in doubt (`unknown`, never resent): the one in flight and the one claimed next.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::bounces::{self, BounceKind};
use super::changes;
use super::prepare::Prepared;
use super::run::{Letters, Run, MAX_ATTEMPTS};
use super::server;
use super::store;
use super::store::claims::{self, Fate};
use crate::db::now_ms;
use crate::error::Error;
use crate::smtp::{Link, Outcome};

/// Up to `n` rendered letters; waits for the first only when `wait`. Empty when none are left (or none ready).
async fn take(letters: &Letters, n: usize, wait: bool) -> Vec<Prepared> {
    let mut rx = letters.lock().await;
    let mut chunk = Vec::with_capacity(n);
    if wait {
        match rx.recv().await {
            Some(first) => chunk.push(first),
            None => return chunk,
        }
    }
    while chunk.len() < n {
        match rx.try_recv() {
            Ok(p) => chunk.push(p),
            Err(_) => break,
        }
    }
    chunk
}

/// What a connection has sent but not yet recorded.
#[derive(Default)]
struct Sent {
    fates: Vec<(i64, Fate)>,
    reset_failures: bool,
}

/// Sends claimed letters in order, collecting their fates.
async fn send_all(
    run: &Run,
    letters: &[Prepared],
    conn: &mut Option<Link>,
    epoch: u64,
    sent: &mut Sent,
) {
    for p in letters {
        let fate = if run.halted() {
            Fate::Released
        } else {
            send(run, p, conn, epoch).await
        };
        let failed = matches!(fate, Fate::Failed(_));
        // The streak is cleared in the database only when a failure may have been counted since the last time.
        if fate == Fate::Sent && run.streak.swap(false, Ordering::Relaxed) {
            sent.reset_failures = true;
        }
        sent.fates.push((p.due.id, fate));
        if failed {
            // Recorded before it is counted: a campaign paused for failures never shows them still in flight.
            let record = std::mem::take(sent);
            let fates = record.fates.clone();
            if let Err(e) = record_and_claim(run, fates, record.reset_failures, Vec::new()).await {
                tracing::warn!(campaign = run.campaign_id, error = %e, "recording letters failed");
                // A streak reset that was in the lost record must be tried again.
                run.streak.store(true, Ordering::Relaxed);
                run.halt();
                *sent = record;
            }
            count_failure(run).await;
        }
    }
}

/// The connection's loop until no letters are left or the run halts.
pub async fn run(run: Arc<Run>, letters: Letters, mut conn: Option<Link>) -> Option<Link> {
    // With a rate limit a letter is claimed only once it may go, and sent before the next is claimed.
    let ahead = run.chunk > 1;
    let mut in_flight: Vec<Prepared> = Vec::new();
    let mut epoch = 0;
    let mut sent = Sent::default();
    loop {
        let next = if run.halted() {
            Vec::new()
        } else {
            take(&letters, run.chunk, in_flight.is_empty()).await
        };
        if !ahead && !next.is_empty() {
            run.limiter.take().await;
            run.spec.limits.take().await;
        }
        let ids: Vec<i64> = next.iter().map(|p| p.due.id).collect();
        // Noted before the claim: a change after it is caught by the check before each letter.
        let next_epoch = changes::epoch();
        let record = std::mem::take(&mut sent);
        let db = {
            let run = run.clone();
            let ids = ids.clone();
            tokio::spawn(async move {
                record_and_claim(&run, record.fates, record.reset_failures, ids).await
            })
        };
        send_all(&run, &in_flight, &mut conn, epoch, &mut sent).await;
        let claimed = match db.await.map_err(Error::internal).and_then(|r| r) {
            Ok(claimed) => claimed,
            Err(e) => {
                // Letters whose fate is not recorded stay claimed by this live worker; they are not resent.
                tracing::warn!(campaign = run.campaign_id, error = %e, "recording letters failed");
                // A streak reset that was in the lost record must be tried again.
                run.streak.store(true, Ordering::Relaxed);
                run.halt();
                break;
            }
        };
        if in_flight.is_empty() && next.is_empty() && sent.fates.is_empty() {
            break;
        }
        if claimed.len() < ids.len() {
            skip_unclaimed(&run, &ids, &claimed).await;
        }
        in_flight = next
            .into_iter()
            .filter(|p| claimed.contains(&p.due.id))
            .collect();
        epoch = next_epoch;
        if !ahead {
            // Recorded at once: the next letter may wait long for the rate limit.
            send_all(&run, &in_flight, &mut conn, epoch, &mut sent).await;
            in_flight.clear();
            let record = std::mem::take(&mut sent);
            if let Err(e) =
                record_and_claim(&run, record.fates, record.reset_failures, Vec::new()).await
            {
                tracing::warn!(campaign = run.campaign_id, error = %e, "recording letters failed");
                // A streak reset that was in the lost record must be tried again.
                run.streak.store(true, Ordering::Relaxed);
                run.halt();
                break;
            }
        }
    }
    conn
}

/// Letters of a chunk that could not be claimed: suppressed or without consent now (skipped), or no longer
/// pending, or their campaign stopped sending (the run halts to re-read its status).
async fn skip_unclaimed(run: &Run, ids: &[i64], claimed: &[i64]) {
    let rest: Vec<i64> = ids
        .iter()
        .filter(|id| !claimed.contains(id))
        .copied()
        .collect();
    match claims::skip_unmailable(&run.sender.db.pool, &rest, run.marketing).await {
        Ok(n) if (n as usize) < rest.len() => run.halt(),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "skipping suppressed letters failed");
            run.halt();
        }
    }
}

/// The fates of the last chunk, then the claim of the next, in one transaction (shared with the run's other
/// connections that are ready at the same moment).
async fn record_and_claim(
    run: &Run,
    settled: Vec<(i64, Fate)>,
    reset_failures: bool,
    ids: Vec<i64>,
) -> Result<Vec<i64>, Error> {
    run.recorder
        .record_and_claim(settled, reset_failures, ids)
        .await
}

/// Hands one claimed letter to SMTP and says what became of it.
async fn send(run: &Run, p: &Prepared, conn: &mut Option<Link>, epoch: u64) -> Fate {
    let pool = &run.sender.db.pool;
    if changes::epoch() != epoch {
        match claims::still_mailable(pool, p.due.id, run.marketing).await {
            Ok(true) => {}
            Ok(false) => return Fate::Skipped("address suppressed or consent withdrawn".into()),
            Err(e) => {
                tracing::warn!(error = %e, "re-checking a letter failed");
                run.halt();
                return Fate::Released;
            }
        }
    }
    // Held while the letter is in flight: a per-server concurrency limit over all campaigns.
    let _slot = match &run.spec.slots {
        Some(slots) => match slots.clone().acquire_owned().await {
            Ok(permit) => Some(permit),
            Err(_) => return Fate::Released,
        },
        None => None,
    };
    let letter = &p.letter;
    match server::deliver(&run.spec, conn, &letter.envelope, &letter.bytes).await {
        Outcome::Accepted(_) => Fate::Sent,
        Outcome::Retry(e) if p.due.attempts + 1 < MAX_ATTEMPTS => {
            let delay = run.sender.settings.retry_base_ms.max(1) << p.due.attempts.min(10);
            tracing::info!(recipient = p.due.id, error = %e, delay_ms = delay, "will retry");
            Fate::Retry {
                at: now_ms() + delay.min(3_600_000),
                error: e,
            }
        }
        Outcome::Retry(e) => Fate::Failed(e),
        Outcome::Deferred(code, text) if p.due.attempts + 1 < MAX_ATTEMPTS => {
            let delay = run.sender.settings.retry_base_ms.max(1) << p.due.attempts.min(10);
            tracing::info!(recipient = p.due.id, %code, error = %text, delay_ms = delay, "will retry");
            Fate::Retry {
                at: now_ms() + delay.min(3_600_000),
                error: text,
            }
        }
        // A 4xx until the last attempt: the mailbox is full or the domain keeps deferring, a soft bounce.
        Outcome::Deferred(code, text) => bounce(run, p, BounceKind::Soft, &code, text).await,
        Outcome::Refused(code, text) => bounce(run, p, BounceKind::Hard, &code, text).await,
        Outcome::Unknown(e) => {
            tracing::warn!(recipient = p.due.id, error = %e, "fate of a letter unknown; not resending");
            Fate::Unknown(e)
        }
    }
}

async fn bounce(run: &Run, p: &Prepared, kind: BounceKind, code: &str, text: String) -> Fate {
    let ids = Some((run.campaign_id, p.due.id));
    let pool = &run.sender.db.pool;
    if let Err(e) = bounces::record_bounce(pool, &p.due.address, kind, code, &text, ids).await {
        tracing::warn!(error = %e, "recording a bounce failed");
    }
    Fate::Failed(text)
}

async fn count_failure(run: &Run) {
    // Set first: a success recorded while the count is written must clear it.
    run.streak.store(true, Ordering::Relaxed);
    match store::count_failure(&run.sender.db.pool, run.campaign_id).await {
        Ok(true) => {
            tracing::warn!(
                campaign = run.campaign_id,
                "paused: too many failures in a row"
            );
            run.halt();
        }
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "counting a failure failed");
            run.halt();
        }
    }
}
