//! SQL of teams and their members.

use sqlx::{AnyConnection, AnyPool, Row};

use super::model::{Team, TeamMember};
use crate::db::now_ms;
use crate::error::Error;

pub async fn user_active(pool: &AnyPool, id: i64) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

async fn members(pool: &AnyPool, team_id: i64) -> Result<Vec<TeamMember>, Error> {
    let rows = sqlx::query(
        "SELECT user_id, is_lead FROM team_members WHERE team_id = $1 ORDER BY user_id",
    )
    .bind(team_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TeamMember {
                user_id: r.try_get("user_id")?,
                lead: r.try_get::<i64, _>("is_lead")? != 0,
            })
        })
        .collect()
}

/// Teams of rows of `id, name`, each with its members.
async fn with_members(pool: &AnyPool, rows: &[sqlx::any::AnyRow]) -> Result<Vec<Team>, Error> {
    let mut out = Vec::new();
    for r in rows {
        let id = r.try_get("id")?;
        out.push(Team {
            id,
            name: r.try_get("name")?,
            members: members(pool, id).await?,
        });
    }
    Ok(out)
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Team>, Error> {
    let rows = sqlx::query("SELECT id, name FROM teams ORDER BY name")
        .fetch_all(pool)
        .await?;
    with_members(pool, &rows).await
}

/// The teams `user_id` is a member of (leading or not), by name.
pub async fn list_of_member(pool: &AnyPool, user_id: i64) -> Result<Vec<Team>, Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name FROM teams t JOIN team_members m ON m.team_id = t.id
         WHERE m.user_id = $1 ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    with_members(pool, &rows).await
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<Team>, Error> {
    let row = sqlx::query("SELECT id, name FROM teams WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok(Some(Team {
            id,
            name: r.try_get("name")?,
            members: members(pool, id).await?,
        })),
        None => Ok(None),
    }
}

pub async fn insert(conn: &mut AnyConnection, name: &str) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO teams (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind(name)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn rename(conn: &mut AnyConnection, id: i64, name: &str) -> Result<(), Error> {
    sqlx::query("UPDATE teams SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now_ms())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_members(
    conn: &mut AnyConnection,
    id: i64,
    members: &[TeamMember],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM team_members WHERE team_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for m in members {
        sqlx::query("INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(m.user_id)
            .bind(i64::from(m.lead))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The team's members whose accounts are active, by user id (web forms' round-robin).
pub async fn active_member_ids(conn: &mut AnyConnection, team_id: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT m.user_id FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 AND u.active = 1 ORDER BY m.user_id",
    )
    .bind(team_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("user_id")?)).collect()
}

pub async fn user_active_in(conn: &mut AnyConnection, id: i64) -> Result<bool, Error> {
    let row = sqlx::query("SELECT 1 AS one FROM users WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}
