//! The import's ledger: one row per file row (outcome, content hash, record, reason) and what the import created
//! or changed (for undo), written a row at a time or a batch at a time. One text per query for both backends.

use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::sql::Sql;
use crate::error::Error;

/// The last row already recorded (a resumed job goes on after it).
pub async fn last_row(pool: &AnyPool, id: i64) -> Result<i64, Error> {
    let n: Option<i64> =
        sqlx::query_scalar("SELECT MAX(row_no) FROM import_rows WHERE import_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await?;
    Ok(n.unwrap_or(0))
}

pub async fn insert_row(
    conn: &mut AnyConnection,
    import_id: i64,
    row_no: i64,
    outcome: &str,
    (hash, record_id, reason): (&str, Option<i64>, Option<&str>),
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO import_rows (import_id, row_no, outcome, row_hash, record_id, reason) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(import_id)
    .bind(row_no)
    .bind(outcome)
    .bind(hash)
    .bind(record_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_record(
    conn: &mut AnyConnection,
    import_id: i64,
    row_no: i64,
    (kind, record_id): (&str, i64),
    action: &str,
    prior: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO import_records (import_id, row_no, record_kind, record_id, action, prior) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(import_id)
    .bind(row_no)
    .bind(kind)
    .bind(record_id)
    .bind(action)
    .bind(prior)
    .execute(conn)
    .await?;
    Ok(())
}

/// A row with the same content that an import (not undone) already created or updated: `(import, row)`.
pub async fn already_imported(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(i64, i64)>, Error> {
    let row = sqlx::query(
        "SELECT r.import_id, r.row_no FROM import_rows r JOIN imports i ON i.id = r.import_id \
         WHERE r.row_hash = $1 AND r.outcome IN ('created', 'updated') AND i.status <> 'undone' LIMIT 1",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// The failed rows with their reasons, in file order.
pub async fn rejects(pool: &AnyPool, id: i64) -> Result<Vec<(i64, String)>, Error> {
    let rows = sqlx::query(
        "SELECT row_no, reason FROM import_rows WHERE import_id = $1 AND outcome = 'failed' ORDER BY row_no",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
            ))
        })
        .collect()
}

pub struct RecordRow {
    pub kind: String,
    pub record_id: i64,
    pub action: String,
    pub prior: Option<String>,
}

/// What the import created or changed, the latest first (undo walks it in that order).
pub async fn records(pool: &AnyPool, id: i64) -> Result<Vec<RecordRow>, Error> {
    let rows = sqlx::query(
        "SELECT record_kind, record_id, action, prior FROM import_records WHERE import_id = $1 ORDER BY id DESC",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RecordRow {
                kind: r.try_get(0)?,
                record_id: r.try_get(1)?,
                action: r.try_get(2)?,
                prior: r.try_get(3)?,
            })
        })
        .collect()
}

/// Values per multi-row statement: a few hundred (see `db::sql::MAX_BINDS` on why not thousands), far under the
/// backends' limits (SQLite 32 766, PostgreSQL 65 535).
const BINDS: usize = 3 * crate::db::sql::MAX_BINDS;

/// One ledger row of a batch.
pub struct LedgerRow {
    pub row_no: i64,
    pub outcome: &'static str,
    pub hash: String,
    pub record_id: Option<i64>,
    pub reason: Option<String>,
}

/// The ledger rows of a batch, with multi-row INSERTs.
pub async fn insert_rows_many(
    conn: &mut AnyConnection,
    import_id: i64,
    rows: &[LedgerRow],
) -> Result<(), Error> {
    for chunk in rows.chunks(BINDS / 6) {
        let mut sql = Sql::new(
            "INSERT INTO import_rows (import_id, row_no, outcome, row_hash, record_id, reason) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(import_id).push(", ").bind(r.row_no).push(", ");
            sql.bind(r.outcome.to_string())
                .push(", ")
                .bind(r.hash.clone());
            sql.push(", ").bind(r.record_id).push(", ");
            sql.bind(r.reason.clone()).push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records a batch created, `(row, kind, id)` in the order undo should see them (it deletes the latest first).
pub async fn insert_created_many(
    conn: &mut AnyConnection,
    import_id: i64,
    created: &[(i64, &'static str, i64)],
) -> Result<(), Error> {
    for chunk in created.chunks(BINDS / 4) {
        let mut sql = Sql::new(
            "INSERT INTO import_records (import_id, row_no, record_kind, record_id, action) VALUES ",
        );
        for (i, (row, kind, id)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(import_id).push(", ").bind(*row).push(", ");
            sql.bind(kind.to_string())
                .push(", ")
                .bind(*id)
                .push(", 'created')");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `already_imported` for a batch of hashes at once: hash → `(import, row)`.
pub async fn already_imported_many(
    conn: &mut AnyConnection,
    hashes: &[String],
) -> Result<HashMap<String, (i64, i64)>, Error> {
    let mut found = HashMap::new();
    for chunk in hashes.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new(
            "SELECT r.row_hash, r.import_id, r.row_no FROM import_rows r JOIN imports i ON i.id = r.import_id \
             WHERE r.outcome IN ('created', 'updated') AND i.status <> 'undone' AND r.row_hash IN ",
        );
        sql.bind_list(chunk.to_vec())
            .push(" ORDER BY r.import_id, r.row_no");
        for r in sql.query().fetch_all(&mut *conn).await? {
            let hash: String = r.try_get(0)?;
            found.entry(hash).or_insert((r.try_get(1)?, r.try_get(2)?));
        }
    }
    Ok(found)
}
