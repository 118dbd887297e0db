//! Bounces, from 5xx replies during SMTP and from DSNs in a mailbox (IMAP ingest calls `record_bounce_from_mail`).
//! Only verified bounces count: hard ones suppress at once, soft ones after `soft_bounce_limit` of them.

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
/// These come from our own SMTP sessions, so they are verified.
pub async fn record_bounce(
    pool: &AnyPool,
    address: &str,
    kind: BounceKind,
    status: &str,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
) -> Result<(), Error> {
    let what = Found {
        campaign_recipient,
        mail: None,
        verified: true,
    };
    record(pool, address, kind, status, diagnostic, what).await
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
    /// The original Message-ID is that of mail we sent to `address` (seen in a synced Sent folder).
    pub quotes_our_mail: bool,
}

/// Campaign and recipient ids in the Message-ID of a campaign letter, `c12.r345.<random>@domain` (see
/// `letter::build`). Not a proof by itself: the letter must also have been sent to the bounced address.
fn letter_of_message_id(message_id: &str) -> Option<(i64, i64)> {
    let local = message_id
        .trim()
        .trim_matches(['<', '>'])
        .split_once('@')?
        .0;
    let mut parts = local.splitn(3, '.');
    let campaign = parts.next()?.strip_prefix('c')?.parse().ok()?;
    let recipient = parts.next()?.strip_prefix('r')?.parse().ok()?;
    parts.next().filter(|r| !r.is_empty())?;
    Some((campaign, recipient))
}

/// Records a bounce reported by a DSN in a mailbox. It is verified, and may suppress, when it came to a signed VERP
/// address, or when its original Message-ID is that of a campaign letter sent to the bounced address or of mail we
/// sent to it. Any other DSN could be forged by anyone, to suppress someone: it is recorded as unverified and
/// suppresses nothing. One to a VERP address whose signature does not hold can only be forged and is ignored.
pub async fn record_bounce_from_mail(pool: &AnyPool, b: &MailBounce<'_>) -> Result<(), Error> {
    let address = b.address.trim().to_lowercase();
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
    if campaign_recipient.is_none() {
        if let Some((campaign, recipient)) = b.original_message_id.and_then(letter_of_message_id) {
            if store::letter_sent_to(pool, campaign, recipient, &address).await? {
                campaign_recipient = Some((campaign, recipient));
            }
        }
    }
    let verified = campaign_recipient.is_some() || b.quotes_our_mail;
    if !verified {
        tracing::info!(
            %address,
            message = b.message_id,
            "DSN about no letter we sent: recorded unverified, suppresses nothing"
        );
    }
    let what = Found {
        campaign_recipient,
        mail: Some((b.message_id, b.original_message_id)),
        verified,
    };
    record(pool, &address, b.kind, b.status, b.diagnostic, what).await
}

/// What a bounce is known to be about.
struct Found<'a> {
    campaign_recipient: Option<(i64, i64)>,
    /// The DSN: our message id and the original Message-ID it quotes.
    mail: Option<(i64, Option<&'a str>)>,
    /// Only a verified bounce suppresses or counts toward the soft-bounce limit.
    verified: bool,
}

async fn record(
    pool: &AnyPool,
    address: &str,
    kind: BounceKind,
    status: &str,
    diagnostic: &str,
    what: Found<'_>,
) -> Result<(), Error> {
    let address = address.trim().to_lowercase();
    let hard = kind == BounceKind::Hard;
    let campaign_recipient = what.campaign_recipient;
    let soft_count = store::insert_bounce(
        pool,
        &address,
        hard,
        status,
        diagnostic,
        campaign_recipient,
        what.mail,
        what.verified,
    )
    .await?;
    if what.verified {
        suppress_when_due(
            pool,
            &address,
            hard,
            soft_count,
            diagnostic,
            campaign_recipient,
        )
        .await?;
    }
    tracing::info!(%address, ?kind, status, verified = what.verified, "bounce recorded");
    Ok(())
}

/// A verified bounce suppresses: a hard one at once, soft ones at the limit.
async fn suppress_when_due(
    pool: &AnyPool,
    address: &str,
    hard: bool,
    soft_count: i64,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
) -> Result<(), Error> {
    if hard {
        store::suppress(pool, address, "hard_bounce", campaign_recipient, diagnostic).await?;
    } else if soft_count >= SOFT_BOUNCE_LIMIT.load(Ordering::Relaxed) {
        let detail = format!("{soft_count} soft bounces; last: {diagnostic}");
        store::suppress(pool, address, "soft_bounce", campaign_recipient, &detail).await?;
    }
    Ok(())
}

/// A DSN's bounce recorded unverified that a higher layer proved to be about a letter it sent to the address (a
/// sequence letter, by the Message-ID the DSN quotes): verified now, it suppresses as any verified bounce does.
pub async fn confirm_mail_bounce(pool: &AnyPool, bounce_id: i64) -> Result<(), Error> {
    let Some(b) = store::verify_bounce(pool, bounce_id).await? else {
        // Verified already (and so suppressing already), or gone.
        return Ok(());
    };
    tracing::info!(address = %b.address, hard = b.hard, "DSN bounce verified by its letter");
    suppress_when_due(pool, &b.address, b.hard, b.soft_count, &b.diagnostic, None).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn campaign_letters_are_known_by_their_message_id() {
        let of = super::letter_of_message_id;
        assert_eq!(
            of("<c12.r345.00ff00ff00ff00ff@nordwind.ru>"),
            Some((12, 345))
        );
        assert_eq!(of("c12.r345.00ff00ff00ff00ff@nordwind.ru"), Some((12, 345)));
        assert_eq!(of("c12-r345@nordwind.ru"), None);
        assert_eq!(of("c12.r345@nordwind.ru"), None);
        assert_eq!(of("dsn-1@mx.kappa.ru"), None);
    }
}
