//! SQL of batched sending: a connection claims a small chunk of letters in one statement, and records the fates of
//! its previous chunk in the same transaction, so that a letter costs a fraction of a transaction instead of two.
//! A letter is still claimed before SMTP sees it and recorded after.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::db::sql::Sql;
use crate::error::Error;

/// What became of a claimed letter.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    Sent,
    /// Back to pending, due again at `at` (a 4xx, or no connection).
    Retry {
        at: i64,
        error: String,
    },
    Failed(String),
    /// Handed over, but no answer: never resent.
    Unknown(String),
    /// Not sent: the address was suppressed or consent withdrawn after the claim.
    Skipped(String),
    /// Not sent: the sender is stopping. Pending again, the attempt not counted.
    Released,
}

/// The conditions under which a pending letter may be claimed: its campaign is sending, its address is not
/// suppressed, and for marketing campaigns the contact's latest consent decision is a grant.
const MAILABLE: &str = " AND EXISTS (SELECT 1 FROM campaigns WHERE id = campaign_recipients.campaign_id AND status = 'sending')
   AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.address = campaign_recipients.address)";
const CONSENTED: &str = " AND (SELECT ce.granted FROM consent_events ce WHERE ce.contact_id = campaign_recipients.contact_id
        ORDER BY ce.id DESC LIMIT 1) = 1";

/// Records `settled` (letters `worker` claimed), clears the failure streak when `reset_failures`, then claims
/// those of `claim` that may still be mailed; all in one transaction. Returns the ids claimed.
pub async fn settle_and_claim(
    conn: &mut AnyConnection,
    campaign_id: i64,
    worker: &str,
    marketing: bool,
    settled: &[(i64, Fate)],
    reset_failures: bool,
    claim: &[i64],
) -> Result<Vec<i64>, Error> {
    if settled.is_empty() && claim.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = crate::db::begin_on(conn).await?;
    settle(&mut tx, worker, settled).await?;
    if reset_failures {
        sqlx::query(
            "UPDATE campaigns SET failures_in_row = 0 WHERE id = $1 AND failures_in_row <> 0",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    }
    let mut claimed = Vec::new();
    if !claim.is_empty() {
        let mut sql = Sql::new("UPDATE campaign_recipients SET state = 'claimed', claimed_at = ");
        sql.bind(now_ms())
            .push(", claimed_by = ")
            .bind(worker.to_string())
            .push(", attempts = attempts + 1 WHERE campaign_id = ")
            .bind(campaign_id)
            .push(" AND state = 'pending' AND id IN ")
            .bind_list(claim.to_vec())
            .push(MAILABLE)
            // Only the campaign's runner claims: an instance that lost it stops at its next chunk.
            .push(" AND EXISTS (SELECT 1 FROM campaigns r WHERE r.id = campaign_recipients.campaign_id AND r.runner = ")
            .bind(worker.to_string())
            .push(")");
        if marketing {
            sql.push(CONSENTED);
        }
        sql.push(" RETURNING id");
        for row in sql.query().fetch_all(&mut *tx).await? {
            claimed.push(row.try_get("id")?);
        }
    }
    tx.commit().await?;
    Ok(claimed)
}

async fn settle(
    conn: &mut AnyConnection,
    worker: &str,
    settled: &[(i64, Fate)],
) -> Result<(), Error> {
    let now = now_ms();
    let sent: Vec<i64> = settled
        .iter()
        .filter(|(_, f)| *f == Fate::Sent)
        .map(|(id, _)| *id)
        .collect();
    if !sent.is_empty() {
        let mut sql =
            Sql::new("UPDATE campaign_recipients SET state = 'sent', error = NULL, sent_at = ");
        sql.bind(now)
            .push(" WHERE state = 'claimed' AND claimed_by = ")
            .bind(worker.to_string())
            .push(" AND id IN ")
            .bind_list(sent);
        sql.query().execute(&mut *conn).await?;
    }
    for (id, fate) in settled {
        let (state, error, at, attempt) = match fate {
            Fate::Sent => continue,
            Fate::Retry { at, error } => ("pending", Some(error.as_str()), *at, 0),
            Fate::Failed(e) => ("failed", Some(e.as_str()), 0, 0),
            Fate::Unknown(e) => ("unknown", Some(e.as_str()), 0, 0),
            Fate::Skipped(e) => ("skipped", Some(e.as_str()), 0, 0),
            Fate::Released => ("pending", None, 0, 1),
        };
        sqlx::query(
            "UPDATE campaign_recipients SET state = $1, error = COALESCE($2, error), attempts = attempts - $3,
                    next_attempt_at = CASE WHEN $1 = 'pending' THEN $4 ELSE next_attempt_at END,
                    claimed_by = CASE WHEN $1 = 'pending' THEN NULL ELSE claimed_by END,
                    claimed_at = CASE WHEN $1 = 'pending' THEN NULL ELSE claimed_at END
             WHERE id = $5 AND state = 'claimed' AND claimed_by = $6",
        )
        .bind(state)
        .bind(error)
        .bind(attempt)
        .bind(at)
        .bind(*id)
        .bind(worker)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Ends pending letters of `ids` that may not be mailed any more (suppressed, or no consent for marketing) as
/// `skipped`. Returns how many it ended; the rest were not pending, or their campaign stopped sending.
pub async fn skip_unmailable(pool: &AnyPool, ids: &[i64], marketing: bool) -> Result<u64, Error> {
    let mut sql = Sql::new(
        "UPDATE campaign_recipients SET state = 'skipped', error = 'address suppressed'
         WHERE state = 'pending' AND EXISTS (SELECT 1 FROM suppressions s WHERE s.address = campaign_recipients.address)
           AND id IN ",
    );
    sql.bind_list(ids.to_vec());
    let mut ended = sql.query().execute(pool).await?.rows_affected();
    if marketing {
        let mut sql = Sql::new(
            "UPDATE campaign_recipients SET state = 'skipped', error = 'no marketing consent'
             WHERE state = 'pending' AND COALESCE((SELECT ce.granted FROM consent_events ce
                   WHERE ce.contact_id = campaign_recipients.contact_id ORDER BY ce.id DESC LIMIT 1), 0) = 0
               AND id IN ",
        );
        sql.bind_list(ids.to_vec());
        ended += sql.query().execute(pool).await?.rows_affected();
    }
    Ok(ended)
}

/// Whether a claimed letter may still go: its address not suppressed and, for marketing, consent still granted.
pub async fn still_mailable(pool: &AnyPool, id: i64, marketing: bool) -> Result<bool, Error> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM campaign_recipients WHERE id = ");
    sql.bind(id).push(
        " AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.address = campaign_recipients.address)",
    );
    if marketing {
        sql.push(CONSENTED);
    }
    let row = sql.query().fetch_one(pool).await?;
    Ok(row.try_get::<i64, _>("n")? == 1)
}
