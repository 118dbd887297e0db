//! The send loop. Each letter is rendered, then claimed in the database, then handed to SMTP, then recorded; a crash
//! between hand-over and record leaves it `claimed`, and once its worker's heartbeat is stale it becomes `unknown`
//! (reported, never resent). The server runs `worker`; `mailroom campaign send` runs `run_campaign` directly.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

pub use super::run::run_campaign;
use super::server::ServerLimits;
use super::store::queue;
use super::{store, unsubscribe};
use crate::db::Db;
use crate::secrets::SecretBox;

/// What every sender needs from the configuration.
pub struct Settings {
    pub mail_from: String,
    /// The configured bounce address; None: `bounces@` the From domain of each letter.
    pub bounce_address: Option<String>,
    /// The built-in relay `default`.
    pub smtp_url: Option<SecretString>,
    /// Opens the sealed URLs of stored relays (the key that seals mailbox passwords).
    pub secrets: SecretBox,
    /// Base of unsubscribe links, without a trailing slash.
    pub public_url: String,
    pub unsubscribe_key: Vec<u8>,
    pub lease_ms: i64,
    /// First retry delay after a 4xx; doubles per attempt.
    pub retry_base_ms: i64,
    /// Per-server rate limits and concurrency, over all campaigns of this app.
    pub server_limits: ServerLimits,
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

fn started() -> &'static Notify {
    static STARTED: OnceLock<Notify> = OnceLock::new();
    STARTED.get_or_init(Notify::new)
}

/// Tells this process's worker that a campaign started sending, so it need not wait for its next look.
pub fn wake_worker() {
    started().notify_one();
}

/// The server's background worker: sends every campaign in `sending` until shutdown.
pub async fn worker(sender: Sender, stop: watch::Receiver<bool>) {
    // The heartbeat outlives the runs: while letters are in flight, no other instance may take a campaign over.
    let (stop_beat, beat_stopped) = watch::channel(false);
    let beat = tokio::spawn({
        let sender = sender.clone();
        async move { sender.keep_alive(beat_stopped).await }
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
        // Back off while the database fails; otherwise look for newly started campaigns every second, or at once
        // when this process started or resumed one.
        let pause = Duration::from_secs(1 << failures.min(5));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.changed() => {}
            _ = started().notified() => {}
        }
    }
    for (_, handle) in running {
        let _ = handle.await;
    }
    let _ = stop_beat.send(true);
    let _ = beat.await;
}
