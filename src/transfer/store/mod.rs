//! All SQL of imports (their job state: the stored file, options, status, lease and counters), mapping presets and
//! the export setting; the rows' ledger is in `rows`. One text per query for both backends.

mod rows;

pub use rows::*;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::db::sql::Sql;
use crate::error::Error;

pub struct ImportRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub filename: String,
    pub format: String,
    pub file_hash: String,
    pub options: String,
    pub status: String,
    pub counts: [i64; 6],
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, user_id, kind, filename, format, file_hash, options, status, total_rows, rows_done, \
    created, updated, skipped, failed, error, created_at, updated_at";

fn import_of(r: &AnyRow) -> Result<ImportRow, Error> {
    Ok(ImportRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        kind: r.try_get("kind")?,
        filename: r.try_get("filename")?,
        format: r.try_get("format")?,
        file_hash: r.try_get("file_hash")?,
        options: r.try_get("options")?,
        status: r.try_get("status")?,
        counts: [
            r.try_get("total_rows")?,
            r.try_get("rows_done")?,
            r.try_get("created")?,
            r.try_get("updated")?,
            r.try_get("skipped")?,
            r.try_get("failed")?,
        ],
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub struct NewImport<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub filename: &'a str,
    pub format: &'a str,
    pub file_hash: &'a str,
    pub total_rows: i64,
    pub bytes: &'a [u8],
}

pub async fn insert(pool: &AnyPool, new: &NewImport<'_>) -> Result<i64, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO imports (user_id, kind, filename, format, file_hash, status, total_rows, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'uploaded', $6, $7, $7) RETURNING id",
    )
    .bind(new.user_id)
    .bind(new.kind)
    .bind(new.filename)
    .bind(new.format)
    .bind(new.file_hash)
    .bind(new.total_rows)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO import_files (import_id, bytes) VALUES ($1, $2)")
        .bind(id)
        .bind(new.bytes.to_vec())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<ImportRow>, Error> {
    let text = format!("SELECT {COLUMNS} FROM imports WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(import_of).transpose()
}

pub async fn file(pool: &AnyPool, id: i64) -> Result<Vec<u8>, Error> {
    Ok(
        sqlx::query_scalar("SELECT bytes FROM import_files WHERE import_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await?,
    )
}

/// A page of imports, newest first, limited by `visible` (access's condition over `user_id`).
pub async fn list(
    pool: &AnyPool,
    visible: impl FnOnce(&mut Sql),
    before: i64,
    limit: i64,
) -> Result<Vec<ImportRow>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS)
        .push(" FROM imports WHERE id < ")
        .bind(before);
    visible(&mut sql);
    sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter().map(import_of).collect()
}

pub async fn set_options(
    pool: &AnyPool,
    id: i64,
    options: &str,
    status: &str,
    total: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE imports SET options = $1, status = $2, total_rows = $3, updated_at = $4 WHERE id = $5")
        .bind(options)
        .bind(status)
        .bind(total)
        .bind(now_ms())
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Moves an import from one of `from` to `to`; false when it was in another state.
pub async fn transition(
    pool: &AnyPool,
    id: i64,
    from: &[&str],
    to: &str,
    error: Option<&str>,
) -> Result<bool, Error> {
    let mut sql = Sql::new("UPDATE imports SET status = ");
    sql.bind(to.to_string())
        .push(", error = ")
        .bind(error.map(str::to_string));
    sql.push(", lease_until = NULL, updated_at = ")
        .bind(now_ms());
    sql.push(" WHERE id = ").bind(id).push(" AND status IN ");
    sql.bind_list(from.iter().map(|s| s.to_string()));
    Ok(sql.query().execute(pool).await?.rows_affected() == 1)
}

/// Takes the oldest queued import, or a running one whose worker stopped renewing its lease (a restart).
pub async fn claim(pool: &AnyPool, lease_ms: i64) -> Result<Option<i64>, Error> {
    let now = now_ms();
    let candidate: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM imports WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) \
         ORDER BY id LIMIT 1",
    )
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(id) = candidate else { return Ok(None) };
    let taken = sqlx::query(
        "UPDATE imports SET status = 'running', lease_until = $1, updated_at = $2 WHERE id = $3 \
         AND (status = 'queued' OR (status = 'running' AND lease_until < $2))",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?
    .rows_affected();
    Ok((taken == 1).then_some(id))
}

/// Writes the counters from the rows recorded so far and renews the lease.
pub async fn progress(pool: &AnyPool, id: i64, lease_ms: i64) -> Result<(), Error> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM import_rows WHERE import_id = $1 GROUP BY outcome",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut c = [0i64; 4];
    for r in &rows {
        let outcome: String = r.try_get("outcome")?;
        let n: i64 = r.try_get("n")?;
        let i = match outcome.as_str() {
            "created" => 0,
            "updated" => 1,
            "skipped" => 2,
            _ => 3,
        };
        c[i] += n;
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE imports SET rows_done = $1, created = $2, updated = $3, skipped = $4, failed = $5, \
         lease_until = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(c.iter().sum::<i64>())
    .bind(c[0])
    .bind(c[1])
    .bind(c[2])
    .bind(c[3])
    .bind(now + lease_ms)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn presets(pool: &AnyPool, kind: &str) -> Result<Vec<(i64, String, String)>, Error> {
    let rows =
        sqlx::query("SELECT id, name, mapping FROM import_presets WHERE kind = $1 ORDER BY name")
            .bind(kind)
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

pub async fn preset(
    pool: &AnyPool,
    kind: &str,
    name: &str,
) -> Result<Option<(i64, String)>, Error> {
    let row = sqlx::query("SELECT id, mapping FROM import_presets WHERE kind = $1 AND name = $2")
        .bind(kind)
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Saves a preset under its name (replacing one of the same kind and name); its id.
pub async fn save_preset(
    pool: &AnyPool,
    kind: &str,
    name: &str,
    mapping: &str,
    user: i64,
) -> Result<i64, Error> {
    let mut tx = crate::db::begin(pool).await?;
    sqlx::query("DELETE FROM import_presets WHERE kind = $1 AND name = $2")
        .bind(kind)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO import_presets (kind, name, mapping, created_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(kind)
    .bind(name)
    .bind(mapping)
    .bind(user)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_preset(pool: &AnyPool, id: i64) -> Result<bool, Error> {
    let n = sqlx::query("DELETE FROM import_presets WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected();
    Ok(n == 1)
}

pub async fn setting(pool: &AnyPool, key: &str) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT value FROM transfer_settings WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

pub async fn set_setting(conn: &mut AnyConnection, key: &str, value: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM transfer_settings WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO transfer_settings (key, value) VALUES ($1, $2)")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}
