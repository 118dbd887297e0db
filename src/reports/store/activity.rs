//! The SQL of manager activity: mail linked to what each user owns, first responses per thread, tasks by assignee
//! and won deals, each one aggregate over the slice (no query per user).

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::{push_owners, Slice};
use crate::crm::access::Scope;
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

/// A message's time: its Date header, else when it was stored (the timeline's rule; migration 0029 indexes it).
const AT: &str = "COALESCE(m.sent_at, m.received_at)";

/// The kinds of record mail is linked to.
const KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Company,
    RecordKind::Lead,
    RecordKind::Deal,
];

/// Ranges longer than this are read from the owners' records rather than from the mail of the range, when the slice
/// is narrowed to some owners (see `records_first`).
const LONG_RANGE_MS: i64 = 60 * 86_400_000;

/// Whether the linked mail is read from the slice's records (owner index → their links → messages) rather than from
/// the range's messages (time index → links → records). A salesperson owns ≈ 1/30 of the records of the benchmark
/// (1 000 000 messages over two years): over the whole history 3.9 s → 0.24 s; over a month reading the month's
/// mail stays as fast (≈ 0.2 s). Everyone's figures over a range are read from the range's mail.
fn records_first(s: &Slice) -> bool {
    let narrow = matches!(s.scope, Scope::Own { .. }) || s.user_id.is_some() || s.team_id.is_some();
    narrow && s.to.saturating_sub(s.from) > LONG_RANGE_MS
}

/// `(SELECT owner_id, message id, thread, direction, at …) x`: the human mail of the range linked to a record
/// someone owns in the slice, one row per link (a message linked to two of an owner's records is there twice: counts
/// take distinct message ids, minima need not).
fn push_linked_mail(sql: &mut Sql, s: &Slice, direction: Option<&str>) {
    if records_first(s) {
        push_linked_mail_by_records(sql, s, direction);
        return;
    }
    // The range's messages once, each link's record looked up in whichever table its kind names.
    sql.push(
        "(SELECT COALESCE(c.owner_id, co.owner_id, le.owner_id, d.owner_id) AS owner_id, m.id AS message_id,
                m.thread_id, m.direction, ",
    )
    .push(AT)
    .push(
        " AS at FROM messages m JOIN message_links l ON l.message_id = m.id AND l.removed = 0
         LEFT JOIN contacts c ON l.record_kind = 'contact' AND c.id = l.record_id
         LEFT JOIN companies co ON l.record_kind = 'company' AND co.id = l.record_id
         LEFT JOIN leads le ON l.record_kind = 'lead' AND le.id = l.record_id
         LEFT JOIN deals d ON l.record_kind = 'deal' AND d.id = l.record_id
         WHERE m.class = 'human' AND ",
    );
    push_range(sql, s, direction);
    sql.push(") x WHERE x.owner_id IS NOT NULL");
    push_owners(sql, s, "x");
}

/// The same rows read from the slice's records: one inner-join branch per record kind, the owner index first
/// (`CROSS JOIN` fixes SQLite's join order; PostgreSQL plans it as inner joins).
fn push_linked_mail_by_records(sql: &mut Sql, s: &Slice, direction: Option<&str>) {
    sql.push("(");
    for (i, kind) in KINDS.into_iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT r.owner_id, m.id AS message_id, m.thread_id, m.direction, ")
            .push(AT)
            .push(" AS at FROM ")
            .push(kind.table())
            // The kind is a constant of ours, written as a literal (both backends type it as text).
            .push(" r CROSS JOIN message_links l CROSS JOIN messages m WHERE l.record_kind = '")
            .push(kind.as_str())
            .push("' AND l.record_id = r.id AND l.removed = 0 AND m.id = l.message_id AND m.class = 'human' AND ");
        push_range(sql, s, direction);
        sql.push(" AND r.owner_id IS NOT NULL");
        push_owners(sql, s, "r");
    }
    sql.push(") x WHERE 1 = 1");
}

/// `at` in the slice's range, and the direction when given.
fn push_range(sql: &mut Sql, s: &Slice, direction: Option<&str>) {
    sql.push(AT)
        .push(" >= ")
        .bind(s.from)
        .push(" AND ")
        .push(AT)
        .push(" < ")
        .bind(s.to);
    if let Some(direction) = direction {
        sql.push(" AND m.direction = ").bind(direction.to_string());
    }
}

/// A user the report has a row for.
pub struct Person {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// The users of the slice (not marketing, who own nothing), by name.
pub async fn people(conn: &mut AnyConnection, s: &Slice) -> Result<Vec<Person>, Error> {
    let mut sql = Sql::new(
        "SELECT x.owner_id AS id, x.name, x.active FROM
         (SELECT u.id AS owner_id, u.name, u.active, u.role FROM users u) x WHERE x.role <> 'marketing'",
    );
    push_owners(&mut sql, s, "x");
    sql.push(" ORDER BY x.name, x.owner_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Person {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                active: r.try_get::<i64, _>("active")? == 1,
            })
        })
        .collect()
}

