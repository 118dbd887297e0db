//! Keeps every enabled mailbox synced while the server runs: sync, then wait until a folder's IDLE watcher reports
//! news (that folder is synced) or the poll interval passes (all are; plain polling where IDLE is missing). Lost
//! connections reconnect with backoff; a refused login waits long, so a wrong password does not hammer the server,
//! and an OAuth2 mailbox whose refresh token was refused is left alone until an admin connects it again.
//! A lease in the database lets several instances share mailboxes without syncing one twice at a time.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{client, live, store, sync};
use crate::db::now_ms;
use crate::error::Error;
use crate::secrets::SecretBox;

const AFTER_AUTH_FAILURE: Duration = Duration::from_secs(15 * 60);
const MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);
const REFRESH: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Worker {
    pub pool: AnyPool,
    pub secrets: SecretBox,
    pub poll: Duration,
    pub fetch: sync::FetchLimits,
    /// Names this instance in leases.
    pub instance: String,
    /// Where each sync reports its progress (the console shows the initial one as a bar).
    pub progress: super::progress::SyncBoard,
    /// IMAP connections per mailbox, the syncing one included: the others IDLE on a folder each.
    pub connections: usize,
}

/// Starts the supervisor; it stops (and releases its leases) when `shutdown` turns true.
pub fn spawn(worker: Worker, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(supervise(worker, shutdown))
}

async fn supervise(worker: Worker, mut shutdown: watch::Receiver<bool>) {
    let mut tasks: HashMap<i64, (JoinHandle<()>, String)> = HashMap::new();
    loop {
        match super::mailbox_ids(&worker.pool).await {
            Ok(mailboxes) => {
                tasks.retain(|id, (task, print)| {
                    let keep = mailboxes
                        .iter()
                        .any(|(m, enabled, p)| m == id && *enabled && p == print)
                        && !task.is_finished();
                    if !keep {
                        task.abort();
                    }
                    keep
                });
                for (id, enabled, print) in mailboxes {
                    if enabled && !tasks.contains_key(&id) {
                        tasks.insert(id, (tokio::spawn(watch_mailbox(worker.clone(), id)), print));
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "mailbox list unavailable"),
        }
        tokio::select! {
            _ = tokio::time::sleep(REFRESH) => {}
            _ = shutdown.changed() => break,
        }
    }
    for (id, (task, _)) in tasks {
        task.abort();
        let _ = store::release_lease(&worker.pool, id, &worker.instance).await;
    }
}

fn lease_until(poll: Duration) -> i64 {
    now_ms() + 3 * poll.max(Duration::from_secs(60)).as_millis() as i64
}

async fn watch_mailbox(worker: Worker, id: i64) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match store::take_lease(&worker.pool, id, &worker.instance, lease_until(worker.poll)).await
        {
            Ok(true) => {}
            Ok(false) => {
                tokio::time::sleep(worker.poll).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(mailbox_id = id, error = %e, "lease unavailable");
                tokio::time::sleep(backoff).await;
                continue;
            }
        }
        let error = match session(&worker, id, &mut backoff).await {
            Ok(()) => return,
            Err(e) => e,
        };
        if let Error::Upstream {
            code: code @ ("oauth_reauthorization_needed" | "oauth_authorization_needed"),
            message,
        } = &error
        {
            // Only an admin's consent helps: no retries until then (the supervisor restarts it once authorized).
            tracing::warn!(mailbox_id = id, error = %message, "mailbox waits for OAuth2 consent");
            let _ = store::record_error(&worker.pool, id, code, message).await;
            let _ = store::release_lease(&worker.pool, id, &worker.instance).await;
            return;
        }
        let wait = match &error {
            Error::Upstream {
                code: "imap_auth_failed",
                ..
            } => AFTER_AUTH_FAILURE,
            _ => backoff,
        };
        tracing::warn!(mailbox_id = id, error = %error, retry_in = ?wait, "mailbox sync failed");
        if let Error::Upstream { code, message } = &error {
            let _ = store::record_error(&worker.pool, id, code, message).await;
        }
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection that syncs, with an IDLE watcher per folder within the connection limit (see `live`): sync
/// everything, then on news sync that folder only, and everything again at each poll, until an error.
async fn session(worker: &Worker, id: i64, backoff: &mut Duration) -> Result<(), Error> {
    let account = store::get(&worker.pool, id)
        .await?
        .ok_or(Error::NotFound("mailbox"))?;
    let mut session = super::open(&worker.pool, &worker.secrets, &account).await?;
    let idle = session
        .capabilities()
        .await
        .map_err(client::lost)?
        .has_str("IDLE");
    let folders = sync::folders_to_sync(&mut session, &account).await?;
    let mut live = live::Live::start(
        &worker.pool,
        &worker.secrets,
        id,
        folders,
        (idle, worker.connections),
        worker.poll,
    );
    let mut due: live::Due = None;
    loop {
        // A sync started from the console may be running already: this one then reports nothing.
        let tracker = worker.progress.begin(id);
        let on_event = |e| {
            if let Some(t) = &tracker {
                t.on(e)
            }
        };
        let result = sync::sync_folders(
            &worker.pool,
            &mut session,
            &account,
            due.as_deref(),
            worker.fetch,
            &on_event,
        )
        .await;
        if let Some(t) = tracker {
            t.finish(&result);
        }
        let report = result?;
        if report.fetched > 0 || report.gone > 0 || report.flags_changed > 0 {
            tracing::info!(
                mailbox_id = id,
                folders = report.folders,
                fetched = report.fetched,
                new = report.new_messages,
                gone = report.gone,
                flags_changed = report.flags_changed,
                "mailbox synced"
            );
        }
        *backoff = Duration::from_secs(1);
        if !store::take_lease(&worker.pool, id, &worker.instance, lease_until(worker.poll)).await? {
            return Err(Error::Unavailable("mailbox lease"));
        }
        (session, due) = live.wait(session).await?;
    }
}
