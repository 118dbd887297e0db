//! SQL of the daily digest's settings and tasks (its letters are claimed in `letters`); one text for both backends.

use sqlx::{AnyPool, Row};

use crate::db::from_ms;
use crate::error::Error;

/// A user who asked for a digest.
pub struct Subscriber {
    pub user_id: i64,
    pub time_zone: String,
    pub hour: i64,
}

/// A task of a digest.
pub struct DueTask {
    pub title: String,
    pub due_at: time::OffsetDateTime,
}

pub async fn subscribers(pool: &AnyPool) -> Result<Vec<Subscriber>, Error> {
    let rows = sqlx::query("SELECT user_id, time_zone, hour FROM digest_settings ORDER BY user_id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Subscriber {
                user_id: r.try_get("user_id")?,
                time_zone: r.try_get("time_zone")?,
                hour: r.try_get("hour")?,
            })
        })
        .collect()
}

pub async fn setting(pool: &AnyPool, user: i64) -> Result<Option<(String, i64)>, Error> {
    let row = sqlx::query("SELECT time_zone, hour FROM digest_settings WHERE user_id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get("time_zone")?, r.try_get("hour")?)))
        .transpose()
}

/// Sets (`Some`) or clears (`None`) a user's digest hour.
pub async fn set(pool: &AnyPool, user: i64, value: Option<(&str, i64)>) -> Result<(), Error> {
    match value {
        Some((zone, hour)) => {
            sqlx::query(
                "INSERT INTO digest_settings (user_id, time_zone, hour) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, hour = excluded.hour",
            )
            .bind(user)
            .bind(zone)
            .bind(hour)
            .execute(pool)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM digest_settings WHERE user_id = $1")
                .bind(user)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// The user's open tasks due before `before` (today's and overdue), earliest first.
pub async fn due_tasks(pool: &AnyPool, user: i64, before: i64) -> Result<Vec<DueTask>, Error> {
    let rows = sqlx::query(
        "SELECT title, due_at FROM tasks
         WHERE assignee_id = $1 AND done = 0 AND due_at IS NOT NULL AND due_at < $2
         ORDER BY due_at, id LIMIT 200",
    )
    .bind(user)
    .bind(before)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueTask {
                title: r.try_get("title")?,
                due_at: from_ms(r.try_get("due_at")?),
            })
        })
        .collect()
}
