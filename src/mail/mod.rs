//! Messages: parse (mail-parser, any charset), store once by content hash with every location, thread, and serve.

mod ingest;
pub mod model;
pub mod parse;
pub mod pool;
pub mod pseudonym;
mod pseudonym_mime;
pub mod purge;
pub mod routes;
mod store;
mod store_bulk;
mod store_purge;
pub mod thread;

pub use ingest::store_batch;
pub use pseudonym::{pseudonymize, Pseudonym};
pub use purge::{erased, purge_messages, tombstone_messages};

use sqlx::{AnyConnection, AnyPool};

use crate::auth::Caller;
use crate::crm::access::{self, MailLevel};
use crate::error::Error;
use model::{
    AttachmentView, Incoming, Location, LocationView, MessageDetail, MessageFilter, MessageList,
    ParticipantView, ThreadView,
};
use parse::Parsed;

/// The outcome of storing one fetched message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub message_id: i64,
    /// False when the same bytes were already stored (another folder or mailbox, or a refetch).
    pub new: bool,
}

/// Stores a message inside the caller's transaction, or only adds `location` when the same bytes are known.
pub async fn store_message(
    conn: &mut AnyConnection,
    parsed: &Parsed,
    raw: &[u8],
    location: Option<Location>,
) -> Result<Stored, Error> {
    let item = Incoming {
        parsed,
        raw,
        location,
        class: None,
        truncated: None,
    };
    let stored = store_batch(conn, std::slice::from_ref(&item)).await?;
    stored.into_iter().next().ok_or(Error::NotFound("message"))
}

fn parse_time(field: &str, value: Option<&str>) -> Result<Option<i64>, Error> {
    value
        .map(|v| {
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map(crate::db::to_ms)
                .map_err(|_| Error::validation(field, format!("'{v}' is not an RFC 3339 time")))
        })
        .transpose()
}

pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    filter: MessageFilter,
) -> Result<MessageList, Error> {
    let limit = crate::api::extract::Page {
        after: None,
        limit: filter.limit,
    }
    .limit()?;
    let since = parse_time("since", filter.since.as_deref())?;
    let until = parse_time("until", filter.until.as_deref())?;
    let mut conn = pool.acquire().await?;
    let items = store::list(&mut conn, caller, &filter, (since, until), limit).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|m| m.id))
        .flatten();
    Ok(MessageList { items, next_after })
}

/// One message as far as the caller reads it: below `full` without body, attachments and locations.
pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<MessageDetail, Error> {
    let level = access::require_mail(pool, caller, id, MailLevel::Metadata).await?;
    let mut conn = pool.acquire().await?;
    let summary = store::summary(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("message"))?
        .redacted(level);
    let detail = store::detail(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let participants = store::participants(&mut conn, id)
        .await?
        .into_iter()
        .map(|(role, address, name)| ParticipantView {
            role,
            address,
            name,
        })
        .collect();
    let attachments = store::attachments(&mut conn, id)
        .await?
        .into_iter()
        .map(|(index, _, filename, content_type, size)| AttachmentView {
            index,
            filename,
            content_type,
            size,
        })
        .collect();
    let locations = store::locations(&mut conn, id)
        .await?
        .into_iter()
        .map(|(mailbox_id, folder, uid)| LocationView {
            mailbox_id,
            folder,
            uid,
        })
        .collect();
    let full = level == MailLevel::Full;
    Ok(MessageDetail {
        summary,
        in_reply_to: detail.in_reply_to,
        participants,
        text_body: detail.text_body.filter(|_| full),
        html_body: detail.html_body.filter(|_| full),
        attachments: if full { attachments } else { Vec::new() },
        locations: if full { locations } else { Vec::new() },
    })
}

/// The raw bytes: for those who read the message in full.
pub async fn raw(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Vec<u8>, Error> {
    access::require_mail(pool, caller, id, MailLevel::Full).await?;
    store::raw(&mut *pool.acquire().await?, id)
        .await?
        .ok_or(Error::NotFound("message"))
}

/// An attachment's bytes, content type and file name, decoded again from the raw message.
pub async fn attachment(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    index: i64,
) -> Result<(Vec<u8>, String, Option<String>), Error> {
    access::require_mail(pool, caller, id, MailLevel::Full).await?;
    let mut conn = pool.acquire().await?;
    let list = store::attachments(&mut conn, id).await?;
    let (_, part_index, ..) = list
        .into_iter()
        .find(|a| a.0 == index)
        .ok_or(Error::NotFound("attachment"))?;
    let raw = store::raw(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let part = u32::try_from(part_index).map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || parse::attachment(&raw, part))
        .await
        .map_err(Error::internal)?
        .ok_or(Error::NotFound("attachment"))
}

/// The thread's messages the caller reads (redacted to each one's level); none: no such thread.
pub async fn thread(pool: &AnyPool, caller: &Caller, id: i64) -> Result<ThreadView, Error> {
    let filter = MessageFilter {
        thread_id: Some(id),
        limit: Some(200),
        ..Default::default()
    };
    let mut conn = pool.acquire().await?;
    let mut messages = store::list(&mut conn, caller, &filter, (None, None), 200).await?;
    if messages.is_empty() {
        return Err(Error::NotFound("thread"));
    }
    messages.sort_by_key(|m| (m.sent_at, m.id));
    Ok(ThreadView { id, messages })
}

/// A member of a mailbox holding the thread's mail marks it private (or not); audited like record changes.
pub async fn set_thread_private(
    pool: &AnyPool,
    caller: &Caller,
    thread_id: i64,
    private: bool,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    if !access::may_mark_thread(&mut tx, caller, thread_id).await? {
        return Err(Error::NotFound("thread"));
    }
    store::set_thread_private(&mut tx, thread_id, caller.id, private).await?;
    crate::crm::audit::thread_event(&mut tx, caller.id, thread_id, private).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that the user logged the message from their own mail client: they read it in full.
pub async fn add_logger(
    conn: &mut AnyConnection,
    message_id: i64,
    user_id: i64,
) -> Result<(), Error> {
    store::add_logger(conn, message_id, user_id).await
}

/// Our id of the message with this Message-ID header (without angle brackets), if stored.
pub async fn find_by_message_id(pool: &AnyPool, message_id: &str) -> Result<Option<i64>, Error> {
    store::id_by_message_id(&mut *pool.acquire().await?, message_id).await
}

pub async fn count(pool: &AnyPool) -> Result<i64, Error> {
    store::count(&mut *pool.acquire().await?).await
}
