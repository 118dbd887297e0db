//! All SQL of unanswered-mail tracking, one text for both backends: reply policies, the tracker's cursor and
//! per-thread turn, the awaiting rows, and the lists; the late links' queue in `late`.

pub mod late;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::auth::Caller;
use crate::db::sql::Sql;
use crate::error::Error;

/// The default policy's key (owners in no team).
pub const DEFAULT_TEAM: i64 = 0;

pub async fn policy(pool: &AnyPool, team_id: i64) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT policy FROM reply_policies WHERE team_id = $1")
        .bind(team_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("policy")).transpose()?)
}

pub async fn set_policy(
    conn: &mut AnyConnection,
    team_id: i64,
    policy: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO reply_policies (team_id, policy, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (team_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
    )
    .bind(team_id)
    .bind(policy)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The policy that times an owner's replies: that of their first team (by id) that has one, else the default.
pub async fn policy_for_owner(
    conn: &mut AnyConnection,
    owner: Option<i64>,
) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "SELECT p.policy FROM reply_policies p
         WHERE p.team_id IN (SELECT tm.team_id FROM team_members tm WHERE tm.user_id = $1) OR p.team_id = $2
         ORDER BY CASE WHEN p.team_id = $2 THEN 1 ELSE 0 END, p.team_id LIMIT 1",
    )
    .bind(owner.unwrap_or(-1))
    .bind(DEFAULT_TEAM)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("policy")).transpose()?)
}

pub async fn cursor(pool: &AnyPool) -> Result<i64, Error> {
    let row = sqlx::query("SELECT last_message_id FROM awaiting_cursor WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|r| r.try_get("last_message_id"))
        .transpose()?
        .unwrap_or(0))
}

/// Moves the shared cursor forward only (another instance may be further already).
pub async fn advance_cursor(pool: &AnyPool, to: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO awaiting_cursor (id, last_message_id) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET last_message_id = excluded.last_message_id
         WHERE awaiting_cursor.last_message_id < excluded.last_message_id",
    )
    .bind(to)
    .execute(pool)
    .await?;
    Ok(())
}

/// `(message id, thread id)` of the messages after the cursor that may start or end a wait, oldest first.
pub async fn new_messages(
    pool: &AnyPool,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<i64>)>, Error> {
    let rows = sqlx::query("SELECT id, thread_id FROM messages WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("thread_id")?)))
        .collect()
}

/// `(message id, thread id)` of messages stored since `since` with ids in `(low, up_to]`: a PostgreSQL transaction
/// that took a lower id may commit after the cursor passed it (the id range keeps this a short primary-key scan
/// however large the table).
pub async fn recent_messages(
    pool: &AnyPool,
    low: i64,
    up_to: i64,
    since: i64,
) -> Result<Vec<(i64, Option<i64>)>, Error> {
    let rows = sqlx::query(
        "SELECT id, thread_id FROM messages WHERE id > $1 AND id <= $2 AND created_at >= $3 ORDER BY id",
    )
    .bind(low)
    .bind(up_to)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("thread_id")?)))
        .collect()
}

/// Takes this thread's turn: the row lock (PostgreSQL) or the write lock (SQLite) is held until commit, so two
/// instances never decide one thread at the same time, and the second sees what the first wrote.
pub async fn take_thread(conn: &mut AnyConnection, thread_id: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO awaiting_threads (thread_id, checks) VALUES ($1, 1)
         ON CONFLICT (thread_id) DO UPDATE SET checks = awaiting_threads.checks + 1",
    )
    .bind(thread_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A message of a thread as the tracker weighs it.
pub struct ThreadMail {
    pub id: i64,
    pub outgoing: bool,
    pub human: bool,
    pub sent_at: Option<i64>,
    pub received_at: i64,
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
}

pub async fn thread_mail(
    conn: &mut AnyConnection,
    thread_id: i64,
) -> Result<Vec<ThreadMail>, Error> {
    let rows = sqlx::query(
        "SELECT m.id, m.direction, m.class, m.sent_at, m.received_at,
            (SELECT MIN(l.record_id) FROM message_links l
             WHERE l.message_id = m.id AND l.removed = 0 AND l.record_kind = 'contact') AS contact_id,
            (SELECT MIN(l.record_id) FROM message_links l
             WHERE l.message_id = m.id AND l.removed = 0 AND l.record_kind = 'lead') AS lead_id
         FROM messages m WHERE m.thread_id = $1 ORDER BY m.id LIMIT 2000",
    )
    .bind(thread_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ThreadMail {
                id: r.try_get("id")?,
                outgoing: r.try_get::<String, _>("direction")? == "outgoing",
                human: r.try_get::<String, _>("class")? == "human",
                sent_at: r.try_get("sent_at")?,
                received_at: r.try_get("received_at")?,
                contact_id: r.try_get("contact_id")?,
                lead_id: r.try_get("lead_id")?,
            })
        })
        .collect()
}

