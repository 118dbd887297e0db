//! `mailroom bench http`: many concurrent clients sending GET requests to a running server, each over its own
//! keep-alive connection, for the lookup benchmark at 50 clients (scripts/bench-lookup.py).
//!
//! Open loop when a rate is given: every request has a scheduled send time and its latency counts from then, so
//! a slow answer that delays the next request is not hidden (coordinated omission). Without a rate each client
//! sends its next request when the last one is answered (closed loop: the server's throughput).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Error;

pub struct Load {
    /// `http://host:port`
    pub base: String,
    pub token: String,
    /// Paths with their query, each client going through them from its own offset.
    pub paths: Vec<String>,
    pub clients: usize,
    /// Requests per second over all clients; `None` for a closed loop.
    pub rate: Option<f64>,
    pub duration: Duration,
}

pub struct Measured {
    /// Milliseconds, sorted.
    pub latencies: Vec<f64>,
    pub errors: u64,
    pub seconds: f64,
}

impl Measured {
    pub fn percentile(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let at = ((q * self.latencies.len() as f64) as usize).min(self.latencies.len() - 1);
        self.latencies[at]
    }

    pub fn achieved(&self) -> f64 {
        (self.latencies.len() as u64 + self.errors) as f64 / self.seconds.max(1e-9)
    }
}

/// Runs the load for `duration` and collects every latency.
pub async fn run(load: Load) -> Result<Measured, Error> {
    if load.paths.is_empty() || load.clients == 0 {
        return Err(Error::validation("paths", "no paths or no clients"));
    }
    let load = Arc::new(load);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..load.clients {
        tasks.push(tokio::spawn(client(load.clone(), k, started)));
    }
    let mut out = Measured {
        latencies: Vec::new(),
        errors: 0,
        seconds: 0.0,
    };
    for task in tasks {
        let (latencies, errors) = task.await.map_err(Error::internal)??;
        out.latencies.extend(latencies);
        out.errors += errors;
    }
    out.seconds = started.elapsed().as_secs_f64();
    out.latencies.sort_by(f64::total_cmp);
    Ok(out)
}

async fn client(load: Arc<Load>, k: usize, started: Instant) -> Result<(Vec<f64>, u64), Error> {
    // One connection per client, as 50 side panels would hold.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(Error::internal)?;
    // Each client's requests are `clients / rate` apart, the clients spread evenly over that interval.
    let interval = load
        .rate
        .map(|r| Duration::from_secs_f64(load.clients as f64 / r.max(1e-6)));
    let phase = interval.map_or(Duration::ZERO, |i| {
        i.mul_f64(k as f64 / load.clients as f64)
    });
    let (mut latencies, mut errors) = (Vec::new(), 0u64);
    let stride = (load.paths.len() / load.clients).max(1);
    let mut n = 0usize;
    loop {
        let due = match interval {
            Some(i) => started + phase + i.mul_f64(n as f64),
            None => Instant::now(),
        };
        if due.duration_since(started) >= load.duration {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let path = &load.paths[(k * stride + n) % load.paths.len()];
        let answer = http
            .get(format!("{}{path}", load.base))
            .bearer_auth(&load.token)
            .send()
            .await;
        let ok = match answer {
            Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
            _ => false,
        };
        if ok {
            latencies.push(due.elapsed().as_secs_f64() * 1000.0);
        } else {
            errors += 1;
        }
        n += 1;
    }
    Ok((latencies, errors))
}
