//! SQL of the letters of a sequence: claimed(by, at) -> sent | failed | uncertain. The claim is one statement that
//! also checks the enrolment is still active and due, the address not suppressed, consent kept and no reply seen;
//! the unique (enrolment, step) key lets one claimer win among any number of instances.

use sqlx::{AnyPool, Row};

use super::limits::{self, Scope};
use super::{CONSENT_KEPT, NOT_SUPPRESSED, REPLIED};
use crate::db::sql::Sql;
use crate::error::Error;
use crate::sequences::limits::Budget;

/// What a claim came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours: the letter's id. It counts against the budget from now on.
    Letter(i64),
    /// Someone else has it, or it may not go any more.
    Taken,
    /// A limit of the budget is full until then: the step waits, it does not fail.
    Waits { until: i64 },
}

/// A hard bounce (5.x.x) reported of a letter of this enrolment, by the letter's Message-ID: even before a pass has
/// read it back, the claim refuses the next step.
const NOT_HARD_BOUNCED: &str = "NOT EXISTS (SELECT 1 FROM sequence_letters bl
     JOIN bounces b ON b.original_message_id = bl.message_id
     WHERE bl.enrolment_id = sequence_enrolments.id AND b.hard = 1 AND b.address = sequence_enrolments.address)";

/// Claims step `step` of an enrolment for `worker` within `budget`, in one transaction: the mailbox's claim lock,
/// the count of each window, the claim (which checks the enrolment is still due and may go), and its ledger row.
#[allow(clippy::too_many_arguments)]
pub async fn claim(
    pool: &AnyPool,
    enrolment: i64,
    step: i64,
    worker: &str,
    message_id: &str,
    now: i64,
    real_now: i64,
    budget: &Budget,
) -> Result<Claim, Error> {
    let mut tx = crate::db::begin(pool).await?;
    if !budget.windows.is_empty() {
        limits::lock(&mut tx, budget.mailbox_id).await?;
    }
    let mut until = None;
    for &(scope, window, n) in &budget.windows {
        let id = match scope {
            Scope::Mailbox => budget.mailbox_id,
            Scope::Sequence => budget.sequence_id,
        };
        if let Some(at) = limits::nth_recent(&mut tx, scope, id, now - window, n).await? {
            until = until.max(Some(at + window));
        }
    }
    if let Some(until) = until {
        return Ok(Claim::Waits { until });
    }
    let mut sql = Sql::new(
        "INSERT INTO sequence_letters (enrolment_id, step, state, claimed_by, claimed_at, message_id)
         SELECT id, next_step, 'claimed', ",
    );
    sql.bind(worker.to_string())
        .push(", ")
        .bind(real_now)
        .push(", ")
        .bind(message_id.to_string())
        .push(" FROM sequence_enrolments WHERE id = ")
        .bind(enrolment)
        .push(" AND next_step = ")
        .bind(step)
        .push(" AND state = 'active' AND next_due_at <= ")
        .bind(now)
        .push(" AND ")
        .push(NOT_SUPPRESSED)
        .push(" AND ")
        .push(CONSENT_KEPT)
        .push(" AND ")
        .push(NOT_HARD_BOUNCED)
        .push(" AND NOT ")
        .push(REPLIED)
        .push(" ON CONFLICT (enrolment_id, step) DO NOTHING RETURNING id");
    let row = sql.query().fetch_optional(&mut *tx).await?;
    let Some(letter) = row.map(|r| r.try_get::<i64, _>("id")).transpose()? else {
        return Ok(Claim::Taken);
    };
    limits::record(&mut tx, budget.mailbox_id, budget.sequence_id, letter, now).await?;
    tx.commit().await?;
    Ok(Claim::Letter(letter))
}

/// Moves a due step to `until` (a full limit, a closed window, a return date), only later, only while it is still
/// the enrolment's next.
pub async fn defer(pool: &AnyPool, enrolment: i64, step: i64, until: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE sequence_enrolments SET next_due_at = $1
         WHERE id = $2 AND next_step = $3 AND state = 'active' AND next_due_at < $1",
    )
    .bind(until)
    .bind(enrolment)
    .bind(step)
    .execute(pool)
    .await?;
    Ok(())
}

/// An earlier step's letter: what a reply threads on.
pub struct Earlier {
    pub step: i64,
    pub message_id: String,
    pub subject: Option<String>,
}

