//! Liveness and readiness: the server answers and its database does.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::Json;
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    pub version: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, description = "database unreachable", body = ErrorBody)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, Error> {
    state.db.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "health check: database unreachable");
        Error::Unavailable("database")
    })?;
    Ok(Json(Health {
        status: "ok",
        database: match state.db.backend {
            crate::db::Backend::Sqlite => "sqlite",
            crate::db::Backend::Postgres => "postgres",
        },
        version: env!("CARGO_PKG_VERSION"),
    }))
}
