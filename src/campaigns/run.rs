//! One campaign run: `prepare` renders letters ahead while one task per SMTP connection claims a small chunk,
//! sends it and records its fates in the same transaction as the next chunk's claim. A crash between hand-over and
//! record leaves letters `claimed`; once their worker's heartbeat is stale they become `unknown` (reported, never
//! resent), so a kill leaves at most one chunk per connection unknown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use tokio::sync::{mpsc, watch, Mutex};

use super::bounces::{self, BounceKind};
use super::changes;
use super::model::CampaignStatus;
use super::prepare::{self, Prepared};
use super::render::Compiled;
use super::send::Sender;
use super::smtp::{self, Outcome, RateLimiter, ServerSpec};
use super::store;
use super::store::claims::{self, Fate};
use super::store::queue;
use crate::db::now_ms;
use crate::error::Error;

/// Attempts of a letter that keeps getting 4xx (or finds no server) before it is failed.
const MAX_ATTEMPTS: i64 = 6;

/// Letters a connection claims at once when no rate limit applies.
pub const CHUNK: usize = 8;

/// Shared by the connections and the renderer of one campaign run.
pub struct Run {
    pub sender: Sender,
    pub campaign_id: i64,
    pub marketing: bool,
    pub from: String,
    pub bounce_base: String,
    pub verp_key: Vec<u8>,
    pub compiled: Compiled,
    spec: ServerSpec,
    limiter: RateLimiter,
    /// With a rate limit a letter is claimed only once it may go, one at a time.
    chunk: usize,
    halt: AtomicBool,
    stop: watch::Receiver<bool>,
    /// Taken around each connection's record-and-claim transaction: on SQLite a second writer would otherwise
    /// wait in the busy handler, which sleeps in steps of milliseconds.
    writes: Mutex<()>,
}

impl Run {
    pub fn halted(&self) -> bool {
        self.halt.load(Ordering::Relaxed) || *self.stop.borrow()
    }

    fn halt(&self) {
        self.halt.store(true, Ordering::Relaxed);
    }
}

type Letters = Arc<Mutex<mpsc::Receiver<Prepared>>>;

