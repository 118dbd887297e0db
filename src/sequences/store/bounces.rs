//! SQL of bounces read back onto sequence letters: the DSNs recorded since the pass's cursor, matched to a letter by
//! the Message-ID they quote (or, quoting none, by the recipient and the enrolment's latest letter), and the marks
//! each leaves. Applying one is conditional, so that any number of instances apply it once.

use sqlx::{AnyPool, Row};

use crate::error::Error;

/// A DSN's bounce of one sequence letter.
pub struct LetterBounce {
    pub bounce_id: i64,
    pub letter_id: i64,
    pub enrolment_id: i64,
    pub hard: bool,
    pub status: String,
    pub diagnostic: String,
    /// Matched by the Message-ID it quotes: it is about our letter, so it may suppress.
    pub by_message_id: bool,
}

fn rows(rows: &[sqlx::any::AnyRow], by_message_id: bool) -> Result<Vec<LetterBounce>, Error> {
    rows.iter()
        .map(|r| {
            Ok(LetterBounce {
                bounce_id: r.try_get("bounce_id")?,
                letter_id: r.try_get("letter_id")?,
                enrolment_id: r.try_get("enrolment_id")?,
                hard: r.try_get::<i64, _>("hard")? == 1,
                status: r.try_get("status")?,
                diagnostic: r.try_get("diagnostic")?,
                by_message_id,
            })
        })
        .collect()
}

/// The highest bounce recorded so far (0: none).
pub async fn top(pool: &AnyPool) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS top FROM bounces")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("top")?)
}

/// Bounces in `(from, to]` that quote the Message-ID of a letter sent to the bounced address.
pub async fn by_message_id(pool: &AnyPool, from: i64, to: i64) -> Result<Vec<LetterBounce>, Error> {
    let found = sqlx::query(
        "SELECT b.id AS bounce_id, b.hard, b.status, b.diagnostic, l.id AS letter_id, l.enrolment_id
         FROM bounces b
         JOIN sequence_letters l ON l.message_id = b.original_message_id
         JOIN sequence_enrolments e ON e.id = l.enrolment_id
         WHERE b.id > $1 AND b.id <= $2 AND e.address = b.address AND l.state IN ('sent', 'uncertain')
           AND COALESCE(l.bounce_id, 0) < b.id
         ORDER BY b.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows(&found, true)
}

/// Bounces in `(from, to]` that quote no Message-ID, arrived in a sequence's own mailbox after the enrolment,
/// about its address: taken as about the enrolment's latest letter.
pub async fn by_recipient(pool: &AnyPool, from: i64, to: i64) -> Result<Vec<LetterBounce>, Error> {
    let found = sqlx::query(
        "SELECT b.id AS bounce_id, b.hard, b.status, b.diagnostic, l.id AS letter_id, l.enrolment_id
         FROM bounces b
         JOIN messages m ON m.id = b.message_id
         JOIN sequence_enrolments e ON e.address = b.address AND e.state = 'active' AND m.id > e.after_message_id
         JOIN sequences q ON q.id = e.sequence_id AND q.mailbox_id = m.mailbox_id
         JOIN sequence_letters l ON l.enrolment_id = e.id AND l.step = e.next_step - 1
             AND l.state IN ('sent', 'uncertain')
         WHERE b.id > $1 AND b.id <= $2 AND b.original_message_id IS NULL AND COALESCE(l.bounce_id, 0) < b.id
         ORDER BY b.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows(&found, false)
}

/// Records the bounce on its letter; false when this or a later one is there already (another instance was first).
pub async fn mark(pool: &AnyPool, b: &LetterBounce) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE sequence_letters SET bounce_id = $1, bounce_status = $2, bounce_diagnostic = $3
         WHERE id = $4 AND COALESCE(bounce_id, 0) < $1",
    )
    .bind(b.bounce_id)
    .bind(&b.status)
    .bind(&b.diagnostic)
    .bind(b.letter_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn stop_bounced(pool: &AnyPool, enrolment: i64, now: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE sequence_enrolments SET state = 'stopped', stop_reason = 'bounced', stopped_at = $1,
             next_due_at = NULL WHERE id = $2 AND state = 'active'",
    )
    .bind(now)
    .bind(enrolment)
    .execute(pool)
    .await?;
    Ok(())
}

/// How far a pass has read (`bounces`, `auto_replies`).
pub async fn cursor(pool: &AnyPool, name: &str) -> Result<i64, Error> {
    let row = sqlx::query("SELECT last_id FROM sequence_cursors WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("last_id")).transpose()?.unwrap_or(0))
}

/// Moves a cursor forward (never back: a slower instance's pass does not undo a faster one's).
pub async fn set_cursor(pool: &AnyPool, name: &str, to: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sequence_cursors (name, last_id) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_id = $2 WHERE sequence_cursors.last_id < $2",
    )
    .bind(name)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(())
}
