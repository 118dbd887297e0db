//! SQL of the suppression list and of recorded bounces.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::campaigns::model::Suppression;
use crate::db::{flag, from_ms, now_ms};
use crate::error::Error;

fn suppression_from_row(r: &AnyRow) -> Result<Suppression, Error> {
    Ok(Suppression {
        address: r.try_get("address")?,
        reason: r.try_get("reason")?,
        campaign_id: r.try_get("campaign_id")?,
        detail: r.try_get("detail")?,
        at: from_ms(r.try_get("at")?),
    })
}

pub async fn suppressions(pool: &AnyPool) -> Result<Vec<Suppression>, Error> {
    let rows = sqlx::query("SELECT * FROM suppressions ORDER BY at, address")
        .fetch_all(pool)
        .await?;
    rows.iter().map(suppression_from_row).collect()
}

/// Adds an address to the suppression list; the first reason recorded stays.
pub async fn suppress(
    pool: &AnyPool,
    address: &str,
    reason: &str,
    campaign_recipient: Option<(i64, i64)>,
    detail: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO suppressions (address, reason, campaign_id, recipient_id, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address) DO NOTHING",
    )
    .bind(address)
    .bind(reason)
    .bind(campaign_recipient.map(|c| c.0))
    .bind(campaign_recipient.map(|c| c.1))
    .bind(detail)
    .bind(now_ms())
    .execute(pool)
    .await?;
    // Senders of this process re-check the letters they have claimed but not sent yet.
    crate::campaigns::changes::audience_changed();
    Ok(())
}

/// Records a bounce and returns how many verified soft bounces the address has had.
#[allow(clippy::too_many_arguments)]
pub async fn insert_bounce(
    pool: &AnyPool,
    address: &str,
    hard: bool,
    status: &str,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
    mail: Option<(i64, Option<&str>)>,
    verified: bool,
) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO bounces (address, hard, status, diagnostic, campaign_id, recipient_id, at, message_id, original_message_id,
            verified)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(address)
    .bind(flag(hard))
    .bind(status)
    .bind(diagnostic)
    .bind(campaign_recipient.map(|c| c.0))
    .bind(campaign_recipient.map(|c| c.1))
    .bind(now_ms())
    .bind(mail.map(|m| m.0))
    .bind(mail.and_then(|m| m.1))
    .bind(flag(verified))
    .execute(pool)
    .await?;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM bounces WHERE address = $1 AND hard = 0 AND verified = 1",
    )
    .bind(address)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("n")?)
}

/// Whether recipient `recipient_id` of campaign `campaign_id` is `address` and its letter was sent.
pub async fn letter_sent_to(
    pool: &AnyPool,
    campaign_id: i64,
    recipient_id: i64,
    address: &str,
) -> Result<bool, Error> {
    let row = sqlx::query(
        "SELECT 1 AS found FROM campaign_recipients
         WHERE id = $1 AND campaign_id = $2 AND LOWER(address) = $3 AND state = 'sent'",
    )
    .bind(recipient_id)
    .bind(campaign_id)
    .bind(address)
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// A bounce marked verified now.
pub struct Verified {
    pub address: String,
    pub hard: bool,
    pub diagnostic: String,
    /// Verified soft bounces of the address, this one included.
    pub soft_count: i64,
}

/// Marks a bounce recorded unverified as verified; None when it was verified already or does not exist.
pub async fn verify_bounce(pool: &AnyPool, id: i64) -> Result<Option<Verified>, Error> {
    let row = sqlx::query(
        "UPDATE bounces SET verified = 1 WHERE id = $1 AND verified = 0 RETURNING address, hard, diagnostic",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let address: String = row.try_get("address")?;
    let count = sqlx::query(
        "SELECT COUNT(*) AS n FROM bounces WHERE address = $1 AND hard = 0 AND verified = 1",
    )
    .bind(&address)
    .fetch_one(pool)
    .await?;
    Ok(Some(Verified {
        hard: row.try_get::<i64, _>("hard")? == 1,
        diagnostic: row
            .try_get::<Option<String>, _>("diagnostic")?
            .unwrap_or_default(),
        soft_count: count.try_get("n")?,
        address,
    }))
}
