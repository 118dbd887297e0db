//! SQL of batch ingest: one multi-row statement per table for a whole batch of fetched messages, instead of one
//! statement per row (each statement is a round trip to the database worker, which dominated ingest time).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::model::{Incoming, Location};
use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// Raw bytes per statement, so a batch of large messages is not one huge statement.
const MAX_BYTES: usize = 16 << 20;

/// Splits `rows` into runs of at most `MAX_BINDS / per_row` rows.
fn runs<T>(rows: &[T], per_row: usize) -> std::slice::Chunks<'_, T> {
    rows.chunks((MAX_BINDS / per_row).max(1))
}

pub async fn ids_by_hashes(
    conn: &mut AnyConnection,
    hashes: &[String],
) -> Result<HashMap<String, i64>, Error> {
    let mut out = HashMap::new();
    for run in runs(hashes, 1) {
        let mut sql = Sql::new("SELECT id, hash FROM messages WHERE hash IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.insert(r.try_get("hash")?, r.try_get("id")?);
        }
    }
    Ok(out)
}

pub async fn insert_raws(conn: &mut AnyConnection, raws: &[(&str, &[u8])]) -> Result<(), Error> {
    let mut start = 0;
    while start < raws.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < raws.len()
            && end - start < MAX_BINDS / 2
            && (end == start || bytes + raws[end].1.len() <= MAX_BYTES)
        {
            bytes += raws[end].1.len();
            end += 1;
        }
        let mut sql = Sql::new("INSERT INTO raw_messages (hash, bytes) VALUES ");
        for (i, (hash, raw)) in raws[start..end].iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(hash.to_string())
                .push(", ")
                .bind(raw.to_vec())
                .push(")");
        }
        sql.push(" ON CONFLICT (hash) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
        start = end;
    }
    Ok(())
}

