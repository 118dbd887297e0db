//! The SQL of manager activity: mail linked to what each user owns and first responses per thread (read from the
//! summaries of migration 0033, see `reports::summary`), tasks by assignee and won deals, each one aggregate over the
//! slice (no query per user).

use sqlx::{AnyConnection, Row};

use super::{push_owners, Slice};
use crate::db::sql::Sql;
use crate::error::Error;

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

/// ` AND x.day` in the slice's range: the summaries are per UTC day and a range is whole UTC days, so this is exact.
fn push_days(sql: &mut Sql, s: &Slice) {
    sql.push(" AND x.day >= ")
        .bind(s.from)
        .push(" AND x.day < ")
        .bind(s.to);
    push_owners(sql, s, "x");
}

/// Per owner: (owner, mails received, mails sent) from the per-day counts (migration 0033).
pub async fn mail_counts(
    conn: &mut AnyConnection,
    s: &Slice,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    let mut sql = Sql::new(
        "SELECT x.owner_id, CAST(SUM(x.received) AS BIGINT) AS received, CAST(SUM(x.sent) AS BIGINT) AS sent
         FROM activity_days x WHERE 1 = 1",
    );
    push_days(&mut sql, s);
    sql.push(" GROUP BY x.owner_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("owner_id")?,
                r.try_get("received")?,
                r.try_get("sent")?,
            ))
        })
        .collect()
}

/// How many of an owner's threads waited `minutes` for our first answer (`None`: not answered yet).
pub struct Waits {
    pub owner_id: i64,
    pub minutes: Option<i64>,
    pub threads: i64,
}

/// Per owner and wait in minutes: the threads whose first incoming human mail linked to the owner's records came
/// in the range (each (owner, thread) once, on the day of its first such mail), from the summaries.
pub async fn waits(conn: &mut AnyConnection, s: &Slice) -> Result<Vec<Waits>, Error> {
    let mut sql = Sql::new(
        "SELECT x.owner_id, x.minutes, CAST(SUM(x.n) AS BIGINT) AS n FROM activity_waits x WHERE 1 = 1",
    );
    push_days(&mut sql, s);
    sql.push(" GROUP BY x.owner_id, x.minutes");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let minutes: i64 = r.try_get("minutes")?;
            Ok(Waits {
                owner_id: r.try_get("owner_id")?,
                minutes: (minutes >= 0).then_some(minutes),
                threads: r.try_get("n")?,
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
