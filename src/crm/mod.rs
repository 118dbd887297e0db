//! The CRM core: contacts, companies, leads, deals in pipelines, tasks, notes, timelines, ownership, duplicates,
//! consent and the audit log.

pub mod access;
pub mod activity;
pub mod audit;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod kind;
pub mod leads;
pub mod normalize;
pub mod records;
pub mod reference;
pub mod routes;
mod store;

use sqlx::AnyConnection;

use crate::auth::Caller;
use crate::error::Error;
pub use kind::RecordKind;

/// The owner a new or edited record gets: the caller by default; only an admin may name someone else.
pub async fn resolve_owner(
    conn: &mut AnyConnection,
    caller: &Caller,
    requested: Option<i64>,
) -> Result<i64, Error> {
    match requested {
        None => Ok(caller.id),
        Some(id) if id == caller.id => Ok(id),
        Some(id) if caller.is_admin() => {
            if store::user_exists(conn, id).await? {
                Ok(id)
            } else {
                Err(Error::validation(
                    "owner_id",
                    format!("no active user with id {id}"),
                ))
            }
        }
        Some(_) => Err(Error::Forbidden),
    }
}

/// The `existing` part of a duplicate answer: enough to find the record, nothing more.
pub fn duplicate(kind: RecordKind, id: i64, name: &str, owner_id: Option<i64>, why: &str) -> Error {
    Error::Duplicate {
        message: format!("a {kind} with the same {why} exists (id {id}); pass allow_duplicate: true to create anyway"),
        existing: serde_json::json!({ "kind": kind, "id": id, "name": name, "owner_id": owner_id }),
    }
}
