//! SQL of messages: raw bytes by hash, locations, participants, attachments, threads.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{MessageFilter, MessageSummary};
use crate::auth::Caller;
use crate::crm::access::{self, MailLevel};
use crate::db::sql::Sql;
use crate::db::{from_ms, now_ms};
use crate::error::Error;

pub async fn id_by_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT id FROM messages WHERE message_id = $1 ORDER BY id LIMIT 1")
        .bind(message_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

pub async fn raw(conn: &mut AnyConnection, message_id: i64) -> Result<Option<Vec<u8>>, Error> {
    let row = sqlx::query(
        "SELECT r.bytes FROM raw_messages r JOIN messages m ON m.hash = r.hash WHERE m.id = $1",
    )
    .bind(message_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("bytes")).transpose()?)
}

pub async fn thread_by_subject(
    conn: &mut AnyConnection,
    subject_norm: &str,
    since: i64,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT id FROM threads WHERE subject_norm = $1 AND last_at > $2 ORDER BY last_at DESC LIMIT 1")
        .bind(subject_norm)
        .bind(since)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// Folds the `others` threads into `into` (a message tied two threads together).
pub async fn merge_threads(
    conn: &mut AnyConnection,
    into: i64,
    others: &[i64],
) -> Result<(), Error> {
    for text in [
        "UPDATE messages SET thread_id = ",
        "UPDATE thread_keys SET thread_id = ",
    ] {
        let mut sql = Sql::new(text);
        sql.bind(into)
            .push(" WHERE thread_id IN ")
            .bind_list(others.to_vec());
        sql.query().execute(&mut *conn).await?;
    }
    let mut sql =
        Sql::new("UPDATE threads SET last_at = (SELECT MAX(last_at) FROM threads WHERE id IN ");
    let mut all = others.to_vec();
    all.push(into);
    sql.bind_list(all).push(") WHERE id = ").bind(into);
    sql.query().execute(&mut *conn).await?;
    let mut sql = Sql::new("DELETE FROM threads WHERE id IN ");
    sql.bind_list(others.to_vec());
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

const SUMMARY: &str = "m.id, m.hash, m.message_id, m.subject, m.from_address, m.from_name, m.sent_at, m.received_at, m.size,
    m.has_attachments, m.parse_error, m.thread_id, m.truncated, m.original_size,
    COALESCE((SELECT MAX(fl.seen) FROM message_locations fl WHERE fl.message_id = m.id AND fl.gone_at IS NULL), 0) AS seen,
    COALESCE((SELECT MAX(fl.answered) FROM message_locations fl WHERE fl.message_id = m.id AND fl.gone_at IS NULL), 0) AS answered,
    COALESCE((SELECT MAX(fl.flagged) FROM message_locations fl WHERE fl.message_id = m.id AND fl.gone_at IS NULL), 0) AS flagged,
    CAST(CASE WHEN EXISTS (SELECT 1 FROM message_locations fl WHERE fl.message_id = m.id AND fl.gone_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM message_locations fl WHERE fl.message_id = m.id AND fl.gone_at IS NULL)
      THEN 1 ELSE 0 END AS BIGINT) AS deleted_on_server";

fn summary_from_row(r: &AnyRow) -> Result<MessageSummary, Error> {
    Ok(MessageSummary {
        id: r.try_get("id")?,
        sha256: r.try_get("hash")?,
        message_id: r.try_get("message_id")?,
        subject: r.try_get("subject")?,
        from_address: r.try_get("from_address")?,
        from_name: r.try_get("from_name")?,
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(from_ms),
        received_at: from_ms(r.try_get("received_at")?),
        size: r.try_get("size")?,
        has_attachments: r.try_get::<i64, _>("has_attachments")? != 0,
        truncated: r.try_get::<i64, _>("truncated")? != 0,
        original_size: r.try_get("original_size")?,
        parse_error: r.try_get("parse_error")?,
        thread_id: r.try_get("thread_id")?,
        seen: r.try_get::<i64, _>("seen")? != 0,
        answered: r.try_get::<i64, _>("answered")? != 0,
        flagged: r.try_get::<i64, _>("flagged")? != 0,
        deleted_on_server: r.try_get::<i64, _>("deleted_on_server")? != 0,
        access: MailLevel::Full,
    })
}

/// How many messages in id order a listing reads before it narrows to those the caller could see at all.
const SCAN_BUDGET: i64 = 2_000;

/// Messages matching the filter that the caller reads at all, each with what they read of it (`access`). Admins and
/// mailbox members mostly read what they list, so a scan in id order fills a page at once; when the first
/// `SCAN_BUDGET` rows do not, the rest is read through the caller's candidates (logged mail, mail linked to records
/// they see), which stays fast for someone who sees little of a large store.
pub async fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    f: &MessageFilter,
    range: (Option<i64>, Option<i64>),
    limit: i64,
) -> Result<Vec<MessageSummary>, Error> {
    let after = f.after.unwrap_or(0);
    let mut out = Vec::new();
    let mut last = after;
    // One page of the scan first (all an admin or a member of a busy mailbox needs), then a longer one.
    for budget in [limit, SCAN_BUDGET] {
        let scanned = list_query(caller, f, range, last, Narrow::Scan(budget))
            .query()
            .fetch_all(&mut *conn)
            .await?;
        for r in &scanned {
            last = r.try_get("id")?;
            let level = MailLevel::from_rank(r.try_get("lvl")?);
            if level > MailLevel::None {
                out.push(summary_from_row(r)?.redacted(level));
                if out.len() as i64 == limit {
                    return Ok(out);
                }
            }
        }
        if (scanned.len() as i64) < budget || caller.is_admin() {
            return Ok(out);
        }
    }
    let left = limit - out.len() as i64;
    let rest = list_query(caller, f, range, last, Narrow::Candidates(left))
        .query()
        .fetch_all(conn)
        .await?;
    for r in &rest {
        let level = MailLevel::from_rank(r.try_get("lvl")?);
        out.push(summary_from_row(r)?.redacted(level));
    }
    Ok(out)
}

enum Narrow {
    /// The next n messages in id order, each with its level (0 included).
    Scan(i64),
    /// Up to n visible messages among the caller's candidates.
    Candidates(i64),
}

fn list_query(
    caller: &Caller,
    f: &MessageFilter,
    (since, until): (Option<i64>, Option<i64>),
    after: i64,
    narrow: Narrow,
) -> Sql {
    let mut sql = Sql::new("SELECT * FROM (SELECT ");
    sql.push(SUMMARY).push(", ");
    access::push_mail_level(&mut sql, caller, "m");
    sql.push(" AS lvl FROM messages m WHERE m.id > ")
        .bind(after);
    if let Narrow::Candidates(_) = narrow {
        access::push_mail_candidates(&mut sql, caller, "m");
    }
    if f.mailbox_id.is_some() || f.folder.is_some() {
        sql.push(" AND m.id IN (SELECT l.message_id FROM message_locations l JOIN mail_folders f ON f.id = l.folder_id WHERE 1 = 1");
        if let Some(mailbox) = f.mailbox_id {
            sql.push(" AND f.mailbox_id = ").bind(mailbox);
        }
        if let Some(folder) = &f.folder {
            // Where the message is now: a location expunged or moved away no longer counts.
            sql.push(" AND l.gone_at IS NULL AND f.name = ")
                .bind(folder.clone());
        }
        sql.push(")");
    }
    if let Some(thread) = f.thread_id {
        sql.push(" AND m.thread_id = ").bind(thread);
    }
    if let Some(address) = &f.address {
        sql.push(" AND m.id IN (SELECT message_id FROM message_addresses WHERE address = ")
            .bind(address.trim().to_lowercase())
            .push(")");
    }
    if let Some(since) = since {
        sql.push(" AND m.sent_at >= ").bind(since);
    }
    if let Some(until) = until {
        sql.push(" AND m.sent_at < ").bind(until);
    }
    match narrow {
        Narrow::Scan(n) => sql
            .push(" ORDER BY m.id LIMIT ")
            .bind(n)
            .push(") x ORDER BY x.id"),
        Narrow::Candidates(n) => sql.push(") x WHERE x.lvl > 0 ORDER BY x.id LIMIT ").bind(n),
    };
    sql
}

pub async fn summary(conn: &mut AnyConnection, id: i64) -> Result<Option<MessageSummary>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(SUMMARY)
        .push(" FROM messages m WHERE m.id = ")
        .bind(id);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(summary_from_row).transpose()
}

