//! SQL of webhooks: endpoints and cursors here, the outbox in `outbox`, the event sources in `sources`.

pub mod outbox;
pub mod sources;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::error::Error;

pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub consecutive_failures: i64,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, url, events, enabled, consecutive_failures, disabled_at, created_at";

fn endpoint_row(row: &AnyRow) -> Result<EndpointRow, Error> {
    Ok(EndpointRow {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        events: row.try_get("events")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        consecutive_failures: row.try_get("consecutive_failures")?,
        disabled_at: row.try_get("disabled_at")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    url: &str,
    events: &str,
    secret_sealed: &str,
    created_by: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO webhook_endpoints (url, events, secret_sealed, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(url)
    .bind(events)
    .bind(secret_sealed)
    .bind(created_by)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<EndpointRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(endpoint_row).transpose()
}

pub async fn all(pool: &AnyPool) -> Result<Vec<EndpointRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?;
    rows.iter().map(endpoint_row).collect()
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Enables the endpoint again with a clean failure count; its waiting deliveries are due at once.
pub async fn enable(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 1, consecutive_failures = 0, disabled_at = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE endpoint_id = $2 AND status = 'pending'",
    )
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts the cursors of the event sources at "now" the first time an endpoint is created, so that history is not
/// replayed; later creations leave them where the dispatchers are.
pub async fn start_cursors(conn: &mut AnyConnection) -> Result<(), Error> {
    let starts = [
        "INSERT INTO webhook_cursors (source, position) SELECT 'audit', COALESCE(MAX(id), 0) FROM audit_log \
         WHERE 1 = 1 ON CONFLICT (source) DO NOTHING",
        "INSERT INTO webhook_cursors (source, position) SELECT 'messages', COALESCE(MAX(id), 0) FROM messages \
         WHERE 1 = 1 ON CONFLICT (source) DO NOTHING",
    ];
    for sql in starts {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    sqlx::query(
        "INSERT INTO webhook_cursors (source, position) VALUES ('campaigns', $1) ON CONFLICT (source) DO NOTHING",
    )
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn cursor(conn: &mut AnyConnection, source: &str) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT position FROM webhook_cursors WHERE source = $1")
        .bind(source)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("position")).transpose()?)
}

/// Moves a cursor forward only (another instance may have moved it further already).
pub async fn advance(conn: &mut AnyConnection, source: &str, position: i64) -> Result<(), Error> {
    sqlx::query("UPDATE webhook_cursors SET position = $1 WHERE source = $2 AND position < $1")
        .bind(position)
        .bind(source)
        .execute(conn)
        .await?;
    Ok(())
}
