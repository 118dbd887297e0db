//! The SQL of campaign results: per campaign its letters sent, bounces, unsubscribes and the recipients who wrote
//! back within 7 days (incoming human mail from their address, as IMAP ingest stored it).

use sqlx::{AnyConnection, Row};

use crate::db::sql::Sql;
use crate::error::Error;

/// How long after a letter a mail from its recipient counts as a reply.
pub const REPLY_WINDOW_MS: i64 = 7 * 86_400_000;

pub struct CampaignCounts {
    pub id: i64,
    pub name: String,
    pub started_at: Option<i64>,
    pub sent: i64,
    pub bounced: i64,
    pub unsubscribed: i64,
    pub replied: i64,
}

/// Every campaign, or with a bounded range those started in it (`from` inclusive, `to` exclusive), by id.
pub async fn results(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<Vec<CampaignCounts>, Error> {
    // Bounced and unsubscribed are counted as the campaign's own stats count them (campaigns::store::queue).
    let mut sql = Sql::new(
        "SELECT c.id, c.name, c.started_at,
            (SELECT COUNT(*) FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.state = 'sent') AS sent,
            (SELECT COUNT(DISTINCT b.address) FROM bounces b WHERE b.campaign_id = c.id) AS bounced,
            (SELECT COUNT(*) FROM suppressions su WHERE su.campaign_id = c.id AND su.reason = 'unsubscribed')
                AS unsubscribed,
            (SELECT COUNT(*) FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.state = 'sent'
                AND EXISTS (SELECT 1 FROM message_addresses a JOIN messages m ON m.id = a.message_id
                     WHERE a.address = r.address AND a.role = 'from' AND m.direction = 'incoming'
                       AND m.class = 'human' AND COALESCE(m.sent_at, m.received_at) >= r.sent_at
                       AND COALESCE(m.sent_at, m.received_at) < r.sent_at + ",
    );
    sql.bind(REPLY_WINDOW_MS)
        .push(")) AS replied FROM campaigns c WHERE 1 = 1");
    if from != i64::MIN || to != i64::MAX {
        sql.push(" AND c.started_at >= ")
            .bind(from)
            .push(" AND c.started_at < ")
            .bind(to);
    }
    sql.push(" ORDER BY c.id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(CampaignCounts {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                started_at: r.try_get("started_at")?,
                sent: r.try_get("sent")?,
                bounced: r.try_get("bounced")?,
                unsubscribed: r.try_get("unsubscribed")?,
                replied: r.try_get("replied")?,
            })
        })
        .collect()
}
