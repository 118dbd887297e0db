//! The shapes of the API-key routes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::auth::Role;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, e.g. "Website forms" (1 to 200 characters).
    pub name: String,
    /// The role the key acts with (its service user's role); record rules follow it as for a person.
    pub role: Role,
    /// Actions of the vocabulary (`contacts:read`, `leads:write` …; README "API keys").
    pub actions: Vec<String>,
    /// After this moment the key answers 401 `api_key_expired`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A key as lists show it: its prefix, never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub role: Role,
    pub actions: Vec<String>,
    /// The key's service user: the owner of what it creates, the actor of its changes in the audit log.
    pub user_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Updated at most once a minute.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// The answer to a creation: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// Send as `Authorization: Bearer mrk_…` or `X-Api-Key: mrk_…`; it is not shown again.
    pub secret: String,
}
