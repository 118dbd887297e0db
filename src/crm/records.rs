//! What every record kind shares: sharing with colleagues, the audit trail, likely duplicates, and handing all of a
//! user's records to another.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyPool;
use utoipa::{IntoParams, ToSchema};

use super::access::{self, Op};
use super::{audit, store, RecordKind};
use crate::auth::Caller;
use crate::error::Error;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub user_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Shares {
    /// Users the record is shared with (besides its owner).
    pub user_ids: Vec<i64>,
}

pub async fn shares(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<Shares, Error> {
    access::require(pool, caller, kind, id, Op::Read).await?;
    Ok(Shares {
        user_ids: store::shares_of(pool, kind, id).await?,
    })
}

pub async fn share(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    user_id: i64,
) -> Result<Shares, Error> {
    access::require(pool, caller, kind, id, Op::Manage).await?;
    let mut tx = crate::db::begin(pool).await?;
    if !store::user_exists(&mut tx, user_id).await? {
        return Err(Error::validation(
            "user_id",
            format!("no active user with id {user_id}"),
        ));
    }
    store::share(&mut tx, kind, id, user_id).await?;
    audit::event(
        &mut tx,
        caller.id,
        "share",
        (kind, id),
        "shared_with",
        json!(null),
        json!(user_id),
    )
    .await?;
    tx.commit().await?;
    shares(pool, caller, kind, id).await
}

pub async fn unshare(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    user_id: i64,
) -> Result<(), Error> {
    access::require(pool, caller, kind, id, Op::Manage).await?;
    let mut tx = crate::db::begin(pool).await?;
    if !store::unshare(&mut tx, kind, id, user_id).await? {
        return Err(Error::NotFound("share"));
    }
    audit::event(
        &mut tx,
        caller.id,
        "unshare",
        (kind, id),
        "shared_with",
        json!(user_id),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub use crate::audit::AuditQuery;

/// Whoever may see a record may read its audit trail; marketing without the notes and tasks (their bodies and
/// titles are in the entries).
pub async fn audit_trail(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    q: AuditQuery,
) -> Result<audit::AuditPage, Error> {
    access::require(pool, caller, kind, id, Op::Read).await?;
    let limit = crate::api::extract::Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    let hidden: &[&str] = if access::may_read_history(caller).is_ok() {
        &[]
    } else {
        &["note", "task"]
    };
    audit::page(pool, (kind.as_str(), id), hidden, q.before, limit).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    pub to_user_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReassignResult {
    pub companies: u64,
    pub contacts: u64,
    pub leads: u64,
    pub deals: u64,
}

/// Hands every record of one user (and their open tasks) to another, e.g. for a vacation or a dismissal. Admins
/// between anyone; a team lead between members of the teams they lead.
pub async fn reassign(
    pool: &AnyPool,
    caller: &Caller,
    from: i64,
    to: i64,
) -> Result<ReassignResult, Error> {
    if from == to {
        return Err(Error::validation("to_user_id", "is the same user"));
    }
    let mut tx = crate::db::begin(pool).await?;
    if !access::may_reassign(&mut tx, caller, from, to).await? {
        return Err(Error::Forbidden);
    }
    if !store::user_exists(&mut tx, to).await? {
        return Err(Error::validation(
            "to_user_id",
            format!("no active user with id {to}"),
        ));
    }
    let counts = store::reassign_all(&mut tx, caller.id, from, to).await?;
    tx.commit().await?;
    let count = |k| {
        counts
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    tracing::info!(from, to, by = caller.id, "records reassigned");
    Ok(ReassignResult {
        companies: count(RecordKind::Company),
        contacts: count(RecordKind::Contact),
        leads: count(RecordKind::Lead),
        deals: count(RecordKind::Deal),
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateQuery {
    /// contact, company or lead; all three when absent.
    pub kind: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateRecord {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePair {
    pub kind: RecordKind,
    pub a: DuplicateRecord,
    pub b: DuplicateRecord,
    /// email, phone, domain or name
    pub reason: String,
    pub value: String,
}

pub async fn duplicates(
    pool: &AnyPool,
    caller: &Caller,
    q: DuplicateQuery,
) -> Result<Vec<DuplicatePair>, Error> {
    let kinds = match q.kind.as_deref() {
        None => vec![RecordKind::Contact, RecordKind::Company, RecordKind::Lead],
        Some(k) => vec![k
            .parse::<RecordKind>()
            .map_err(|m| Error::validation("kind", m))?],
    };
    let limit = crate::api::extract::Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    let mut out = Vec::new();
    for kind in kinds {
        let scope = access::require_role(caller, kind, Op::Write)?;
        for (a, a_name, b, b_name, reason, value) in
            store::duplicate_pairs(pool, scope, kind, limit).await?
        {
            out.push(DuplicatePair {
                kind,
                a: DuplicateRecord {
                    id: a,
                    name: a_name,
                },
                b: DuplicateRecord {
                    id: b,
                    name: b_name,
                },
                reason,
                value,
            });
        }
    }
    Ok(out)
}
