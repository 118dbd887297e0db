//! All SQL of saved views. Every statement is bound to the owner's user id: no view is read or written by another.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::model::{ListKind, View, ViewInput, ViewSettings};
use crate::db::{from_ms, now_ms};
use crate::error::Error;

fn from_row(r: &AnyRow) -> Result<View, Error> {
    let kind: String = r.try_get("kind")?;
    let settings: String = r.try_get("settings")?;
    Ok(View {
        id: r.try_get("id")?,
        kind: ListKind::parse(&kind).ok_or_else(|| Error::internal(format!("view kind {kind}")))?,
        name: r.try_get("name")?,
        settings: serde_json::from_str::<ViewSettings>(&settings).map_err(Error::internal)?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

fn settings_json(input: &ViewInput) -> Result<String, Error> {
    serde_json::to_string(&input.settings).map_err(Error::internal)
}

pub async fn list(
    pool: &AnyPool,
    user_id: i64,
    kind: Option<ListKind>,
) -> Result<Vec<View>, Error> {
    let rows = sqlx::query(
        "SELECT id, kind, name, settings, created_at, updated_at FROM saved_views
         WHERE user_id = $1 AND ($2 = '' OR kind = $2) ORDER BY kind, name, id",
    )
    .bind(user_id)
    .bind(kind.map(ListKind::as_str).unwrap_or(""))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(pool: &AnyPool, user_id: i64) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM saved_views WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn get(pool: &AnyPool, user_id: i64, id: i64) -> Result<Option<View>, Error> {
    let row = sqlx::query(
        "SELECT id, kind, name, settings, created_at, updated_at FROM saved_views WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn insert(pool: &AnyPool, user_id: i64, input: &ViewInput) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO saved_views (user_id, kind, name, settings, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(input.kind.as_str())
    .bind(&input.name)
    .bind(settings_json(input)?)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(pool: &AnyPool, user_id: i64, id: i64, input: &ViewInput) -> Result<(), Error> {
    sqlx::query(
        "UPDATE saved_views SET kind = $1, name = $2, settings = $3, updated_at = $4 WHERE id = $5 AND user_id = $6",
    )
    .bind(input.kind.as_str())
    .bind(&input.name)
    .bind(settings_json(input)?)
    .bind(now_ms())
    .bind(id)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, user_id: i64, id: i64) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
