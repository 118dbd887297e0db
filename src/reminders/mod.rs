//! Task reminders that fire once across instances (an e-mail to the assignee and an entry in their notification
//! feed), the feed's API, and the signed links in the letter that mark the task done or snooze it.
//! Above `crm` (tasks, through its public functions) and `campaigns` (the relay the letter goes through).

pub mod clock;
pub mod digest;
mod digest_store;
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
}

impl Reminders {
    pub fn new(secret: &[u8]) -> Reminders {
        Reminders {
            clock: Clock::default(),
            link_key: Arc::new(links::derive_key(secret)),
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
