//! Teams: members and team leads. A team lead sees and edits everything the team's members own and hands records
//! on within the team (the rules themselves live in `crm::access`); admins manage the teams.

pub mod model;
pub mod routes;
mod store;

/// Teams' entries in the audit log (the admin audit page).
pub const AUDIT_KIND: &str = "team";

use serde_json::Value;
use sqlx::AnyPool;

use crate::audit;
use crate::error::Error;
use model::{Team, TeamInput};

fn check(input: &TeamInput) -> Result<String, Error> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation("name", "must be 1-200 characters"));
    }
    let mut seen = std::collections::HashSet::new();
    if input.members.iter().any(|m| !seen.insert(m.user_id)) {
        return Err(Error::validation("members", "a user is listed twice"));
    }
    Ok(name.to_string())
}

async fn check_users(pool: &AnyPool, input: &TeamInput) -> Result<(), Error> {
    for m in &input.members {
        if !store::user_active(pool, m.user_id).await? {
            return Err(Error::validation(
                "members",
                format!("no active user with id {}", m.user_id),
            ));
        }
    }
    Ok(())
}

/// The team's active members by user id, in the caller's transaction (web forms' round-robin).
pub async fn active_member_ids(
    conn: &mut sqlx::AnyConnection,
    team_id: i64,
) -> Result<Vec<i64>, Error> {
    store::active_member_ids(conn, team_id).await
}

/// Whether the user exists and is active, in the caller's transaction.
pub async fn user_active(conn: &mut sqlx::AnyConnection, id: i64) -> Result<bool, Error> {
    store::user_active_in(conn, id).await
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Team>, Error> {
    store::list(pool).await
}

/// The caller's own teams with their members, so that a team lead can pick a team or a member (reports,
/// awaiting reply) without the admin-only team list.
pub async fn list_of_member(pool: &AnyPool, user_id: i64) -> Result<Vec<Team>, Error> {
    store::list_of_member(pool, user_id).await
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Team, Error> {
    store::get(pool, id).await?.ok_or(Error::NotFound("team"))
}

/// The team as its audit entries show it: name and members with their lead flags.
fn audit_view(name: &str, members: &[model::TeamMember]) -> Value {
    let mut members: Vec<Value> = members
        .iter()
        .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
        .collect();
    members.sort_by_key(|m| m["user_id"].as_i64());
    serde_json::json!({ "name": name, "members": members })
}

fn view_of(team: &Team) -> Value {
    audit_view(&team.name, &team.members)
}

pub async fn create(pool: &AnyPool, actor: i64, input: TeamInput) -> Result<Team, Error> {
    let name = check(&input)?;
    check_users(pool, &input).await?;
    let mut tx = crate::db::begin(pool).await?;
    let id = store::insert(&mut tx, &name).await?;
    store::set_members(&mut tx, id, &input.members).await?;
    let after = audit_view(&name, &input.members);
    audit::settings_event(
        &mut tx,
        actor,
        "create",
        (AUDIT_KIND, id),
        &Value::Null,
        &after,
    )
    .await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Replaces the name and the whole member list.
pub async fn update(pool: &AnyPool, actor: i64, id: i64, input: TeamInput) -> Result<Team, Error> {
    let name = check(&input)?;
    let before = view_of(&get(pool, id).await?);
    check_users(pool, &input).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::rename(&mut tx, id, &name).await?;
    store::set_members(&mut tx, id, &input.members).await?;
    let after = audit_view(&name, &input.members);
    audit::settings_event(&mut tx, actor, "update", (AUDIT_KIND, id), &before, &after).await?;
    tx.commit().await?;
    get(pool, id).await
}

pub async fn delete(pool: &AnyPool, actor: i64, id: i64) -> Result<(), Error> {
    let before = view_of(&get(pool, id).await?);
    store::delete(pool, id).await?;
    let mut conn = pool.acquire().await?;
    audit::settings_event(
        &mut conn,
        actor,
        "delete",
        (AUDIT_KIND, id),
        &before,
        &Value::Null,
    )
    .await
}
