//! The server instances that sync mailboxes, as the admin sees them: those alive now and the mailboxes each holds
//! the lease of (`GET /api/v1/admin/instances`).

use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::store::lease;
use crate::api::extract::Json;
use crate::app::AppState;
use crate::db::{from_ms, now_ms};
use crate::error::{Error, ErrorBody};

/// One live instance.
#[derive(Debug, Serialize, ToSchema)]
pub struct Instance {
    /// Its name in leases (`lease_holder` of the mailboxes it syncs).
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Its last heartbeat; it counts as dead once `lease_seconds` pass without one.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub lease_seconds: f64,
    /// The mailboxes whose lease it holds, by id.
    pub mailbox_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Instances {
    /// Oldest first.
    pub instances: Vec<Instance>,
}

/// The live instances with their mailboxes.
pub async fn list(pool: &sqlx::AnyPool) -> Result<Instances, Error> {
    let now = now_ms();
    let leases = lease::leases(pool).await?;
    let instances = lease::live_instances(pool, now)
        .await?
        .into_iter()
        .map(|row| Instance {
            mailbox_ids: leases
                .iter()
                .filter(|l| l.holder.as_deref() == Some(row.name.as_str()) && !l.is_free(now))
                .map(|l| l.mailbox_id)
                .collect(),
            name: row.name,
            started_at: from_ms(row.started_at),
            last_seen_at: from_ms(row.last_seen_at),
            lease_seconds: row.lease_ms as f64 / 1000.0,
        })
        .collect();
    Ok(Instances { instances })
}

#[utoipa::path(get, path = "/api/v1/admin/instances", tag = "mailboxes", security(("bearer" = [])),
    responses((status = 200, body = Instances,
        description = "the instances alive now (heartbeat within their lease time) and the mailboxes each syncs"),
        (status = 403, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>) -> Result<Json<Instances>, Error> {
    Ok(Json(list(&s.db.pool).await?))
}
