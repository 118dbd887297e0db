//! SQL of late links: the messages whose links or class changed after they were stored (queued by the triggers of
//! migration 0034, whatever made the change), and the open waits such a change moves or ends.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::sql::Sql;
use crate::error::Error;

/// `(queue id, thread id)` of queued messages, oldest first; a message deleted since has no thread.
pub async fn rechecks(pool: &AnyPool, limit: i64) -> Result<Vec<(i64, Option<i64>)>, Error> {
    let rows = sqlx::query(
        "SELECT q.id, m.thread_id FROM awaiting_rechecks q LEFT JOIN messages m ON m.id = q.message_id
         ORDER BY q.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("thread_id")?)))
        .collect()
}

/// Takes decided entries off the queue (another instance may have taken them already).
pub async fn drop_rechecks(pool: &AnyPool, ids: &[i64]) -> Result<(), Error> {
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new("DELETE FROM awaiting_rechecks WHERE id IN ");
        sql.bind_list(chunk.to_vec());
        sql.query().execute(pool).await?;
    }
    Ok(())
}

/// A thread's open wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenWait {
    pub id: i64,
    pub message_id: i64,
    /// The client's message time.
    pub received_at: i64,
    pub record_kind: String,
    pub record_id: i64,
}

pub async fn open_wait(
    conn: &mut AnyConnection,
    thread_id: i64,
) -> Result<Option<OpenWait>, Error> {
    let row = sqlx::query(
        "SELECT id, message_id, received_at, record_kind, record_id FROM awaiting_replies
         WHERE thread_id = $1 AND answered_at IS NULL",
    )
    .bind(thread_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(OpenWait {
            id: r.try_get("id")?,
            message_id: r.try_get("message_id")?,
            received_at: r.try_get("received_at")?,
            record_kind: r.try_get("record_kind")?,
            record_id: r.try_get("record_id")?,
        })
    })
    .transpose()
}

/// Ends an open wait whose mail no longer waits (unlinked, its record deleted, no longer human): it was never
/// answered, so it is removed rather than marked answered.
pub async fn drop_wait(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM awaiting_replies WHERE id = $1 AND answered_at IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Puts an open wait on another record (a contact linked to a lead's mail, a conversion), timed by its owner.
pub async fn move_wait(
    conn: &mut AnyConnection,
    id: i64,
    record: (&str, i64),
    owner_id: Option<i64>,
    due_at: i64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE awaiting_replies SET record_kind = $1, record_id = $2, owner_id = $3, due_at = $4
         WHERE id = $5 AND answered_at IS NULL",
    )
    .bind(record.0)
    .bind(record.1)
    .bind(owner_id)
    .bind(due_at)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