pub struct Detail {
    pub in_reply_to: Option<String>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
}

pub async fn detail(conn: &mut AnyConnection, id: i64) -> Result<Option<Detail>, Error> {
    let row = sqlx::query("SELECT in_reply_to, text_body, html_body FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(Detail {
            in_reply_to: r.try_get("in_reply_to")?,
            text_body: r.try_get("text_body")?,
            html_body: r.try_get("html_body")?,
        })
    })
    .transpose()
}

/// `(role, address, name)` in header order.
pub async fn participants(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(String, String, Option<String>)>, Error> {
    let rows = sqlx::query(
        "SELECT role, address, name FROM message_addresses WHERE message_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("role")?,
                r.try_get("address")?,
                r.try_get("name")?,
            ))
        })
        .collect()
}

/// `(position, part_index, filename, content_type, size)`
pub async fn attachments(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(i64, i64, Option<String>, String, i64)>, Error> {
    let rows = sqlx::query("SELECT position, part_index, filename, content_type, size FROM attachments WHERE message_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("position")?,
                r.try_get("part_index")?,
                r.try_get("filename")?,
                r.try_get("content_type")?,
                r.try_get("size")?,
            ))
        })
        .collect()
}

/// `(mailbox_id, folder name, uid)` of every place the message was seen.
pub async fn locations(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(i64, String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT f.mailbox_id, f.name, l.uid FROM message_locations l JOIN mail_folders f ON f.id = l.folder_id
         WHERE l.message_id = $1 AND l.gone_at IS NULL ORDER BY f.mailbox_id, f.name",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("mailbox_id")?,
                r.try_get("name")?,
                r.try_get("uid")?,
            ))
        })
        .collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn set_thread_private(
    conn: &mut AnyConnection,
    thread_id: i64,
    user_id: i64,
    private: bool,
) -> Result<(), Error> {
    if private {
        sqlx::query(
            "INSERT INTO private_threads (thread_id, marked_by, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (thread_id) DO NOTHING",
        )
        .bind(thread_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(conn)
        .await?;
    } else {
        sqlx::query("DELETE FROM private_threads WHERE thread_id = $1")
            .bind(thread_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Marks the message as logged by the user from their own mail client: theirs in full.
pub async fn add_logger(
    conn: &mut AnyConnection,
    message_id: i64,
    user_id: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO message_loggers (message_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (message_id, user_id) DO NOTHING",
    )
    .bind(message_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}
