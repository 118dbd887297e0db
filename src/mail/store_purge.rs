//! SQL of deleting messages fully and of rewriting a pseudonymized one, and of the erased-mail tombstones ingest
//! checks. Every statement takes id lists in runs of `MAX_BINDS`.

use sqlx::{AnyConnection, Row};

use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// `(hash, thread_id, Message-ID)` of the messages that exist among `ids`.
pub async fn keys_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(String, Option<i64>, Option<String>)>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT hash, thread_id, message_id FROM messages WHERE id IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(out)
}

/// Deletes the messages and every row that hangs on them (the search document goes by the delete trigger).
/// Returns how many messages were deleted.
pub async fn delete_messages(conn: &mut AnyConnection, ids: &[i64]) -> Result<u64, Error> {
    let mut deleted = 0;
    for run in ids.chunks(MAX_BINDS) {
        // Children first, explicitly: the cascades are not relied on (SQLite enforces them only with the pragma).
        for text in [
            "DELETE FROM message_addresses WHERE message_id IN ",
            "DELETE FROM attachments WHERE message_id IN ",
            "DELETE FROM message_locations WHERE message_id IN ",
            "DELETE FROM message_links WHERE message_id IN ",
            "DELETE FROM message_loggers WHERE message_id IN ",
            "DELETE FROM awaiting_replies WHERE message_id IN ",
            "UPDATE awaiting_replies SET answer_message_id = NULL WHERE answer_message_id IN ",
            "DELETE FROM activity_mail WHERE message_id IN ",
        ] {
            let mut sql = Sql::new(text);
            sql.bind_list(run.to_vec());
            sql.query().execute(&mut *conn).await?;
        }
        let mut sql = Sql::new("DELETE FROM messages WHERE id IN ");
        sql.bind_list(run.to_vec());
        deleted += sql.query().execute(&mut *conn).await?.rows_affected();
    }
    Ok(deleted)
}

/// Deletes the raw bytes of these hashes that no message references any more.
pub async fn delete_unreferenced_raws(
    conn: &mut AnyConnection,
    hashes: &[String],
) -> Result<(), Error> {
    for run in hashes.chunks(MAX_BINDS) {
        let mut sql = Sql::new("DELETE FROM raw_messages WHERE hash IN ");
        sql.bind_list(run.to_vec())
            .push(" AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.hash = raw_messages.hash)");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes the threads among `ids` that hold no message any more, with their keys and marks.
pub async fn delete_empty_threads(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), Error> {
    for run in ids.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT t.id FROM threads t WHERE t.id IN ");
        sql.bind_list(run.to_vec())
            .push(" AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id)");
        let empty: Vec<i64> = sql
            .query()
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        if empty.is_empty() {
            continue;
        }
        for text in [
            "DELETE FROM thread_keys WHERE thread_id IN ",
            "DELETE FROM private_threads WHERE thread_id IN ",
            "DELETE FROM awaiting_replies WHERE thread_id IN ",
            "DELETE FROM awaiting_threads WHERE thread_id IN ",
            "DELETE FROM activity_threads WHERE thread_id IN ",
            "DELETE FROM threads WHERE id IN ",
        ] {
            let mut sql = Sql::new(text);
            sql.bind_list(empty.clone());
            sql.query().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Records tombstone keys (`hash:…`, `mid:…`); a key already there stays as it was.
pub async fn insert_tombstones(
    conn: &mut AnyConnection,
    keys: &[String],
    request_id: Option<i64>,
) -> Result<(), Error> {
    let now = now_ms();
    for key in keys {
        sqlx::query(
            "INSERT INTO erased_messages (key, request_id, at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key.clone())
        .bind(request_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Which of these tombstone keys are recorded.
pub async fn tombstoned(conn: &mut AnyConnection, keys: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for run in keys.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT key FROM erased_messages WHERE key IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// A message's stored text as pseudonymization reads and rewrites it.
pub struct StoredText {
    pub id: i64,
    pub hash: String,
    pub subject: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub thread_id: Option<i64>,
}

pub async fn stored_text(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredText>, Error> {
    let row = sqlx::query(
        "SELECT id, hash, subject, from_address, from_name, text_body, html_body, thread_id FROM messages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(StoredText {
            id: r.try_get(0)?,
            hash: r.try_get(1)?,
            subject: r.try_get(2)?,
            from_address: r.try_get(3)?,
            from_name: r.try_get(4)?,
            text_body: r.try_get(5)?,
            html_body: r.try_get(6)?,
            thread_id: r.try_get(7)?,
        })
    })
    .transpose()
}

pub async fn write_text(conn: &mut AnyConnection, t: &StoredText) -> Result<(), Error> {
    sqlx::query(
        "UPDATE messages SET subject = $1, from_address = $2, from_name = $3, text_body = $4, html_body = $5 WHERE id = $6",
    )
    .bind(t.subject.clone())
    .bind(t.from_address.clone())
    .bind(t.from_name.clone())
    .bind(t.text_body.clone())
    .bind(t.html_body.clone())
    .bind(t.id)
    .execute(conn)
    .await?;
    Ok(())
}

/// `(role, position, address, name)` of a message's participants.
pub async fn participants(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(String, i64, String, Option<String>)>, Error> {
    let rows = sqlx::query(
        "SELECT role, position, address, name FROM message_addresses WHERE message_id = $1 ORDER BY role, position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

pub async fn set_participant(
    conn: &mut AnyConnection,
    id: i64,
    (role, position): (&str, i64),
    address: &str,
    name: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE message_addresses SET address = $1, name = $2 WHERE message_id = $3 AND role = $4 AND position = $5",
    )
    .bind(address.to_string())
    .bind(name.map(str::to_string))
    .bind(id)
    .bind(role.to_string())
    .bind(position)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn raw_of_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<Vec<u8>>, Error> {
    let row = sqlx::query("SELECT bytes FROM raw_messages WHERE hash = $1")
        .bind(hash.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn set_raw(conn: &mut AnyConnection, hash: &str, bytes: &[u8]) -> Result<(), Error> {
    sqlx::query("UPDATE raw_messages SET bytes = $1 WHERE hash = $2")
        .bind(bytes.to_vec())
        .bind(hash.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn thread_subject(conn: &mut AnyConnection, id: i64) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT subject_norm FROM threads WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn set_thread_subject(
    conn: &mut AnyConnection,
    id: i64,
    subject: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE threads SET subject_norm = $1 WHERE id = $2")
        .bind(subject.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `(position, filename)` of a message's named attachments.
pub async fn attachment_names(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(i64, String)>, Error> {
    let rows = sqlx::query(
        "SELECT position, filename FROM attachments WHERE message_id = $1 AND filename IS NOT NULL ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub async fn set_attachment_name(
    conn: &mut AnyConnection,
    id: i64,
    position: i64,
    filename: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE attachments SET filename = $1 WHERE message_id = $2 AND position = $3")
        .bind(filename.to_string())
        .bind(id)
        .bind(position)
        .execute(conn)
        .await?;
    Ok(())
}
