//! SQL of the benchmarks: what a measurement changes in its scratch database.

use sqlx::Row;

use crate::error::Error;

/// Drops the triggers of migrations 0033/0034 (names `activity_*`, `quality_*`, `awaiting_rechecks_*`). A
/// measurement only: the database it leaves is not one the reports can trust.
pub async fn drop_summary_triggers(db: &crate::db::Db) -> Result<(), Error> {
    let list = match db.backend {
        crate::db::Backend::Sqlite => {
            "SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'trigger'
             AND (name LIKE 'activity%' OR name LIKE 'quality%' OR name LIKE 'awaiting_rechecks%')"
        }
        crate::db::Backend::Postgres => {
            "SELECT t.tgname::text AS name, c.relname::text AS tbl FROM pg_trigger t
             JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
             AND (t.tgname LIKE 'activity%' OR t.tgname LIKE 'quality%' OR t.tgname LIKE 'awaiting_rechecks%')"
        }
    };
    let rows = sqlx::query(list).fetch_all(&db.pool).await?;
    for r in &rows {
        let (name, table): (String, String) = (r.try_get("name")?, r.try_get("tbl")?);
        // Names read from the catalogue, not input.
        let drop = match db.backend {
            crate::db::Backend::Sqlite => format!("DROP TRIGGER \"{name}\""),
            crate::db::Backend::Postgres => format!("DROP TRIGGER \"{name}\" ON \"{table}\""),
        };
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&db.pool)
            .await?;
    }
    tracing::warn!(
        dropped = rows.len(),
        "summary triggers dropped (benchmark only)"
    );
    Ok(())
}
