//! Bounces of sequence letters (issue 18, stop rules): a DSN in the owner's mailbox, recorded by ingest as
//! campaigns read DSNs, is matched to the letter by the Message-ID it quotes (or, quoting none, by the recipient and
//! the enrolment's latest letter). A hard one (5.x.x) stops the enrolment `bounced`; a soft one (4.x.x) is recorded
//! on the letter and does not stop. Matched by Message-ID, the bounce is about our letter: it is verified, and
//! suppresses as campaigns' verified bounces do (hard at once, soft at the limit).

use sqlx::AnyPool;

use super::store::bounces as store;

/// Bounce ids re-read each pass: ids commit out of order on PostgreSQL, and a mark is applied once anyway.
const LAG: i64 = 50;
const CURSOR: &str = "bounces";

/// Reads the bounces recorded since the last pass onto their letters; answers how many it applied.
pub async fn read_back(pool: &AnyPool, now: i64) -> Result<usize, crate::error::Error> {
    let from = (store::cursor(pool, CURSOR).await? - LAG).max(0);
    let top = store::top(pool).await?;
    if top <= from {
        return Ok(0);
    }
    let mut found = store::by_message_id(pool, from, top).await?;
    found.extend(store::by_recipient(pool, from, top).await?);
    found.sort_by_key(|b| b.bounce_id);
    let mut applied = 0;
    for b in &found {
        if !store::mark(pool, b).await? {
            continue;
        }
        applied += 1;
        tracing::info!(
            letter = b.letter_id,
            enrolment = b.enrolment_id,
            status = %b.status,
            hard = b.hard,
            by_message_id = b.by_message_id,
            "sequence letter bounced"
        );
        if b.by_message_id {
            crate::campaigns::bounces::confirm_mail_bounce(pool, b.bounce_id).await?;
        }
        if b.hard {
            store::stop_bounced(pool, b.enrolment_id, now).await?;
        }
    }
    store::set_cursor(pool, CURSOR, top).await?;
    Ok(applied)
}
