//! SQL of API keys.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::error::Error;

pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub role: String,
    pub actions: String,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str =
    "k.id, k.name, k.prefix, k.role, k.actions, k.user_id, k.created_at, k.expires_at, \
    k.revoked_at, k.last_used_at";

fn key_row(row: &AnyRow) -> Result<KeyRow, Error> {
    Ok(KeyRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        role: row.try_get("role")?,
        actions: row.try_get("actions")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

pub struct Insert<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub role: &'a str,
    pub actions: &'a str,
    pub user_id: i64,
    pub created_by: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert(conn: &mut AnyConnection, k: Insert<'_>) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO api_keys (name, prefix, secret_hash, role, actions, user_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(k.name)
    .bind(k.prefix)
    .bind(k.secret_hash)
    .bind(k.role)
    .bind(k.actions)
    .bind(k.user_id)
    .bind(k.created_by)
    .bind(now_ms())
    .bind(k.expires_at)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<KeyRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys k WHERE k.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(key_row).transpose()
}

pub async fn list(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<KeyRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys k WHERE k.id > $1 ORDER BY k.id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(key_row).collect()
}

/// The key with this secret hash, its service user's e-mail and whether that user is active.
pub async fn by_hash(pool: &AnyPool, hash: &str) -> Result<Option<(KeyRow, String, bool)>, Error> {
    let sql = format!(
        "SELECT {COLUMNS}, u.email, u.active FROM api_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.secret_hash = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(hash)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => {
            let active: i64 = row.try_get("active")?;
            Ok(Some((key_row(&row)?, row.try_get("email")?, active != 0)))
        }
        None => Ok(None),
    }
}

/// Records a use, at most once per `every_ms`, so that a busy integration does not write on every request.
pub async fn touch(pool: &AnyPool, id: i64, every_ms: i64) -> Result<(), Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - every_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes the key; false when it was revoked already.
pub async fn revoke(conn: &mut AnyConnection, id: i64) -> Result<bool, Error> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}
