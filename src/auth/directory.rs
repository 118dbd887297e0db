//! The users directory: who works here (id, name, e-mail, active), readable by every signed-in role, so that a
//! salesperson can share a record with a colleague or read an owner's name without the admin's user list.

use axum::extract::State;
use serde::Serialize;
use sqlx::AnyPool;
use utoipa::ToSchema;

use super::store;
use crate::api::extract::Json;
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

/// One person as colleagues see them: no role, phone or dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryEntry {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Directory {
    /// Everyone, ordered by name.
    pub items: Vec<DirectoryEntry>,
}

/// Reads every user a page at a time (the same keyset as the admin's list).
pub async fn directory(pool: &AnyPool) -> Result<Vec<DirectoryEntry>, Error> {
    const PAGE: i64 = 500;
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let users = store::list(pool, after, PAGE).await?;
        let full = users.len() as i64 == PAGE;
        if let Some(last) = users.last() {
            after = last.id;
        }
        out.extend(users.into_iter().map(|u| DirectoryEntry {
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
        }));
        if !full {
            break;
        }
    }
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

#[utoipa::path(get, path = "/api/v1/users/directory", tag = "users", security(("bearer" = [])),
    responses((status = 200, description = "every user's id, name, e-mail and whether active; any signed-in role", body = Directory),
              (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Directory>, Error> {
    Ok(Json(Directory {
        items: directory(&state.db.pool).await?,
    }))
}
