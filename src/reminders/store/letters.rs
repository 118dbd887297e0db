//! SQL of reminder and digest letters: claimed(by, at) -> sent | failed | uncertain | empty. A claim is one insert
//! under the letter's unique key that also checks the letter is still due, so one instance wins among any number;
//! a claim is never taken over, so a letter goes out at most once. One text for both backends.

use sqlx::{AnyPool, Row};

use crate::error::Error;

/// Why a claim nobody settled is in doubt (the feed shows it).
pub const DIED_MID_SEND: &str =
    "the e-mail may not have gone out: the server sending it stopped before the \
     relay's answer was recorded; it is not sent again";

/// The unique key of a notification's reminder letter.
pub fn reminder_key(notification: i64) -> String {
    format!("reminder:{notification}")
}

/// The unique key of a user's digest of one local day.
pub fn digest_key(user: i64, local_date: &str) -> String {
    format!("digest:{user}:{local_date}")
}

/// Who claims, when (real time: the app clock of tests jumps), and the Message-ID the letter will carry.
pub struct Claim<'a> {
    pub by: &'a str,
    pub at: i64,
    pub message_id: &'a str,
}

/// Claims the reminder letter of notification `id` while it is still due at `now`; the letter's id, or None
/// (another instance has it, or it is no longer due).
pub async fn claim_reminder(
    pool: &AnyPool,
    id: i64,
    now: i64,
    claim: &Claim<'_>,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query(
        "INSERT INTO reminder_letters (letter_key, kind, user_id, notification_id, state, claimed_by, claimed_at,
             message_id)
         SELECT $1, 'reminder', n.user_id, n.id, 'claimed', $2, $3, $4 FROM notifications n
         WHERE n.id = $5 AND n.mail_state = 'pending' AND n.mail_next_at <= $6
         ON CONFLICT (letter_key) DO NOTHING RETURNING id",
    )
    .bind(reminder_key(id))
    .bind(claim.by)
    .bind(claim.at)
    .bind(claim.message_id)
    .bind(id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// Claims `user`'s digest of `local_date`; the letter's id, or None (that day's digest is taken).
pub async fn claim_digest(
    pool: &AnyPool,
    user: i64,
    local_date: &str,
    claim: &Claim<'_>,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query(
        "INSERT INTO reminder_letters (letter_key, kind, user_id, local_date, state, claimed_by, claimed_at,
             message_id)
         VALUES ($1, 'digest', $2, $3, 'claimed', $4, $5, $6)
         ON CONFLICT (letter_key) DO NOTHING RETURNING id",
    )
    .bind(digest_key(user, local_date))
    .bind(user)
    .bind(local_date)
    .bind(claim.by)
    .bind(claim.at)
    .bind(claim.message_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// How a claimed letter ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Sent,
    /// Refused, or not built: never sent.
    Failed,
    /// Handed over without an answer: maybe delivered, never sent again.
    Uncertain,
    /// A digest with nothing in it.
    Empty,
}

impl End {
    fn state(self) -> &'static str {
        match self {
            End::Sent => "sent",
            End::Failed => "failed",
            End::Uncertain => "uncertain",
            End::Empty => "empty",
        }
    }
}

/// Records how `worker`'s claimed letter ended, then its notification's mail state. `uncertain` rows are settled
/// too: a slow sender whose claim was thought dead knows the truth. Two statements, not a transaction: on SQLite a
/// transaction per letter held the write lock across the sender's awaits, long enough on a loaded machine to starve
/// a second instance out of the sending; the letter's row decides (the feed shows it, and a notification with a
/// letter row is never a candidate again), so a crash between the two only leaves the notification's copy stale.
pub async fn settle(
    pool: &AnyPool,
    letter: i64,
    worker: &str,
    end: End,
    error: Option<&str>,
    real_now: i64,
) -> Result<(), Error> {
    let row = sqlx::query(
        "UPDATE reminder_letters SET state = $1, error = $2, settled_at = $3
         WHERE id = $4 AND claimed_by = $5 AND state IN ('claimed', 'uncertain') RETURNING notification_id, kind",
    )
    .bind(end.state())
    .bind(error)
    .bind(real_now)
    .bind(letter)
    .bind(worker)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = row {
        let kind: String = row.try_get("kind")?;
        if let (Some(notification), "reminder") = (row.try_get("notification_id")?, kind.as_str()) {
            let state = if end == End::Sent { "sent" } else { "failed" };
            mark_notification(&mut *pool.acquire().await?, notification, state, error).await?;
        }
    }
    Ok(())
}

