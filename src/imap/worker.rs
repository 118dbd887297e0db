//! Keeps every enabled mailbox synced while the server runs: sync, then wait until a folder's IDLE watcher reports
//! news (that folder is synced) or the poll interval passes (all are; plain polling where IDLE is missing). Lost
//! connections reconnect with backoff; a refused login waits long, so a wrong password does not hammer the server,
//! and an OAuth2 mailbox whose refresh token was refused is left alone until an admin connects it again.
//! Leases in the database split the mailboxes between instances (`lease`): each syncs only those it holds.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{client, lease, live, store, sync};
use crate::error::Error;
use crate::secrets::SecretBox;

const AFTER_AUTH_FAILURE: Duration = Duration::from_secs(15 * 60);
const MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

#[derive(Clone)]
pub struct Worker {
    pub pool: AnyPool,
    pub secrets: SecretBox,
    pub poll: Duration,
    pub fetch: sync::FetchLimits,
    /// Names this instance in leases.
    pub instance: String,
    /// How long a mailbox lease lasts unrenewed (see `lease`).
    pub lease: Duration,
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
    let mut holdings = lease::Holdings::new(
        worker.pool.clone(),
        worker.instance.clone(),
        worker.lease,
        worker.progress.clone(),
    );
    loop {
        let mailboxes = super::mailbox_ids(&worker.pool).await;
        holdings
            .round(mailboxes, |id| {
                tokio::spawn(watch_mailbox(worker.clone(), id))
            })
            .await;
        tokio::select! {
            _ = tokio::time::sleep(lease::round(worker.lease)) => {}
            _ = shutdown.changed() => break,
        }
    }
    holdings.shut_down().await;
}

/// Syncs one mailbox while the supervisor holds its lease (it aborts this task when the lease is lost or handed
/// over; the lease itself is the supervisor's business).
async fn watch_mailbox(worker: Worker, id: i64) {
    let mut backoff = Duration::from_secs(1);
    loop {
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
        if !store::lease::holds(&worker.pool, id, &worker.instance).await? {
            return Err(Error::Unavailable("mailbox lease"));
        }
        (session, due) = live.wait(session).await?;
    }
}
