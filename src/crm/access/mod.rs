//! Who sees and changes which records and which mail: the one place these rules live (README "Who sees what").
//! Records: admins everything; sales their own, those shared with them, the open lead pool, and everything the
//! members of a team they lead own; marketing reads contacts and companies. Mail: by the mailboxes that hold it.

mod mail;
mod store;

use sqlx::{AnyConnection, AnyPool};

use super::kind::RecordKind;
use crate::auth::{Caller, Role};
use crate::error::Error;
pub use mail::{
    mail_level, may_mark_thread, push_in_mail_candidates, push_mail_candidates, push_mail_level,
    require_mail, MailLevel, MailboxPolicy,
};
pub use store::{push_owned, push_visible};

/// Limits a query over what users started (imports) to what the caller oversees: everything for admins, else
/// their own and what members of teams they lead started.
pub fn push_overseen(sql: &mut crate::db::sql::Sql, caller: &Caller, column: &str) {
    if !caller.is_admin() {
        store::push_overseen(sql, caller.id, column);
    }
}

/// Does the caller oversee what `user` started: themselves, an admin, or `user`'s team lead?
pub async fn oversees(conn: &mut AnyConnection, caller: &Caller, user: i64) -> Result<bool, Error> {
    if caller.is_admin() || caller.id == user {
        return Ok(true);
    }
    store::leads_user(conn, caller.id, user).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    /// Delete, merge away, hand to another owner, share or unshare: the owner, their team lead or an admin.
    Manage,
}

/// Whose records of a kind a caller sees, as a filter the stores apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Owned by, shared with, or owned by a member of a team led by `user_id`; for leads, also those without
    /// owner (the open pool).
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
/// so that ids do not leak what exists; one they see but may not manage is a 403.
pub async fn require(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    op: Op,
) -> Result<(), Error> {
    require_in(&mut *pool.acquire().await?, caller, kind, id, op).await
}

