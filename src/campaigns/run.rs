//! One campaign run: `prepare` renders letters ahead while one task per SMTP connection claims a small chunk,
//! sends it and records its fates in the same transaction as the next chunk's claim. A crash between hand-over and
//! record leaves letters `claimed`; once their worker's heartbeat is stale they become `unknown` (reported, never
//! resent), so a kill leaves at most one chunk per connection unknown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Mutex};

use super::connection;
use super::limiter::RateLimiter;
use super::model::CampaignStatus;
use super::prepare::{self, Prepared};
use super::recorder::Recorder;
use super::render::Compiled;
use super::send::Sender;
use super::server::ServerSpec;
use super::store;
use super::store::queue;
use crate::db::now_ms;
use crate::error::Error;
use crate::smtp::Link;

/// Attempts of a letter that keeps getting 4xx (or finds no server) before it is failed.
pub(super) const MAX_ATTEMPTS: i64 = 6;

/// Letters a connection claims at once when no rate limit applies; two chunks per connection may be in doubt
/// after a crash (see `connection`).
pub const CHUNK: usize = 4;

/// Shared by the connections and the renderer of one campaign run.
pub struct Run {
    pub sender: Sender,
    pub campaign_id: i64,
    pub marketing: bool,
    pub from: String,
    pub bounce_base: String,
    pub verp_key: Vec<u8>,
    pub compiled: Compiled,
    pub(super) spec: ServerSpec,
    pub(super) limiter: RateLimiter,
    /// With a rate limit a letter is claimed only once it may go, one at a time.
    pub(super) chunk: usize,
    pub(super) halt: AtomicBool,
    /// Set when a failure may have been counted in `failures_in_row` since it was last cleared (and at start,
    /// for a run resumed after failures).
    pub(super) streak: AtomicBool,
    pub(super) stop: watch::Receiver<bool>,
    /// Records and claims for every connection, a group of requests per transaction: on SQLite a second writer
    /// would otherwise wait in the busy handler, which sleeps in steps of milliseconds.
    pub(super) recorder: Recorder,
}

impl Run {
    pub fn halted(&self) -> bool {
        self.halt.load(Ordering::Relaxed) || *self.stop.borrow()
    }

    pub(super) fn halt(&self) {
        self.halt.store(true, Ordering::Relaxed);
    }
}

pub(super) type Letters = Arc<Mutex<mpsc::Receiver<Prepared>>>;

/// Sends one campaign until it is done, paused, cancelled, or `stop` is set. Returns false, having sent nothing,
/// when another live worker runs it: one runner per campaign, so that its limits hold across instances.
pub async fn run_campaign(
    sender: &Sender,
    campaign_id: i64,
    stop: watch::Receiver<bool>,
) -> Result<bool, Error> {
    let (pool, me) = (&sender.db.pool, &sender.worker_id);
    // Beat first: a runner without a fresh heartbeat would look dead to the other instances at once.
    queue::heartbeat(pool, me).await?;
    if !queue::take_runner(pool, campaign_id, me, sender.settings.lease_ms).await? {
        return Ok(false);
    }
    let sent = send_campaign(sender, campaign_id, stop).await;
    if let Err(e) = queue::release_runner(pool, campaign_id, me).await {
        tracing::warn!(campaign = campaign_id, error = %e, "releasing the campaign failed");
    }
    sent.map(|()| true)
}

async fn send_campaign(
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
    let spec = match super::relays::spec(pool, &sender.settings, c.relay_id).await {
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
        streak: AtomicBool::new(true),
        stop: stop.clone(),
        recorder: Recorder::start(
            pool.clone(),
            campaign_id,
            sender.worker_id.clone(),
            c.view.marketing,
        ),
    });
    let mut connections: Vec<Option<Link>> = (0..slots).map(|_| None).collect();
    loop {
        let status = store::campaign(pool, campaign_id)
            .await?
            .map(|c| c.view.status);
        if *stop.borrow() || status != Some(CampaignStatus::Sending) {
            break;
        }
        // Still the runner? Another instance may have taken over while this one's heartbeat was stale.
        let lease = sender.settings.lease_ms;
        if !queue::take_runner(pool, campaign_id, &sender.worker_id, lease).await? {
            tracing::warn!(
                campaign = campaign_id,
                "another instance runs this campaign now"
            );
            break;
        }
        let (tx, rx) = mpsc::channel(2 * prepare::PAGE as usize);
        let letters: Letters = Arc::new(Mutex::new(rx));
        let producer = tokio::spawn(prepare::produce(run.clone(), tx));
        let mut handles = Vec::new();
        for conn in connections.drain(..) {
            handles.push(tokio::spawn(connection::run(
                run.clone(),
                letters.clone(),
                conn,
            )));
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
    for conn in connections.into_iter().flatten() {
        conn.quit().await;
    }
    Ok(())
}
