//! Every synced folder live: one IDLE connection per folder beside the connection that syncs, up to the mailbox's
//! connection limit (`MAILROOM_IMAP_CONNECTIONS`, the syncing one included); folders beyond it wait for the poll.
//! News on a folder (new mail, expunges, flag changes) asks for a sync of that folder only. A watcher whose
//! connection is lost or refused tries again with backoff, its folder meanwhile left to the poll.
//! IDLE per folder rather than NOTIFY (RFC 5465): async-imap parses no NOTIFY events and few servers offer it,
//! while IDLE works on every server that IDLEs at all; the price is a connection per folder, hence the limit.
//! With a limit of one the syncing connection IDLEs on the Inbox between syncs, as before.

use std::collections::BTreeSet;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use sqlx::AnyPool;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::client::{self, lost, Folder, ImapSession};
use super::store;
use crate::error::Error;
use crate::secrets::SecretBox;

/// IDLE is renewed well inside the 29 minutes after which servers may drop it (RFC 2177).
const IDLE_RENEW: Duration = Duration::from_secs(20 * 60);
const MAX_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// What the session waits on between syncs.
pub struct Live {
    folders: Vec<Folder>,
    /// The folder the syncing connection IDLEs on itself (only when there is no room for watchers).
    own: Option<Folder>,
    news: mpsc::Receiver<String>,
    /// Dropped with the session: its watchers end with it (and with the lease it held).
    _watchers: JoinSet<()>,
    poll: Duration,
    next_full: Instant,
}

/// Which folders to sync next: `None` for all of them.
pub type Due = Option<Vec<Folder>>;

impl Live {
    /// Starts a watcher per folder within `connections` (the syncing connection counts as one); without IDLE, none.
    pub fn start(
        pool: &AnyPool,
        secrets: &SecretBox,
        mailbox_id: i64,
        folders: Vec<Folder>,
        (idle, connections): (bool, usize),
        poll: Duration,
    ) -> Live {
        let (tx, news) = mpsc::channel(64);
        let mut watchers = JoinSet::new();
        let room = connections.saturating_sub(1);
        let own = if idle && room == 0 {
            folders.first().cloned()
        } else {
            None
        };
        if idle {
            for folder in folders.iter().take(room) {
                let (pool, secrets, tx) = (pool.clone(), secrets.clone(), tx.clone());
                let name = folder.name.clone();
                watchers.spawn(async move {
                    keep_watching(&pool, &secrets, mailbox_id, &name, &tx).await
                });
            }
        }
        Live {
            folders,
            own,
            news,
            _watchers: watchers,
            poll,
            next_full: Instant::now() + poll,
        }
    }

    /// Waits for news or the poll.
    pub async fn wait(&mut self, session: ImapSession) -> Result<(ImapSession, Due), Error> {
        let left = self.next_full.saturating_duration_since(Instant::now());
        let (session, first) = match self.own.clone() {
            Some(folder) => self.idle_here(session, &folder, left).await?,
            None => {
                let first = tokio::select! {
                    n = self.news.recv() => n,
                    _ = tokio::time::sleep(left) => None,
                };
                (session, first)
            }
        };
        let mut names = BTreeSet::new();
        let mut next = first;
        while let Some(news) = next {
            names.insert(news);
            next = self.news.try_recv().ok();
        }
        if names.is_empty() {
            self.next_full = Instant::now() + self.poll;
            return Ok((session, None));
        }
        let due = self
            .folders
            .iter()
            .filter(|f| names.contains(&f.name))
            .cloned()
            .collect();
        Ok((session, Some(due)))
    }

    /// IDLE on the syncing connection itself, interrupted by a watcher's news.
    async fn idle_here(
        &mut self,
        mut session: ImapSession,
        folder: &Folder,
        left: Duration,
    ) -> Result<(ImapSession, Option<String>), Error> {
        client::examine(&mut session, &folder.name).await?;
        let mut handle = session.idle();
        handle.init().await.map_err(lost)?;
        let news = {
            let (wait, stop) = handle.wait_with_timeout(left);
            tokio::pin!(wait);
            tokio::select! {
                r = &mut wait => match r.map_err(lost)? {
                    IdleResponse::NewData(_) => Some(folder.name.clone()),
                    _ => None,
                },
                n = self.news.recv() => {
                    drop(stop);
                    let _ = (&mut wait).await;
                    n
                }
            }
        };
        let session = handle.done().await.map_err(lost)?;
        Ok((session, news))
    }
}

/// A folder's watcher for as long as the session lasts: a lost or refused connection is tried again with backoff
/// (the folder meanwhile waits for the poll), so a server that allows fewer connections than configured still
/// leaves the session syncing.
async fn keep_watching(
    pool: &AnyPool,
    secrets: &SecretBox,
    mailbox_id: i64,
    folder: &str,
    news: &mpsc::Sender<String>,
) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let started = Instant::now();
        match watch_folder(pool, secrets, mailbox_id, folder, news).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(mailbox_id, folder, error = %e, retry_in = ?backoff, "folder watcher lost")
            }
        }
        if started.elapsed() > MAX_BACKOFF {
            backoff = Duration::from_secs(1);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One folder's own connection: IDLE, tell the session, IDLE again. Reports once on connecting, for mail that
/// arrived between the session's sync and this IDLE.
async fn watch_folder(
    pool: &AnyPool,
    secrets: &SecretBox,
    mailbox_id: i64,
    folder: &str,
    news: &mpsc::Sender<String>,
) -> Result<(), Error> {
    let account = store::get(pool, mailbox_id)
        .await?
        .ok_or(Error::NotFound("mailbox"))?;
    let mut session = super::open(pool, secrets, &account).await?;
    client::examine(&mut session, folder).await?;
    let mut first = true;
    loop {
        let mut handle = session.idle();
        handle.init().await.map_err(lost)?;
        if std::mem::take(&mut first) && news.send(folder.to_string()).await.is_err() {
            return Ok(());
        }
        let (wait, _stop) = handle.wait_with_timeout(IDLE_RENEW);
        let response = wait.await.map_err(lost)?;
        session = handle.done().await.map_err(lost)?;
        // What arrived around DONE was read into the unsolicited channel: it is news too.
        let mut more = false;
        while session.unsolicited_responses.try_recv().is_ok() {
            more = true;
        }
        if (matches!(response, IdleResponse::NewData(_)) || more)
            && news.send(folder.to_string()).await.is_err()
        {
            return Ok(());
        }
    }
}
