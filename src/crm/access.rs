//! Who sees and changes which CRM records: the one place these rules live.
//! Admin: everything. Sales: their own records, records shared with them, and the open lead pool.
//! Marketing: reads contacts and companies (for segments and consent), nothing else.

use sqlx::AnyPool;

use super::kind::RecordKind;
use super::store;
use crate::auth::{Caller, Role};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
}

/// Whose records of a kind a caller sees, as a filter the stores apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Owned by or shared with `user_id`; for leads, also those without owner (the open pool).
    Own {
        user_id: i64,
        open_pool: bool,
    },
}

/// May this role touch records of this kind at all? A `false` is a 403.
pub fn role_may(role: Role, kind: RecordKind, op: Op) -> bool {
    match role {
        Role::Admin | Role::Sales => true,
        Role::Marketing => {
            op == Op::Read && matches!(kind, RecordKind::Contact | RecordKind::Company)
        }
    }
}

pub fn scope(caller: &Caller, kind: RecordKind) -> Scope {
    match caller.role {
        Role::Admin | Role::Marketing => Scope::All,
        Role::Sales => Scope::Own {
            user_id: caller.id,
            open_pool: kind == RecordKind::Lead,
        },
    }
}

/// The role check alone (403), for lists and creation.
pub fn require_role(caller: &Caller, kind: RecordKind, op: Op) -> Result<Scope, Error> {
    if !role_may(caller.role, kind, op) {
        return Err(Error::Forbidden);
    }
    Ok(scope(caller, kind))
}

/// Checks that the caller may do `op` on one record. A record the caller may not see is reported as absent (404),
/// so that ids do not leak what exists.
pub async fn require(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    op: Op,
) -> Result<(), Error> {
    let scope = require_role(caller, kind, op)?;
    if store::is_visible(pool, scope, kind, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound(kind.noun()))
    }
}

/// Timelines, notes and tasks show deals' stage changes and private notes: not for marketing.
pub fn may_read_history(caller: &Caller) -> Result<(), Error> {
    match caller.role {
        Role::Marketing => Err(Error::Forbidden),
        _ => Ok(()),
    }
}

/// Owner or admin: may share a record or hand it to someone else.
pub async fn require_owner(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    require(pool, caller, kind, id, Op::Write).await?;
    if caller.is_admin() || store::owner_of(pool, kind, id).await? == Some(caller.id) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