/// The thread each of these Message-IDs already belongs to.
pub async fn threads_of_keys(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<HashMap<String, i64>, Error> {
    let mut out = HashMap::new();
    for run in runs(keys, 1) {
        let mut sql = Sql::new("SELECT key, thread_id FROM thread_keys WHERE key IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.insert(r.try_get("key")?, r.try_get("thread_id")?);
        }
    }
    Ok(out)
}

pub async fn add_thread_keys(
    conn: &mut AnyConnection,
    keys: &[(String, i64)],
) -> Result<(), Error> {
    for run in runs(keys, 2) {
        let mut sql = Sql::new("INSERT INTO thread_keys (key, thread_id) VALUES ");
        for (i, (key, thread)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(key.clone())
                .push(", ")
                .bind(*thread)
                .push(")");
        }
        sql.push(" ON CONFLICT (key) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Creates threads (subject, first time) and returns their ids in the same order. Within one statement both
/// backends number new rows in the order of the VALUES, so the ids sorted ascending line up with the rows.
pub async fn insert_threads(
    conn: &mut AnyConnection,
    threads: &[(String, i64)],
) -> Result<Vec<i64>, Error> {
    let mut out = Vec::with_capacity(threads.len());
    for run in runs(threads, 2) {
        let mut sql = Sql::new("INSERT INTO threads (subject_norm, last_at) VALUES ");
        for (i, (subject, at)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(subject.clone())
                .push(", ")
                .bind(*at)
                .push(")");
        }
        sql.push(" RETURNING id");
        let mut ids: Vec<i64> = sql
            .query()
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        if ids.len() != run.len() {
            return Err(Error::internal("threads: fewer ids than rows inserted"));
        }
        ids.sort_unstable();
        out.extend(ids);
    }
    Ok(out)
}

/// Moves each thread's `last_at` forward to the given time (never back).
pub async fn touch_threads(conn: &mut AnyConnection, last: &[(i64, i64)]) -> Result<(), Error> {
    for run in runs(last, 2) {
        let mut sql = Sql::new("WITH v (id, at) AS (VALUES ");
        for (i, (id, at)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(*at)
                .push(")");
        }
        sql.push(
            ") UPDATE threads SET last_at = (SELECT v.at FROM v WHERE v.id = threads.id)
             WHERE id IN (SELECT v.id FROM v WHERE v.at > threads.last_at)",
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Bound values per message row (`truncated` and `original_size` are integer literals).
const MESSAGE_PARAMS: usize = 19;

/// Inserts the message rows (with their threads); returns `hash → id` of those inserted (a hash another ingest
/// stored first is missing from it).
pub async fn insert_messages(
    conn: &mut AnyConnection,
    rows: &[(&Incoming<'_>, i64)],
) -> Result<HashMap<String, i64>, Error> {
    let now = now_ms();
    let mut out = HashMap::new();
    for run in runs(rows, MESSAGE_PARAMS) {
        let mut sql = Sql::new(
            "INSERT INTO messages (hash, message_id, in_reply_to, subject, from_address, from_name, sent_at, received_at,
                size, text_body, html_body, has_attachments, parse_error, thread_id, created_at, class, class_reason,
                direction, mailbox_id, truncated, original_size) VALUES ",
        );
        for (i, (m, thread_id)) in run.iter().enumerate() {
            let p = m.parsed;
            let class = m.class.as_ref();
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(p.hash.clone())
                .push(", ")
                .bind(p.message_id.clone())
                .push(", ")
                .bind(p.in_reply_to.clone())
                .push(", ")
                .bind(p.subject.clone())
                .push(", ")
                .bind(p.from_address.clone())
                .push(", ")
                .bind(p.from_name.clone())
                .push(", ")
                .bind(p.sent_at)
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(m.raw.len() as i64)
                .push(", ")
                .bind(p.text_body.clone())
                .push(", ")
                .bind(p.html_body.clone())
                .push(", ")
                .bind(i64::from(!p.attachments.is_empty()))
                .push(", ")
                .bind(p.parse_error.clone())
                .push(", ")
                .bind(*thread_id)
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(class.map_or("human", |c| c.class).to_string())
                .push(", ")
                .bind(class.map(|c| c.reason.clone()))
                .push(", ")
                .bind(class.map_or("incoming", |c| c.direction).to_string())
                .push(", ")
                .bind(class.and_then(|c| c.mailbox_id))
                // Integers we computed, not input: written in place to keep the binds per row down.
                .push(&match m.truncated {
                    Some(size) => format!(", 1, {size})"),
                    None => ", 0, NULL)".to_string(),
                });
        }
        sql.push(" ON CONFLICT (hash) DO NOTHING RETURNING id, hash");
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.insert(r.try_get("hash")?, r.try_get("id")?);
        }
    }
    Ok(out)
}

/// Participants and attachments of newly inserted messages.
pub async fn insert_parts(
    conn: &mut AnyConnection,
    rows: &[(i64, &Incoming<'_>)],
) -> Result<(), Error> {
    let people: Vec<_> = rows
        .iter()
        .flat_map(|(id, m)| {
            m.parsed
                .participants
                .iter()
                .enumerate()
                .map(move |(i, a)| (*id, i, a))
        })
        .collect();
    for run in runs(&people, 6) {
        let mut sql = Sql::new(
            "INSERT INTO message_addresses (message_id, role, address, name, position, domain) VALUES ",
        );
        for (i, (id, position, a)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(a.role)
                .push(", ")
                .bind(a.address.clone())
                .push(", ")
                .bind(a.name.clone())
                .push(", ")
                .bind(*position as i64)
                .push(", ")
                .bind(a.domain.clone())
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    let files: Vec<_> = rows
        .iter()
        .flat_map(|(id, m)| {
            m.parsed
                .attachments
                .iter()
                .enumerate()
                .map(move |(i, a)| (*id, i, a))
        })
        .collect();
    for run in runs(&files, 6) {
        let mut sql = Sql::new(
            "INSERT INTO attachments (message_id, position, part_index, filename, content_type, size) VALUES ",
        );
        for (i, (id, position, a)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(*position as i64)
                .push(", ")
                .bind(i64::from(a.part_index))
                .push(", ")
                .bind(a.filename.clone())
                .push(", ")
                .bind(a.content_type.clone())
                .push(", ")
                .bind(a.size)
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn add_locations(
    conn: &mut AnyConnection,
    rows: &[(i64, Location)],
) -> Result<(), Error> {
    for run in runs(rows, 4) {
        let mut sql = Sql::new(
            "INSERT INTO message_locations (message_id, folder_id, uidvalidity, uid) VALUES ",
        );
        for (i, (id, loc)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(loc.folder_id)
                .push(", ")
                .bind(loc.uidvalidity)
                .push(", ")
                .bind(loc.uid)
                .push(")");
        }
        sql.push(" ON CONFLICT (folder_id, uidvalidity, uid) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
