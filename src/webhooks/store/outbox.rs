//! SQL of the outbox of deliveries: queueing (once per endpoint and event), claiming before a send, recording the
//! outcome, and each endpoint's log.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::error::Error;

/// Queues an event for an endpoint; a second insert of the same (endpoint, event) does nothing.
pub async fn queue(
    conn: &mut AnyConnection,
    endpoint_id: i64,
    event_id: &str,
    event_type: &str,
    payload: &str,
) -> Result<(), Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, status, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $5) ON CONFLICT (endpoint_id, event_id) DO NOTHING",
    )
    .bind(endpoint_id)
    .bind(event_id)
    .bind(event_type)
    .bind(payload)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Due {
    pub id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub secret_sealed: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
}

/// Deliveries due now on enabled endpoints, not claimed by a live sender.
pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Due>, Error> {
    let rows = sqlx::query(
        "SELECT d.id, d.endpoint_id, e.url, e.secret_sealed, d.event_id, d.event_type, d.payload, d.attempts \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND d.claimed_until <= $1 AND e.enabled = 1 \
         ORDER BY d.next_attempt_at, d.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                endpoint_id: r.try_get("endpoint_id")?,
                url: r.try_get("url")?,
                secret_sealed: r.try_get("secret_sealed")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// Takes the delivery for this sender until `until`; false when another instance took it first.
pub async fn claim(
    pool: &AnyPool,
    id: i64,
    sender: &str,
    now: i64,
    until: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET claimed_by = $1, claimed_until = $2 \
         WHERE id = $3 AND status = 'pending' AND claimed_until <= $4 AND next_attempt_at <= $4",
    )
    .bind(sender)
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delivered(
    conn: &mut AnyConnection,
    id: i64,
    endpoint_id: i64,
    response_code: i64,
) -> Result<(), Error> {
    let now = now_ms();
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, response_code = $1, \
         last_error = NULL, delivered_at = $2, claimed_until = 0 WHERE id = $3",
    )
    .bind(response_code)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = $1")
        .bind(endpoint_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub struct Failure<'a> {
    pub response_code: Option<i64>,
    pub error: &'a str,
    /// None: give up (status `failed`).
    pub next_attempt_at: Option<i64>,
    pub disable_after: i64,
}

/// Records a failed attempt; the endpoint is disabled once its failures in a row reach `disable_after`.
pub async fn failed(
    conn: &mut AnyConnection,
    id: i64,
    endpoint_id: i64,
    f: Failure<'_>,
) -> Result<(), Error> {
    let now = now_ms();
    let status = if f.next_attempt_at.is_some() {
        "pending"
    } else {
        "failed"
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, response_code = $2, last_error = $3, \
         next_attempt_at = $4, claimed_until = 0 WHERE id = $5",
    )
    .bind(status)
    .bind(f.response_code)
    .bind(f.error)
    .bind(f.next_attempt_at.unwrap_or(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = $1",
    )
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_at = $1 \
         WHERE id = $2 AND enabled = 1 AND consecutive_failures >= $3",
    )
    .bind(now)
    .bind(endpoint_id)
    .bind(f.disable_after)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub response_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
}

pub async fn of_endpoint(
    pool: &AnyPool,
    endpoint_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, event_id, event_type, status, attempts, response_code, last_error, created_at, \
         next_attempt_at, delivered_at FROM webhook_deliveries WHERE endpoint_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3",
    )
    .bind(endpoint_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeliveryRow {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                status: r.try_get("status")?,
                attempts: r.try_get("attempts")?,
                response_code: r.try_get("response_code")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                delivered_at: r.try_get("delivered_at")?,
            })
        })
        .collect()
}
