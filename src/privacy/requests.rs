//! The list of past data subject requests (their tombstones), for the console's Personal data page: who asked,
//! when, what, why and what was done — never the person, who is kept only as a salted hash and not shown.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::db::from_ms;
use crate::error::Error;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Request id from the previous page's `next_before`.
    pub before: Option<i64>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyRequest {
    pub id: i64,
    /// `export` or `erase`.
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub requested_by: Option<i64>,
    pub requested_by_email: Option<String>,
    /// Why (erasures; null for exports).
    pub reason: Option<String>,
    /// What the request found or did (an erasure's report; an export's counts).
    #[schema(value_type = Object)]
    pub counts: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyRequestPage {
    /// Newest first.
    pub items: Vec<PrivacyRequest>,
    /// Pass as `before` for older requests.
    pub next_before: Option<i64>,
}

/// One page of requests, newest first.
pub async fn page(pool: &AnyPool, q: &RequestQuery) -> Result<PrivacyRequestPage, Error> {
    let limit = match q.limit {
        None => 50,
        Some(n @ 1..=200) => n,
        Some(_) => return Err(Error::validation("limit", "must be between 1 and 200")),
    };
    let rows = sqlx::query(
        "SELECT r.id, r.kind, r.at, r.requested_by, u.email, r.reason, r.counts
         FROM privacy_requests r LEFT JOIN users u ON u.id = r.requested_by
         WHERE r.id < $1 ORDER BY r.id DESC LIMIT $2",
    )
    .bind(q.before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let counts: String = r.try_get(6)?;
        items.push(PrivacyRequest {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            at: from_ms(r.try_get(2)?),
            requested_by: r.try_get(3)?,
            requested_by_email: r.try_get(4)?,
            reason: r.try_get(5)?,
            counts: serde_json::from_str(&counts).unwrap_or(Value::Null),
        });
    }
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    Ok(PrivacyRequestPage { items, next_before })
}
