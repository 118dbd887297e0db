//! Teams: members and team leads. A team lead sees and edits everything the team's members own and hands records
//! on within the team (the rules themselves live in `crm::access`); admins manage the teams.

pub mod model;
pub mod routes;
mod store;

use sqlx::AnyPool;

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

pub async fn create(pool: &AnyPool, input: TeamInput) -> Result<Team, Error> {
    let name = check(&input)?;
    check_users(pool, &input).await?;
    let mut tx = crate::db::begin(pool).await?;
    let id = store::insert(&mut tx, &name).await?;
    store::set_members(&mut tx, id, &input.members).await?;
    tx.commit().await?;
    get(pool, id).await
}

/// Replaces the name and the whole member list.
pub async fn update(pool: &AnyPool, id: i64, input: TeamInput) -> Result<Team, Error> {
    let name = check(&input)?;
    get(pool, id).await?;
    check_users(pool, &input).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::rename(&mut tx, id, &name).await?;
    store::set_members(&mut tx, id, &input.members).await?;
    tx.commit().await?;
    get(pool, id).await
}

pub async fn delete(pool: &AnyPool, id: i64) -> Result<(), Error> {
    get(pool, id).await?;
    store::delete(pool, id).await
}
