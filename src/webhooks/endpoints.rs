//! What an admin does with endpoints: create (the secret shown once, stored sealed since it is needed to sign),
//! list, delete, enable again after the dispatcher disabled one, and read its delivery log. All audited.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Value};
use sqlx::AnyPool;

use super::model::{CreatedEndpoint, DeliveryView, EndpointView, NewEndpoint};
use super::store::{self, outbox, EndpointRow};
use super::{ssrf, Settings, EVENTS};
use crate::auth::Caller;
use crate::db::from_ms;
use crate::error::Error;
use crate::secrets::SecretBox;

const AUDIT_KIND: &str = "webhook";

fn check_events(events: &[String]) -> Result<Vec<String>, Error> {
    if events.is_empty() {
        return Err(Error::validation("events", "name at least one event"));
    }
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if !EVENTS.contains(&e.as_str()) {
            return Err(Error::validation(
                "events",
                format!("unknown event '{e}'; one of {}", EVENTS.join(", ")),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

pub async fn create(
    pool: &AnyPool,
    secrets: &SecretBox,
    settings: &Settings,
    (admin, new): (&Caller, NewEndpoint),
) -> Result<CreatedEndpoint, Error> {
    let events = check_events(&new.events)?;
    let url = ssrf::check(&new.url, settings.allow_private).await?;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes));
    let events_text = serde_json::to_string(&events).map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    let sealed = secrets.seal(&secret)?;
    let id = store::insert(&mut tx, url.as_str(), &events_text, &sealed, admin.id).await?;
    store::start_cursors(&mut tx).await?;
    let row = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    let endpoint = view(row);
    let after = json!({ "url": endpoint.url, "events": endpoint.events });
    crate::audit::settings_event(
        &mut tx,
        admin.id,
        "create",
        (AUDIT_KIND, id),
        &Value::Null,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedEndpoint { endpoint, secret })
}

pub async fn list(pool: &AnyPool) -> Result<Vec<EndpointView>, Error> {
    Ok(store::all(pool).await?.into_iter().map(view).collect())
}

pub async fn delete(pool: &AnyPool, admin: &Caller, id: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    let row = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    let before = json!({ "url": row.url, "events": serde_json::from_str::<Value>(&row.events).unwrap_or(Value::Null) });
    store::delete(&mut tx, id).await?;
    crate::audit::settings_event(
        &mut tx,
        admin.id,
        "delete",
        (AUDIT_KIND, id),
        &before,
        &Value::Null,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Enables the endpoint again (also when it is enabled: the failure count starts over); waiting deliveries go out
/// on the dispatcher's next round.
pub async fn enable(pool: &AnyPool, admin: &Caller, id: i64) -> Result<EndpointView, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let before = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    store::enable(&mut tx, id).await?;
    crate::audit::settings_event(
        &mut tx,
        admin.id,
        "enable",
        (AUDIT_KIND, id),
        &json!({ "enabled": before.enabled }),
        &json!({ "enabled": true }),
    )
    .await?;
    let row = store::by_id(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    tx.commit().await?;
    Ok(view(row))
}

pub async fn deliveries(
    pool: &AnyPool,
    id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<DeliveryView>, Error> {
    let mut conn = pool.acquire().await?;
    store::by_id(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    drop(conn);
    let rows = outbox::of_endpoint(pool, id, after, limit).await?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryView {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            next_attempt_at: (r.status == "pending").then(|| from_ms(r.next_attempt_at)),
            status: r.status,
            attempts: r.attempts,
            response_code: r.response_code,
            last_error: r.last_error,
            created_at: from_ms(r.created_at),
            delivered_at: r.delivered_at.map(from_ms),
        })
        .collect())
}

fn view(row: EndpointRow) -> EndpointView {
    EndpointView {
        id: row.id,
        url: row.url,
        events: serde_json::from_str(&row.events).unwrap_or_default(),
        enabled: row.enabled,
        consecutive_failures: row.consecutive_failures,
        disabled_at: row.disabled_at.map(from_ms),
        created_at: from_ms(row.created_at),
    }
}
