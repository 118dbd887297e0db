//! What `/metrics` reads from the database at each scrape: figures shared by every instance on the database.

use sqlx::{AnyPool, Row};

use crate::error::Error;

pub struct MailboxSync {
    pub id: i64,
    /// The last successful sync, or when the mailbox was added if it never synced.
    pub since_ms: i64,
    pub failing: bool,
}

pub async fn mailboxes(pool: &AnyPool) -> Result<Vec<MailboxSync>, Error> {
    let rows = sqlx::query(
        "SELECT id, COALESCE(last_sync_at, created_at) AS since, last_error_code FROM mailboxes WHERE enabled = 1 ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| MailboxSync {
            id: r.get(0),
            since_ms: r.get(1),
            failing: r.get::<Option<String>, _>(2).is_some(),
        })
        .collect())
}

pub async fn messages(pool: &AnyPool) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(pool)
        .await?)
}

/// Letters by kind and state: (kind, state, count).
pub async fn letters(pool: &AnyPool) -> Result<Vec<(String, String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT 'campaign', state, COUNT(*) FROM campaign_recipients GROUP BY state
         UNION ALL SELECT 'sequence', state, COUNT(*) FROM sequence_letters GROUP BY state
         UNION ALL SELECT kind, state, COUNT(*) FROM reminder_letters GROUP BY kind, state",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// Letters waiting to go, by kind: campaign recipients pending or claimed in sending campaigns, sequence steps due.
pub async fn send_queue(pool: &AnyPool, now_ms: i64) -> Result<Vec<(String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT 'campaign', COUNT(*) FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
           WHERE c.status = 'sending' AND r.state IN ('pending', 'claimed')
         UNION ALL SELECT 'sequence', COUNT(*) FROM sequence_enrolments
           WHERE state = 'active' AND next_due_at <= $1",
    )
    .bind(now_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
