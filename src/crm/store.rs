//! SQL shared by every CRM record kind: visibility, owners, shares, reassignment (audit entries: `crate::audit`).

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use super::access::{push_visible, Scope};
use super::kind::RecordKind;
use crate::db::now_ms;
use crate::db::sql::Sql;
use crate::error::Error;

pub async fn user_exists(conn: &mut AnyConnection, user_id: i64) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE id = $1 AND active = 1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

pub async fn user_name(conn: &mut AnyConnection, user_id: i64) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("name")).transpose()?)
}

pub async fn share(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    user_id: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO shares (record_kind, record_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (record_kind, record_id, user_id) DO NOTHING",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn unshare(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    user_id: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "DELETE FROM shares WHERE record_kind = $1 AND record_id = $2 AND user_id = $3",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn shares_of(pool: &AnyPool, kind: RecordKind, id: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT user_id FROM shares WHERE record_kind = $1 AND record_id = $2 ORDER BY user_id",
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| r.try_get("user_id").map_err(Error::from))
        .collect()
}

/// Gives `to` the same shares as `from` (records a lead conversion creates: whoever the lead was shared with sees them).
pub async fn copy_shares(
    conn: &mut AnyConnection,
    from: (RecordKind, i64),
    to: (RecordKind, i64),
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO shares (record_kind, record_id, user_id)
         SELECT $1, $2, user_id FROM shares WHERE record_kind = $3 AND record_id = $4
         ON CONFLICT (record_kind, record_id, user_id) DO NOTHING",
    )
    .bind(to.0.as_str())
    .bind(to.1)
    .bind(from.0.as_str())
    .bind(from.1)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves notes, tasks and (with `with_shares`) shares from one record to another (merge, conversion); shares are
