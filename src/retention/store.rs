//! All SQL of retention: the policies, the claim of a pass, and the rows a pass removes.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// Ids handled per statement and per transaction.
pub const BATCH: i64 = MAX_BINDS as i64;

pub struct Policy {
    pub leads_months: Option<i64>,
    pub last_run_at: Option<i64>,
    pub last_counts: Option<String>,
    pub next_run_at: i64,
}

pub async fn policy(pool: &AnyPool) -> Result<Policy, Error> {
    let row = sqlx::query(
        "SELECT leads_months, last_run_at, last_counts, next_run_at FROM retention_policy WHERE id = 1",
    )
    .fetch_one(pool)
    .await?;
    Ok(Policy {
        leads_months: row.try_get("leads_months")?,
        last_run_at: row.try_get("last_run_at")?,
        last_counts: row.try_get("last_counts")?,
        next_run_at: row.try_get("next_run_at")?,
    })
}

/// Every mailbox with its policy: `(id, name, months)`.
pub async fn mailboxes(conn: &mut AnyConnection) -> Result<Vec<(i64, String, Option<i64>)>, Error> {
    let rows = sqlx::query("SELECT id, name, retention_months FROM mailboxes ORDER BY id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("retention_months")?,
            ))
        })
        .collect()
}

pub async fn set_leads(conn: &mut AnyConnection, months: Option<i64>) -> Result<(), Error> {
    sqlx::query("UPDATE retention_policy SET leads_months = $1 WHERE id = 1")
        .bind(months)
        .execute(conn)
        .await?;
    Ok(())
}

/// False when there is no such mailbox.
pub async fn set_mailbox(
    conn: &mut AnyConnection,
    id: i64,
    months: Option<i64>,
) -> Result<bool, Error> {
    let done = sqlx::query("UPDATE mailboxes SET retention_months = $1 WHERE id = $2")
        .bind(months)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the pass due at `now` for this instance (moving the next one to `next`); false when another instance
/// took it or it is not due.
pub async fn claim(pool: &AnyPool, now: i64, next: i64) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE retention_policy SET next_run_at = $1 WHERE id = 1 AND next_run_at <= $2",
    )
    .bind(next)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn record_run(conn: &mut AnyConnection, at: i64, counts: &str) -> Result<(), Error> {
    sqlx::query("UPDATE retention_policy SET last_run_at = $1, last_counts = $2 WHERE id = 1")
        .bind(at)
        .bind(counts.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Messages a folder of this mailbox holds, dated before `cutoff` (the Date header, else when received).
pub async fn old_in_mailbox(pool: &AnyPool, mailbox: i64, cutoff: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT m.id FROM message_locations l JOIN mail_folders f ON f.id = l.folder_id
         JOIN messages m ON m.id = l.message_id
         WHERE f.mailbox_id = $1 AND COALESCE(m.sent_at, m.received_at) < $2 ORDER BY m.id LIMIT $3",
    )
    .bind(mailbox)
    .bind(cutoff)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Removes these messages from the folders of this mailbox; answers how many places.
pub async fn remove_locations(
    conn: &mut AnyConnection,
    mailbox: i64,
    ids: &[i64],
) -> Result<u64, Error> {
    let mut sql = Sql::new(
        "DELETE FROM message_locations WHERE folder_id IN (SELECT id FROM mail_folders WHERE mailbox_id = ",
    );
    sql.bind(mailbox).push(") AND message_id IN ");
    sql.bind_list(ids.to_vec());
    Ok(sql.query().execute(conn).await?.rows_affected())
}

/// Those of these messages no mailbox holds and nobody logged to a record.
pub async fn unheld(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<i64>, Error> {
    let mut sql = Sql::new("SELECT m.id FROM messages m WHERE m.id IN ");
    sql.bind_list(ids.to_vec()).push(
        " AND NOT EXISTS (SELECT 1 FROM message_locations l WHERE l.message_id = m.id)
          AND NOT EXISTS (SELECT 1 FROM message_loggers g WHERE g.message_id = m.id)",
    );
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Leads created before `cutoff` and never converted.
pub async fn stale_leads(pool: &AnyPool, cutoff: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT id FROM leads WHERE status <> 'converted' AND created_at < $1 ORDER BY id LIMIT $2",
    )
    .bind(cutoff)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}
