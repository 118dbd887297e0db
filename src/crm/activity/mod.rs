//! Notes and tasks on any record, and the timeline of a record: notes, tasks and deal stage changes, newest first.
//! A company's timeline includes its subsidiaries', its contacts' and their deals'.

pub mod model;
pub mod routes;
mod store;

use serde_json::json;
use sqlx::AnyPool;

use super::access::{self, Op};
use super::normalize::required;
use super::{audit, companies, contacts, deals, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::error::Error;
use model::{
    NewNote, NewTask, Note, Task, TaskFilter, TaskList, TaskPatch, Timeline, TimelinePage,
};

const MAX_NOTE: usize = 20_000;

pub async fn add_note(pool: &AnyPool, caller: &Caller, new: NewNote) -> Result<Note, Error> {
    access::require(pool, caller, new.record_kind, new.record_id, Op::Write).await?;
    let body = required("body", &new.body, MAX_NOTE)?;
    let mut tx = crate::db::begin(pool).await?;
    let id = store::insert_note(&mut tx, new.record_kind, new.record_id, &body, caller.id).await?;
    let note = store::note(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("note"))?;
    audit::event(
        &mut tx,
        caller.id,
        "note",
        (new.record_kind, new.record_id),
        "note",
        json!(null),
        json!({ "id": id, "body": body }),
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// A note written on behalf of `author` with no request behind it (a web form's submission), in the caller's
/// transaction; audited like any note.
pub async fn add_note_in(
    conn: &mut sqlx::AnyConnection,
    author: i64,
    kind: RecordKind,
    record_id: i64,
    body: &str,
) -> Result<i64, Error> {
    let body = required("body", body, MAX_NOTE)?;
    let id = store::insert_note(&mut *conn, kind, record_id, &body, author).await?;
    let to = json!({ "id": id, "body": body });
    audit::event(
        conn,
        author,
        "note",
        (kind, record_id),
        "note",
        json!(null),
        to,
    )
    .await?;
    Ok(id)
}

async fn note_for_change(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Note, Error> {
    let note = store::note(&mut *pool.acquire().await?, id)
        .await?
        .ok_or(Error::NotFound("note"))?;
    access::require(pool, caller, note.record_kind, note.record_id, Op::Write).await?;
    if !caller.is_admin() && note.author_id != Some(caller.id) {
        return Err(Error::Forbidden);
    }
    Ok(note)
}

pub async fn get_note(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Note, Error> {
    access::may_read_history(caller)?;
    let note = store::note(&mut *pool.acquire().await?, id)
        .await?
        .ok_or(Error::NotFound("note"))?;
    access::require(pool, caller, note.record_kind, note.record_id, Op::Read)
        .await
        .map_err(|_| Error::NotFound("note"))?;
    Ok(note)
}

pub async fn edit_note(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    body: &str,
) -> Result<Note, Error> {
    let before = note_for_change(pool, caller, id).await?;
    let body = required("body", body, MAX_NOTE)?;
    let mut tx = crate::db::begin(pool).await?;
    store::update_note(&mut tx, id, &body).await?;
    let after = store::note(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("note"))?;
    audit::event(
        &mut tx,
        caller.id,
        "note",
        (before.record_kind, before.record_id),
        "note",
        json!({ "id": id, "body": before.body }),
        json!({ "id": id, "body": body }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete_note(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    let before = note_for_change(pool, caller, id).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::delete_note(&mut tx, id).await?;
    audit::event(
        &mut tx,
        caller.id,
        "note",
        (before.record_kind, before.record_id),
        "note",
        json!({ "id": id, "body": before.body }),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who may see a task: admins; its assignee and creator; whoever may see its record.
async fn may_see_task(pool: &AnyPool, caller: &Caller, task: &Task) -> Result<bool, Error> {
    if caller.is_admin()
        || task.assignee_id == Some(caller.id)
        || task.created_by == Some(caller.id)
    {
        return Ok(true);
    }
    match (task.record_kind, task.record_id) {
        (Some(kind), Some(id)) => Ok(access::require(pool, caller, kind, id, Op::Write)
            .await
            .is_ok()),
        _ => Ok(false),
    }
}

async fn load_task(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Task, Error> {
    access::may_read_history(caller)?;
    let task = store::task(&mut *pool.acquire().await?, id)
        .await?
        .ok_or(Error::NotFound("task"))?;
    if may_see_task(pool, caller, &task).await? {
        Ok(task)
    } else {
        Err(Error::NotFound("task"))
    }
}

pub async fn add_task(pool: &AnyPool, caller: &Caller, new: NewTask) -> Result<Task, Error> {
    access::may_read_history(caller)?;
    let title = required("title", &new.title, 500)?;
    match (new.record_kind, new.record_id) {
        (Some(kind), Some(id)) => access::require(pool, caller, kind, id, Op::Write).await?,
        (None, None) => {}
        _ => {
            return Err(Error::validation(
                "record_id",
                "give both record_kind and record_id, or neither",
            ))
        }
    }
    let mut tx = crate::db::begin(pool).await?;
    let assignee = resolve_owner(&mut tx, caller, new.assignee_id).await?;
    let draft = Task {
        id: 0,
        title,
        due_at: new.due_at,
        remind_at: new.remind_at,
        assignee_id: Some(assignee),
        record_kind: new.record_kind,
        record_id: new.record_id,
        done: false,
        done_at: None,
        created_by: Some(caller.id),
        created_at: time::OffsetDateTime::now_utc(),
        updated_at: time::OffsetDateTime::now_utc(),
    };
    let id = store::insert_task(&mut tx, &draft).await?;
    let task = store::task(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("task"))?;
    if let (Some(kind), Some(record)) = (task.record_kind, task.record_id) {
        audit::event(
            &mut tx,
            caller.id,
            "task",
            (kind, record),
            "task",
            json!(null),
            serde_json::to_value(&task).map_err(Error::internal)?,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(task)
}

pub async fn get_task(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Task, Error> {
    load_task(pool, caller, id).await
}

pub async fn update_task(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    patch: TaskPatch,
) -> Result<Task, Error> {
    let before = load_task(pool, caller, id).await?;
    let mut task = before.clone();
    if let Some(title) = &patch.title {
        task.title = required("title", title, 500)?;
    }
    if let Some(due) = patch.due_at {
        task.due_at = due;
    }
    if let Some(remind) = patch.remind_at {
        task.remind_at = remind;
    }
    if let Some(done) = patch.done {
        task.done_at = match (done, before.done) {
            (true, false) => Some(time::OffsetDateTime::now_utc()),
            (true, true) => before.done_at,
            (false, _) => None,
        };
        task.done = done;
    }
    let mut tx = crate::db::begin(pool).await?;
    if let Some(assignee) = patch.assignee_id {
        if Some(assignee) != before.assignee_id {
            task.assignee_id = Some(resolve_owner(&mut tx, caller, Some(assignee)).await?);
        }
    }
    store::update_task(&mut tx, &task).await?;
    let after = store::task(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("task"))?;
    if let (Some(kind), Some(record)) = (after.record_kind, after.record_id) {
        let b = serde_json::to_value(&before).map_err(Error::internal)?;
        let a = serde_json::to_value(&after).map_err(Error::internal)?;
        let changes: Vec<_> = audit::diff(&b, &a)
            .into_iter()
            .map(|mut c| {
                c.field = format!("task.{}.{}", id, c.field);
                c
            })
            .collect();
        if !changes.is_empty() {
            audit::record(&mut tx, caller.id, "task", kind, record, &changes).await?;
        }
    }
    tx.commit().await?;
    Ok(after)
}

pub async fn delete_task(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    let before = load_task(pool, caller, id).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::delete_task(&mut tx, id).await?;
    if let (Some(kind), Some(record)) = (before.record_kind, before.record_id) {
        audit::event(
            &mut tx,
            caller.id,
            "task",
            (kind, record),
            "task",
            serde_json::to_value(&before).map_err(Error::internal)?,
            json!(null),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list_tasks(
    pool: &AnyPool,
    caller: &Caller,
    filter: TaskFilter,
) -> Result<TaskList, Error> {
    access::may_read_history(caller)?;
    let limit = crate::api::extract::Page {
        after: None,
        limit: filter.limit,
    }
    .limit()?;
    let due_before = match filter.due_before.as_deref() {
        Some(t) => Some(crate::db::to_ms(
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    Error::validation("due_before", format!("'{t}' is not an RFC 3339 time"))
                })?,
        )),
        None => None,
    };
    let user = (!caller.is_admin()).then_some(caller.id);
    let items = store::tasks(
        &mut *pool.acquire().await?,
        user,
        &filter,
        due_before,
        limit,
    )
    .await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|t| t.id))
        .flatten();
    Ok(TaskList { items, next_after })
}

fn parse_cursor(raw: Option<&str>) -> Result<(i64, i64, i64), Error> {
    let Some(raw) = raw else {
        return Ok((i64::MAX, i64::MAX, i64::MAX));
    };
    let parts: Vec<i64> = raw
        .split('.')
        .map(|p| p.parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Error::validation("before", "not a timeline cursor"))?;
    match parts[..] {
        [at, t, id] => Ok((at, t, id)),
        _ => Err(Error::validation("before", "not a timeline cursor")),
    }
}

/// A record's timeline. The record must be visible; roll-up items come from every record it covers.
pub async fn timeline(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    page: TimelinePage,
) -> Result<Timeline, Error> {
    access::require(pool, caller, kind, id, Op::Read).await?;
    let history = access::may_read_history(caller).is_ok();
    let limit = crate::api::extract::Page {
        after: None,
        limit: page.limit,
    }
    .limit()?;
    let before = parse_cursor(page.before.as_deref())?;
    let mut conn = pool.acquire().await?;
    let mut scope = store::TimelineScope {
        contacts: vec![],
        companies: vec![],
        leads: vec![],
        deals: vec![],
    };
    match kind {
        RecordKind::Contact => {
            scope.contacts = vec![id];
            scope.deals = deals::ids_of(&mut conn, &[id], &[]).await?;
        }
        RecordKind::Company => {
            scope.companies = companies::subtree(&mut conn, id).await?;
            scope.contacts = contacts::ids_of_companies(&mut conn, &scope.companies).await?;
            scope.deals = deals::ids_of(&mut conn, &scope.contacts, &scope.companies).await?;
        }
        RecordKind::Lead => scope.leads = vec![id],
        RecordKind::Deal => scope.deals = vec![id],
    }
    // A roll-up shows only the subsidiaries, contacts and deals the caller may see themselves.
    if kind == RecordKind::Company {
        let c = RecordKind::Company;
        scope.companies = access::visible_ids(&mut conn, caller, c, scope.companies).await?;
        let k = RecordKind::Contact;
        scope.contacts = access::visible_ids(&mut conn, caller, k, scope.contacts).await?;
    }
    scope.deals = access::visible_ids(&mut conn, caller, RecordKind::Deal, scope.deals).await?;
    let rows = store::timeline(&mut conn, caller, &scope, history, before, limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| {
            rows.last()
                .map(|(t, item)| format!("{}.{}.{}", crate::db::to_ms(item.at), t, item.id))
        })
        .flatten();
    Ok(Timeline {
        items: rows.into_iter().map(|(_, item)| item).collect(),
        next_before,
    })
}