/// deduplicated; shares not moved are dropped with the record they were on.
pub async fn move_attachments(
    conn: &mut AnyConnection,
    from: (RecordKind, i64),
    to: (RecordKind, i64),
    with_shares: bool,
) -> Result<(), Error> {
    for table in ["notes", "tasks"] {
        let text = format!("UPDATE {table} SET record_kind = $1, record_id = $2 WHERE record_kind = $3 AND record_id = $4");
        sqlx::query(AssertSqlSafe(text))
            .bind(to.0.as_str())
            .bind(to.1)
            .bind(from.0.as_str())
            .bind(from.1)
            .execute(&mut *conn)
            .await?;
    }
    if with_shares {
        sqlx::query(
            "INSERT INTO shares (record_kind, record_id, user_id)
             SELECT $1, $2, user_id FROM shares WHERE record_kind = $3 AND record_id = $4
             ON CONFLICT (record_kind, record_id, user_id) DO NOTHING",
        )
        .bind(to.0.as_str())
        .bind(to.1)
        .bind(from.0.as_str())
        .bind(from.1)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM shares WHERE record_kind = $1 AND record_id = $2")
        .bind(from.0.as_str())
        .bind(from.1)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Hands every record of `from` (and their open tasks) to `to`, with one audit entry per record. Returns counts.
pub async fn reassign_all(
    conn: &mut AnyConnection,
    actor_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(RecordKind, u64)>, Error> {
    let changes = serde_json::json!([{ "field": "owner_id", "from": from, "to": to }]).to_string();
    let mut counts = Vec::new();
    for kind in [
        RecordKind::Company,
        RecordKind::Contact,
        RecordKind::Lead,
        RecordKind::Deal,
    ] {
        let audit = format!(
            "INSERT INTO audit_log (at, actor_id, action, record_kind, record_id, changes)
             SELECT $1, $2, 'reassign', $3, id, $4 FROM {} WHERE owner_id = $5",
            kind.table()
        );
        sqlx::query(AssertSqlSafe(audit))
            .bind(now_ms())
            .bind(actor_id)
            .bind(kind.as_str())
            .bind(&changes)
            .bind(from)
            .execute(&mut *conn)
            .await?;
        let update = format!(
            "UPDATE {} SET owner_id = $1, updated_at = $2 WHERE owner_id = $3",
            kind.table()
        );
        let done = sqlx::query(AssertSqlSafe(update))
            .bind(to)
            .bind(now_ms())
            .bind(from)
            .execute(&mut *conn)
            .await?;
        counts.push((kind, done.rows_affected()));
    }
    sqlx::query(
        "UPDATE tasks SET assignee_id = $1, updated_at = $2 WHERE assignee_id = $3 AND done = 0",
    )
    .bind(to)
    .bind(now_ms())
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(counts)
}

/// One likely duplicate pair of `kind`: `(a, a's name, b, b's name, reason, shared value)`.
pub type Pair = (i64, String, i64, String, String, String);

/// Pairs of records of `kind` sharing an e-mail, phone, domain or normalized name, both visible under `scope`.
pub async fn duplicate_pairs(
    pool: &AnyPool,
    scope: Scope,
    kind: RecordKind,
    limit: i64,
) -> Result<Vec<Pair>, Error> {
    // Each part starts from the repeated values counted in `duplicate_keys` (migration 0023, kept by triggers), so
    // it reads a few index entries per repeated value instead of joining every value with itself.
    let pairs = match kind {
        RecordKind::Contact => {
            "SELECT a.contact_id AS a, b.contact_id AS b, 'email' AS reason, a.email AS value
               FROM duplicate_keys d JOIN contact_emails a ON a.email = d.value
               JOIN contact_emails b ON b.email = d.value AND a.contact_id < b.contact_id
              WHERE d.kind = 'contact' AND d.reason = 'email' AND d.n > 1
             UNION SELECT a.contact_id, b.contact_id, 'phone', a.phone_norm
               FROM duplicate_keys d JOIN contact_phones a ON a.phone_norm = d.value
               JOIN contact_phones b ON b.phone_norm = d.value AND a.contact_id < b.contact_id
              WHERE d.kind = 'contact' AND d.reason = 'phone' AND d.n > 1"
        }
        RecordKind::Company => {
            "SELECT a.company_id AS a, b.company_id AS b, 'domain' AS reason, a.domain AS value
               FROM duplicate_keys d JOIN company_domains a ON a.domain = d.value
               JOIN company_domains b ON b.domain = d.value AND a.company_id < b.company_id
              WHERE d.kind = 'company' AND d.reason = 'domain' AND d.n > 1
             UNION SELECT a.id, b.id, 'name', a.name_norm
               FROM duplicate_keys d JOIN companies a ON a.name_norm = d.value
               JOIN companies b ON b.name_norm = d.value AND a.id < b.id
              WHERE d.kind = 'company' AND d.reason = 'name' AND d.n > 1"
        }
        RecordKind::Lead => {
            "SELECT a.id AS a, b.id AS b, 'email' AS reason, a.email AS value
               FROM duplicate_keys d JOIN leads a ON a.email = d.value
               JOIN leads b ON b.email = d.value AND a.id < b.id
              WHERE d.kind = 'lead' AND d.reason = 'email' AND d.n > 1
                AND a.status <> 'converted' AND b.status <> 'converted'
             UNION SELECT a.id, b.id, 'phone', a.phone_norm
               FROM duplicate_keys d JOIN leads a ON a.phone_norm = d.value
               JOIN leads b ON b.phone_norm = d.value AND a.id < b.id
              WHERE d.kind = 'lead' AND d.reason = 'phone' AND d.n > 1
                AND a.status <> 'converted' AND b.status <> 'converted'"
        }
        RecordKind::Deal => return Ok(Vec::new()),
    };
    let mut sql =
        Sql::new("SELECT x.a, ra.name AS a_name, x.b, rb.name AS b_name, x.reason, x.value FROM (");
    sql.push(pairs)
        .push(") x JOIN ")
        .push(kind.table())
        .push(" ra ON ra.id = x.a JOIN ")
        .push(kind.table());
    sql.push(" rb ON rb.id = x.b WHERE 1 = 1");
    push_visible(&mut sql, scope, kind, "ra");
    push_visible(&mut sql, scope, kind, "rb");
    sql.push(" ORDER BY x.a, x.b LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("a")?,
                r.try_get("a_name")?,
                r.try_get("b")?,
                r.try_get("b_name")?,
                r.try_get("reason")?,
                r.try_get("value")?,
            ))
        })
        .collect()
}

/// What hangs on any record and goes with it: notes, tasks, shares, and its mail links (the message stays; only its
/// link to the deleted record goes, so that the mail no longer counts as the record's).
pub async fn remove_attachments(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    for text in [
        "DELETE FROM notes WHERE record_kind = $1 AND record_id = $2",
        "DELETE FROM tasks WHERE record_kind = $1 AND record_id = $2",
        "DELETE FROM shares WHERE record_kind = $1 AND record_id = $2",
        "DELETE FROM message_links WHERE record_kind = $1 AND record_id = $2",
    ] {
        sqlx::query(text)
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
