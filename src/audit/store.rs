//! SQL of the audit log.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::db::sql::Sql;
use crate::error::Error;

/// One audit entry of anything (`kind`: a record kind, `message`, `mailbox`, `identity_provider`, `user` …).
pub async fn insert(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    action: &str,
    kind: &str,
    id: i64,
    changes: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, record_kind, record_id, changes) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(actor_id)
    .bind(action)
    .bind(kind)
    .bind(id)
    .bind(changes)
    .execute(conn)
    .await?;
    Ok(())
}

/// "create" entries for many records of one kind, by `actor_id` (None: made by the system): `(record id, changes)`.
pub async fn insert_created(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    kind: &str,
    rows: &[(i64, String)],
) -> Result<(), Error> {
    let now = now_ms();
    for run in rows.chunks(crate::db::sql::MAX_BINDS / 5) {
        let mut sql = Sql::new(
            "INSERT INTO audit_log (at, actor_id, action, record_kind, record_id, changes) VALUES ",
        );
        for (i, (id, changes)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(now)
                .push(", ")
                .bind(actor_id)
                .push(", 'create', ")
                .bind(kind.to_string())
                .push(", ")
                .bind(*id)
                .push(", ")
                .bind(changes.clone())
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    pub changes: String,
}

fn from_row(row: &AnyRow) -> Result<AuditRow, Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        changes: row.try_get("changes")?,
    })
}

/// Entries of these kinds, newest first, before the given id, with each one's kind and record id.
pub async fn entries_of_kinds(
    pool: &AnyPool,
    kinds: &[&str],
    before: i64,
    limit: i64,
) -> Result<Vec<(AuditRow, String, i64)>, Error> {
    let mut sql = Sql::new(
        "SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.changes, a.record_kind, a.record_id
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.record_kind IN ",
    );
    sql.bind_list(kinds.iter().map(|k| k.to_string()))
        .push(" AND a.id < ")
        .bind(before)
        .push(" ORDER BY a.id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter()
        .map(|row| Ok((from_row(row)?, row.try_get(6)?, row.try_get(7)?)))
        .collect()
}

/// A record's audit entries, newest first, before the given id.
pub async fn entries_of(
    pool: &AnyPool,
    (kind, id): (&str, i64),
    hidden: &[&str],
    before: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, Error> {
    let mut sql = Sql::new(
        "SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.changes
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.record_kind = ",
    );
    sql.bind(kind.to_string())
        .push(" AND a.record_id = ")
        .bind(id)
        .push(" AND a.id < ")
        .bind(before);
    if !hidden.is_empty() {
        let hidden: Vec<String> = hidden.iter().map(|h| h.to_string()).collect();
        sql.push(" AND a.action NOT IN ").bind_list(hidden);
    }
    sql.push(" ORDER BY a.id DESC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Ids of the entries about these records of one kind.
pub async fn ids_of_records(
    conn: &mut AnyConnection,
    kind: &str,
    ids: &[i64],
) -> Result<Vec<i64>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new("SELECT id FROM audit_log WHERE record_kind = ");
        sql.bind(kind.to_string())
            .push(" AND record_id IN ")
            .bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// Ids of the entries whose changes contain this text as written (a scan of the log: for rare admin requests).
pub async fn ids_containing(conn: &mut AnyConnection, value: &str) -> Result<Vec<i64>, Error> {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let rows = sqlx::query("SELECT id FROM audit_log WHERE changes LIKE $1 ESCAPE '\\'")
        .bind(format!("%{escaped}%"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Entries by id, oldest first, with each one's kind and record id.
pub async fn entries_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(AuditRow, String, i64)>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new(
            "SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.changes, a.record_kind, a.record_id
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.id IN ",
        );
        sql.bind_list(run.to_vec()).push(" ORDER BY a.id");
        for row in sql.query().fetch_all(&mut *conn).await? {
            out.push((from_row(&row)?, row.try_get(6)?, row.try_get(7)?));
        }
    }
    out.sort_by_key(|r| r.0.id);
    Ok(out)
}

/// Replaces the changes of one entry (who, when and what action stay).
pub async fn set_changes(conn: &mut AnyConnection, id: i64, changes: &str) -> Result<(), Error> {
    sqlx::query("UPDATE audit_log SET changes = $1 WHERE id = $2")
        .bind(changes.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
