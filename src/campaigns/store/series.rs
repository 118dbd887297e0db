//! Letters sent per time step of one campaign (the console's rate chart).

use sqlx::{AnyPool, Row};

use crate::error::Error;

/// (step index since the epoch, letters sent in it), oldest first; steps without letters are left out.
pub async fn sent_per_step(
    pool: &AnyPool,
    campaign_id: i64,
    step_ms: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT sent_at / $2 AS step, COUNT(*) AS n FROM campaign_recipients
         WHERE campaign_id = $1 AND state = 'sent' AND sent_at IS NOT NULL
         GROUP BY sent_at / $2 ORDER BY step",
    )
    .bind(campaign_id)
    .bind(step_ms)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("step")?, r.try_get("n")?)))
        .collect()
}
