//! Task reminders that fire once across instances (an entry in the assignee's notification feed and an e-mail,
//! claimed before it is sent so it never goes twice), the daily digest, the feed's API, and the signed links in the
//! letter that mark the task done or snooze it.
//! Above `crm` (tasks, through its public functions) and `campaigns` (the relay the letter goes through).

pub mod clock;
pub mod digest;
pub mod letter;
pub mod links;
pub mod model;
pub mod pages;
pub mod routes;
mod store;
pub mod worker;

use std::sync::Arc;

pub use clock::Clock;

/// What the reminder worker and the link pages share, kept in the app state.
#[derive(Clone)]
pub struct Reminders {
    /// The one clock reminders read (tests move it).
    pub clock: Clock,
    /// Signs the links in reminder letters; derived from the server's token secret, so every instance agrees.
    pub link_key: Arc<Vec<u8>>,
    /// Names this instance in letter claims; random per start, so a restarted process never owns a dead one's.
    pub instance: Arc<str>,
    /// How long (real time) a claimed letter may go unsettled before its sender is taken for dead and the letter
    /// for uncertain (`MAILROOM_REMINDER_LEASE_SECONDS`).
    pub lease_ms: i64,
}

impl Reminders {
    pub fn new(secret: &[u8], lease_seconds: i64) -> Reminders {
        Reminders {
            clock: Clock::default(),
            link_key: Arc::new(links::derive_key(secret)),
            instance: format!("{:016x}", rand::random::<u64>()).into(),
            lease_ms: lease_seconds.max(1).saturating_mul(1000),
        }
    }
}

/// The relay reminder letters go through (None: feed only).
pub async fn relay(pool: &sqlx::AnyPool) -> Result<Option<String>, crate::error::Error> {
    store::relay(pool).await
}

/// Names the relay for reminder letters (`default` or a stored relay; None: feed only), audited.
pub async fn set_relay(
    pool: &sqlx::AnyPool,
    campaigns: &crate::campaigns::Settings,
    caller: &crate::auth::Caller,
    relay: Option<&str>,
) -> Result<Option<String>, crate::error::Error> {
    let relay = relay.map(str::trim).filter(|r| !r.is_empty());
    // Refuses a name that is not a relay (422), so a typo does not silently turn letters off.
    crate::campaigns::relays::resolve(pool, campaigns, relay).await?;
    let before = store::relay(pool).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_relay(&mut tx, relay).await?;
    crate::crm::audit::settings_event(
        &mut tx,
        caller.id,
        "settings",
        ("reminder_relay", 0),
        &serde_json::json!(before),
        &serde_json::json!(relay),
    )
    .await?;
    tx.commit().await?;
    Ok(relay.map(str::to_string))
}
