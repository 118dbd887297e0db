//! Data subject requests (152-FZ, GDPR; issue 20, item 1): the export of everything held about a person as a zip
//! of JSON and .eml, and their erasure. Admins only; each request is audited and kept as a tombstone.

mod deals;
pub mod erase;
pub mod export;
pub mod model;
mod person;
pub mod requests;
pub mod routes;
mod store;

use serde_json::Value;

use crate::auth::Caller;
use crate::db::Db;
use crate::error::Error;

pub use erase::erase;
pub use export::export;

/// Records a request (its tombstone and the admin audit entry) in its own transaction; answers its id.
async fn record_request(
    db: &Db,
    caller: &Caller,
    kind: &str,
    reason: Option<&str>,
    (emails, ids): (&[String], &[i64]),
    counts: impl FnOnce(i64) -> Value,
) -> Result<i64, Error> {
    let mut tx = crate::db::begin(&db.pool).await?;
    let salt = store::salt(&mut tx).await?;
    let hash = person::subject_hash(&salt, emails, ids);
    let id = store::insert_request(&mut tx, kind, caller.id, reason, &hash).await?;
    let counts = counts(id);
    store::set_counts(&mut tx, id, &counts).await?;
    let after = serde_json::json!({ "kind": kind, "counts": counts });
    crate::audit::change_event(
        &mut tx,
        Some(caller.id),
        kind,
        ("privacy", id),
        &Value::Null,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
