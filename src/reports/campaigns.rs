//! Campaign results: per campaign (started in the range) its letters sent, bounced, unsubscribed and answered
//! within 7 days. Replies are mail seen over IMAP from the recipient's address; there are no tracking pixels.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::model::{CampaignResultRow, CampaignResults, ReportQuery};
use super::store::campaigns as store;
use crate::db::from_ms;
use crate::error::Error;

/// Who may run it is the route table's rule (admins and marketing, who run campaigns).
pub async fn campaigns(pool: &AnyPool, q: &ReportQuery) -> Result<CampaignResults, Error> {
    let (from, to) = super::range(q)?;
    let mut conn = pool.acquire().await?;
    let replied: HashMap<i64, i64> = store::replies(&mut conn, from, to)
        .await?
        .into_iter()
        .collect();
    let rows = store::results(&mut conn, from, to)
        .await?
        .into_iter()
        .map(|c| {
            let replied = replied.get(&c.id).copied().unwrap_or(0);
            CampaignResultRow {
                campaign_id: c.id,
                name: c.name,
                started_at: c.started_at.map(from_ms),
                sent: c.sent,
                bounced: c.bounced,
                unsubscribed: c.unsubscribed,
                replied,
                reply_rate: (c.sent > 0).then(|| super::ratio(replied, c.sent)),
            }
        })
        .collect();
    Ok(CampaignResults { rows })
}