/// Per owner: (owner, mails received, mails sent).
pub async fn mail_counts(
    conn: &mut AnyConnection,
    s: &Slice,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    // COUNT(DISTINCT) per group rather than DISTINCT over every (owner, message) first: 2.9 s → 1.2 s over the
    // whole history of 1 000 000 messages (SQLite).
    let mut sql =
        Sql::new("SELECT x.owner_id, x.direction, COUNT(DISTINCT x.message_id) AS n FROM ");
    push_linked_mail(&mut sql, s, None);
    sql.push(" GROUP BY x.owner_id, x.direction");
    let rows = sql.query().fetch_all(conn).await?;
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        let entry = counts.entry(r.try_get("owner_id")?).or_default();
        match r.try_get::<String, _>("direction")?.as_str() {
            "outgoing" => entry.1 += n,
            _ => entry.0 += n,
        }
    }
    Ok(counts
        .into_iter()
        .map(|(o, (i, out))| (o, i, out))
        .collect())
}

/// One thread of an owner: when its first incoming mail of the range came, and when we first wrote after it.
pub struct FirstResponse {
    pub owner_id: i64,
    pub first_in: i64,
    pub answered_at: Option<i64>,
}

/// Per (owner, thread) of the range's incoming human mail: the first such mail and the first later outgoing human
/// mail in the same thread (at any time, also after the range).
pub async fn first_responses(
    conn: &mut AnyConnection,
    s: &Slice,
) -> Result<Vec<FirstResponse>, Error> {
    let mut sql = Sql::new(
        "SELECT f.owner_id, f.first_in,
                (SELECT MIN(COALESCE(o.sent_at, o.received_at)) FROM messages o
                  WHERE o.thread_id = f.thread_id AND o.direction = 'outgoing' AND o.class = 'human'
                    AND COALESCE(o.sent_at, o.received_at) > f.first_in) AS answered_at
         FROM (SELECT x.owner_id, x.thread_id, MIN(x.at) AS first_in FROM ",
    );
    push_linked_mail(&mut sql, s, Some("incoming"));
    sql.push(" AND x.thread_id IS NOT NULL GROUP BY x.owner_id, x.thread_id) f");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(FirstResponse {
                owner_id: r.try_get("owner_id")?,
                first_in: r.try_get("first_in")?,
                answered_at: r.try_get("answered_at")?,
            })
        })
        .collect()
}

/// Per assignee: (user, tasks done in the range, tasks due in the range before `now` and done late or still open).
pub async fn task_counts(
    conn: &mut AnyConnection,
    s: &Slice,
    now: i64,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    let mut sql = Sql::new(
        "SELECT x.owner_id,
                CAST(COALESCE(SUM(CASE WHEN x.done = 1 AND x.done_at >= ",
    );
    sql.bind(s.from)
        .push(" AND x.done_at < ")
        .bind(s.to)
        .push(
            " THEN 1 ELSE 0 END), 0) AS BIGINT) AS done,
                CAST(COALESCE(SUM(CASE WHEN x.due_at >= ",
        )
        .bind(s.from)
        .push(" AND x.due_at < ")
        .bind(s.to)
        .push(" AND x.due_at < ")
        .bind(now)
        .push(
            " AND (x.done = 0 OR x.done_at > x.due_at) THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue
         FROM (SELECT t.assignee_id AS owner_id, t.done, t.done_at, t.due_at FROM tasks t
               WHERE t.assignee_id IS NOT NULL) x WHERE 1 = 1",
        );
    push_owners(&mut sql, s, "x");
    sql.push(" GROUP BY x.owner_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("owner_id")?,
                r.try_get("done")?,
                r.try_get("overdue")?,
            ))
        })
        .collect()
}

/// Per owner: (owner, deals closed as won in the range, their amount in minor units).
pub async fn won_deals(conn: &mut AnyConnection, s: &Slice) -> Result<Vec<(i64, i64, i64)>, Error> {
    let mut sql = Sql::new(
        "SELECT d.owner_id, COUNT(*) AS n, CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount
         FROM deals d JOIN stages st ON st.id = d.stage_id
         WHERE st.kind = 'won' AND d.owner_id IS NOT NULL AND d.closed_at >= ",
    );
    sql.bind(s.from).push(" AND d.closed_at < ").bind(s.to);
    push_owners(&mut sql, s, "d");
    sql.push(" GROUP BY d.owner_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("owner_id")?,
                r.try_get("n")?,
                r.try_get("amount")?,
            ))
        })
        .collect()
}
