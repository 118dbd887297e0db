//! SQL of what users read about a sequence: its enrolments with their letters, and the report's counts.

use sqlx::{AnyPool, Row};

use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

pub struct EnrolmentRow {
    pub id: i64,
    pub sequence_id: i64,
    pub contact_id: i64,
    pub address: String,
    pub state: String,
    pub stop_reason: Option<String>,
    pub next_step: i64,
    pub next_due_at: Option<i64>,
    pub enrolled_at: i64,
    pub stopped_at: Option<i64>,
}

pub struct LetterRow {
    pub enrolment_id: i64,
    pub step: i64,
    pub state: String,
    pub sent_at: Option<i64>,
    pub message_id: String,
    pub subject: Option<String>,
    pub filed_in_sent: bool,
    pub error: Option<String>,
    pub bounce_status: Option<String>,
    pub bounce_diagnostic: Option<String>,
}

/// A sequence's enrolments (all, up to 10 000, or those of `ids`), oldest first.
pub async fn enrolments(
    pool: &AnyPool,
    sequence: i64,
    ids: Option<&[i64]>,
) -> Result<Vec<EnrolmentRow>, Error> {
    let select = |sequence: i64| {
        let mut sql = Sql::new(
            "SELECT id, sequence_id, contact_id, address, state, stop_reason, next_step, next_due_at, enrolled_at,
                 stopped_at FROM sequence_enrolments WHERE sequence_id = ",
        );
        sql.bind(sequence);
        sql
    };
    let mut rows = Vec::new();
    match ids {
        None => {
            let mut sql = select(sequence);
            sql.push(" ORDER BY id LIMIT 10000");
            rows = sql.query().fetch_all(pool).await?;
        }
        Some(ids) => {
            for run in ids.chunks(MAX_BINDS - 4) {
                let mut sql = select(sequence);
                sql.push(" AND id IN ").bind_list(run.to_vec());
                rows.extend(sql.query().fetch_all(pool).await?);
            }
            rows.sort_by_key(|r| r.try_get::<i64, _>("id").unwrap_or_default());
        }
    }
    rows.iter()
        .map(|r| {
            Ok(EnrolmentRow {
                id: r.try_get("id")?,
                sequence_id: r.try_get("sequence_id")?,
                contact_id: r.try_get("contact_id")?,
                address: r.try_get("address")?,
                state: r.try_get("state")?,
                stop_reason: r.try_get("stop_reason")?,
                next_step: r.try_get("next_step")?,
                next_due_at: r.try_get("next_due_at")?,
                enrolled_at: r.try_get("enrolled_at")?,
                stopped_at: r.try_get("stopped_at")?,
            })
        })
        .collect()
}

/// The letters of a sequence's enrolments, by enrolment and step.
pub async fn letters(pool: &AnyPool, sequence: i64) -> Result<Vec<LetterRow>, Error> {
    let rows = sqlx::query(
        "SELECT l.enrolment_id, l.step, l.state, l.sent_at, l.message_id, l.subject, l.filed_in_sent, l.error,
             l.bounce_status, l.bounce_diagnostic FROM sequence_letters l JOIN sequence_enrolments e ON e.id = l.enrolment_id
         WHERE e.sequence_id = $1 ORDER BY l.enrolment_id, l.step",
    )
    .bind(sequence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LetterRow {
                enrolment_id: r.try_get("enrolment_id")?,
                step: r.try_get("step")?,
                state: r.try_get("state")?,
                sent_at: r.try_get("sent_at")?,
                message_id: r.try_get("message_id")?,
                subject: r.try_get("subject")?,
                filed_in_sent: r.try_get::<i64, _>("filed_in_sent")? == 1,
                error: r.try_get("error")?,
                bounce_status: r.try_get("bounce_status")?,
                bounce_diagnostic: r.try_get("bounce_diagnostic")?,
            })
        })
        .collect()
}

/// `(state, stop_reason, count)` of a sequence's enrolments.
pub async fn enrolment_counts(
    pool: &AnyPool,
    sequence: i64,
) -> Result<Vec<(String, Option<String>, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT state, stop_reason, COUNT(*) AS n FROM sequence_enrolments WHERE sequence_id = $1
         GROUP BY state, stop_reason",
    )
    .bind(sequence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("state")?,
                r.try_get("stop_reason")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// `(step, state, count)` of a sequence's letters.
pub async fn letter_counts(
    pool: &AnyPool,
    sequence: i64,
) -> Result<Vec<(i64, String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT l.step, l.state, COUNT(*) AS n FROM sequence_letters l
         JOIN sequence_enrolments e ON e.id = l.enrolment_id WHERE e.sequence_id = $1 GROUP BY l.step, l.state",
    )
    .bind(sequence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("step")?, r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// `(step, stop_reason, count)` of a sequence's stopped enrolments, by the last step that went to them (sent or
/// uncertain; none: stopped before the first).
pub async fn stops_after_step(
    pool: &AnyPool,
    sequence: i64,
) -> Result<Vec<(Option<i64>, String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT x.step, x.reason, COUNT(*) AS n FROM (
             SELECT e.stop_reason AS reason, (SELECT MAX(l.step) FROM sequence_letters l
                 WHERE l.enrolment_id = e.id AND l.state IN ('sent', 'uncertain')) AS step
             FROM sequence_enrolments e WHERE e.sequence_id = $1 AND e.state = 'stopped'
                 AND e.stop_reason IS NOT NULL) x
         GROUP BY x.step, x.reason",
    )
    .bind(sequence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("step")?, r.try_get("reason")?, r.try_get("n")?)))
        .collect()
}
