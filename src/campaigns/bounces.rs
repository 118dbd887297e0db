//! Bounces, from 5xx replies during SMTP now and from DSNs in the bounce mailbox later (IMAP ingest calls
//! `record_bounce` with the ids `verp::parse` finds in the Return-Path). Hard bounces suppress at once; soft
//! bounces suppress after `soft_bounce_limit` of them.

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::AnyPool;

use super::store;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceKind {
    /// Permanent: the address does not exist or refuses mail (5.x.x).
    Hard,
    /// Temporary: mailbox full, greylisting, over quota (4.x.x).
    Soft,
}

/// Soft bounces before suppression; set from the configuration at start-up (one value per process, so that
/// callers such as mail ingest need not carry it).
static SOFT_BOUNCE_LIMIT: AtomicI64 = AtomicI64::new(3);

pub fn set_soft_bounce_limit(limit: i64) {
    SOFT_BOUNCE_LIMIT.store(limit.max(1), Ordering::Relaxed);
}

/// Records a bounce against an address (and the campaign letter, when known) and suppresses the address when due.
pub async fn record_bounce(
    pool: &AnyPool,
    address: &str,
    kind: BounceKind,
    status: &str,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
) -> Result<(), Error> {
    let address = address.trim().to_lowercase();
    let hard = kind == BounceKind::Hard;
    let soft_count =
        store::insert_bounce(pool, &address, hard, status, diagnostic, campaign_recipient).await?;
    if hard {
        store::suppress(
            pool,
            &address,
            "hard_bounce",
            campaign_recipient,
            diagnostic,
        )
        .await?;
    } else if soft_count >= SOFT_BOUNCE_LIMIT.load(Ordering::Relaxed) {
        let detail = format!("{soft_count} soft bounces; last: {diagnostic}");
        store::suppress(pool, &address, "soft_bounce", campaign_recipient, &detail).await?;
    }
    tracing::info!(%address, ?kind, status, "bounce recorded");
    Ok(())
}
