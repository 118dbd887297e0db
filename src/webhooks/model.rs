//! The shapes of the webhook routes and of what is sent.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where deliveries are POSTed (http or https; private addresses only when the operator allows them).
    pub url: String,
    /// Event types to receive (README "Webhooks"), e.g. `["lead.created", "deal.updated"]`.
    pub events: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    /// False after too many failed attempts in a row, until an admin enables it again.
    pub enabled: bool,
    pub consecutive_failures: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The answer to a creation: the signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The HMAC-SHA256 key of `X-Mailroom-Signature`; not shown again.
    pub secret: String,
}

/// One delivery of one event to one endpoint, as its log shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// The event's id (also sent as `X-Mailroom-Event-Id` and in the body): the same on every retry.
    pub event_id: String,
    pub event_type: String,
    /// pending, delivered or failed (given up after the attempt limit).
    pub status: String,
    pub attempts: i64,
    /// The endpoint's HTTP status of the last attempt, if it answered.
    pub response_code: Option<i64>,
    /// Why the last attempt failed (timeout, connection refused, non-2xx …).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    pub items: Vec<EndpointView>,
}
