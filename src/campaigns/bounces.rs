//! Bounces, from 5xx replies during SMTP now and from DSNs in the bounce mailbox later (IMAP ingest calls
//! `record_bounce_from_mail` with the address the DSN came to, a signed VERP address). Hard bounces suppress at once; soft
//! bounces suppress after `soft_bounce_limit` of them.

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::AnyPool;

use super::store;
use super::verp::{self, Verp};
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
    record(
        pool,
        address,
        kind,
        status,
        diagnostic,
        campaign_recipient,
        None,
    )
    .await
}

/// A bounce that a DSN reported, as mail ingest found it.
pub struct MailBounce<'a> {
    pub address: &'a str,
    pub kind: BounceKind,
    pub status: &'a str,
    pub diagnostic: &'a str,
    /// The address the DSN came to: a VERP address names the campaign letter.
    pub verp_to: Option<&'a str>,
    /// Our id of the stored DSN.
    pub message_id: i64,
    pub original_message_id: Option<&'a str>,
}

/// Records a bounce reported by a DSN in a mailbox; the campaign letter comes from the VERP address. A DSN to a
/// VERP address whose signature does not hold is ignored: it could only be forged, to suppress someone.
pub async fn record_bounce_from_mail(pool: &AnyPool, b: &MailBounce<'_>) -> Result<(), Error> {
    let mut campaign_recipient = None;
    if let Some(to) = b.verp_to.filter(|to| verp::parse(to).is_some()) {
        match verp::check(&store::key(pool, "verp").await?, to) {
            Verp::Signed(campaign, recipient) => campaign_recipient = Some((campaign, recipient)),
            Verp::Unsigned => {}
            Verp::Forged => {
                tracing::warn!(
                    to,
                    address = b.address,
                    message = b.message_id,
                    "DSN to a VERP address with a wrong signature ignored"
                );
                return Ok(());
            }
        }
    }
    let mail = Some((b.message_id, b.original_message_id));
    record(
        pool,
        b.address,
        b.kind,
        b.status,
        b.diagnostic,
        campaign_recipient,
        mail,
    )
    .await
}

async fn record(
    pool: &AnyPool,
    address: &str,
    kind: BounceKind,
    status: &str,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
    mail: Option<(i64, Option<&str>)>,
) -> Result<(), Error> {
    let address = address.trim().to_lowercase();
    let hard = kind == BounceKind::Hard;
    let soft_count = store::insert_bounce(
        pool,
        &address,
        hard,
        status,
        diagnostic,
        campaign_recipient,
        mail,
    )
    .await?;
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
