//! SQL of the per-recipient send state machine: pending -> claimed(at, by) -> sent | failed | unknown, and
//! pending -> skipped. A letter is claimed in the database before SMTP sees it, so it is never handed over twice.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::campaigns::model::{Recipient, RecipientFilter, Stats};
use crate::db::sql::{Sql, MAX_BINDS};
use crate::db::{from_ms, now_ms};
use crate::error::Error;

/// A letter waiting to be sent.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub contact_id: i64,
    pub address: String,
    pub attempts: i64,
}

/// Inserts the recipients of a campaign and marks it sending, in one transaction: either all or none.
pub async fn start(
    pool: &AnyPool,
    campaign_id: i64,
    recipients: &[(i64, String)],
) -> Result<bool, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let now = now_ms();
    let moved = sqlx::query(
        "UPDATE campaigns SET status = 'sending', started_at = $1, updated_at = $1, failures_in_row = 0
         WHERE id = $2 AND status = 'draft'",
    )
    .bind(now)
    .bind(campaign_id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    // Batches keep statements under the backends' parameter limits and inserts fast: on SQLite a statement's cost
    // grows with the square of its values (see `MAX_BINDS`), on PostgreSQL each statement is a round trip.
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    let rows = if sqlite { MAX_BINDS / 3 } else { 1000 };
    for chunk in recipients.chunks(rows) {
        let mut sql = Sql::new(
            "INSERT INTO campaign_recipients (campaign_id, contact_id, address, state) VALUES ",
        );
        for (i, (contact_id, address)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(campaign_id)
                .push(", ")
                .bind(*contact_id)
                .push(", ")
                .bind(address.clone())
                .push(", 'pending')");
        }
        sql.query().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if !sqlite {
        // Fresh statistics: without them PostgreSQL claims a chunk by scanning every pending letter of the
        // campaign instead of looking up the chunk's ids in the queue index (measured: 4 ms per claim).
        sqlx::query("ANALYZE campaign_recipients")
            .execute(pool)
            .await?;
    }
    Ok(true)
}

/// Pending letters due now with ids above `after`, by id: the sender pages through them without seeing a letter
/// twice while earlier ones wait, still pending, to be claimed.
pub async fn due(
    pool: &AnyPool,
    campaign_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<Due>, Error> {
    let rows = sqlx::query(
        "SELECT id, contact_id, address, attempts FROM campaign_recipients
         WHERE campaign_id = $1 AND state = 'pending' AND next_attempt_at <= $2 AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(campaign_id)
    .bind(now_ms())
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                contact_id: r.try_get("contact_id")?,
                address: r.try_get("address")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// When the next pending letter falls due (None: nothing pending), and how many are claimed.
pub async fn open_work(pool: &AnyPool, campaign_id: i64) -> Result<(Option<i64>, i64), Error> {
    let row = sqlx::query(
        "SELECT MIN(CASE WHEN state = 'pending' THEN next_attempt_at END) AS next_at,
                COALESCE(SUM(CASE WHEN state = 'claimed' THEN 1 ELSE 0 END), 0) AS claimed
         FROM campaign_recipients WHERE campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await?;
    Ok((row.try_get("next_at")?, row.try_get("claimed")?))
}

/// Ends a pending letter without sending it: `failed` (cannot be rendered) or `skipped` (consent withdrawn).
pub async fn close_pending(pool: &AnyPool, id: i64, state: &str, error: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE campaign_recipients SET state = $1, error = $2 WHERE id = $3 AND state = 'pending'",
    )
    .bind(state)
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Makes `worker` the campaign's runner unless another worker whose heartbeat is fresh (within `lease_ms`) runs it.
/// Returns whether `worker` is the runner now.
pub async fn take_runner(
    pool: &AnyPool,
    campaign_id: i64,
    worker: &str,
    lease_ms: i64,
) -> Result<bool, Error> {
    let taken = sqlx::query(
        "UPDATE campaigns SET runner = $1
         WHERE id = $2
           AND (runner IS NULL OR runner = $1
                OR NOT EXISTS (SELECT 1 FROM send_workers w WHERE w.id = campaigns.runner AND w.heartbeat_at > $3))",
    )
    .bind(worker)
    .bind(campaign_id)
    .bind(now_ms() - lease_ms)
    .execute(pool)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Lets another worker run the campaign at once.
pub async fn release_runner(pool: &AnyPool, campaign_id: i64, worker: &str) -> Result<(), Error> {
    sqlx::query("UPDATE campaigns SET runner = NULL WHERE id = $1 AND runner = $2")
        .bind(campaign_id)
        .bind(worker)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn heartbeat(pool: &AnyPool, worker: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO send_workers (id, heartbeat_at) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
    )
    .bind(worker)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn retire(pool: &AnyPool, worker: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM send_workers WHERE id = $1")
        .bind(worker)
        .execute(pool)
        .await?;
    Ok(())
}

/// Letters claimed by workers silent for `lease_ms` (crashed, killed) become `unknown`: SMTP may have accepted
/// them, so they are reported, never resent. Returns how many.
pub async fn orphans_to_unknown(pool: &AnyPool, lease_ms: i64) -> Result<u64, Error> {
    let cutoff = now_ms() - lease_ms;
    let done = sqlx::query(
        "UPDATE campaign_recipients SET state = 'unknown',
                error = 'the sender stopped between handing the letter to SMTP and recording the answer'
         WHERE state = 'claimed' AND claimed_at < $1
           AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM send_workers WHERE heartbeat_at >= $1))",
    )
    .bind(cutoff)
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM send_workers WHERE heartbeat_at < $1")
        .bind(cutoff - lease_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub async fn stats(pool: &AnyPool, campaign_id: i64) -> Result<Stats, Error> {
    let mut s = Stats::default();
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY state",
    )
    .bind(campaign_id)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let n: i64 = r.try_get("n")?;
        s.total += n;
        match r.try_get::<String, _>("state")?.as_str() {
            "pending" => s.pending = n,
            "claimed" => s.in_flight = n,
            "sent" => s.sent = n,
            "failed" => s.failed = n,
            "unknown" => s.unknown = n,
            _ => s.skipped = n,
        }
    }
    let row = sqlx::query(
        "SELECT (SELECT COUNT(DISTINCT address) FROM bounces WHERE campaign_id = $1) AS bounced,
                (SELECT COUNT(*) FROM suppressions WHERE campaign_id = $1 AND reason = 'unsubscribed') AS unsubscribed,
                (SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = $1 AND state = 'sent'
                    AND sent_at >= $2) AS last_minute",
    )
    .bind(campaign_id)
    .bind(now_ms() - 60_000)
    .fetch_one(pool)
    .await?;
    s.bounced = row.try_get("bounced")?;
    s.unsubscribed = row.try_get("unsubscribed")?;
    s.rate_per_second = row.try_get::<i64, _>("last_minute")? as f64 / 60.0;
    Ok(s)
}

/// Letters sent by a campaign since `since_ms`, so that an hourly limit survives a restart.
pub async fn sent_since(pool: &AnyPool, campaign_id: i64, since_ms: i64) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = $1 AND sent_at >= $2",
    )
    .bind(campaign_id)
    .bind(since_ms)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("n")?)
}

fn recipient_from_row(r: &AnyRow) -> Result<Recipient, Error> {
    Ok(Recipient {
        id: r.try_get("id")?,
        contact_id: r.try_get("contact_id")?,
        address: r.try_get("address")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        error: r.try_get("error")?,
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(from_ms),
    })
}

pub async fn recipients(
    pool: &AnyPool,
    campaign_id: i64,
    f: &RecipientFilter,
    limit: i64,
) -> Result<Vec<Recipient>, Error> {
    let mut sql = Sql::new(
        "SELECT id, contact_id, address, state, attempts, error, sent_at FROM campaign_recipients WHERE campaign_id = ",
    );
    sql.bind(campaign_id)
        .push(" AND id > ")
        .bind(f.after.unwrap_or(0));
    if let Some(state) = &f.state {
        sql.push(" AND state = ").bind(state.clone());
    }
    sql.push(" ORDER BY id LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter().map(recipient_from_row).collect()
}

/// The recipient a token or bounce names: (campaign id, address).
pub async fn recipient_address(pool: &AnyPool, id: i64) -> Result<Option<(i64, String)>, Error> {
    let row = sqlx::query("SELECT campaign_id, address FROM campaign_recipients WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get("campaign_id")?, r.try_get("address")?)))
        .transpose()
}
