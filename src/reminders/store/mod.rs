//! All SQL of reminders and the feed; one text for both backends. The letters' claims are in `letters`, the
//! digest's settings and tasks in `digest`.

pub mod digest;
pub mod letters;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::model::Notification;
use crate::db::from_ms;
use crate::error::Error;

/// A reminder whose letter is due to be tried.
pub struct Pending {
    pub id: i64,
    pub user_id: i64,
    pub task_id: Option<i64>,
    pub title: String,
    pub attempts: i64,
}

/// Reminders fired per statement.
pub const FIRE_BATCH: usize = 100;

/// Fires the due reminders: one feed entry per (task, remind_at), inserted by whichever instance gets there first
/// (the unique index turns the others' inserts into nothing). Reminders older than `stale_before` are left alone.
pub async fn fire_due(
    pool: &AnyPool,
    now: i64,
    stale_before: i64,
    mail_state: &str,
) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "INSERT INTO notifications (user_id, kind, task_id, remind_at, title, created_at, mail_state, mail_next_at)
         SELECT t.assignee_id, 'task_reminder', t.id, t.remind_at, t.title, $1, $2, $1
         FROM tasks t
         WHERE t.remind_at <= $1 AND t.remind_at > $3 AND t.done = 0 AND t.assignee_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.task_id = t.id AND n.remind_at = t.remind_at)
         ORDER BY t.remind_at, t.id
         LIMIT 100
         ON CONFLICT (task_id, remind_at) DO NOTHING
         RETURNING id",
    )
    .bind(now)
    .bind(mail_state)
    .bind(stale_before)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::from))
        .collect()
}

/// Reminders whose letter is due to be tried and that no instance holds a claim on, oldest first. Another
/// instance may claim any of them meanwhile: the claim decides.
pub async fn due_letters(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Pending>, Error> {
    let rows = sqlx::query(
        "SELECT n.id, n.user_id, n.task_id, n.title, n.mail_attempts FROM notifications n
         WHERE n.mail_state = 'pending' AND n.mail_next_at <= $1
           AND NOT EXISTS (SELECT 1 FROM reminder_letters l WHERE l.notification_id = n.id)
         ORDER BY n.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Pending {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                task_id: r.try_get("task_id")?,
                title: r.try_get("title")?,
                // This try is one more than those before it.
                attempts: r.try_get::<i64, _>("mail_attempts")? + 1,
            })
        })
        .collect()
}

/// A reminder whose letter cannot be written (no active assignee, no task): `failed`, without a claim, as nothing
/// goes out.
pub async fn letter_not_written(pool: &AnyPool, id: i64, error: &str) -> Result<(), Error> {
    sqlx::query(
        "UPDATE notifications SET mail_state = 'failed', mail_error = $1 WHERE id = $2 AND mail_state = 'pending'",
    )
    .bind(error)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The entry and its letter's state: a claim's state wins over the notification's own (`pending`, `none` …).
const COLUMNS: &str = "n.id, n.kind, n.task_id, n.title, n.remind_at, n.created_at, n.read_at,
    CASE WHEN l.state = 'claimed' THEN 'sending' WHEN l.state IS NOT NULL THEN l.state ELSE n.mail_state END
        AS mail,
    CASE WHEN l.state IN ('sent', 'claimed') THEN NULL ELSE COALESCE(l.error, n.mail_error) END AS mail_error";

fn from_row(r: &AnyRow) -> Result<Notification, Error> {
    Ok(Notification {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        task_id: r.try_get("task_id")?,
        title: r.try_get("title")?,
        remind_at: r.try_get::<Option<i64>, _>("remind_at")?.map(from_ms),
        created_at: from_ms(r.try_get("created_at")?),
        read_at: r.try_get::<Option<i64>, _>("read_at")?.map(from_ms),
        mail: r.try_get("mail")?,
        mail_error: r.try_get("mail_error")?,
    })
}

/// A user's feed, newest first, older than `before`.
pub async fn feed(
    pool: &AnyPool,
    user: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<Notification>, Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM notifications n LEFT JOIN reminder_letters l ON l.notification_id = n.id
         WHERE n.user_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3"
    )))
    .bind(user)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn unread(pool: &AnyPool, user: i64) -> Result<i64, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("n")?)
}

/// Marks one entry of `user`'s read (kept read if it was); false when the user has no such entry.
pub async fn mark_read(pool: &AnyPool, user: i64, id: i64, now: i64) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(now)
    .bind(id)
    .bind(user)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks every unread entry of `user`'s read; answers how many.
pub async fn mark_all_read(pool: &AnyPool, user: i64, now: i64) -> Result<i64, Error> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now)
            .bind(user)
            .execute(pool)
            .await?;
    Ok(i64::try_from(done.rows_affected()).unwrap_or(i64::MAX))
}

pub async fn relay(pool: &AnyPool) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT relay FROM reminder_settings WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("relay")).transpose()?.flatten())
}

pub async fn set_relay(conn: &mut sqlx::AnyConnection, relay: Option<&str>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO reminder_settings (id, relay) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET relay = excluded.relay",
    )
    .bind(relay)
    .execute(conn)
    .await?;
    Ok(())
}