/// Sends one campaign until it is done, paused, cancelled, or `stop` is set.
pub async fn run_campaign(
    sender: &Sender,
    campaign_id: i64,
    stop: watch::Receiver<bool>,
) -> Result<(), Error> {
    let pool = &sender.db.pool;
    let Some(c) = store::campaign(pool, campaign_id).await? else {
        return Err(Error::NotFound("campaign"));
    };
    let template = store::template(pool, c.view.template_id)
        .await?
        .ok_or(Error::NotFound("template"))?;
    let compiled = Compiled::new(&template).map_err(Error::internal)?;
    let spec = match sender.settings.smtp_spec(c.smtp_url.as_deref()) {
        Ok(spec) => spec,
        Err(e) => {
            let running = [CampaignStatus::Sending];
            store::transition(
                pool,
                campaign_id,
                &running,
                CampaignStatus::Paused,
                Some(&e),
            )
            .await?;
            return Err(Error::internal(e));
        }
    };
    let limiter = RateLimiter::new(c.view.per_second, c.view.per_hour);
    limiter.preload(queue::sent_since(pool, campaign_id, now_ms() - 3_600_000).await?);
    let limited = limiter.is_limited() || spec.limits.is_limited() || spec.slots.is_some();
    let slots = c.view.concurrency.clamp(1, 32) as usize;
    let run = Arc::new(Run {
        sender: sender.clone(),
        campaign_id,
        marketing: c.view.marketing,
        bounce_base: sender.settings.bounce_base(&c.view.from_address),
        verp_key: store::key(pool, "verp").await?,
        from: c.view.from_address.clone(),
        compiled,
        spec,
        limiter,
        chunk: if limited { 1 } else { CHUNK },
        halt: AtomicBool::new(false),
        stop: stop.clone(),
        writes: Mutex::new(()),
    });
    let mut connections: Vec<Option<AsyncSmtpConnection>> = (0..slots).map(|_| None).collect();
    loop {
        let status = store::campaign(pool, campaign_id)
            .await?
            .map(|c| c.view.status);
        if *stop.borrow() || status != Some(CampaignStatus::Sending) {
            break;
        }
        let (tx, rx) = mpsc::channel(2 * prepare::PAGE as usize);
        let letters: Letters = Arc::new(Mutex::new(rx));
        let producer = tokio::spawn(prepare::produce(run.clone(), tx));
        let mut handles = Vec::new();
        for conn in connections.drain(..) {
            handles.push(tokio::spawn(connection(run.clone(), letters.clone(), conn)));
        }
        for handle in handles {
            connections.push(handle.await.map_err(Error::internal)?);
        }
        // Rendered letters nobody claimed (after a halt) stay pending; dropping the receiver also ends the
        // renderer should it wait for room.
        drop(letters);
        let seen = producer.await.map_err(Error::internal)?;
        if let Err(e) = &seen {
            tracing::warn!(campaign = campaign_id, error = %e, "reading due letters failed");
            run.halt();
        }
        if run.halt.swap(false, Ordering::Relaxed) {
            // Paused, cancelled or a database error: re-read the status (and back off) before going on.
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        if seen.unwrap_or(0) == 0 {
            let (next_at, claimed) = queue::open_work(pool, campaign_id).await?;
            if next_at.is_none() && claimed == 0 {
                let running = [CampaignStatus::Sending];
                store::transition(pool, campaign_id, &running, CampaignStatus::Done, None).await?;
                tracing::info!(campaign = campaign_id, "campaign done");
                break;
            }
            let wait = next_at.map_or(500, |at| (at - now_ms()).clamp(10, 500));
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
    }
    for mut conn in connections.into_iter().flatten() {
        let _ = conn.quit().await;
    }
    Ok(())
}

/// Up to `n` letters: waits for the first, takes the rest only if already rendered. Empty when none are left.
async fn next_chunk(letters: &Letters, n: usize) -> Vec<Prepared> {
    let mut rx = letters.lock().await;
    let mut chunk = Vec::with_capacity(n);
    if let Some(first) = rx.recv().await {
        chunk.push(first);
        while chunk.len() < n {
            match rx.try_recv() {
                Ok(p) => chunk.push(p),
                Err(_) => break,
            }
        }
    }
    chunk
}

/// One SMTP connection's loop: record the last chunk and claim the next in one transaction, then send it.
async fn connection(
    run: Arc<Run>,
    letters: Letters,
    mut conn: Option<AsyncSmtpConnection>,
) -> Option<AsyncSmtpConnection> {
    let pool = &run.sender.db.pool;
    let mut settled: Vec<(i64, Fate)> = Vec::new();
    let mut reset_failures = false;
    loop {
        let chunk = if run.halted() {
            Vec::new()
        } else {
            next_chunk(&letters, run.chunk).await
        };
        if run.chunk == 1 && !chunk.is_empty() {
            run.limiter.take().await;
            run.spec.limits.take().await;
        }
        let ids: Vec<i64> = chunk.iter().map(|p| p.due.id).collect();
        // Noted before the claim: a change after it is caught by the check before each letter.
        let epoch = changes::epoch();
        let writing = run.writes.lock().await;
        let claimed = claims::settle_and_claim(
            pool,
            run.campaign_id,
            &run.sender.worker_id,
            run.marketing,
            &settled,
            reset_failures,
            &ids,
        )
        .await;
        drop(writing);
        settled.clear();
        reset_failures = false;
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                // The letters stay claimed by this live worker; they are not resent.
                tracing::warn!(campaign = run.campaign_id, error = %e, "recording letters failed");
                run.halt();
                break;
            }
        };
        if chunk.is_empty() {
            break;
        }
        if claimed.len() < chunk.len() {
            let rest: Vec<i64> = ids
                .iter()
                .filter(|id| !claimed.contains(id))
                .copied()
                .collect();
            match claims::skip_unmailable(pool, &rest, run.marketing).await {
                // Not pending any more, or the campaign stopped sending: let the loop re-read the status.
                Ok(n) if (n as usize) < rest.len() => run.halt(),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "skipping suppressed letters failed");
                    run.halt();
                }
            }
        }
        for p in chunk.iter().filter(|p| claimed.contains(&p.due.id)) {
            let fate = if run.halted() {
                Fate::Released
            } else {
                send(&run, p, &mut conn, epoch).await
            };
            match &fate {
                Fate::Sent => reset_failures = true,
                Fate::Failed(_) => {
                    reset_failures = false;
                    count_failure(&run).await;
                }
                _ => {}
            }
            settled.push((p.due.id, fate));
        }
    }
    conn
}

/// Hands one claimed letter to SMTP and says what became of it.
async fn send(run: &Run, p: &Prepared, conn: &mut Option<AsyncSmtpConnection>, epoch: u64) -> Fate {
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
    match smtp::deliver(&run.spec, conn, &letter.envelope, &letter.bytes).await {
        Outcome::Accepted => Fate::Sent,
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
