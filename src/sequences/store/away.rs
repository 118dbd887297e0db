//! SQL of out-of-office replies read back onto enrolments: auto-replies from an enrolled address stored since the
//! pass's cursor, and the return date one names, which the next step waits for.

use sqlx::{AnyPool, Row};

use crate::error::Error;

/// An auto-reply from the address of an active enrolment, stored after it was enrolled.
pub struct AutoReply {
    pub message_id: i64,
    /// The reply's Date (else when we stored it), UTC ms.
    pub written_at: i64,
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub enrolment_id: i64,
    pub sequence_id: i64,
    pub contact_id: i64,
}

pub async fn top(pool: &AnyPool) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS top FROM messages")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("top")?)
}

/// Auto-replies (the linking classification's) with ids in `(from, to]` from enrolled addresses.
pub async fn auto_replies(pool: &AnyPool, from: i64, to: i64) -> Result<Vec<AutoReply>, Error> {
    let rows = sqlx::query(
        "SELECT m.id, COALESCE(m.sent_at, m.received_at) AS written_at, m.subject, m.text_body, m.html_body,
             e.id AS enrolment_id, e.sequence_id, e.contact_id
         FROM messages m
         JOIN message_addresses a ON a.message_id = m.id AND a.role = 'from'
         JOIN sequence_enrolments e ON e.address = a.address AND e.state = 'active' AND m.id > e.after_message_id
         WHERE m.id > $1 AND m.id <= $2 AND m.class = 'automated' AND m.direction = 'incoming'
           AND m.class_reason LIKE 'auto-reply%' AND COALESCE(e.auto_reply_id, 0) < m.id
         ORDER BY m.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AutoReply {
                message_id: r.try_get("id")?,
                written_at: r.try_get("written_at")?,
                subject: r.try_get("subject")?,
                text: r.try_get("text_body")?,
                html: r.try_get("html_body")?,
                enrolment_id: r.try_get("enrolment_id")?,
                sequence_id: r.try_get("sequence_id")?,
                contact_id: r.try_get("contact_id")?,
            })
        })
        .collect()
}

/// The enrolment waits for `returns_at`: its next step is not due before (a later due time stays). Once per reply.
pub async fn wait_for_return(
    pool: &AnyPool,
    enrolment: i64,
    reply: i64,
    returns_at: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE sequence_enrolments SET returns_at = $1, auto_reply_id = $2,
             next_due_at = CASE WHEN next_due_at < $1 THEN $1 ELSE next_due_at END
         WHERE id = $3 AND state = 'active' AND COALESCE(auto_reply_id, 0) < $2",
    )
    .bind(returns_at)
    .bind(reply)
    .bind(enrolment)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The return date the enrolment waits for, if any.
pub async fn returns_at(pool: &AnyPool, enrolment: i64) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT returns_at FROM sequence_enrolments WHERE id = $1")
        .bind(enrolment)
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>("returns_at"))
        .transpose()?
        .flatten())
}
