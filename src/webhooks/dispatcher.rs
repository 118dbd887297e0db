//! The dispatcher every instance runs: produce events from the sources, send what is due, sleep, until shutdown.

use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;

use super::deliver::{self, Sender};
use super::{produce, Settings};
use crate::secrets::SecretBox;

#[derive(Clone)]
pub struct Dispatcher {
    pub pool: AnyPool,
    pub secrets: SecretBox,
    pub settings: Arc<Settings>,
    /// This instance's name in claims (unique per process and start).
    pub instance: String,
}

pub fn instance_name() -> String {
    use rand::Rng;
    format!(
        "{}-{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

pub async fn run(d: Dispatcher, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut errors = 0u32;
    loop {
        if *stop.borrow() {
            break;
        }
        let wait = match tick(&d).await {
            Ok(()) => {
                errors = 0;
                d.settings.poll
            }
            Err(error) => {
                errors += 1;
                tracing::warn!(%error, "webhook dispatcher");
                (d.settings.poll * 2u32.pow(errors.min(5))).min(Duration::from_secs(60))
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn tick(d: &Dispatcher) -> Result<(), crate::Error> {
    produce::produce(&d.pool, d.settings.settle_ms).await?;
    let sender = Sender {
        pool: &d.pool,
        secrets: &d.secrets,
        settings: &d.settings,
        instance: &d.instance,
    };
    deliver::deliver_due(&sender).await?;
    Ok(())
}
