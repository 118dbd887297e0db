//! What people do with mail by hand: who may read a message, links set or removed by hand, an admin's correction
//! of a classification, the domain lists, and the bounces found.

use serde_json::json;
use sqlx::AnyPool;

use super::classify::{Class, Classification};
use super::{ingest, model, store, Context, List};
use crate::auth::Caller;
use crate::crm::access::{self, MailLevel, Op};
use crate::crm::{audit, RecordKind};
use crate::email_address::registrable_domain;
use crate::error::Error;
use crate::mail::parse::Parsed;

/// The message is visible to the caller at all (at least its participants and date), or 404.
pub async fn require_read(pool: &AnyPool, caller: &Caller, message_id: i64) -> Result<(), Error> {
    access::require_mail(pool, caller, message_id, MailLevel::Metadata).await?;
    Ok(())
}

pub async fn links(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
) -> Result<Vec<model::Link>, Error> {
    require_read(pool, caller, message_id).await?;
    visible_links(pool, caller, message_id).await
}

/// The message's links to records the caller sees (read access to the message already checked).
async fn visible_links(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
) -> Result<Vec<model::Link>, Error> {
    let mut conn = pool.acquire().await?;
    let rows = store::links_of(&mut conn, message_id).await?;
    // Only links to records the caller sees: a link must not tell which of a colleague's records exist.
    let mut out = Vec::new();
    for (kind, id, source, removed) in rows {
        let Ok(record_kind) = kind.parse::<RecordKind>() else {
            continue;
        };
        if access::may_read(&mut conn, caller, record_kind, id).await? {
            out.push(model::Link {
                record_kind,
                record_id: id,
                source,
                removed,
            });
        }
    }
    Ok(out)
}

/// Links the message to a record, or removes the link, by hand; audited on the record; no automatic run undoes it.
pub async fn set_link(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    kind: RecordKind,
    id: i64,
    linked: bool,
) -> Result<Vec<model::Link>, Error> {
    require_read(pool, caller, message_id).await?;
    access::require(pool, caller, kind, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_manual_link(&mut tx, message_id, kind, id, !linked).await?;
    let (action, from, to) = if linked {
        ("link", json!(null), json!(message_id))
    } else {
        ("unlink", json!(message_id), json!(null))
    };
    audit::event(&mut tx, caller.id, action, (kind, id), "message", from, to).await?;
    tx.commit().await?;
    // Not `links`: after removing the link the caller saw it through, they may no longer read the message.
    visible_links(pool, caller, message_id).await
}

/// Links a message the caller holds in their own mail client (the add-in) to a record they may write, and records
/// them as its logger (theirs in full, and shown to others by the record's rules); audited.
pub async fn log_to_record(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    access::require(pool, caller, kind, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_manual_link(&mut tx, message_id, kind, id, false).await?;
    crate::mail::add_logger(&mut tx, message_id, caller.id).await?;
    audit::event(
        &mut tx,
        caller.id,
        "link",
        (kind, id),
        "message",
        json!(null),
        json!(message_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An admin's correction of a message's class: stored, audited, and applied (a new human sender makes a lead).
pub async fn reclassify(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    class: Class,
    parsed: Parsed,
) -> Result<model::ClassView, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let (before, _, direction, _, mailbox_id) = store::class_of(&mut tx, message_id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let reason = format!("set by {}", caller.email);
    store::set_class(
        &mut tx,
        message_id,
        class.as_str(),
        &reason,
        &direction,
        None,
        true,
    )
    .await?;
    crate::crm::audit::message_event(
        &mut tx,
        caller.id,
        message_id,
        "classification",
        json!(before),
        json!(class.as_str()),
    )
    .await?;
    let ctx = Context::load(pool, mailbox_id).await?;
    let c = Classification {
        class,
        reason: reason.clone(),
        sender: parsed
            .from_address
            .clone()
            .map(|f| (f, parsed.from_name.clone())),
    };
    let outgoing = direction == "outgoing";
    ingest::relink(&mut tx, &ctx, message_id, &parsed, &c, outgoing).await?;
    tx.commit().await?;
    Ok(model::ClassView {
        class,
        reason: Some(reason),
        manual: true,
        direction,
    })
}

pub async fn class_view(pool: &AnyPool, message_id: i64) -> Result<model::ClassView, Error> {
    let (class, reason, direction, manual, _) =
        store::class_of(&mut *pool.acquire().await?, message_id)
            .await?
            .ok_or(Error::NotFound("message"))?;
    Ok(model::ClassView {
        class: Class::parse(&class),
        reason,
        manual,
        direction,
    })
}

pub async fn list_entries(pool: &AnyPool, list: List) -> Result<Vec<String>, Error> {
    store::list(pool, list).await
}

pub async fn add_entry(pool: &AnyPool, list: List, raw: &str) -> Result<Vec<String>, Error> {
    let value = raw.trim().to_lowercase();
    let value = match list {
        List::NeverLog if value.contains('@') => crate::email_address::EmailAddress::parse(&value)
            .map_err(|m| Error::validation("value", m))?
            .to_string(),
        _ => registrable_domain(&value)
            .filter(|_| !value.contains('@'))
            .ok_or_else(|| Error::validation("value", format!("'{raw}' is not a domain")))?,
    };
    store::add(pool, list, &value).await?;
    store::list(pool, list).await
}

pub async fn remove_entry(pool: &AnyPool, list: List, raw: &str) -> Result<(), Error> {
    if store::remove(pool, list, &raw.trim().to_lowercase()).await? {
        Ok(())
    } else {
        Err(Error::NotFound("entry"))
    }
}

pub async fn bounces(pool: &AnyPool, address: Option<&str>) -> Result<Vec<model::Bounce>, Error> {
    Ok(store::bounces(pool, address)
        .await?
        .into_iter()
        .map(
            |(address, status, kind, original_message_id, verified)| model::Bounce {
                address,
                status,
                kind,
                original_message_id,
                verified,
            },
        )
        .collect())
}
