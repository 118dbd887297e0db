//! Turning new rows of the event sources into deliveries: each source is read after its cursor, each event queued
//! once per subscribed endpoint (the outbox's unique key makes a second instance's insert a no-op), and the cursor
//! moved in the same transaction.

use serde_json::{json, Value};
use sqlx::AnyPool;

use super::store::{self, outbox, sources, EndpointRow};
use crate::db::{from_ms, now_ms};
use crate::error::Error;

const BATCH: i64 = 500;

/// One event, before it is queued.
struct Event {
    id: String,
    kind: &'static str,
    /// When it happened (ms): endpoints created later do not receive it.
    at: i64,
    data: Value,
}

impl Event {
    fn payload(&self) -> Result<String, Error> {
        let created_at = from_ms(self.at)
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(Error::internal)?;
        let body = json!({ "id": self.id, "type": self.kind, "created_at": created_at, "data": self.data });
        serde_json::to_string(&body).map_err(Error::internal)
    }
}

struct Subscriber {
    id: i64,
    events: Vec<String>,
    created_at: i64,
}

/// Reads every source once; returns how many events were found.
pub async fn produce(pool: &AnyPool, settle_ms: i64) -> Result<usize, Error> {
    let endpoints = store::all(pool).await?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let subscribers: Vec<Subscriber> = endpoints.iter().map(subscriber).collect();
    let now = now_ms();
    let mut found = from_audit(pool, &subscribers, now - settle_ms).await?;
    found += from_messages(pool, &subscribers, now - settle_ms).await?;
    found += from_campaigns(pool, &subscribers, now - settle_ms).await?;
    Ok(found)
}

fn subscriber(e: &EndpointRow) -> Subscriber {
    Subscriber {
        id: e.id,
        events: serde_json::from_str(&e.events).unwrap_or_default(),
        created_at: e.created_at,
    }
}

/// Takes rows in id order while they follow on without a gap, or are older than `settled` (a gap that old is a
/// rolled-back id, not a transaction still to commit).
fn settled_prefix<T>(
    cursor: i64,
    rows: Vec<T>,
    id_at: impl Fn(&T) -> (i64, i64),
    settled: i64,
) -> Vec<T> {
    let mut expected = cursor + 1;
    let mut taken = Vec::new();
    for row in rows {
        let (id, at) = id_at(&row);
        if id != expected && at > settled {
            break;
        }
        expected = id + 1;
        taken.push(row);
    }
    taken
}

async fn queue_all(
    conn: &mut sqlx::AnyConnection,
    subscribers: &[Subscriber],
    events: &[Event],
) -> Result<(), Error> {
    for event in events {
        let payload = event.payload()?;
        for s in subscribers {
            if event.at >= s.created_at && s.events.iter().any(|e| e == event.kind) {
                outbox::queue(conn, s.id, &event.id, event.kind, &payload).await?;
            }
        }
    }
    Ok(())
}

fn audit_event_kind(kind: &str, action: &str) -> Option<&'static str> {
    Some(match (kind, action) {
        ("lead", "create") => "lead.created",
        ("lead", "update") => "lead.updated",
        ("contact", "create") => "contact.created",
        ("contact", "update") => "contact.updated",
        ("contact", "delete") => "contact.deleted",
        ("deal", "create") => "deal.created",
        ("deal", "update") => "deal.updated",
        _ => return None,
    })
}

