//! Signed webhooks (issue 20.3): endpoints an admin registers, and a dispatcher per instance that turns new audit
//! entries, linked mail and finished campaigns into an outbox of deliveries and POSTs them, signed, with retries.
//! Nothing on the write paths knows about webhooks: events are read after cursors kept in the database.

pub mod deliver;
pub mod dispatcher;
mod endpoints;
pub mod model;
mod produce;
pub mod routes;
mod sign;
mod ssrf;
mod store;

use std::time::Duration;

pub use sign::signature;

/// The event types an endpoint may subscribe to (README "Webhooks").
pub const EVENTS: &[&str] = &[
    "lead.created",
    "lead.updated",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "deal.created",
    "deal.updated",
    "message.received",
    "campaign.finished",
];

/// How deliveries are made, from the configuration (`MAILROOM_WEBHOOK_*`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The first retry waits this long; each next one twice as long (capped at six hours).
    pub retry_base_ms: i64,
    /// A delivery is given up (`failed`) after this many attempts.
    pub max_attempts: i64,
    /// An endpoint is disabled after this many failed attempts in a row (any of its deliveries).
    pub disable_after: i64,
    /// How often the dispatcher looks for new events and due deliveries.
    pub poll: Duration,
    /// How long a fresh row behind a gap in the ids is held back, so that a transaction that took its id earlier
    /// but commits later is not skipped (PostgreSQL hands out ids before commit).
    pub settle_ms: i64,
    /// Endpoints on loopback or private addresses are refused unless this is set.
    pub allow_private: bool,
    /// Connect plus response timeout of one POST.
    pub client: reqwest::Client,
}

impl Settings {
    pub fn from_config(config: &crate::Config) -> Settings {
        let timeout = Duration::from_secs(config.webhook_timeout_seconds.max(1));
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect could point anywhere, a private address included: the endpoint's answer counts as is.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mailroom-Webhooks/1")
            .build()
            .expect("a client with timeouts builds");
        Settings {
            retry_base_ms: config.webhook_retry_base_ms.max(1),
            max_attempts: config.webhook_max_attempts.max(1),
            disable_after: config.webhook_disable_after.max(1),
            poll: Duration::from_millis(config.webhook_poll_ms.max(10)),
            settle_ms: config.webhook_settle_ms.max(0),
            allow_private: config.webhooks_allow_private,
            client,
        }
    }

    /// The wait before the attempt after `attempts` failed ones.
    pub fn backoff_ms(&self, attempts: i64) -> i64 {
        let exponent = (attempts - 1).clamp(0, 30) as u32;
        self.retry_base_ms
            .saturating_mul(1i64 << exponent)
            .min(6 * 3_600_000)
    }
}
