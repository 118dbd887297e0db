//! Sending due deliveries: claim (so that one instance sends each), sign, POST, record the outcome with
//! exponential backoff, and disable an endpoint after too many failures in a row.

use futures::StreamExt;
use sqlx::AnyPool;

use super::store::outbox::{self, Due, Failure};
use super::{sign, ssrf, Settings};
use crate::db::now_ms;
use crate::error::Error;
use crate::secrets::SecretBox;

/// How long a claim holds: past the HTTP timeout, so that a slow endpoint is not sent to twice.
const CLAIM_MS: i64 = 120_000;
/// Deliveries sent at once by one instance.
const PARALLEL: usize = 8;
/// How much of an endpoint's answer is kept in the log when it fails.
const ERROR_CHARS: usize = 300;

pub struct Sender<'a> {
    pub pool: &'a AnyPool,
    pub secrets: &'a SecretBox,
    pub settings: &'a Settings,
    /// This instance's name in claims.
    pub instance: &'a str,
}

/// Sends what is due; returns how many deliveries this instance attempted.
pub async fn deliver_due(s: &Sender<'_>) -> Result<usize, Error> {
    let now = now_ms();
    let due = outbox::due(s.pool, now, 100).await?;
    let mut mine = Vec::new();
    for d in due {
        if outbox::claim(s.pool, d.id, s.instance, now, now + CLAIM_MS).await? {
            mine.push(d);
        }
    }
    let count = mine.len();
    futures::stream::iter(mine)
        .for_each_concurrent(PARALLEL, |d| async move {
            if let Err(error) = attempt(s, &d).await {
                tracing::warn!(delivery = d.id, %error, "recording a webhook delivery failed");
            }
        })
        .await;
    Ok(count)
}

enum Outcome {
    Delivered(i64),
    Failed { code: Option<i64>, error: String },
}

async fn attempt(s: &Sender<'_>, d: &Due) -> Result<(), Error> {
    let outcome = post(s, d).await;
    let mut tx = crate::db::begin(s.pool).await?;
    match outcome {
        Outcome::Delivered(code) => outbox::delivered(&mut tx, d.id, d.endpoint_id, code).await?,
        Outcome::Failed { code, error } => {
            let attempts = d.attempts + 1;
            let next_attempt_at = (attempts < s.settings.max_attempts)
                .then(|| now_ms() + s.settings.backoff_ms(attempts));
            tracing::info!(delivery = d.id, attempts, %error, "webhook delivery failed");
            let failure = Failure {
                response_code: code,
                error: &error,
                next_attempt_at,
                disable_after: s.settings.disable_after,
            };
            outbox::failed(&mut tx, d.id, d.endpoint_id, failure).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn post(s: &Sender<'_>, d: &Due) -> Outcome {
    let failed = |error: String| Outcome::Failed { code: None, error };
    let secret = match s.secrets.open(&d.secret_sealed) {
        Ok(secret) => secret,
        Err(e) => return failed(e.to_string()),
    };
    // Again at send time: the name may resolve to a private address now.
    let url = match ssrf::check(&d.url, s.settings.allow_private).await {
        Ok(url) => url,
        Err(e) => return failed(e.to_string()),
    };
    let unix = time::OffsetDateTime::now_utc().unix_timestamp();
    let response = s
        .settings
        .client
        .post(url)
        .header("content-type", "application/json")
        .header(
            "x-mailroom-signature",
            sign::signature(&secret, unix, &d.payload),
        )
        .header("x-mailroom-event", &d.event_type)
        .header("x-mailroom-event-id", &d.event_id)
        .header("x-mailroom-attempt", (d.attempts + 1).to_string())
        .body(d.payload.clone())
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Outcome::Delivered(i64::from(r.status().as_u16())),
        Ok(r) => {
            let code = i64::from(r.status().as_u16());
            let text = r.text().await.unwrap_or_default();
            let text: String = text.chars().take(ERROR_CHARS).collect();
            Outcome::Failed {
                code: Some(code),
                error: format!("HTTP {code}: {text}"),
            }
        }
        Err(e) if e.is_timeout() => failed("timed out".into()),
        Err(e) => failed(format!("{e}")),
    }
}
