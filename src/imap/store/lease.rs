//! SQL of the sync instances' heartbeats and the mailbox leases they hold: taking, renewing, handing back, and
//! the fence a chunk's transaction checks before it commits.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::error::Error;

/// What a sync proves it still has the right to commit with: the lease generation it was started under. Every
/// new taking of a lease raises the mailbox's generation, so an older one never matches again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub mailbox_id: i64,
    pub generation: i64,
}

/// One mailbox's lease as stored.
pub struct LeaseRow {
    pub mailbox_id: i64,
    pub holder: Option<String>,
    pub until: Option<i64>,
    pub generation: i64,
}

impl LeaseRow {
    /// Free to take: never held, handed back, or not renewed in time.
    pub fn is_free(&self, now: i64) -> bool {
        self.holder.is_none() || self.until.is_none_or(|u| u < now)
    }
}

/// An instance seen by the others.
pub struct InstanceRow {
    pub name: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    /// Its lease time: it is alive while seen within it.
    pub lease_ms: i64,
}

/// Records that `me` is alive at `now` (created on its first heartbeat).
pub async fn heartbeat(pool: &AnyPool, me: &InstanceRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sync_instances (name, started_at, last_seen_at, lease_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET last_seen_at = $3, lease_ms = $4",
    )
    .bind(&me.name)
    .bind(me.started_at)
    .bind(me.last_seen_at)
    .bind(me.lease_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Removes an instance that stops cleanly, and the rows of instances silent since `stale` (long dead).
pub async fn forget_instance(pool: &AnyPool, name: &str, stale: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM sync_instances WHERE name = $1 OR last_seen_at < $2")
        .bind(name)
        .bind(stale)
        .execute(pool)
        .await?;
    Ok(())
}

/// Instances alive at `now` (seen within their lease time), oldest first.
pub async fn live_instances(pool: &AnyPool, now: i64) -> Result<Vec<InstanceRow>, Error> {
    let rows = sqlx::query(
        "SELECT name, started_at, last_seen_at, lease_ms FROM sync_instances WHERE last_seen_at + lease_ms >= $1
         ORDER BY started_at, name",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InstanceRow {
                name: r.try_get("name")?,
                started_at: r.try_get("started_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                lease_ms: r.try_get("lease_ms")?,
            })
        })
        .collect()
}

/// Every mailbox's lease, by mailbox id.
pub async fn leases(pool: &AnyPool) -> Result<Vec<LeaseRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, lease_holder, lease_until, lease_generation FROM mailboxes ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LeaseRow {
                mailbox_id: r.try_get("id")?,
                holder: r.try_get("lease_holder")?,
                until: r.try_get("lease_until")?,
                generation: r.try_get("lease_generation")?,
            })
        })
        .collect()
}

/// Extends every lease `holder` still has to `until`, in one statement.
pub async fn renew(pool: &AnyPool, holder: &str, until: i64) -> Result<(), Error> {
    sqlx::query("UPDATE mailboxes SET lease_until = $1 WHERE lease_holder = $2")
        .bind(until)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes a free lease (never held, handed back, or expired at `now`) until `until`; the new generation, or none
/// when another instance holds it.
pub async fn acquire(
    pool: &AnyPool,
    mailbox_id: i64,
    holder: &str,
    until: i64,
    now: i64,
) -> Result<Option<Fence>, Error> {
    let row = sqlx::query(
        "UPDATE mailboxes SET lease_holder = $1, lease_until = $2, lease_generation = lease_generation + 1
         WHERE id = $3 AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until < $4)
         RETURNING lease_generation",
    )
    .bind(holder)
    .bind(until)
    .bind(mailbox_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Fence {
            mailbox_id,
            generation: r.try_get("lease_generation")?,
        })
    })
    .transpose()
}

/// Hands a lease back (at shutdown, on a handover, or when its mailbox stops being synced here).
pub async fn release(pool: &AnyPool, mailbox_id: i64, holder: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE mailboxes SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2",
    )
    .bind(mailbox_id)
    .bind(holder)
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether `holder` still has the mailbox's lease.
pub async fn holds(pool: &AnyPool, mailbox_id: i64, holder: &str) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS held FROM mailboxes WHERE id = $1 AND lease_holder = $2")
        .bind(mailbox_id)
        .bind(holder)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// Called last in a chunk's transaction: fails (and so rolls the chunk back) when the lease was taken anew since
/// the sync started. Written as an UPDATE so that it locks the mailbox row until the commit: a takeover waits for
/// the chunk (and then reads its folder mark), or the chunk sees the new generation and never commits.
pub async fn still_held(conn: &mut AnyConnection, fence: Fence) -> Result<(), Error> {
    let done = sqlx::query(
        "UPDATE mailboxes SET lease_generation = lease_generation WHERE id = $1 AND lease_generation = $2",
    )
    .bind(fence.mailbox_id)
    .bind(fence.generation)
    .execute(conn)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::Unavailable("mailbox lease"))
    }
}
