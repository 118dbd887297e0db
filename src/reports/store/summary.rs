//! The SQL of the reports' summaries (migration 0033): the refresh lock and the noted rows of both, and manager
//! activity's steps: fold the messages noted in `activity_dirty` into per-owner mail rows, per (owner, day) counts,
//! per (owner, thread) first answers and per (owner, day, minutes) waits — or rebuild all of it. One text for both
//! backends; each step recomputes its keys from the source rows, so running it twice changes nothing.

use sqlx::{AnyConnection, Row};

use crate::db::sql::Sql;
use crate::error::Error;

/// Which rows a refresh recomputes: those of the noted messages (`batch = 1` in `activity_dirty`), or everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Noted,
    All,
}

/// A message's time (its Date header, else when it was stored: the timeline's rule) and its UTC day's first ms.
const AT: &str = "COALESCE(m.sent_at, m.received_at)";
const DAY: &str = "86400000";

/// The noted messages.
const NOTED: &str = "(SELECT d.message_id FROM activity_dirty d WHERE d.batch = 1)";
const TOUCHED_THREADS: &str = "(SELECT t.thread_id FROM activity_touched_threads t)";

async fn run(conn: &mut AnyConnection, sql: Sql) -> Result<u64, Error> {
    Ok(sql.query().execute(&mut *conn).await?.rows_affected())
}

async fn exec(conn: &mut AnyConnection, text: &str) -> Result<u64, Error> {
    run(conn, Sql::new(text)).await
}

/// Which summary: manager activity's (noted messages) or data quality's (noted records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Activity,
    Quality,
}

impl Summary {
    fn dirty(self) -> &'static str {
        match self {
            Summary::Activity => "activity_dirty",
            Summary::Quality => "quality_dirty",
        }
    }

    fn state(self) -> &'static str {
        match self {
            Summary::Activity => "activity_state",
            Summary::Quality => "quality_state",
        }
    }
}

/// Takes the refresh lock (the state row; on SQLite the write lock, held by the caller's `BEGIN IMMEDIATE`) and
/// says whether a full rebuild is asked for.
pub async fn lock(conn: &mut AnyConnection, which: Summary) -> Result<bool, Error> {
    let state = which.state();
    exec(
        conn,
        &format!("UPDATE {state} SET rebuild = rebuild WHERE id = 1"),
    )
    .await?;
    let text = format!("SELECT rebuild FROM {state} WHERE id = 1");
    let row = Sql::new(&text).query().fetch_optional(&mut *conn).await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("rebuild"))
        .transpose()?
        .unwrap_or(0)
        == 1)
}

