//! The CRM core: contacts, companies, leads, deals in pipelines, tasks, notes, timelines, ownership, duplicates,
//! consent and the audit log.

pub mod access;
pub mod activity;
pub mod audit;
pub mod bulk;
pub mod companies;
pub mod contacts;
pub mod custom;
pub mod deals;
pub mod kind;
pub mod leads;
pub mod listing;
pub mod lookup;
pub mod merge;
pub mod normalize;
pub mod records;
pub mod reference;
pub mod routes;
pub mod skeleton;
pub mod sorts;
mod store;

use sqlx::AnyConnection;

use crate::auth::Caller;
use crate::error::Error;
pub use kind::RecordKind;

/// The owner a new or edited record gets: the caller by default; an admin may name anyone, a team lead a member
/// of a team they lead.
pub async fn resolve_owner(
    conn: &mut AnyConnection,
    caller: &Caller,
    requested: Option<i64>,
) -> Result<i64, Error> {
    let Some(id) = requested else {
        return Ok(caller.id);
    };
    if !access::may_assign(&mut *conn, caller, id).await? {
        return Err(Error::Forbidden);
    }
    if id == caller.id || store::user_exists(conn, id).await? {
        Ok(id)
    } else {
        Err(Error::validation(
            "owner_id",
            format!("no active user with id {id}"),
        ))
    }
}

/// The owner after a change of `kind` `id` from `current` to `new`: handing a record to someone else (or back to the
/// pool) is for its owner, their team lead or an admin; taking an unowned lead from the pool is for anyone who sees it.
pub async fn change_owner(
    conn: &mut AnyConnection,
    caller: &Caller,
    record: (RecordKind, i64),
    current: Option<i64>,
    new: Option<i64>,
) -> Result<Option<i64>, Error> {
    if new == current {
        return Ok(current);
    }
    access::require_owner_change(&mut *conn, caller, record, current, new).await?;
    match new {
        Some(o) if o == caller.id || store::user_exists(&mut *conn, o).await? => Ok(Some(o)),
        Some(o) => Err(Error::validation(
            "owner_id",
            format!("no active user with id {o}"),
        )),
        None => Ok(None),
    }
}

/// A record with the same e-mail, phone, domain or name exists. With `allow_duplicate` the caller may create one
/// beside a record they see; one they do not see always refuses, so that the first who works a client keeps it
/// (they ask its owner for a share). The answer names the record's owner, and its name only when visible.
pub async fn refuse_duplicate(
    conn: &mut AnyConnection,
    caller: &Caller,
    found: (RecordKind, i64, &str, Option<i64>),
    why: &str,
    allow_duplicate: bool,
) -> Result<(), Error> {
    let (kind, id, name, owner_id) = found;
    let visible = access::may_read(&mut *conn, caller, kind, id).await?;
    if visible && allow_duplicate {
        return Ok(());
    }
    let owner_name = match owner_id {
        Some(owner) => store::user_name(conn, owner).await?,
        None => None,
    };
    let hint = if visible {
        "pass allow_duplicate: true to create anyway"
    } else {
        "ask its owner to share it"
    };
    Err(Error::Duplicate {
        message: format!("a {kind} with the same {why} exists; {hint}"),
        existing: serde_json::json!({
            "kind": kind,
            "id": id,
            "name": if visible { Some(name) } else { None },
            "owner_id": owner_id,
            "owner_name": owner_name,
        }),
    })
}
