//! The send loop. Each letter is rendered, then claimed in the database, then handed to SMTP, then recorded; a crash
//! between hand-over and record leaves it `claimed`, and once its worker's heartbeat is stale it becomes `unknown`
//! (reported, never resent). The server runs `worker`; `mailroom campaign send` runs `run_campaign` directly.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::bounces::{self, BounceKind};
use super::letter::{self, Addressing};
use super::model::CampaignStatus;
use super::render::Compiled;
use super::smtp::{self, Outcome, RateLimiter, ServerSpec};
use super::store::audience;
use super::store::queue::{self, Due};
use super::{segment, store, unsubscribe};
use crate::db::{now_ms, Db};
use crate::error::Error;

/// Attempts of a letter that keeps getting 4xx (or finds no server) before it is failed.
const MAX_ATTEMPTS: i64 = 6;

/// What every sender needs from the configuration.
pub struct Settings {
    pub mail_from: String,
    /// The configured bounce address; None: `bounces@` the From domain of each letter.
    pub bounce_address: Option<String>,
    pub smtp_url: Option<SecretString>,
    /// Base of unsubscribe links, without a trailing slash.
    pub public_url: String,
    pub unsubscribe_key: Vec<u8>,
    pub lease_ms: i64,
    /// First retry delay after a 4xx; doubles per attempt.
    pub retry_base_ms: i64,
}

impl Settings {
    /// The VERP base for letters from `from` (`Name <news@nordwind.ru>` -> `bounces@nordwind.ru`).
    pub fn bounce_base(&self, from: &str) -> String {
        if let Some(address) = &self.bounce_address {
            return address.clone();
        }
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').trim())
            .filter(|d| !d.is_empty())
            .unwrap_or("localhost");
        format!("bounces@{domain}")
    }

    pub fn unsubscribe_url(&self, campaign_id: i64, recipient_id: i64, address: &str) -> String {
        let token = unsubscribe::token(&self.unsubscribe_key, campaign_id, recipient_id, address);
        format!("{}/u/{token}", self.public_url)
    }

    pub fn smtp_spec(&self, own: Option<&str>) -> Result<ServerSpec, String> {
        let url = own
            .map(str::to_string)
            .or_else(|| {
                self.smtp_url
                    .as_ref()
                    .map(|s| s.expose_secret().to_string())
            })
            .ok_or("no SMTP server: set MAILROOM_SMTP_URL or the campaign's smtp_url")?;
        ServerSpec::parse(&url)
    }
}

#[derive(Clone)]
pub struct Sender {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Names this process in claims; random per start so a restarted process never owns a dead one's claims.
    pub worker_id: String,
}

impl Sender {
    pub fn new(db: Db, settings: Arc<Settings>) -> Sender {
        let worker_id = format!("{:016x}", rand::random::<u64>());
        Sender {
            db,
            settings,
            worker_id,
        }
    }

    /// Beats until `stop`, and turns the claims of dead workers into `unknown`.
    pub async fn keep_alive(&self, mut stop: watch::Receiver<bool>) {
        let pool = &self.db.pool;
        let period = Duration::from_millis((self.settings.lease_ms / 4).clamp(100, 5_000) as u64);
        loop {
            if let Err(e) = queue::heartbeat(pool, &self.worker_id).await {
                tracing::warn!(error = %e, "send worker heartbeat failed");
            }
            match queue::orphans_to_unknown(pool, self.settings.lease_ms).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    letters = n,
                    "letters of a stopped sender are now 'unknown' (maybe delivered, not resent)"
                ),
                Err(e) => tracing::warn!(error = %e, "recovering claims failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = stop.changed() => break,
            }
        }
        let _ = queue::retire(pool, &self.worker_id).await;
    }
}

/// The server's background worker: sends every campaign in `sending` until shutdown.
pub async fn worker(sender: Sender, stop: watch::Receiver<bool>) {
    let beat = tokio::spawn({
        let sender = sender.clone();
        let stop = stop.clone();
        async move { sender.keep_alive(stop).await }
    });
    let mut running: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let mut failures = 0u32;
    let mut wake = stop.clone();
    while !*stop.borrow() {
        running.retain(|_, h| !h.is_finished());
        match store::sending_campaigns(&sender.db.pool).await {
            Ok(ids) => {
                failures = 0;
                for id in ids {
                    if running.contains_key(&id) {
                        continue;
                    }
                    let (sender, stop) = (sender.clone(), stop.clone());
                    running.insert(
                        id,
                        tokio::spawn(async move {
                            if let Err(e) = run_campaign(&sender, id, stop).await {
                                tracing::error!(campaign = id, error = %e, "campaign send stopped");
                            }
                        }),
                    );
                }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, "listing campaigns to send failed");
            }
        }
        // Back off while the database fails; otherwise look for newly started campaigns every second.
        let pause = Duration::from_secs(1 << failures.min(5));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.changed() => {}
        }
    }
    for (_, handle) in running {
        let _ = handle.await;
    }
    let _ = beat.await;
}

