//! SQL of notes, tasks and the timeline query.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{Note, Task, TaskFilter, TimelineItem};
use crate::auth::Caller;
use crate::crm::access;
use crate::crm::kind::RecordKind;
use crate::db::sql::Sql;
use crate::db::{from_ms, now_ms, to_ms};
use crate::error::Error;

fn kind(text: &str) -> Result<RecordKind, Error> {
    text.parse().map_err(Error::internal)
}

fn note_from_row(r: &AnyRow) -> Result<Note, Error> {
    Ok(Note {
        id: r.try_get("id")?,
        record_kind: kind(&r.try_get::<String, _>("record_kind")?)?,
        record_id: r.try_get("record_id")?,
        body: r.try_get("body")?,
        author_id: r.try_get("author_id")?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

pub async fn note(conn: &mut AnyConnection, id: i64) -> Result<Option<Note>, Error> {
    let row = sqlx::query("SELECT id, record_kind, record_id, body, author_id, created_at, updated_at FROM notes WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(note_from_row).transpose()
}

pub async fn insert_note(
    conn: &mut AnyConnection,
    kind: RecordKind,
    record: i64,
    body: &str,
    author: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO notes (record_kind, record_id, body, author_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(record)
    .bind(body)
    .bind(author)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_note(conn: &mut AnyConnection, id: i64, body: &str) -> Result<(), Error> {
    sqlx::query("UPDATE notes SET body = $1, updated_at = $2 WHERE id = $3")
        .bind(body)
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_note(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM notes WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

const TASK_COLUMNS: &str =
    "t.id, t.title, t.due_at, t.remind_at, t.assignee_id, t.record_kind, t.record_id, t.done, t.done_at, t.created_by, t.created_at, t.updated_at";

fn task_from_row(r: &AnyRow) -> Result<Task, Error> {
    Ok(Task {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        due_at: r.try_get::<Option<i64>, _>("due_at")?.map(from_ms),
        remind_at: r.try_get::<Option<i64>, _>("remind_at")?.map(from_ms),
        assignee_id: r.try_get("assignee_id")?,
        record_kind: r
            .try_get::<Option<String>, _>("record_kind")?
            .map(|k| kind(&k))
            .transpose()?,
        record_id: r.try_get("record_id")?,
        done: r.try_get::<i64, _>("done")? != 0,
        done_at: r.try_get::<Option<i64>, _>("done_at")?.map(from_ms),
        created_by: r.try_get("created_by")?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

pub async fn task(conn: &mut AnyConnection, id: i64) -> Result<Option<Task>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(TASK_COLUMNS)
        .push(" FROM tasks t WHERE t.id = ")
        .bind(id);
    let row = sql.query().fetch_optional(conn).await?;
    row.as_ref().map(task_from_row).transpose()
}

/// Tasks; for a non-admin `user`, only those assigned to or created by them, or on records they can see.
pub async fn tasks(
    conn: &mut AnyConnection,
    user: Option<i64>,
    f: &TaskFilter,
    due_before: Option<i64>,
    limit: i64,
) -> Result<Vec<Task>, Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(TASK_COLUMNS)
        .push(" FROM tasks t WHERE t.id > ")
        .bind(f.after.unwrap_or(0));
    if let Some(user) = user {
        sql.push(" AND (t.assignee_id = ")
            .bind(user)
            .push(" OR t.created_by = ")
            .bind(user);
        for kind in [
            RecordKind::Contact,
            RecordKind::Company,
            RecordKind::Lead,
            RecordKind::Deal,
        ] {
            // Correlated, so that only the tasks the other filters keep are checked (an IN list would hold every
            // record the user sees: 100 000 contacts for a busy salesperson).
            sql.push(" OR (t.record_kind = ")
                .bind(kind.as_str())
                .push(" AND EXISTS (SELECT 1 FROM ")
                .push(kind.table())
                .push(" r WHERE r.id = t.record_id");
            let scope = access::Scope::Own {
                user_id: user,
                open_pool: kind == RecordKind::Lead,
            };
            access::push_visible(&mut sql, scope, kind, "r");
            sql.push("))");
        }
        sql.push(")");
    }
    if let Some(a) = f.assignee_id {
        sql.push(" AND t.assignee_id = ").bind(a);
    }
    if let Some(done) = f.done {
        sql.push(" AND t.done = ").bind(i64::from(done));
    }
    if let Some(k) = &f.record_kind {
        sql.push(" AND t.record_kind = ").bind(k.clone());
    }
    if let Some(r) = f.record_id {
        sql.push(" AND t.record_id = ").bind(r);
    }
    if let Some(before) = due_before {
        sql.push(" AND t.due_at < ").bind(before);
    }
    sql.push(" ORDER BY t.id LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(task_from_row).collect()
}

pub async fn insert_task(conn: &mut AnyConnection, t: &Task) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO tasks (title, due_at, remind_at, assignee_id, record_kind, record_id, done, done_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7, $8, $8) RETURNING id",
    )
    .bind(&t.title)
    .bind(t.due_at.map(to_ms))
    .bind(t.remind_at.map(to_ms))
    .bind(t.assignee_id)
    .bind(t.record_kind.map(|k| k.as_str()))
    .bind(t.record_id)
    .bind(t.created_by)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_task(conn: &mut AnyConnection, t: &Task) -> Result<(), Error> {
    sqlx::query(
        "UPDATE tasks SET title = $1, due_at = $2, remind_at = $3, assignee_id = $4, done = $5, done_at = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&t.title)
    .bind(t.due_at.map(to_ms))
    .bind(t.remind_at.map(to_ms))
    .bind(t.assignee_id)
    .bind(i64::from(t.done))
    .bind(t.done_at.map(to_ms))
    .bind(now_ms())
    .bind(t.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_task(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM tasks WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The records whose items make up a timeline.
pub struct TimelineScope {
    pub contacts: Vec<i64>,
    pub companies: Vec<i64>,
    pub leads: Vec<i64>,
    pub deals: Vec<i64>,
}

fn push_records(sql: &mut Sql, alias: &str, s: &TimelineScope) {
    sql.push(" WHERE (");
    let lists = [
        (RecordKind::Contact, &s.contacts),
        (RecordKind::Company, &s.companies),
        (RecordKind::Lead, &s.leads),
        (RecordKind::Deal, &s.deals),
    ];
    for (i, (kind, ids)) in lists.into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(")
            .push(alias)
            .push(".record_kind = ")
            .bind(kind.as_str());
        sql.push(" AND ")
            .push(alias)
            .push(".record_id IN ")
            .bind_list(ids.clone())
            .push(")");
    }
    sql.push(")");
}

/// The letters sequences sent to the contacts (`text`: the subject) and why their enrolments stopped (`text`: the
/// reason). Read from the sequences' own tables: data, not a call up the layers, and never a second copy to drift.
fn push_sequences(sql: &mut Sql, contacts: &[i64]) {
    sql.push(
        " UNION ALL SELECT l.sent_at, 5, l.id, 'contact', e.contact_id, l.subject, NULL, q.owner_id, NULL, NULL, NULL,
                q.id, q.name, l.step + 1
         FROM sequence_letters l JOIN sequence_enrolments e ON e.id = l.enrolment_id
         JOIN sequences q ON q.id = e.sequence_id
         WHERE l.state = 'sent' AND l.sent_at IS NOT NULL AND e.contact_id IN ",
    );
    sql.bind_list(contacts.to_vec());
    sql.push(
        " UNION ALL SELECT e.stopped_at, 6, e.id, 'contact', e.contact_id, e.stop_reason, NULL, q.owner_id, NULL, NULL,
                NULL, q.id, q.name, NULL
         FROM sequence_enrolments e JOIN sequences q ON q.id = e.sequence_id
         WHERE e.state = 'stopped' AND e.stopped_at IS NOT NULL AND e.contact_id IN ",
    );
    sql.bind_list(contacts.to_vec());
}

/// Notes, tasks, stage changes, linked mail and sequence letters and stops of the scope, newest first, older than the cursor `(at, type, id)`.
/// Without `history` (marketing) only mail; mail only as far as the caller reads it (`access::push_mail_level`).
pub async fn timeline(
    conn: &mut AnyConnection,
    caller: &Caller,
    s: &TimelineScope,
    history: bool,
    before: (i64, i64, i64),
    limit: i64,
) -> Result<Vec<(i64, TimelineItem)>, Error> {
    let no_history = if history { "" } else { " AND 1 = 0" };
    let mut sql = Sql::new(
        "SELECT at, t, id, record_kind, record_id, text, previous, user_id, due_at, done, lvl, seq_id, seq_name,
                seq_step FROM (
         SELECT n.created_at AS at, 1 AS t, n.id, n.record_kind, n.record_id, n.body AS text, NULL AS previous,
                n.author_id AS user_id, NULL AS due_at, NULL AS done, CAST(NULL AS BIGINT) AS lvl,
                CAST(NULL AS BIGINT) AS seq_id, CAST(NULL AS TEXT) AS seq_name, CAST(NULL AS BIGINT) AS seq_step
         FROM notes n",
    );
    push_records(&mut sql, "n", s);
    sql.push(no_history);
    sql.push(
        " UNION ALL SELECT k.created_at, 2, k.id, k.record_kind, k.record_id, k.title, NULL, k.assignee_id, k.due_at, k.done, NULL,
                NULL, NULL, NULL
         FROM tasks k",
    );
    push_records(&mut sql, "k", s);
    sql.push(no_history);
    sql.push(
        " UNION ALL SELECT c.at, 3, c.id, 'deal', c.deal_id, (SELECT name FROM stages WHERE id = c.to_stage_id),
                (SELECT name FROM stages WHERE id = c.from_stage_id), c.changed_by, NULL, NULL, NULL, NULL, NULL, NULL
         FROM stage_changes c WHERE c.deal_id IN ",
    );
    sql.bind_list(if history { s.deals.clone() } else { Vec::new() });
    sql.push(
        " UNION ALL SELECT COALESCE(mm.sent_at, mm.received_at), 4, mm.id, 'message', mm.id,
                CASE WHEN mm.lvl >= 2 THEN mm.subject ELSE NULL END, mm.from_address, NULL, NULL, NULL, mm.lvl,
                NULL, NULL, NULL
         FROM (SELECT m.id, m.sent_at, m.received_at, m.subject, m.from_address, ",
    );
    access::push_mail_level(&mut sql, caller, "m");
    sql.push(" AS lvl FROM messages m WHERE m.id IN (SELECT l.message_id FROM message_links l");
    push_records(&mut sql, "l", s);
    sql.push(" AND l.removed = 0)) mm WHERE mm.lvl > 0");
    push_sequences(&mut sql, if history { &s.contacts[..] } else { &[] });
    sql.push(") x WHERE (x.at < ").bind(before.0);
    sql.push(" OR (x.at = ")
        .bind(before.0)
        .push(" AND x.t < ")
        .bind(before.1);
    sql.push(") OR (x.at = ")
        .bind(before.0)
        .push(" AND x.t = ")
        .bind(before.1)
        .push(" AND x.id < ")
        .bind(before.2);
    sql.push(")) ORDER BY x.at DESC, x.t DESC, x.id DESC LIMIT ")
        .bind(limit);
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let t: i64 = r.try_get("t")?;
            let at = from_ms(r.try_get("at")?);
            let text: Option<String> = r.try_get("text")?;
            let item = TimelineItem {
                subject: text.clone().filter(|_| t == 5),
                sent_at: (t == 5).then_some(at),
                reason: text.clone().filter(|_| t == 6),
                kind: match t {
                    1 => "note",
                    2 => "task",
                    3 => "stage_change",
                    5 => "sequence_letter",
                    6 => "sequence_stopped",
                    _ => "email",
                }
                .to_string(),
                id: r.try_get("id")?,
                at,
                record_kind: r.try_get("record_kind")?,
                record_id: r.try_get("record_id")?,
                text,
                previous: r.try_get("previous")?,
                user_id: r.try_get("user_id")?,
                due_at: r.try_get::<Option<i64>, _>("due_at")?.map(from_ms),
                done: r.try_get::<Option<i64>, _>("done")?.map(|d| d != 0),
                mail_access: r
                    .try_get::<Option<i64>, _>("lvl")?
                    .map(access::MailLevel::from_rank),
                sequence_id: r.try_get("seq_id")?,
                sequence_name: r.try_get("seq_name")?,
                step: r.try_get("seq_step")?,
            };
            Ok((t, item))
        })
        .collect()
}
