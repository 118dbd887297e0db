//! The SQL of data quality's per-record rows (`quality_records`, migration 0033): each noted record's owner, whether
//! "untouched" counts it, when it was last touched (its own change, a note, a task change, linked human mail) and a
//! contact's missing e-mail, phone and company and role address; recomputed from the source rows, or all rebuilt.

use super::quality::push_role_address;
use super::summary::Part;
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;
use sqlx::AnyConnection;

const KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Company,
    RecordKind::Lead,
    RecordKind::Deal,
];

/// ` AND r.id IN (the noted records of kind)`, or nothing for a rebuild.
fn push_noted(sql: &mut Sql, kind: RecordKind, part: Part) {
    if part == Part::Noted {
        // The kind is a constant of ours, written as a literal (both backends type it as text).
        sql.push(" AND r.id IN (SELECT q.record_id FROM quality_dirty q WHERE q.batch = 1 AND q.record_kind = '")
            .push(kind.as_str())
            .push("')");
    }
}

/// `COALESCE((SELECT MAX(…) …), r.updated_at) AS alias`: the latest of one kind of touch, else the record's own.
fn push_latest(sql: &mut Sql, kind: RecordKind, what: &str, alias: &str) {
    let k = kind.as_str();
    let inner = match what {
        "notes" => format!(
            "SELECT MAX(n.updated_at) FROM notes n WHERE n.record_kind = '{k}' AND n.record_id = r.id"
        ),
        "tasks" => format!(
            "SELECT MAX(t.updated_at) FROM tasks t WHERE t.record_kind = '{k}' AND t.record_id = r.id"
        ),
        _ => format!(
            "SELECT MAX(COALESCE(m.sent_at, m.received_at)) FROM message_links l JOIN messages m ON m.id = l.message_id
             WHERE l.record_kind = '{k}' AND l.record_id = r.id AND l.removed = 0 AND m.class = 'human'"
        ),
    };
    sql.push(", COALESCE((")
        .push(&inner)
        .push("), r.updated_at) AS ")
        .push(alias);
}

/// Recomputes the rows of the noted records (or all): a record gone keeps no row.
pub async fn recompute(
    conn: &mut AnyConnection,
    part: Part,
    role_parts: &[&str],
) -> Result<(), Error> {
    for kind in KINDS {
        let mut sql = Sql::new("DELETE FROM quality_records WHERE record_kind = '");
        sql.push(kind.as_str()).push("'");
        if part == Part::Noted {
            sql.push(" AND record_id IN (SELECT q.record_id FROM quality_dirty q WHERE q.batch = 1 AND q.record_kind = '")
                .push(kind.as_str())
                .push("')");
        }
        sql.query().execute(&mut *conn).await?;
        insert(conn, kind, part, role_parts).await?;
    }
    Ok(())
}

async fn insert(
    conn: &mut AnyConnection,
    kind: RecordKind,
    part: Part,
    role_parts: &[&str],
) -> Result<(), Error> {
    // The latest touch is the greatest of four stamps, written with CASE (SQLite's max() and PostgreSQL's GREATEST
    // differ); the inner LIMIT keeps SQLite from merging `y` into the outer query and looking each stamp up twice.
    let mut sql = Sql::new(
        "INSERT INTO quality_records (record_kind, record_id, owner_id, open, touched_at, no_email, no_phone,
                                      no_company, role_address)
         SELECT '",
    );
    sql.push(kind.as_str()).push(
        "', y.id, y.owner_id, y.open,
                CASE WHEN y.a >= y.b AND y.a >= y.c AND y.a >= y.d THEN y.a
                     WHEN y.b >= y.c AND y.b >= y.d THEN y.b WHEN y.c >= y.d THEN y.c ELSE y.d END,
                y.no_email, y.no_phone, y.no_company, y.role_address
         FROM (SELECT r.id, r.owner_id, r.updated_at AS a",
    );
    push_latest(&mut sql, kind, "notes", "b");
    push_latest(&mut sql, kind, "tasks", "c");
    push_latest(&mut sql, kind, "mail", "d");
    sql.push(match kind {
        RecordKind::Lead => ", CASE WHEN r.status IN ('new', 'in_work') THEN 1 ELSE 0 END AS open",
        RecordKind::Deal => {
            ", CASE WHEN EXISTS (SELECT 1 FROM stages st WHERE st.id = r.stage_id AND st.kind = 'open')
                THEN 1 ELSE 0 END AS open"
        }
        RecordKind::Contact | RecordKind::Company => ", 1 AS open",
    });
    if kind == RecordKind::Contact {
        sql.push(
            ", CASE WHEN EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = r.id) THEN 0 ELSE 1 END
                 AS no_email,
               CASE WHEN EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = r.id) THEN 0 ELSE 1 END
                 AS no_phone,
               CASE WHEN r.company_id IS NULL THEN 1 ELSE 0 END AS no_company, CASE WHEN ",
        );
        push_role_address(&mut sql, "r", role_parts);
        sql.push(" THEN 1 ELSE 0 END AS role_address");
    } else {
        sql.push(", 0 AS no_email, 0 AS no_phone, 0 AS no_company, 0 AS role_address");
    }
    sql.push(" FROM ").push(kind.table()).push(" r WHERE 1 = 1");
    push_noted(&mut sql, kind, part);
    sql.push(" LIMIT ").bind(i64::MAX).push(") y");
    sql.query().execute(&mut *conn).await?;
    Ok(())
}