async fn from_audit(
    pool: &AnyPool,
    subscribers: &[Subscriber],
    settled: i64,
) -> Result<usize, Error> {
    // Read without a transaction: most polls find nothing, and SQLite's write lock is for the writers.
    let mut conn = pool.acquire().await?;
    let Some(cursor) = store::cursor(&mut conn, "audit").await? else {
        return Ok(0);
    };
    let rows = sources::audit_after(&mut conn, cursor, BATCH).await?;
    let rows = settled_prefix(cursor, rows, |r| (r.id, r.at), settled);
    let Some(last) = rows.last().map(|r| r.id) else {
        return Ok(0);
    };
    let events: Vec<Event> = rows
        .into_iter()
        .filter_map(|r| {
            let kind = audit_event_kind(&r.kind, &r.action)?;
            let changes: Value = serde_json::from_str(&r.changes).unwrap_or(Value::Null);
            Some(Event {
                id: format!("audit-{}", r.id),
                kind,
                at: r.at,
                data: json!({ "record": { "kind": r.kind, "id": r.record_id },
                    "actor_id": r.actor_id, "changes": changes }),
            })
        })
        .collect();
    drop(conn);
    let mut tx = crate::db::begin(pool).await?;
    queue_all(&mut tx, subscribers, &events).await?;
    store::advance(&mut tx, "audit", last).await?;
    tx.commit().await?;
    Ok(events.len())
}

async fn from_messages(
    pool: &AnyPool,
    subscribers: &[Subscriber],
    settled: i64,
) -> Result<usize, Error> {
    // Read without a transaction: most polls find nothing, and SQLite's write lock is for the writers.
    let mut conn = pool.acquire().await?;
    let Some(cursor) = store::cursor(&mut conn, "messages").await? else {
        return Ok(0);
    };
    let rows = sources::messages_after(&mut conn, cursor, BATCH).await?;
    // Linking follows storing: a message is read once it has settled, so that its links are there.
    let rows: Vec<_> = rows
        .into_iter()
        .take_while(|m| m.created_at <= settled)
        .collect();
    let rows = settled_prefix(cursor, rows, |m| (m.id, m.created_at), settled);
    let Some(last) = rows.last().map(|m| m.id) else {
        return Ok(0);
    };
    let events: Vec<Event> = rows
        .into_iter()
        .filter(|m| !m.links.is_empty())
        .map(|m| {
            let links: Vec<Value> = m
                .links
                .iter()
                .map(|(kind, id)| json!({ "kind": kind, "id": id }))
                .collect();
            let sent_at = m.sent_at.map(|ms| from_ms(ms).unix_timestamp());
            Event {
                id: format!("message-{}", m.id),
                kind: "message.received",
                at: m.created_at,
                data: json!({ "message": { "id": m.id, "message_id": m.message_id, "subject": m.subject,
                    "from": { "address": m.from_address, "name": m.from_name }, "sent_at_unix": sent_at },
                    "links": links }),
            }
        })
        .collect();
    drop(conn);
    let mut tx = crate::db::begin(pool).await?;
    queue_all(&mut tx, subscribers, &events).await?;
    store::advance(&mut tx, "messages", last).await?;
    tx.commit().await?;
    Ok(events.len())
}

async fn from_campaigns(
    pool: &AnyPool,
    subscribers: &[Subscriber],
    settled: i64,
) -> Result<usize, Error> {
    // Read without a transaction: most polls find nothing, and SQLite's write lock is for the writers.
    let mut conn = pool.acquire().await?;
    let Some(cursor) = store::cursor(&mut conn, "campaigns").await? else {
        return Ok(0);
    };
    // Only up to `settled`: by then every campaign that finished in a millisecond at or before it has committed.
    let rows = sources::campaigns_finished(&mut conn, cursor, settled).await?;
    let Some(last) = rows.last().map(|c| c.finished_at) else {
        return Ok(0);
    };
    let events: Vec<Event> = rows
        .into_iter()
        .map(|c| {
            let letters: serde_json::Map<String, Value> = c
                .letters
                .into_iter()
                .map(|(state, n)| (state, json!(n)))
                .collect();
            Event {
                id: format!("campaign-{}-finished", c.id),
                kind: "campaign.finished",
                at: c.finished_at,
                data: json!({ "campaign": { "id": c.id, "name": c.name }, "letters": letters }),
            }
        })
        .collect();
    drop(conn);
    let mut tx = crate::db::begin(pool).await?;
    queue_all(&mut tx, subscribers, &events).await?;
    store::advance(&mut tx, "campaigns", last).await?;
    tx.commit().await?;
    Ok(events.len())
}