/// Whether anything waits to be folded in (a rebuild asked for; how many noted rows, counted up to `at_least`),
/// without a lock.
pub async fn pending(
    conn: &mut AnyConnection,
    which: Summary,
    at_least: i64,
) -> Result<(bool, i64), Error> {
    let (state, dirty) = (which.state(), which.dirty());
    let mut sql = Sql::new(&format!(
        "SELECT (SELECT rebuild FROM {state} WHERE id = 1) AS rebuild,
                (SELECT COUNT(*) FROM (SELECT 1 AS one FROM {dirty} LIMIT "
    ));
    sql.bind(at_least).push(") x) AS noted");
    let row = sql.query().fetch_one(&mut *conn).await?;
    let rebuild: Option<i64> = row.try_get("rebuild")?;
    Ok((rebuild == Some(1), row.try_get("noted")?))
}

/// Marks up to `limit` noted rows as this refresh's; returns how many. Without a limit (a rebuild, which reads
/// everything) it deletes them all instead: what is noted after this statement began stays for the next refresh.
pub async fn take(
    conn: &mut AnyConnection,
    which: Summary,
    limit: Option<i64>,
) -> Result<u64, Error> {
    let dirty = which.dirty();
    let Some(limit) = limit else {
        return exec(conn, &format!("DELETE FROM {dirty}")).await;
    };
    let mut sql = Sql::new(&format!(
        "UPDATE {dirty} SET batch = 1 WHERE batch = 0 AND id IN
         (SELECT d.id FROM {dirty} d WHERE d.batch = 0 ORDER BY d.id LIMIT "
    ));
    sql.bind(limit).push(")");
    run(conn, sql).await
}

/// Drops this refresh's noted rows; after a rebuild, clears its request.
pub async fn finish(conn: &mut AnyConnection, which: Summary, part: Part) -> Result<(), Error> {
    exec(
        conn,
        &format!("DELETE FROM {} WHERE batch = 1", which.dirty()),
    )
    .await?;
    if part == Part::All {
        let state = which.state();
        exec(
            conn,
            &format!("UPDATE {state} SET rebuild = 0 WHERE id = 1"),
        )
        .await?;
    }
    Ok(())
}

/// Before the noted messages' mail rows change: the threads and (owner, day) keys they were in and are in now.
pub async fn touch_before(conn: &mut AnyConnection) -> Result<(), Error> {
    exec(
        conn,
        &format!(
            "INSERT INTO activity_touched_threads (thread_id)
             SELECT d.thread_id FROM activity_dirty d WHERE d.batch = 1 AND d.thread_id IS NOT NULL
             UNION SELECT m.thread_id FROM messages m WHERE m.id IN {NOTED} AND m.thread_id IS NOT NULL
             UNION SELECT a.thread_id FROM activity_mail a WHERE a.message_id IN {NOTED} AND a.thread_id IS NOT NULL"
        ),
    )
    .await?;
    exec(
        conn,
        &format!(
            "INSERT INTO activity_touched_days (owner_id, day)
             SELECT DISTINCT a.owner_id, a.day FROM activity_mail a WHERE a.message_id IN {NOTED}"
        ),
    )
    .await?;
    Ok(())
}

/// The mail rows of the noted messages (or all) recomputed: human mail linked to a record someone owns, once per
/// (owner, message) however many of the owner's records it is linked to.
pub async fn mail(conn: &mut AnyConnection, part: Part) -> Result<(), Error> {
    let only = match part {
        Part::Noted => {
            exec(
                conn,
                &format!("DELETE FROM activity_mail WHERE message_id IN {NOTED}"),
            )
            .await?;
            format!(" AND m.id IN {NOTED}")
        }
        Part::All => {
            exec(conn, "DELETE FROM activity_mail").await?;
            String::new()
        }
    };
    exec(
        conn,
        &format!(
            "INSERT INTO activity_mail (owner_id, message_id, day, direction, thread_id, at)
             SELECT DISTINCT x.owner_id, x.message_id, x.at - ((x.at % {DAY}) + {DAY}) % {DAY}, x.direction,
                    x.thread_id, x.at
             FROM (SELECT COALESCE(c.owner_id, co.owner_id, le.owner_id, d.owner_id) AS owner_id,
                          m.id AS message_id, m.direction, m.thread_id, {AT} AS at
                   FROM messages m JOIN message_links l ON l.message_id = m.id AND l.removed = 0
                   LEFT JOIN contacts c ON l.record_kind = 'contact' AND c.id = l.record_id
                   LEFT JOIN companies co ON l.record_kind = 'company' AND co.id = l.record_id
                   LEFT JOIN leads le ON l.record_kind = 'lead' AND le.id = l.record_id
                   LEFT JOIN deals d ON l.record_kind = 'deal' AND d.id = l.record_id
                   WHERE m.class = 'human'{only}) x
             WHERE x.owner_id IS NOT NULL"
        ),
    )
    .await?;
    if part == Part::Noted {
        exec(
            conn,
            &format!(
                "INSERT INTO activity_touched_days (owner_id, day)
                 SELECT DISTINCT a.owner_id, a.day FROM activity_mail a WHERE a.message_id IN {NOTED}
                   AND NOT EXISTS (SELECT 1 FROM activity_touched_days t
                                   WHERE t.owner_id = a.owner_id AND t.day = a.day)"
            ),
        )
        .await?;
    }
    Ok(())
}

/// Per (owner, day): distinct messages received and sent, for the touched keys (or all).
pub async fn days(conn: &mut AnyConnection, part: Part) -> Result<(), Error> {
    let from = match part {
        Part::Noted => {
            exec(
                conn,
                "DELETE FROM activity_days WHERE EXISTS (SELECT 1 FROM activity_touched_days t
                 WHERE t.owner_id = activity_days.owner_id AND t.day = activity_days.day)",
            )
            .await?;
            "activity_touched_days t JOIN activity_mail a ON a.owner_id = t.owner_id AND a.day = t.day"
        }
        Part::All => {
            exec(conn, "DELETE FROM activity_days").await?;
            "activity_mail a"
        }
    };
    // Anything not outgoing counts as received (the report's rule before the summaries).
    exec(
        conn,
        &format!(
            "INSERT INTO activity_days (owner_id, day, received, sent)
             SELECT a.owner_id, a.day,
                    CAST(SUM(CASE WHEN a.direction = 'outgoing' THEN 0 ELSE 1 END) AS BIGINT),
                    CAST(SUM(CASE WHEN a.direction = 'outgoing' THEN 1 ELSE 0 END) AS BIGINT)
             FROM {from} GROUP BY a.owner_id, a.day"
        ),
    )
    .await?;
    Ok(())
}

/// Per (owner, thread) of the touched threads (or all): the first incoming mail and our first answer after it in
/// the thread (any outgoing human mail, linked or not); the (owner, day) keys of the waits before and after.
pub async fn threads(conn: &mut AnyConnection, part: Part) -> Result<(), Error> {
    let only = match part {
        Part::Noted => {
            exec(
                conn,
                &format!(
                    "INSERT INTO activity_touched_waits (owner_id, day)
                     SELECT DISTINCT r.owner_id, r.day FROM activity_threads r WHERE r.thread_id IN {TOUCHED_THREADS}"
                ),
            )
            .await?;
            exec(
                conn,
                &format!("DELETE FROM activity_threads WHERE thread_id IN {TOUCHED_THREADS}"),
            )
            .await?;
            format!(" AND a.thread_id IN {TOUCHED_THREADS}")
        }
        Part::All => {
            exec(conn, "DELETE FROM activity_threads").await?;
            " AND a.thread_id IS NOT NULL".to_string()
        }
    };
    // The wait is rounded to the nearest minute (an answer always comes after the mail, so `/` floors).
    exec(
        conn,
        &format!(
            "INSERT INTO activity_threads (owner_id, thread_id, first_in, day, answered_at, minutes)
             SELECT f.owner_id, f.thread_id, f.first_in, f.first_in - ((f.first_in % {DAY}) + {DAY}) % {DAY},
                    f.answered_at, (f.answered_at - f.first_in + 30000) / 60000
             FROM (SELECT g.owner_id, g.thread_id, g.first_in,
                          (SELECT MIN(COALESCE(o.sent_at, o.received_at)) FROM messages o
                            WHERE o.thread_id = g.thread_id AND o.direction = 'outgoing' AND o.class = 'human'
                              AND COALESCE(o.sent_at, o.received_at) > g.first_in) AS answered_at
                   FROM (SELECT a.owner_id, a.thread_id, MIN(a.at) AS first_in FROM activity_mail a
                         WHERE a.direction = 'incoming'{only} GROUP BY a.owner_id, a.thread_id) g
                   LIMIT {}) f",
            i64::MAX
        ),
    )
    .await?;
    if part == Part::Noted {
        exec(
            conn,
            &format!(
                "INSERT INTO activity_touched_waits (owner_id, day)
                 SELECT DISTINCT r.owner_id, r.day FROM activity_threads r WHERE r.thread_id IN {TOUCHED_THREADS}
                   AND NOT EXISTS (SELECT 1 FROM activity_touched_waits w
                                   WHERE w.owner_id = r.owner_id AND w.day = r.day)"
            ),
        )
        .await?;
    }
    Ok(())
}

/// Per (owner, day, minutes) — -1 for unanswered — the number of threads, for the touched keys (or all).
pub async fn waits(conn: &mut AnyConnection, part: Part) -> Result<(), Error> {
    let from = match part {
        Part::Noted => {
            exec(
                conn,
                "DELETE FROM activity_waits WHERE EXISTS (SELECT 1 FROM activity_touched_waits w
                 WHERE w.owner_id = activity_waits.owner_id AND w.day = activity_waits.day)",
            )
            .await?;
            "activity_touched_waits w JOIN activity_threads r ON r.owner_id = w.owner_id AND r.day = w.day"
        }
        Part::All => {
            exec(conn, "DELETE FROM activity_waits").await?;
            "activity_threads r"
        }
    };
    exec(
        conn,
        &format!(
            "INSERT INTO activity_waits (owner_id, day, minutes, n)
             SELECT r.owner_id, r.day, COALESCE(r.minutes, -1), COUNT(*)
             FROM {from} GROUP BY r.owner_id, r.day, COALESCE(r.minutes, -1)"
        ),
    )
    .await?;
    Ok(())
}

/// Empties the keys this refresh touched.
pub async fn untouch(conn: &mut AnyConnection) -> Result<(), Error> {
    for table in [
        "activity_touched_days",
        "activity_touched_threads",
        "activity_touched_waits",
    ] {
        exec(conn, &format!("DELETE FROM {table}")).await?;
    }
    Ok(())
}
