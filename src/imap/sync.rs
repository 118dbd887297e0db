//! One sync of a mailbox: per folder, check UIDVALIDITY, fetch only UIDs above the stored high-water mark with
//! BODY.PEEK[] (nothing changes on the server), store each batch and advance the mark in the same transaction.
//! A crash or a dropped connection loses at most the batch in flight, which is fetched again next time.

use std::sync::Arc;

use futures::TryStreamExt;
use sqlx::AnyPool;
use tokio::task::JoinHandle;

use super::client::{self, lost, ImapSession};
use super::model::SyncReport;
use super::store::{self, Account};
use crate::error::Error;
use crate::linking;
use crate::mail;
use crate::mail::model::{Incoming, Location};
use crate::mail::parse::{self, Parsed};

/// Messages per FETCH and per transaction: small enough to keep memory flat, big enough to batch commits.
const BATCH: usize = 200;

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
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, Error> {
    let mut report = SyncReport::default();
    let ctx = Arc::new(linking::Context::load(pool, Some(account.mailbox.id)).await?);
    for folder in folders_to_sync(session, account).await? {
        sync_folder(pool, session, &ctx, &folder, &mut report, on_event).await?;
        report.folders += 1;
    }
    store::record_success(pool, account.mailbox.id, report.new_messages).await?;
    Ok(report)
}

async fn sync_folder(
    pool: &AnyPool,
    session: &mut ImapSession,
    ctx: &Arc<linking::Context>,
    folder: &client::Folder,
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
    let sizes: u64 = session
        .uid_fetch(uid_set(&uids), "RFC822.SIZE")
        .await
        .map_err(lost)?
        .try_fold(0u64, |sum, f| async move {
            Ok(sum + u64::from(f.size.unwrap_or(0)))
        })
        .await
        .map_err(lost)?;
    on_event(SyncEvent::Folder {
        name: folder.name.clone(),
        messages: uids.len() as u64,
        bytes: sizes,
    });
    let modseq = selected.highest_modseq.and_then(|m| i64::try_from(m).ok());
    let target = Target {
        folder_id: state.id,
        uidvalidity,
        role: folder.role,
        modseq,
    };
    // The next chunk is fetched and parsed while the previous one is stored: the IMAP server, the parser and the
    // database work at the same time. Chunks still commit one after another, in UID order.
    let mut storing: Option<JoinHandle<Result<Vec<u64>, Error>>> = None;
    for chunk in uids.chunks(BATCH) {
        let started = std::time::Instant::now();
        let fetched = fetch(session, chunk).await;
        let fetch_ms = started.elapsed().as_millis();
        // Parsed before waiting for the previous chunk's store, so that parsing and storing overlap.
        let parsed = match fetched {
            Ok(fetched) => tokio::task::spawn_blocking(move || {
                fetched
                    .into_iter()
                    .map(|(uid, raw)| (uid, parse::parse(&raw), raw))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(Error::internal),
            Err(e) => Err(e),
        };
        let parse_ms = started.elapsed().as_millis() - fetch_ms;
        // A chunk that failed to fetch still lets the previous one finish and count first.
        let finished = match storing.take() {
            Some(handle) => Some(handle.await.map_err(Error::internal)?),
            None => None,
        };
        if let Some(sizes) = finished.transpose()? {
            note_stored(&sizes, report, on_event);
        }
        let parsed = parsed?;
        tracing::debug!(
            fetch_ms,
            parse_ms,
            wait_ms = started.elapsed().as_millis() - fetch_ms - parse_ms,
            "chunk fetched"
        );
        // Every UID of the chunk is now fetched or gone from the server: the mark may pass them all.
        let high = i64::from(*chunk.last().expect("chunks are not empty"));
        let (pool, ctx) = (pool.clone(), ctx.clone());
        storing = Some(tokio::spawn(async move {
            store_chunk(&pool, &ctx, target, high, parsed).await
        }));
    }
    if let Some(handle) = storing {
        let sizes = handle.await.map_err(Error::internal)??;
        note_stored(&sizes, report, on_event);
    }
    Ok(())
}

/// Where a chunk's messages were seen.
#[derive(Clone, Copy)]
struct Target {
    folder_id: i64,
    uidvalidity: i64,
    role: &'static str,
    modseq: Option<i64>,
}

async fn fetch(session: &mut ImapSession, chunk: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, Error> {
    session
        .uid_fetch(uid_set(chunk), "(UID BODY.PEEK[])")
        .await
        .map_err(lost)?
        .try_filter_map(|f| async move {
            Ok(f.uid
                .map(|uid| (uid, f.body().unwrap_or_default().to_vec())))
        })
        .try_collect()
        .await
        .map_err(lost)
}

/// Stores a chunk and advances the folder's mark in one transaction; returns each message's size and whether it
/// was new (as `size << 1 | new`).
async fn store_chunk(
    pool: &AnyPool,
    ctx: &linking::Context,
    target: Target,
    high: i64,
    parsed: Vec<(u32, Parsed, Vec<u8>)>,
) -> Result<Vec<u64>, Error> {
    let classified: Vec<linking::Classified> = parsed
        .iter()
        .map(|(_, p, _)| linking::Classified::new(ctx, p, target.role))
        .collect();
    let items: Vec<Incoming> = parsed
        .iter()
        .zip(&classified)
        .map(|((uid, p, raw), c)| Incoming {
            parsed: p,
            raw,
            location: Some(Location {
                folder_id: target.folder_id,
                uidvalidity: target.uidvalidity,
                uid: i64::from(*uid),
            }),
            class: Some(c.columns(ctx)),
        })
        .collect();
    let started = std::time::Instant::now();
    let mut tx = crate::db::begin(pool).await?;
    let stored = mail::store_batch(&mut tx, &items).await?;
    let store_ms = started.elapsed().as_millis();
    let new: Vec<linking::NewMail> = stored
        .iter()
        .zip(&parsed)
        .zip(&classified)
        .filter(|((s, _), _)| s.new)
        .map(|((s, (_, p, _)), c)| linking::NewMail {
            message_id: s.message_id,
            parsed: p,
            classified: c,
        })
        .collect();
    let bounces = linking::on_new_messages(&mut tx, ctx, &new).await?;
    store::advance_folder(&mut tx, target.folder_id, high, target.modseq).await?;
    let link_ms = started.elapsed().as_millis() - store_ms;
    tx.commit().await?;
    tracing::debug!(
        store_ms,
        link_ms,
        commit_ms = started.elapsed().as_millis() - store_ms - link_ms,
        "chunk stored"
    );
    // After commit: suppression writes on its own connection (a second writer inside our SQLite transaction
    // would wait for it forever). A crash here loses only the suppression; the stored DSN still shows it.
    for bounce in &bounces {
        linking::record_bounce(pool, bounce).await?;
    }
    Ok(stored
        .iter()
        .zip(&parsed)
        .map(|(s, (_, _, raw))| (raw.len() as u64) << 1 | u64::from(s.new))
        .collect())
}

fn note_stored(sizes: &[u64], report: &mut SyncReport, on_event: &(dyn Fn(SyncEvent) + Sync)) {
    for &s in sizes {
        let bytes = s >> 1;
        report.fetched += 1;
        report.bytes += bytes as i64;
        report.new_messages += (s & 1) as i64;
        on_event(SyncEvent::Stored { bytes });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(super::uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(super::uid_set(&[5]), "5");
    }
}
