//! The fetch → parse → store pipeline of one folder's sync: the next chunk is fetched and parsed while the
//! previous one is stored, and chunks commit one after another in UID order, each with the folder's mark.

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::task::JoinHandle;

use super::client::{fetch, Fetched, ImapSession};
use super::model::SyncReport;
use super::store;
use super::sync::{FetchLimits, SyncEvent};
use crate::error::Error;
use crate::linking;
use crate::mail;
use crate::mail::model::{Incoming, Location};
use crate::mail::parse::{self, Parsed};

/// What a chunk budget counts for a message fetched as headers only: its size, up to this.
const HEADER_ESTIMATE: u64 = 64 << 10;

/// Fetches, parses and stores the messages `sizes` names (`(uid, size)` in UID order) into the folder `target`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    pool: &AnyPool,
    session: &mut ImapSession,
    ctx: &Arc<linking::Context>,
    sizes: &[(u32, u64)],
    target: Target,
    limits: FetchLimits,
    report: &mut SyncReport,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<(), Error> {
    // The next chunk is fetched and parsed while the previous one is stored: the IMAP server, the parser and the
    // database work at the same time. Chunks still commit one after another, in UID order.
    let mut storing: Option<JoinHandle<Result<Vec<u64>, Error>>> = None;
    for chunk in chunks(sizes, limits) {
        let started = std::time::Instant::now();
        let fetched = fetch(session, chunk, limits.max_message_bytes).await;
        let fetch_ms = started.elapsed().as_millis();
        // Parsed (and classified) on every core before waiting for the previous chunk's store, so that parsing
        // and storing overlap.
        let parsed = match fetched {
            Ok(fetched) => parse_chunk(fetched, ctx.clone(), target.role, limits).await,
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
        let high = i64::from(chunk.last().expect("chunks are not empty").0);
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
pub(super) struct Target {
    pub folder_id: i64,
    pub uidvalidity: i64,
    pub role: &'static str,
    pub modseq: Option<i64>,
    /// The lease the sync runs under (checked before each chunk commits).
    pub fence: store::lease::Fence,
}

/// Splits `(uid, size)` in UID order into chunks of at most `chunk_messages` messages and `chunk_bytes` bytes to
/// fetch (a message alone over the budget is a chunk of its own; one fetched as headers counts a little).
fn chunks(sizes: &[(u32, u64)], limits: FetchLimits) -> Vec<&[(u32, u64)]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, &(_, size)) in sizes.iter().enumerate() {
        let cost = if size > limits.max_message_bytes {
            size.min(HEADER_ESTIMATE)
        } else {
            size
        };
        if i > start
            && (i - start >= limits.chunk_messages.max(1) || bytes + cost > limits.chunk_bytes)
        {
            out.push(&sizes[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += cost;
    }
    if start < sizes.len() {
        out.push(&sizes[start..]);
    }
    out
}

/// A message stored as its headers only: its body says so, in words a reader of the CRM sees.
fn mark_truncated(parsed: &mut Parsed, size: u64, max: u64) {
    parsed.text_body = Some(format!(
        "[Mailroom] This message was too large to download ({size} bytes; the limit is {max} bytes). \
         Only its headers were stored; the full message is still on the mail server."
    ));
    parsed.html_body = None;
    parsed.attachments.clear();
    parsed.parse_error = None;
}

/// A fetched message parsed and classified, ready to store.
type Ready = (Fetched, Parsed, linking::Classified);

/// Parses and classifies a fetched chunk on the blocking pool, split across the cores.
async fn parse_chunk(
    fetched: Vec<Fetched>,
    ctx: Arc<linking::Context>,
    role: &'static str,
    limits: FetchLimits,
) -> Result<Vec<Ready>, Error> {
    mail::pool::map_blocking(fetched, move |f: Fetched| {
        let mut parsed = parse::parse(&f.raw);
        if let Some(size) = f.truncated {
            mark_truncated(&mut parsed, size, limits.max_message_bytes);
        }
        let classified = linking::Classified::new(&ctx, &parsed, role);
        (f, parsed, classified)
    })
    .await
}

/// Stores a chunk and advances the folder's mark in one transaction; returns each message's size and whether it
/// was new (as `size << 1 | new`).
async fn store_chunk(
    pool: &AnyPool,
    ctx: &linking::Context,
    target: Target,
    high: i64,
    parsed: Vec<Ready>,
) -> Result<Vec<u64>, Error> {
    let started = std::time::Instant::now();
    let mut tx = crate::db::begin(pool).await?;
    // Mail an erasure deleted (src/privacy) is never stored again, though the server still holds it.
    let parsed = skip_erased(&mut tx, parsed).await?;
    let items: Vec<Incoming> = parsed
        .iter()
        .map(|(f, p, c)| Incoming {
            parsed: p,
            raw: &f.raw,
            location: Some(Location {
                folder_id: target.folder_id,
                uidvalidity: target.uidvalidity,
                uid: i64::from(f.uid),
            }),
            class: Some(c.columns(ctx)),
            truncated: f.truncated.map(|size| size as i64),
        })
        .collect();
    let stored = mail::store_batch(&mut tx, &items).await?;
    let store_ms = started.elapsed().as_millis();
    let new: Vec<linking::NewMail> = stored
        .iter()
        .zip(&parsed)
        .filter(|(s, _)| s.new)
        .map(|(s, (_, p, c))| linking::NewMail {
            message_id: s.message_id,
            parsed: p,
            classified: c,
        })
        .collect();
    let bounces = linking::on_new_messages(&mut tx, ctx, &new).await?;
    store::advance_folder(&mut tx, target.folder_id, high, target.modseq).await?;
    // The last statement before commit: a holder that lost the mailbox meanwhile rolls the chunk back.
    store::lease::still_held(&mut tx, target.fence).await?;
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
        // A message stored as headers counts its full size, as the folder's total announced it.
        .map(|(s, (f, _, _))| f.truncated.unwrap_or(f.raw.len() as u64) << 1 | u64::from(s.new))
        .collect())
}

/// The chunk without the messages an erasure tombstoned (by content hash or Message-ID).
async fn skip_erased(
    conn: &mut sqlx::AnyConnection,
    parsed: Vec<Ready>,
) -> Result<Vec<Ready>, Error> {
    let refs: Vec<&Parsed> = parsed.iter().map(|r| &r.1).collect();
    let erased = mail::erased(conn, &refs).await?;
    Ok(parsed
        .into_iter()
        .zip(erased)
        .filter(|(_, gone)| !gone)
        .map(|(r, _)| r)
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
    fn lens(sizes: &[(u32, u64)], limits: super::FetchLimits) -> Vec<usize> {
        super::chunks(sizes, limits)
            .iter()
            .map(|c| c.len())
            .collect()
    }

    #[test]
    fn chunks_end_at_the_count_or_the_byte_budget_and_a_big_message_stands_alone() {
        let limits = super::FetchLimits {
            chunk_messages: 3,
            chunk_bytes: 100,
            max_message_bytes: 1000,
        };
        let small: Vec<(u32, u64)> = (1..=7).map(|u| (u, 10)).collect();
        assert_eq!(lens(&small, limits), [3, 3, 1], "by count");
        let sizes = [(1, 60), (2, 30), (3, 20), (4, 500), (5, 10)];
        assert_eq!(lens(&sizes, limits), [2, 1, 1, 1], "by bytes");
        // Over the size limit: fetched as headers, which cost little of the budget.
        let roomy = super::FetchLimits {
            chunk_bytes: 1 << 20,
            ..limits
        };
        let sizes = [(1, 10), (2, 5_000_000), (3, 10)];
        assert_eq!(lens(&sizes, roomy), [3]);
        assert!(super::chunks(&[], limits).is_empty());
    }
}