pub async fn answer(
    conn: &mut AnyConnection,
    id: i64,
    answered_at: i64,
    answer_message_id: i64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE awaiting_replies SET answered_at = $1, answer_message_id = $2
         WHERE id = $3 AND answered_at IS NULL",
    )
    .bind(answered_at)
    .bind(answer_message_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new wait; nothing when the message already has one or the thread an open one (the unique keys).
pub struct NewWait<'a> {
    pub thread_id: i64,
    pub message_id: i64,
    pub record_kind: &'a str,
    pub record_id: i64,
    pub owner_id: Option<i64>,
    pub received_at: i64,
    pub due_at: i64,
}

pub async fn insert_wait(
    conn: &mut AnyConnection,
    w: &NewWait<'_>,
    now: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "INSERT INTO awaiting_replies (thread_id, message_id, record_kind, record_id, owner_id, received_at,
            due_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(w.thread_id)
    .bind(w.message_id)
    .bind(w.record_kind)
    .bind(w.record_id)
    .bind(w.owner_id)
    .bind(w.received_at)
    .bind(w.due_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which open waits a list shows.
pub enum Filter {
    /// Records owned by this user.
    Owner(i64),
    /// Records owned by what the caller oversees (everything for admins).
    Overseen,
    /// One record (its access already checked).
    Record(&'static str, i64),
}

/// A row of a list, before redaction by the caller's mail level.
pub struct ListRow {
    pub id: i64,
    pub thread_id: i64,
    pub message_id: i64,
    pub kind: String,
    pub record_id: i64,
    pub name: String,
    pub owner_id: Option<i64>,
    pub subject: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub mail_level: i64,
    pub received_at: i64,
    pub due_at: i64,
}

/// Open waits under `filter`, earliest due first; `overdue` splits them at `now`.
pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    filter: Filter,
    overdue: Option<bool>,
    now: i64,
) -> Result<Vec<ListRow>, Error> {
    let mut sql = Sql::new(
        "SELECT a.id, a.thread_id, a.message_id, a.record_kind, a.record_id, a.received_at, a.due_at,
            COALESCE(c.name, l.name) AS record_name, COALESCE(c.owner_id, l.owner_id) AS owner_id,
            m.subject, m.from_address, m.from_name, ",
    );
    crate::crm::access::push_mail_level(&mut sql, caller, "m");
    sql.push(
        " AS lvl FROM awaiting_replies a JOIN messages m ON m.id = a.message_id
          LEFT JOIN contacts c ON a.record_kind = 'contact' AND c.id = a.record_id
          LEFT JOIN leads l ON a.record_kind = 'lead' AND l.id = a.record_id
          WHERE a.answered_at IS NULL AND (c.id IS NOT NULL OR l.id IS NOT NULL)",
    );
    let owner = "COALESCE(c.owner_id, l.owner_id)";
    match filter {
        Filter::Owner(user) => {
            sql.push(" AND ").push(owner).push(" = ").bind(user);
        }
        Filter::Overseen => crate::crm::access::push_overseen(&mut sql, caller, owner),
        Filter::Record(kind, id) => {
            sql.push(" AND a.record_kind = ")
                .bind(kind)
                .push(" AND a.record_id = ")
                .bind(id);
        }
    }
    match overdue {
        Some(true) => {
            sql.push(" AND a.due_at <= ").bind(now);
        }
        Some(false) => {
            sql.push(" AND a.due_at > ").bind(now);
        }
        None => {}
    }
    sql.push(" ORDER BY a.due_at, a.id LIMIT 500");
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(ListRow {
                id: r.try_get("id")?,
                thread_id: r.try_get("thread_id")?,
                message_id: r.try_get("message_id")?,
                kind: r.try_get("record_kind")?,
                record_id: r.try_get("record_id")?,
                name: r.try_get("record_name")?,
                owner_id: r.try_get("owner_id")?,
                subject: r.try_get("subject")?,
                from_address: r.try_get("from_address")?,
                from_name: r.try_get("from_name")?,
                mail_level: r.try_get("lvl")?,
                received_at: r.try_get("received_at")?,
                due_at: r.try_get("due_at")?,
            })
        })
        .collect()
}

/// `(id, current owner, client's message time)` of every open wait, to time them anew after a policy change.
pub async fn open_waits(pool: &AnyPool) -> Result<Vec<(i64, Option<i64>, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT a.id, COALESCE(c.owner_id, l.owner_id, a.owner_id) AS owner_id, a.received_at
         FROM awaiting_replies a
         LEFT JOIN contacts c ON a.record_kind = 'contact' AND c.id = a.record_id
         LEFT JOIN leads l ON a.record_kind = 'lead' AND l.id = a.record_id
         WHERE a.answered_at IS NULL ORDER BY a.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("owner_id")?,
                r.try_get("received_at")?,
            ))
        })
        .collect()
}

pub async fn set_due(conn: &mut AnyConnection, id: i64, due_at: i64) -> Result<(), Error> {
    sqlx::query("UPDATE awaiting_replies SET due_at = $1 WHERE id = $2 AND answered_at IS NULL")
        .bind(due_at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
