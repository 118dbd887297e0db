//! The audit log: every create, update, delete, merge, conversion and reassignment, with who, when, and which
//! fields changed from what to what. All CRM writes go through `record`.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{AnyConnection, AnyPool};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::kind::RecordKind;
use super::store;
use crate::db::from_ms;
use crate::error::Error;

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    #[schema(value_type = Object)]
    pub from: Value,
    #[schema(value_type = Object)]
    pub to: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    /// create, update, delete, merge, convert, reassign, share, unshare, consent
    pub action: String,
    #[schema(value_type = Vec<Object>)]
    pub changes: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for older entries.
    pub next_before: Option<i64>,
}

/// Field-by-field difference of two JSON views of a record (timestamps of the record itself excluded).
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !matches!(k.as_str(), "updated_at" | "created_at"))
        .filter_map(|k| {
            let from = before.get(k).cloned().unwrap_or(Value::Null);
            let to = after.get(k).cloned().unwrap_or(Value::Null);
            (from != to).then(|| FieldChange {
                field: k.clone(),
                from,
                to,
            })
        })
        .collect()
}

/// Writes one audit entry in the caller's transaction.
pub async fn record(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    kind: RecordKind,
    id: i64,
    changes: &[FieldChange],
) -> Result<(), Error> {
    let text = serde_json::to_string(changes).map_err(Error::internal)?;
    store::insert_audit(conn, Some(actor_id), action, kind, id, &text).await
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
    let text = serde_json::to_string(&changes).map_err(Error::internal)?;
    store::insert_audit(conn, None, action, kind, id, &text).await
}

/// A record created by the system (e.g. a lead from incoming mail), with no user behind it.
pub async fn created_by_system(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    view: &impl Serialize,
) -> Result<(), Error> {
    let after = serde_json::to_value(view).map_err(Error::internal)?;
    let text = serde_json::to_string(&diff(&Value::Null, &after)).map_err(Error::internal)?;
    store::insert_audit(conn, None, "create", kind, id, &text).await
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
    store::insert_created_audits(conn, kind, &rows).await
}

/// An admin's change to a message (its classification).
pub async fn message_event(
    conn: &mut AnyConnection,
    actor_id: i64,
    message_id: i64,
    field: &str,
    from: Value,
    to: Value,
) -> Result<(), Error> {
    let text = serde_json::to_string(&[FieldChange {
        field: field.to_string(),
        from,
        to,
    }])
    .map_err(Error::internal)?;
    store::insert_audit_of(
        conn,
        Some(actor_id),
        "classify",
        "message",
        message_id,
        &text,
    )
    .await
}

/// A change to something that is not a CRM record (a mailbox's settings, who may read its mail): the fields that
/// changed between the two JSON views; nothing is written when nothing changed.
pub async fn settings_event(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    (kind, id): (&str, i64),
    before: &Value,
    after: &Value,
) -> Result<(), Error> {
    let changes = diff(before, after);
    if changes.is_empty() {
        return Ok(());
    }
    let text = serde_json::to_string(&changes).map_err(Error::internal)?;
    store::insert_audit_of(conn, Some(actor_id), action, kind, id, &text).await
}

/// A thread marked private or public again by a mailbox member.
pub async fn thread_event(
    conn: &mut AnyConnection,
    actor_id: i64,
    thread_id: i64,
    private: bool,
) -> Result<(), Error> {
    let text = serde_json::to_string(&[FieldChange {
        field: "private".to_string(),
        from: Value::Bool(!private),
        to: Value::Bool(private),
    }])
    .map_err(Error::internal)?;
    store::insert_audit_of(conn, Some(actor_id), "privacy", "thread", thread_id, &text).await
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

/// A record's audit entries, newest first; entries of the `hidden` actions are left out (see `audit_trail`).
pub async fn page(
    pool: &AnyPool,
    (kind, id): (&str, i64),
    hidden: &[&str],
    before: Option<i64>,
    limit: i64,
) -> Result<AuditPage, Error> {
    let before = before.unwrap_or(i64::MAX);
    let rows = store::audit_of(pool, (kind, id), hidden, before, limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: from_ms(r.at),
            actor_id: r.actor_id,
            actor_email: r.actor_email,
            action: r.action,
            changes: serde_json::from_str(&r.changes).unwrap_or(Value::Null),
        })
        .collect();
    Ok(AuditPage { items, next_before })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_each_changed_field_with_old_and_new_values() {
        let before =
            json!({ "name": "ООО Ромашка", "owner_id": 1, "tags": ["a"], "updated_at": "x" });
        let after = json!({ "name": "ООО «Ромашка»", "owner_id": 1, "tags": ["a", "b"], "updated_at": "y" });
        let changes = diff(&before, &after);
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["name", "tags"]);
        assert_eq!(changes[0].from, json!("ООО Ромашка"));
        assert_eq!(changes[1].to, json!(["a", "b"]));
    }
}
