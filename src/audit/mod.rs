//! The audit log, below every domain that writes to it (auth, crm, mail …): entries with who, when, and which
//! fields changed from what to what, and the page of a record's entries. `crm::audit` adds the record kinds' helpers.

mod rewrite;
pub mod store;
pub use rewrite::rewrite_about;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, AnyPool};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entry id from the previous page's `next_before`.
    pub before: Option<i64>,
    pub limit: Option<i64>,
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

/// Writes one entry of these changes in the caller's transaction; `actor_id` None: no signed-in user made it.
pub async fn write(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    action: &str,
    (kind, id): (&str, i64),
    changes: &[FieldChange],
) -> Result<(), Error> {
    let text = serde_json::to_string(changes).map_err(Error::internal)?;
    store::insert(conn, actor_id, action, kind, id, &text).await
}

/// A change to something that is not a CRM record (a mailbox's settings, an identity provider): the fields that
/// changed between the two JSON views (`Null` before a creation, after a deletion); nothing is written when
/// nothing changed.
pub async fn settings_event(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    record: (&str, i64),
    before: &Value,
    after: &Value,
) -> Result<(), Error> {
    change_event(conn, Some(actor_id), action, record, before, after).await
}

/// As `settings_event`, also for changes made from the shell (`actor_id` None: `mailroom user …`).
pub async fn change_event(
    conn: &mut AnyConnection,
    actor_id: Option<i64>,
    action: &str,
    record: (&str, i64),
    before: &Value,
    after: &Value,
) -> Result<(), Error> {
    let changes = diff(before, after);
    if changes.is_empty() {
        return Ok(());
    }
    write(conn, actor_id, action, record, &changes).await
}

/// What admins change, as opposed to CRM records: the kinds of the admin audit page
/// (`GET /api/v1/admin/audit`).
pub const ADMIN_KINDS: [&str; 13] = [
    "user",
    "team",
    "mailbox",
    "relay",
    "identity_provider",
    "reply_policy",
    "reminder_relay",
    "export_roles",
    "api_key",
    "webhook",
    "form",
    "privacy",
    "retention",
];

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    /// One of `ADMIN_KINDS`: user, team, mailbox, relay, identity_provider, reply_policy, …
    pub kind: String,
    pub record_id: i64,
    #[schema(value_type = Vec<Object>)]
    pub changes: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAuditPage {
    pub items: Vec<AdminAuditEntry>,
    pub next_before: Option<i64>,
}

/// Admins' changes of every admin kind (or of one), newest first.
pub async fn admin_page(
    pool: &AnyPool,
    kind: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<AdminAuditPage, Error> {
    let kinds: Vec<&str> = match kind {
        Some(k) if ADMIN_KINDS.contains(&k) => vec![k],
        Some(_) => {
            return Err(Error::validation(
                "kind",
                format!("must be one of {}", ADMIN_KINDS.join(", ")),
            ))
        }
        None => ADMIN_KINDS.to_vec(),
    };
    let rows = store::entries_of_kinds(pool, &kinds, before.unwrap_or(i64::MAX), limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.0.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|(r, kind, record_id)| AdminAuditEntry {
            id: r.id,
            at: from_ms(r.at),
            actor_id: r.actor_id,
            actor_email: r.actor_email,
            action: r.action,
            kind,
            record_id,
            changes: serde_json::from_str(&r.changes).unwrap_or(Value::Null),
        })
        .collect();
    Ok(AdminAuditPage { items, next_before })
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
    let change = FieldChange {
        field: field.to_string(),
        from,
        to,
    };
    write(
        conn,
        Some(actor_id),
        "classify",
        ("message", message_id),
        &[change],
    )
    .await
}

/// A thread marked private or public again by a mailbox member.
pub async fn thread_event(
    conn: &mut AnyConnection,
    actor_id: i64,
    thread_id: i64,
    private: bool,
) -> Result<(), Error> {
    let change = FieldChange {
        field: "private".to_string(),
        from: Value::Bool(!private),
        to: Value::Bool(private),
    };
    write(
        conn,
        Some(actor_id),
        "privacy",
        ("thread", thread_id),
        &[change],
    )
    .await
}

/// A record's audit entries, newest first; entries of the `hidden` actions are left out.
pub async fn page(
    pool: &AnyPool,
    (kind, id): (&str, i64),
    hidden: &[&str],
    before: Option<i64>,
    limit: i64,
) -> Result<AuditPage, Error> {
    let before = before.unwrap_or(i64::MAX);
    let rows = store::entries_of(pool, (kind, id), hidden, before, limit).await?;
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

/// An entry as a data subject's export shows it: with its kind and record id.
#[derive(Debug, Serialize)]
pub struct SubjectEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    pub kind: String,
    pub record_id: i64,
    pub changes: Value,
}

/// Ids of the entries about these records (`(kind, ids)`) or whose changes contain one of `values` as written.
pub async fn ids_about(
    conn: &mut AnyConnection,
    records: &[(&str, Vec<i64>)],
    values: &[String],
) -> Result<Vec<i64>, Error> {
    let mut ids = Vec::new();
    for (kind, of) in records {
        ids.extend(store::ids_of_records(&mut *conn, kind, of).await?);
    }
    for v in values.iter().filter(|v| v.trim().chars().count() >= 3) {
        ids.extend(store::ids_containing(&mut *conn, v).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

pub async fn entries_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<SubjectEntry>, Error> {
    Ok(store::entries_by_ids(conn, ids)
        .await?
        .into_iter()
        .map(|(r, kind, record_id)| SubjectEntry {
            id: r.id,
            at: from_ms(r.at),
            actor_id: r.actor_id,
            actor_email: r.actor_email,
            action: r.action,
            kind,
            record_id,
            changes: serde_json::from_str(&r.changes).unwrap_or(Value::Null),
        })
        .collect())
}

/// Redacts these entries to a tombstone: who, when and the action stay, each changed field keeps its name and
/// its values become `tombstone` (an erasure's `{"erased": true, "request": id}`). Returns how many.
pub async fn redact(
    conn: &mut AnyConnection,
    ids: &[i64],
    tombstone: &Value,
) -> Result<u64, Error> {
    let mut n = 0;
    for (row, _, _) in store::entries_by_ids(&mut *conn, ids).await? {
        let fields: Vec<String> = serde_json::from_str::<Vec<Value>>(&row.changes)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| c.get("field").and_then(Value::as_str).map(str::to_string))
            .collect();
        let changes: Vec<FieldChange> = fields
            .into_iter()
            .map(|field| FieldChange {
                // A field name is not the person's data, unless it is a free-form one (a custom field's key is
                // an admin's), so only well-formed names stay.
                field: if field
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                {
                    field
                } else {
                    "erased".into()
                },
                from: tombstone.clone(),
                to: tombstone.clone(),
            })
            .collect();
        let changes = if changes.is_empty() {
            vec![FieldChange {
                field: "erased".into(),
                from: tombstone.clone(),
                to: tombstone.clone(),
            }]
        } else {
            changes
        };
        let text = serde_json::to_string(&changes).map_err(Error::internal)?;
        store::set_changes(&mut *conn, row.id, &text).await?;
        n += 1;
    }
    Ok(n)
}
