//! SQL of SMTP relays: rows hold the sealed URL; sealing and opening happen in `campaigns::relays`.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::db::now_ms;
use crate::error::Error;

/// A stored relay, its URL still sealed.
pub struct RelayRow {
    pub id: i64,
    pub name: String,
    pub url_sealed: String,
    /// The OAuth2 credential of a relay that signs in with XOAUTH2.
    pub oauth_id: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<RelayRow, Error> {
    Ok(RelayRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url_sealed: r.try_get("url_sealed")?,
        oauth_id: r.try_get("oauth_id")?,
    })
}

pub async fn list(pool: &AnyPool) -> Result<Vec<RelayRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, name, url_sealed, oauth_id FROM smtp_relays WHERE deleted_at IS NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<RelayRow>, Error> {
    let row = sqlx::query(
        "SELECT id, name, url_sealed, oauth_id FROM smtp_relays WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_name(pool: &AnyPool, name: &str) -> Result<Option<RelayRow>, Error> {
    let row = sqlx::query(
        "SELECT id, name, url_sealed, oauth_id FROM smtp_relays WHERE name = $1 AND deleted_at IS NULL",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a relay; a taken name fails with the unique violation (409).
pub async fn insert(pool: &AnyPool, name: &str, url_sealed: &str) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO smtp_relays (name, url_sealed, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(name)
    .bind(url_sealed)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(pool: &AnyPool, id: i64, name: &str, url_sealed: &str) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE smtp_relays SET name = $1, url_sealed = $2, updated_at = $3 WHERE id = $4 AND deleted_at IS NULL",
    )
    .bind(name)
    .bind(url_sealed)
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hides a relay unless a campaign that is not finished uses it; its URL is wiped and its name freed. Ok(None):
/// no such relay; Ok(Some(ids)) non-empty: refused, these campaigns use it; Ok(Some(empty)): deleted.
pub async fn delete_unused(pool: &AnyPool, id: i64) -> Result<Option<Vec<i64>>, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let users = sqlx::query(
        "SELECT id FROM campaigns WHERE relay_id = $1 AND status IN ('draft', 'sending', 'paused') ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<Vec<i64>, _>>()?;
    if !users.is_empty() {
        return Ok(Some(users));
    }
    let done = sqlx::query(
        "UPDATE smtp_relays SET deleted_at = $1, url_sealed = '', name = name || ' (deleted ' || CAST(id AS TEXT) || ')'
         WHERE id = $2 AND deleted_at IS NULL",
    )
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((done.rows_affected() == 1).then(Vec::new))
}

/// Campaigns that still carry an SMTP URL of their own (from before relays): `(id, url)`.
pub async fn legacy_campaign_urls(pool: &AnyPool) -> Result<Vec<(i64, String)>, Error> {
    let rows =
        sqlx::query("SELECT id, smtp_url FROM campaigns WHERE smtp_url IS NOT NULL ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("smtp_url")?)))
        .collect()
}

/// Gives a legacy campaign the relay named `name` (made from its URL, unless another instance did first) and
/// clears its plain-text URL, in one transaction.
pub async fn adopt_legacy(
    pool: &AnyPool,
    campaign_id: i64,
    name: &str,
    url_sealed: &str,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    sqlx::query(
        "INSERT INTO smtp_relays (name, url_sealed, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(url_sealed)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE campaigns SET relay_id = (SELECT id FROM smtp_relays WHERE name = $1), smtp_url = NULL
         WHERE id = $2 AND smtp_url IS NOT NULL",
    )
    .bind(name)
    .bind(campaign_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Points a relay at its OAuth2 credential (None: the URL's password).
pub async fn set_oauth(pool: &AnyPool, id: i64, oauth_id: Option<i64>) -> Result<(), Error> {
    sqlx::query("UPDATE smtp_relays SET oauth_id = $1 WHERE id = $2")
        .bind(oauth_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn with_credential(pool: &AnyPool, oauth_id: i64) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT id FROM smtp_relays WHERE oauth_id = $1 AND deleted_at IS NULL")
        .bind(oauth_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}
