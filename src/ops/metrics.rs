//! `GET /metrics` in the Prometheus text format: HTTP latency (per route template, measured in this process),
//! the database pool of this process, and — read from the database at each scrape, so the same on every instance —
//! sync lag per mailbox, messages stored, letters by state and the send queue.
//!
//! Who may scrape: with `MAILROOM_METRICS_TOKEN` set, a request bearing it; without, only a direct loopback peer
//! that no proxy forwarded (a reverse proxy on the same host would otherwise make every outside request loopback).

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use secrecy::{ExposeSecret, SecretString};

use super::store;
use crate::app::AppState;
use crate::db::now_ms;
use crate::error::{AuthFailure, Error};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route's template (`/api/v1/contacts/{id}`), never the raw path: ids would make a series each.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MailboxLabels {
    mailbox_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LetterLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type Seconds = Gauge<f64, AtomicU64>;

/// This process's metrics, shared by the middleware and the scrape.
#[derive(Clone)]
pub struct Metrics {
    http: Family<HttpLabels, Histogram, fn() -> Histogram>,
    token: Option<SecretString>,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    pub fn new(token: Option<SecretString>) -> Self {
        Metrics {
            http: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            token,
        }
    }
}

/// Times every request under its route template (`unmatched` for a path no route has).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = HttpLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    state
        .metrics
        .http
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

fn may_scrape(
    metrics: &Metrics,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), Error> {
    match &metrics.token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(Error::Unauthorized(AuthFailure::Missing))?;
            // Digests compared, so the comparison's time tells nothing about the token.
            use sha2::{Digest, Sha256};
            if Sha256::digest(given.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
            {
                Ok(())
            } else {
                Err(Error::Unauthorized(AuthFailure::Invalid))
            }
        }
        None => {
            let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|h| headers.contains_key(*h));
            match peer {
                Some(addr) if addr.ip().is_loopback() && !proxied => Ok(()),
                _ => Err(Error::Forbidden),
            }
        }
    }
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    description = "Prometheus metrics (OpenMetrics text). With MAILROOM_METRICS_TOKEN set, send it as a bearer token; \
                   without it only a direct loopback client (no proxy headers) may scrape.",
    responses((status = 200, description = "the metrics", content_type = "application/openmetrics-text"),
              (status = 401, description = "token missing or wrong", body = crate::error::ErrorBody),
              (status = 403, description = "not a loopback client and no token configured", body = crate::error::ErrorBody)))]
pub async fn scrape(State(state): State<AppState>, request: Request) -> Result<Response, Error> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    may_scrape(&state.metrics, peer, request.headers())?;
    let pool = &state.db.pool;
    let mut registry = Registry::with_prefix("mailroom");
    registry.register(
        "http_request_duration_seconds",
        "HTTP requests by route template, method and status (this instance)",
        state.metrics.http.clone(),
    );

    let now = now_ms();
    let lag = Family::<MailboxLabels, Seconds>::default();
    let failing = Family::<MailboxLabels, Gauge>::default();
    for m in store::mailboxes(pool).await? {
        let labels = MailboxLabels {
            mailbox_id: m.id.to_string(),
        };
        lag.get_or_create(&labels)
            .set((now - m.since_ms).max(0) as f64 / 1000.0);
        failing.get_or_create(&labels).set(i64::from(m.failing));
    }
    registry.register(
        "mailbox_sync_lag_seconds",
        "Seconds since each enabled mailbox last synced successfully (since it was added, if never)",
        lag,
    );
    registry.register(
        "mailbox_sync_failing",
        "1 while a mailbox's last sync attempt failed",
        failing,
    );

    let messages = Gauge::<i64>::default();
    messages.set(store::messages(pool).await?);
    registry.register(
        "messages_stored",
        "Messages stored (all mailboxes)",
        messages,
    );

    let letters = Family::<LetterLabels, Gauge>::default();
    for (kind, state, n) in store::letters(pool).await? {
        letters.get_or_create(&LetterLabels { kind, state }).set(n);
    }
    registry.register(
        "letters",
        "Letters by kind (campaign, sequence, reminder, digest) and state (sent, failed, uncertain, …)",
        letters,
    );

    let queue = Family::<KindLabels, Gauge>::default();
    for (kind, n) in store::send_queue(pool, now).await? {
        queue.get_or_create(&KindLabels { kind }).set(n);
    }
    registry.register(
        "send_queue",
        "Letters waiting to go: campaign recipients pending in sending campaigns, sequence steps due",
        queue,
    );

    let connections = Family::<PoolLabels, Gauge>::default();
    let (size, idle) = (i64::from(pool.size()), pool.num_idle() as i64);
    connections
        .get_or_create(&PoolLabels { state: "idle" })
        .set(idle);
    connections
        .get_or_create(&PoolLabels { state: "in_use" })
        .set((size - idle).max(0));
    registry.register(
        "db_pool_connections",
        "This instance's database connections by state",
        connections,
    );
    let max = Gauge::<i64>::default();
    max.set(i64::from(pool.options().get_max_connections()));
    registry.register(
        "db_pool_max_connections",
        "This instance's pool size limit",
        max,
    );

    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &registry).map_err(Error::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
