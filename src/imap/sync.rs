//! One sync of a mailbox: per folder, check UIDVALIDITY, fetch only UIDs above the stored high-water mark with
//! BODY.PEEK[] (nothing changes on the server), store each batch and advance the mark in the same transaction.
//! A crash or a dropped connection loses at most the batch in flight, which is fetched again next time.
//! Chunks are bounded by count and by bytes (from RFC822.SIZE); a message over the size limit is stored as its
//! headers (BODY.PEEK[HEADER]) with a marker, never skipped.

use std::sync::Arc;

use sqlx::AnyPool;

use super::client::{self, lost, sizes, ImapSession};
use super::model::SyncReport;
use super::pipeline;
use super::store::{self, Account};
use crate::error::Error;
use crate::linking;

/// How much a sync fetches at once, and the largest message it downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// Messages per FETCH and per transaction: small enough to keep memory flat, big enough to batch commits.
    pub chunk_messages: usize,
    /// Message bytes per FETCH and per transaction (a single message over it is a chunk of its own).
    pub chunk_bytes: u64,
    /// A larger message is stored as its headers with a marker (`truncated`), never downloaded.
    pub max_message_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            chunk_messages: 200,
            chunk_bytes: 64 << 20,
            max_message_bytes: 50_000_000,
        }
    }
}

impl FetchLimits {
    pub fn from_config(config: &crate::config::Config) -> Self {
        FetchLimits {
            chunk_bytes: config.imap_chunk_bytes.max(1),
            max_message_bytes: config.imap_max_message_bytes.max(1),
            ..FetchLimits::default()
        }
    }
}

/// What a sync reports as it goes (for progress bars).
#[derive(Debug, Clone)]
pub enum SyncEvent {
    Folder {
        name: String,
        messages: u64,
        bytes: u64,
    },
    Stored {
        bytes: u64,
    },
}

/// `1:3,7,9:10` from sorted UIDs.
pub fn uid_set(uids: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// The folders to sync: the configured ones, or Inbox and Sent by SPECIAL-USE.
pub async fn folders_to_sync(
    session: &mut ImapSession,
    account: &Account,
) -> Result<Vec<client::Folder>, Error> {
    let mut on_server = client::folders(session).await?;
    // Inbox first, then by name: a stable order for reports and tests.
    on_server.sort_by_key(|f| (f.role != "inbox", f.name.clone()));
    if account.mailbox.folders.is_empty() {
        return Ok(on_server
            .into_iter()
            .filter(|f| f.role == "inbox" || f.role == "sent")
            .collect());
    }
    account
        .mailbox
        .folders
        .iter()
        .map(|name| {
            on_server
                .iter()
                .find(|f| &f.name == name)
                .cloned()
                .ok_or_else(|| Error::Upstream {
                    code: "imap_folder_missing",
                    message: format!("folder '{name}' does not exist on the server"),
                })
        })
        .collect()
}

/// Syncs every folder of the mailbox over an open session.
pub async fn sync_session(
    pool: &AnyPool,
    session: &mut ImapSession,
    account: &Account,
    limits: FetchLimits,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, Error> {
    sync_folders(pool, session, account, None, limits, on_event).await
}

/// Syncs these folders (all of [`folders_to_sync`] when `None`): new mail, then expunges and flags.
pub async fn sync_folders(
    pool: &AnyPool,
    session: &mut ImapSession,
    account: &Account,
    only: Option<&[client::Folder]>,
    limits: FetchLimits,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, Error> {
    let mut report = SyncReport::default();
    let ctx = Arc::new(linking::Context::load(pool, Some(account.mailbox.id)).await?);
    client::enable_condstore(session).await?;
    let folders = match only {
        Some(folders) => folders.to_vec(),
        None => folders_to_sync(session, account).await?,
    };
    for folder in folders {
        sync_folder(
            pool,
            session,
            &ctx,
            &folder,
            account.fence,
            limits,
            &mut report,
            on_event,
        )
        .await?;
        super::changes::reconcile(pool, session, account.mailbox.id, &folder, &mut report).await?;
        report.folders += 1;
    }
    store::record_success(pool, account.mailbox.id, report.new_messages).await?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)] // the lease fence is the eighth: it travels with every chunk
async fn sync_folder(
    pool: &AnyPool,
    session: &mut ImapSession,
    ctx: &Arc<linking::Context>,
    folder: &client::Folder,
    fence: store::lease::Fence,
    limits: FetchLimits,
    report: &mut SyncReport,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<(), Error> {
    let mailbox_id = ctx.mailbox_id.unwrap_or_default();
    let state = store::folder(pool, mailbox_id, &folder.name, folder.role).await?;
    let selected = client::examine(session, &folder.name).await?;
    let uidvalidity = i64::from(selected.uid_validity.unwrap_or(0));
    let mut last_uid = state.last_uid;
    if state.uidvalidity != Some(uidvalidity) {
        if state.uidvalidity.is_some() {
            tracing::warn!(mailbox_id, folder = %folder.name, "UIDVALIDITY changed: reading the folder again");
            report.resynced_folders += 1;
        }
        store::reset_folder(pool, state.id, uidvalidity).await?;
        last_uid = 0;
    }
    if selected.exists == 0 {
        return Ok(());
    }
    let query = format!("UID {}:*", last_uid + 1);
    let mut uids: Vec<u32> = session
        .uid_search(&query)
        .await
        .map_err(lost)?
        .into_iter()
        .filter(|u| i64::from(*u) > last_uid)
        .collect();
    uids.sort_unstable();
    if uids.is_empty() {
        return Ok(());
    }
    let sizes = sizes(session, &uids).await?;
    drop(uids);
    on_event(SyncEvent::Folder {
        name: folder.name.clone(),
        messages: sizes.len() as u64,
        bytes: sizes.iter().map(|s| s.1).sum(),
    });
    let modseq = selected.highest_modseq.and_then(|m| i64::try_from(m).ok());
    let target = pipeline::Target {
        folder_id: state.id,
        uidvalidity,
        role: folder.role,
        modseq,
        fence,
    };
    pipeline::run(pool, session, ctx, &sizes, target, limits, report, on_event).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(super::uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(super::uid_set(&[5]), "5");
    }
}
