//! SQL of sending limits: a mailbox's own limits, the per-mailbox lock a claim takes before it counts, and the
//! ledger of claimed letters (`mailbox_sends`, at the app's clock) every instance counts against.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::error::Error;
use crate::sequences::limits::Limits;

/// Whose letters a window counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Mailbox,
    Sequence,
}

fn limit(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<u32>, Error> {
    let v: Option<i64> = r.try_get(column)?;
    Ok(v.and_then(|v| u32::try_from(v).ok()))
}

/// The admin's own limits of a mailbox (None: its preset holds).
pub async fn custom(pool: &AnyPool, mailbox: i64) -> Result<Option<Limits>, Error> {
    let row = sqlx::query(
        "SELECT per_minute, per_hour, per_day FROM mailbox_send_limits WHERE mailbox_id = $1",
    )
    .bind(mailbox)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Limits {
            per_minute: limit(&r, "per_minute")?,
            per_hour: limit(&r, "per_hour")?,
            per_day: limit(&r, "per_day")?,
        })
    })
    .transpose()
}

pub async fn set_custom(
    conn: &mut AnyConnection,
    mailbox: i64,
    limits: Option<Limits>,
    now: i64,
) -> Result<(), Error> {
    let Some(l) = limits else {
        sqlx::query("DELETE FROM mailbox_send_limits WHERE mailbox_id = $1")
            .bind(mailbox)
            .execute(conn)
            .await?;
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO mailbox_send_limits (mailbox_id, per_minute, per_hour, per_day, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (mailbox_id) DO UPDATE SET per_minute = $2, per_hour = $3, per_day = $4, updated_at = $5",
    )
    .bind(mailbox)
    .bind(l.per_minute.map(i64::from))
    .bind(l.per_hour.map(i64::from))
    .bind(l.per_day.map(i64::from))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the mailbox's claim lock for the rest of the transaction: claims of one mailbox count one at a time.
pub async fn lock(conn: &mut AnyConnection, mailbox: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO mailbox_send_locks (mailbox_id, claims) VALUES ($1, 1)
         ON CONFLICT (mailbox_id) DO UPDATE SET claims = mailbox_send_locks.claims + 1",
    )
    .bind(mailbox)
    .execute(conn)
    .await?;
    Ok(())
}

/// The time of the `n`-th most recent letter of the scope since `since` (exclusive), if there are `n` of them:
/// the window is full, and frees when that letter leaves it.
pub async fn nth_recent(
    conn: &mut AnyConnection,
    scope: Scope,
    id: i64,
    since: i64,
    n: u32,
) -> Result<Option<i64>, Error> {
    let sql = match scope {
        Scope::Mailbox => {
            "SELECT at FROM mailbox_sends WHERE mailbox_id = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"
        }
        Scope::Sequence => {
            "SELECT at FROM mailbox_sends WHERE sequence_id = $1 AND at > $2 ORDER BY at DESC LIMIT 1 OFFSET $3"
        }
    };
    let row = sqlx::query(sql)
        .bind(id)
        .bind(since)
        .bind(i64::from(n.saturating_sub(1)))
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("at")).transpose()?)
}

/// Counts a claimed letter against its mailbox and sequence.
pub async fn record(
    conn: &mut AnyConnection,
    mailbox: i64,
    sequence: i64,
    letter: i64,
    at: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO mailbox_sends (mailbox_id, sequence_id, letter_id, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(mailbox)
    .bind(sequence)
    .bind(letter)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A claim dropped before SMTP took the letter (no connection, 4xx) gives its place back.
pub async fn forget(conn: &mut AnyConnection, letter: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM mailbox_sends WHERE letter_id = $1")
        .bind(letter)
        .execute(conn)
        .await?;
    Ok(())
}

/// Letters claimed from a mailbox since `since` (exclusive).
pub async fn used(pool: &AnyPool, mailbox: i64, since: i64) -> Result<i64, Error> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM mailbox_sends WHERE mailbox_id = $1 AND at > $2")
            .bind(mailbox)
            .bind(since)
            .fetch_one(pool)
            .await?;
    Ok(row.try_get("n")?)
}

/// Drops ledger rows no window reaches any more.
pub async fn prune(pool: &AnyPool, before: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM mailbox_sends WHERE at < $1")
        .bind(before)
        .execute(pool)
        .await?;
    Ok(())
}