/// Shared by the slots of one campaign run.
struct Run {
    sender: Sender,
    campaign_id: i64,
    marketing: bool,
    from: String,
    compiled: Compiled,
    spec: ServerSpec,
    limiter: RateLimiter,
    halt: AtomicBool,
}

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
    let slots = c.view.concurrency.clamp(1, 32) as usize;
    let run = Arc::new(Run {
        sender: sender.clone(),
        campaign_id,
        marketing: c.view.marketing,
        from: c.view.from_address.clone(),
        compiled,
        spec,
        limiter,
        halt: AtomicBool::new(false),
    });
    let mut connections: Vec<Option<AsyncSmtpConnection>> = (0..slots).map(|_| None).collect();
    loop {
        let status = store::campaign(pool, campaign_id)
            .await?
            .map(|c| c.view.status);
        if *stop.borrow() || status != Some(CampaignStatus::Sending) {
            break;
        }
        let batch = queue::due(pool, campaign_id, (slots * 16) as i64).await?;
        if batch.is_empty() {
            let (next_at, claimed) = queue::open_work(pool, campaign_id).await?;
            if next_at.is_none() && claimed == 0 {
                let running = [CampaignStatus::Sending];
                store::transition(pool, campaign_id, &running, CampaignStatus::Done, None).await?;
                tracing::info!(campaign = campaign_id, "campaign done");
                break;
            }
            let wait = next_at.map_or(500, |at| (at - now_ms()).clamp(10, 500));
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
            continue;
        }
        let work = Arc::new(Mutex::new(VecDeque::from(batch)));
        let mut handles = Vec::new();
        for mut conn in connections.drain(..) {
            let (run, work, stop) = (run.clone(), work.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                loop {
                    if run.halt.load(Ordering::Relaxed) || *stop.borrow() {
                        break;
                    }
                    let Some(due) = work.lock().expect("work lock").pop_front() else {
                        break;
                    };
                    if let Err(e) = send_one(&run, &due, &mut conn).await {
                        tracing::warn!(recipient = due.id, error = %e, "send step failed");
                        run.halt.store(true, Ordering::Relaxed);
                    }
                }
                conn
            }));
        }
        for handle in handles {
            connections.push(handle.await.map_err(Error::internal)?);
        }
        if run.halt.swap(false, Ordering::Relaxed) {
            // Paused, cancelled or a database error: re-read the status (and back off) before going on.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for mut conn in connections.into_iter().flatten() {
        let _ = conn.quit().await;
    }
    Ok(())
}

/// Renders, claims, sends and records one letter.
async fn send_one(
    run: &Run,
    due: &Due,
    conn: &mut Option<AsyncSmtpConnection>,
) -> Result<(), Error> {
    let s = &run.sender;
    let pool = &s.db.pool;
    let Some(member) = audience::member(pool, due.contact_id).await? else {
        queue::close_pending(pool, due.id, "failed", "the contact no longer exists").await?;
        return Ok(());
    };
    if run.marketing && member.consent != Some(true) {
        // Consent withdrawn in the CRM after the campaign started.
        queue::close_pending(pool, due.id, "skipped", "no marketing consent").await?;
        return Ok(());
    }
    let url = s
        .settings
        .unsubscribe_url(run.campaign_id, due.id, &due.address);
    let letter = run
        .compiled
        .render(&segment::context(&member, &due.address, &url))
        .and_then(|rendered| {
            letter::build(
                &Addressing {
                    from: &run.from,
                    to_name: &member.name,
                    to: &due.address,
                    bounce_base: &s.settings.bounce_base(&run.from),
                    campaign_id: run.campaign_id,
                    recipient_id: due.id,
                    unsubscribe_url: Some(&url),
                },
                &rendered,
            )
        });
    let letter = match letter {
        Ok(letter) => letter,
        Err(e) => {
            queue::close_pending(pool, due.id, "failed", &e).await?;
            return Ok(());
        }
    };
    run.limiter.take().await;
    run.spec.limits.take().await;
    // Held until the letter's fate is recorded; taken before the claim so that no claim waits for it.
    let _slot = match &run.spec.slots {
        Some(slots) => Some(
            slots
                .clone()
                .acquire_owned()
                .await
                .map_err(Error::internal)?,
        ),
        None => None,
    };
    if !queue::claim(pool, due.id, run.campaign_id, &s.worker_id).await? {
        if !queue::skip_if_suppressed(pool, due.id).await? {
            // Not pending any more, or the campaign stopped sending: let the loop re-read the status.
            run.halt.store(true, Ordering::Relaxed);
        }
        return Ok(());
    }
    let worker = s.worker_id.as_str();
    match smtp::deliver(&run.spec, conn, &letter.envelope, &letter.bytes).await {
        Outcome::Accepted => {
            queue::settle(pool, due.id, worker, "sent", None).await?;
            store::reset_failures(pool, run.campaign_id).await?;
        }
        Outcome::Retry(e) if due.attempts + 1 < MAX_ATTEMPTS => {
            let delay = s.settings.retry_base_ms.max(1) << due.attempts.min(10);
            let at = now_ms() + delay.min(3_600_000);
            tracing::info!(recipient = due.id, error = %e, delay_ms = delay, "will retry");
            queue::retry_at(pool, due.id, worker, at, &e).await?;
        }
        Outcome::Retry(e) => {
            queue::settle(pool, due.id, worker, "failed", Some(&e)).await?;
            count_failure(run).await?;
        }
        Outcome::Refused(code, text) => {
            queue::settle(pool, due.id, worker, "failed", Some(&text)).await?;
            let ids = Some((run.campaign_id, due.id));
            bounces::record_bounce(pool, &due.address, BounceKind::Hard, &code, &text, ids).await?;
            count_failure(run).await?;
        }
        Outcome::Unknown(e) => {
            tracing::warn!(recipient = due.id, error = %e, "fate of a letter unknown; not resending");
            queue::settle(pool, due.id, worker, "unknown", Some(&e)).await?;
        }
    }
    Ok(())
}

async fn count_failure(run: &Run) -> Result<(), Error> {
    if store::count_failure(&run.sender.db.pool, run.campaign_id).await? {
        tracing::warn!(
            campaign = run.campaign_id,
            "paused: too many failures in a row"
        );
        run.halt.store(true, Ordering::Relaxed);
    }
    Ok(())
}