/// Drops `worker`'s claim of a reminder letter that was certainly not handed over, and makes it due again at
/// `retry_at`: the claim's row goes, so the next try claims anew. Two statements, as in `settle`; a crash between
/// them only makes the retry come sooner.
pub async fn release(
    pool: &AnyPool,
    letter: i64,
    worker: &str,
    error: &str,
    retry_at: i64,
) -> Result<(), Error> {
    let row = sqlx::query(
        "DELETE FROM reminder_letters WHERE id = $1 AND claimed_by = $2 AND state IN ('claimed', 'uncertain')
         RETURNING notification_id",
    )
    .bind(letter)
    .bind(worker)
    .fetch_optional(pool)
    .await?;
    if let Some(notification) = row
        .map(|r| r.try_get::<Option<i64>, _>("notification_id"))
        .transpose()?
        .flatten()
    {
        sqlx::query(
            "UPDATE notifications SET mail_state = 'pending', mail_error = $1, mail_next_at = $2,
                 mail_attempts = mail_attempts + 1 WHERE id = $3",
        )
        .bind(error)
        .bind(retry_at)
        .bind(notification)
        .execute(pool)
        .await?;
    }
    Ok(())
}

async fn mark_notification(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    state: &str,
    error: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE notifications SET mail_state = $1, mail_error = $2, mail_attempts = mail_attempts + 1
         WHERE id = $3",
    )
    .bind(state)
    .bind(error)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A claim declared in doubt.
pub struct Orphan {
    pub kind: String,
    pub user_id: i64,
    pub notification_id: Option<i64>,
    pub local_date: Option<String>,
}

/// Claims older than `cutoff` (real time) that were never settled: their instance died between the claim and the
/// relay's answer. Each becomes `uncertain`, never sent again; a reminder's feed entry says so, and a digest gets
/// an entry of its own (`title`, at app time `now`), so the user learns the mail may be missing. One transaction:
/// on PostgreSQL the update's row locks give each orphan to one instance.
pub async fn orphans_to_uncertain(
    pool: &AnyPool,
    cutoff: i64,
    real_now: i64,
    now: i64,
    title: impl Fn(&Orphan) -> String,
) -> Result<usize, Error> {
    // A read first: on SQLite the transaction below takes the write lock, which every pass need not.
    let any = sqlx::query(
        "SELECT 1 AS one FROM reminder_letters WHERE state = 'claimed' AND claimed_at < $1 LIMIT 1",
    )
    .bind(cutoff)
    .fetch_optional(pool)
    .await?;
    if any.is_none() {
        return Ok(0);
    }
    let mut tx = crate::db::begin(pool).await?;
    let rows = sqlx::query(
        "UPDATE reminder_letters SET state = 'uncertain', error = $1, settled_at = $2
         WHERE state = 'claimed' AND claimed_at < $3 RETURNING id, kind, user_id, notification_id, local_date",
    )
    .bind(DIED_MID_SEND)
    .bind(real_now)
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    for r in &rows {
        let letter: i64 = r.try_get("id")?;
        let orphan = Orphan {
            kind: r.try_get("kind")?,
            user_id: r.try_get("user_id")?,
            notification_id: r.try_get("notification_id")?,
            local_date: r.try_get("local_date")?,
        };
        match orphan.notification_id {
            Some(id) => mark_notification(&mut tx, id, "failed", Some(DIED_MID_SEND)).await?,
            None => {
                let entry = sqlx::query(
                    "INSERT INTO notifications (user_id, kind, title, created_at, mail_state, mail_error)
                     VALUES ($1, $2, $3, $4, 'failed', $5) RETURNING id",
                )
                .bind(orphan.user_id)
                .bind(&orphan.kind)
                .bind(title(&orphan))
                .bind(now)
                .bind(DIED_MID_SEND)
                .fetch_one(&mut *tx)
                .await?;
                let entry: i64 = entry.try_get("id")?;
                sqlx::query("UPDATE reminder_letters SET notification_id = $1 WHERE id = $2")
                    .bind(entry)
                    .bind(letter)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(rows.len())
}