/// The letters of an enrolment that went (or may have), by step.
pub async fn earlier(pool: &AnyPool, enrolment: i64) -> Result<Vec<Earlier>, Error> {
    let rows = sqlx::query(
        "SELECT step, message_id, subject FROM sequence_letters
         WHERE enrolment_id = $1 AND state IN ('sent', 'uncertain') ORDER BY step",
    )
    .bind(enrolment)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Earlier {
                step: r.try_get("step")?,
                message_id: r.try_get("message_id")?,
                subject: r.try_get("subject")?,
            })
        })
        .collect()
}

/// What became of a claimed letter.
pub enum Fate<'a> {
    /// Accepted; the enrolment moves on (next step due at `next_due`, or finished with None).
    Sent {
        subject: &'a str,
        sent_at: i64,
        next_due: Option<i64>,
    },
    /// Refused for good (5xx, bad address): the enrolment stops with `failed`.
    Failed { error: &'a str, at: i64 },
    /// Not handed over (no connection, 4xx): the claim is dropped, the step due again at `retry_at`.
    Retry { retry_at: i64 },
}

/// Records a claimed letter's fate and moves the enrolment on, in one transaction.
pub async fn settle(
    pool: &AnyPool,
    letter: i64,
    worker: &str,
    enrolment: i64,
    step: i64,
    fate: Fate<'_>,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    match fate {
        Fate::Sent {
            subject,
            sent_at,
            next_due,
        } => {
            // `uncertain` too: a slow sender whose claim an other instance thought dead still records the truth.
            sqlx::query(
                "UPDATE sequence_letters SET state = 'sent', sent_at = $1, subject = $2, error = NULL
                 WHERE id = $3 AND claimed_by = $4 AND state IN ('claimed', 'uncertain')",
            )
            .bind(sent_at)
            .bind(subject)
            .bind(letter)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
            advance(&mut tx, enrolment, step, next_due).await?;
        }
        Fate::Failed { error, at } => {
            sqlx::query("UPDATE sequence_letters SET state = 'failed', error = $1 WHERE id = $2")
                .bind(error)
                .bind(letter)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE sequence_enrolments SET state = 'stopped', stop_reason = 'failed', stopped_at = $1,
                     next_due_at = NULL WHERE id = $2 AND state = 'active'",
            )
            .bind(at)
            .bind(enrolment)
            .execute(&mut *tx)
            .await?;
        }
        Fate::Retry { retry_at } => {
            let dropped = sqlx::query(
                "DELETE FROM sequence_letters WHERE id = $1 AND claimed_by = $2 AND state = 'claimed'",
            )
            .bind(letter)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
            if dropped.rows_affected() == 1 {
                limits::forget(&mut tx, letter).await?;
            }
            sqlx::query(
                "UPDATE sequence_enrolments SET next_due_at = $1 WHERE id = $2 AND next_step = $3 AND state = 'active'",
            )
            .bind(retry_at)
            .bind(enrolment)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Moves an enrolment past `step` (only once: the step must still be its next).
pub async fn advance(
    conn: &mut sqlx::AnyConnection,
    enrolment: i64,
    step: i64,
    next_due: Option<i64>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE sequence_enrolments SET next_step = next_step + 1, next_due_at = $1,
             state = CASE WHEN $4 = 1 THEN 'finished' ELSE state END
         WHERE id = $2 AND next_step = $3 AND state = 'active'",
    )
    .bind(next_due)
    .bind(enrolment)
    .bind(step)
    .bind(i64::from(next_due.is_none()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_filed(pool: &AnyPool, letter: i64) -> Result<(), Error> {
    sqlx::query("UPDATE sequence_letters SET filed_in_sent = 1 WHERE id = $1")
        .bind(letter)
        .execute(pool)
        .await?;
    Ok(())
}

/// A claim older than the lease whose letter was never recorded: its sender died between the claim and the
/// answer. SMTP may have accepted it, so it becomes `uncertain`, never resent. Returns (enrolment, step,
/// sequence, contact) of each, for the caller to move their enrolments on.
pub async fn orphans_to_uncertain(
    pool: &AnyPool,
    cutoff: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, Error> {
    let rows = sqlx::query(
        "UPDATE sequence_letters SET state = 'uncertain',
             error = 'the sender stopped between handing the letter to SMTP and recording the answer'
         WHERE state = 'claimed' AND claimed_at < $1 RETURNING enrolment_id, step",
    )
    .bind(cutoff)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let enrolment: i64 = r.try_get("enrolment_id")?;
        let e =
            sqlx::query("SELECT sequence_id, contact_id FROM sequence_enrolments WHERE id = $1")
                .bind(enrolment)
                .fetch_one(pool)
                .await?;
        out.push((
            enrolment,
            r.try_get("step")?,
            e.try_get("sequence_id")?,
            e.try_get("contact_id")?,
        ));
    }
    Ok(out)
}