/// `require` inside a caller's transaction.
pub async fn require_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    op: Op,
) -> Result<(), Error> {
    let scope = require_role(caller, kind, if op == Op::Read { op } else { Op::Write })?;
    if !store::is_visible(&mut *conn, scope, kind, id).await? {
        return Err(Error::NotFound(kind.noun()));
    }
    if op == Op::Manage && !may_manage(conn, caller, kind, id).await? {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// May the caller see this record? For references (`company_id`, `contact_id`, `parent_id`) and duplicate answers.
pub async fn may_read(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<bool, Error> {
    if !role_may(caller.role, kind, Op::Read) {
        return Ok(false);
    }
    store::is_visible(conn, scope(caller, kind), kind, id).await
}

/// The owner of a record (for duplicate answers, which name it even when the record is hidden).
pub async fn owner_of(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
) -> Result<Option<i64>, Error> {
    store::owner_of(conn, kind, id).await
}

/// Owner, the lead of a team the owner belongs to, or an admin.
async fn may_manage(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<bool, Error> {
    if caller.is_admin() {
        return Ok(true);
    }
    match store::owner_of(&mut *conn, kind, id).await? {
        Some(owner) => Ok(owner == caller.id || store::leads_user(conn, caller.id, owner).await?),
        None => Ok(false),
    }
}

/// May the caller give a record to `new_owner`? Admins to anyone; a salesperson may take an unowned lead from the
/// pool or keep it; a team lead may hand what they manage to a member of a team they lead.
pub async fn may_assign(
    conn: &mut AnyConnection,
    caller: &Caller,
    new_owner: i64,
) -> Result<bool, Error> {
    if caller.is_admin() || new_owner == caller.id {
        return Ok(true);
    }
    store::leads_user(conn, caller.id, new_owner).await
}

/// May the caller move `record` from owner `current` to `new`? Taking an unowned lead from the pool is for anyone who
/// sees it; otherwise the record's manager decides: the owner (or an admin) gives it to any active colleague, a team
/// lead only within the teams they lead.
pub async fn require_owner_change(
    conn: &mut AnyConnection,
    caller: &Caller,
    (kind, id): (RecordKind, i64),
    current: Option<i64>,
    new: Option<i64>,
) -> Result<(), Error> {
    let from_pool = current.is_none() && new == Some(caller.id);
    if !from_pool {
        require_in(&mut *conn, caller, kind, id, Op::Manage).await?;
    }
    let anyone = caller.is_admin() || current == Some(caller.id);
    if let Some(o) = new {
        if !anyone && !may_assign(conn, caller, o).await? {
            return Err(Error::Forbidden);
        }
    }
    Ok(())
}

/// Acting on a mailbox's own settings (its SMTP test, its policy): an admin, or the owner of a personal mailbox
/// (`NotFound` for anyone else, so that mailboxes do not show through these routes).
pub fn require_mailbox_owner(caller: &Caller, personal_owner: Option<i64>) -> Result<(), Error> {
    if caller.is_admin() || personal_owner == Some(caller.id) {
        Ok(())
    } else {
        Err(Error::NotFound("mailbox"))
    }
}

/// Letters of `owner`'s (a sequence's) sent as a mailbox: its personal owner or a member of a shared one; an admin
/// may point anyone's sequence at any mailbox.
pub fn may_send_as(
    caller: &Caller,
    owner: i64,
    personal_owner: Option<i64>,
    members: &[i64],
) -> bool {
    caller.is_admin() || personal_owner == Some(owner) || members.contains(&owner)
}

/// An uploaded file (a sequence step's attachment) is its uploader's alone: not an admin's, not a team lead's; a
/// file a sequence already carries stays usable by whoever may edit that sequence (the caller checks that).
pub fn may_use_upload(caller: &Caller, uploader: i64) -> bool {
    uploader == caller.id
}

/// A mailbox's visibility change: an admin sets any policy; the owner of a personal mailbox may only narrow it.
pub fn require_policy_change(
    caller: &Caller,
    personal_owner: Option<i64>,
    current: MailboxPolicy,
    new: MailboxPolicy,
) -> Result<(), Error> {
    require_mailbox_owner(caller, personal_owner)?;
    if caller.is_admin() {
        return Ok(());
    }
    if new > current {
        return Err(Error::validation(
            "visibility",
            format!(
                "the owner may only narrow it (now '{}'); an admin widens it",
                current.as_str()
            ),
        ));
    }
    Ok(())
}

/// May the caller hand every record of `from` to `to`? Admins; a team lead within the teams they lead.
pub async fn may_reassign(
    conn: &mut AnyConnection,
    caller: &Caller,
    from: i64,
    to: i64,
) -> Result<bool, Error> {
    if caller.is_admin() {
        return Ok(true);
    }
    Ok(caller.role == Role::Sales
        && (from == caller.id || store::leads_user(&mut *conn, caller.id, from).await?)
        && (to == caller.id || store::leads_user(conn, caller.id, to).await?))
}

/// A segment filter by deals or leads is for roles that read them: marketing never learns who has either.
pub fn require_segment_filter(caller: &Caller, by_deal: bool, by_lead: bool) -> Result<(), Error> {
    if by_deal && !role_may(caller.role, RecordKind::Deal, Op::Read) {
        return Err(Error::validation(
            "filter.deal_state",
            "filtering by deals needs access to deals",
        ));
    }
    if by_lead && !role_may(caller.role, RecordKind::Lead, Op::Read) {
        return Err(Error::validation(
            "filter.lead_status",
            "filtering by leads needs access to leads",
        ));
    }
    Ok(())
}

/// Notes, tasks and deal moves: never for marketing.
pub fn may_read_history(caller: &Caller) -> Result<(), Error> {
    match caller.role {
        Role::Marketing => Err(Error::Forbidden),
        _ => Ok(()),
    }
}

/// Of `ids` of one kind, those the caller may see (for roll-ups: a company's contacts and deals).
pub async fn visible_ids(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    ids: Vec<i64>,
) -> Result<Vec<i64>, Error> {
    if !role_may(caller.role, kind, Op::Read) {
        return Ok(Vec::new());
    }
    match scope(caller, kind) {
        Scope::All => Ok(ids),
        scope => store::visible_among(conn, scope, kind, &ids).await,
    }
}

/// May the caller read a team's settings (its reply policy)? An admin or a member; change them: an admin or a lead.
pub fn may_team_settings(caller: &Caller, team: &crate::auth::teams::model::Team, op: Op) -> bool {
    caller.is_admin()
        || team
            .members
            .iter()
            .any(|m| m.user_id == caller.id && (m.lead || op == Op::Read))
}
