//! The CRM's side of the audit log (`crate::audit`, below auth so that sign-in administration is audited too):
//! every create, update, delete, merge, conversion and reassignment of a record, keyed by its `RecordKind`. All CRM
//! writes go through `record`. The shared types and functions are re-exported, so callers keep `crm::audit::…`.

use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;

use super::kind::RecordKind;
use crate::audit::store;
pub use crate::audit::{
    diff, message_event, page, settings_event, thread_event, AuditEntry, AuditPage, FieldChange,
};
use crate::error::Error;

/// Writes one audit entry in the caller's transaction.
pub async fn record(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    kind: RecordKind,
    id: i64,
    changes: &[FieldChange],
) -> Result<(), Error> {
    crate::audit::write(conn, Some(actor_id), action, (kind.as_str(), id), changes).await
}

/// Audit entry for a creation: every field from nothing.
pub async fn created(
    conn: &mut AnyConnection,
    actor_id: i64,
    kind: RecordKind,
    id: i64,
    view: &impl Serialize,
) -> Result<(), Error> {
    let after = serde_json::to_value(view).map_err(Error::internal)?;
    record(
        conn,
        actor_id,
        "create",
        kind,
        id,
        &diff(&Value::Null, &after),
    )
    .await
}

/// Audit entry for an update; nothing is written when nothing changed.
pub async fn updated(
    conn: &mut AnyConnection,
    actor_id: i64,
    kind: RecordKind,
    id: i64,
    before: &impl Serialize,
    after: &impl Serialize,
) -> Result<(), Error> {
    let before = serde_json::to_value(before).map_err(Error::internal)?;
    let after = serde_json::to_value(after).map_err(Error::internal)?;
    let changes = diff(&before, &after);
    if changes.is_empty() {
        return Ok(());
    }
    record(conn, actor_id, "update", kind, id, &changes).await
}

pub async fn deleted(
    conn: &mut AnyConnection,
    actor_id: i64,
    kind: RecordKind,
    id: i64,
    view: &impl Serialize,
) -> Result<(), Error> {
    let before = serde_json::to_value(view).map_err(Error::internal)?;
    record(
        conn,
        actor_id,
        "delete",
        kind,
        id,
        &diff(&before, &Value::Null),
    )
    .await
}

/// A short note as the only change, for merges, conversions and shares.
pub async fn event(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    (kind, id): (RecordKind, i64),
    field: &str,
    from: Value,
    to: Value,
) -> Result<(), Error> {
    let change = FieldChange {
        field: field.to_string(),
        from,
        to,
    };
    record(conn, actor_id, action, kind, id, &[change]).await
}

/// A change no signed-in user made (the addressee through a link in a letter, say): no actor id, and `by` says
/// who, beside the change.
pub async fn event_without_user(
    conn: &mut AnyConnection,
    by: &str,
    action: &str,
    (kind, id): (RecordKind, i64),
    field: &str,
    from: Value,
    to: Value,
) -> Result<(), Error> {
    let changes = [
        FieldChange {
            field: field.to_string(),
            from,
            to,
        },
        FieldChange {
            field: "by".to_string(),
            from: Value::Null,
            to: Value::String(by.to_string()),
        },
    ];
    crate::audit::write(conn, None, action, (kind.as_str(), id), &changes).await
}

/// A record created by the system (e.g. a lead from incoming mail), with no user behind it.
pub async fn created_by_system(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    view: &impl Serialize,
) -> Result<(), Error> {
    let after = serde_json::to_value(view).map_err(Error::internal)?;
    let changes = diff(&Value::Null, &after);
    crate::audit::write(conn, None, "create", (kind.as_str(), id), &changes).await
}

/// `created_by_system` for many records of one kind (leads from an ingest batch).
pub async fn created_by_system_many(
    conn: &mut AnyConnection,
    kind: RecordKind,
    views: &[(i64, &impl Serialize)],
) -> Result<(), Error> {
    let mut rows = Vec::with_capacity(views.len());
    for (id, view) in views {
        let after = serde_json::to_value(view).map_err(Error::internal)?;
        let text = serde_json::to_string(&diff(&Value::Null, &after)).map_err(Error::internal)?;
        rows.push((*id, text));
    }
    store::insert_created(conn, None, kind.as_str(), &rows).await
}

/// A "create" entry on each of many records a caller made at once (`what`: the import that made them), so each
/// record's own audit says where it came from; the batch's summary entry stays on `what`.
pub async fn created_in_bulk(
    conn: &mut AnyConnection,
    actor_id: i64,
    kind: RecordKind,
    ids: &[i64],
    (what, what_id): (&str, i64),
) -> Result<(), Error> {
    let change = [FieldChange {
        field: what.to_string(),
        from: Value::Null,
        to: Value::from(what_id),
    }];
    let text = serde_json::to_string(&change).map_err(Error::internal)?;
    let rows: Vec<(i64, String)> = ids.iter().map(|id| (*id, text.clone())).collect();
    store::insert_created(conn, Some(actor_id), kind.as_str(), &rows).await
}

/// The audit trail of a merge: on the kept record what came from where and which fields changed; on the merged
/// record where it went.
pub async fn merged<T: Serialize>(
    conn: &mut AnyConnection,
    actor_id: i64,
    kind: RecordKind,
    (kept, gone_id): (i64, i64),
    gone: &T,
    (before, after): (&T, &T),
) -> Result<(), Error> {
    let gone_json = serde_json::to_value(gone).map_err(Error::internal)?;
    event(
        conn,
        actor_id,
        "merge",
        (kind, kept),
        "merged_from",
        Value::from(gone_id),
        gone_json,
    )
    .await?;
    updated(conn, actor_id, kind, kept, before, after).await?;
    event(
        conn,
        actor_id,
        "merge",
        (kind, gone_id),
        "merged_into",
        Value::from(gone_id),
        Value::from(kept),
    )
    .await
}
