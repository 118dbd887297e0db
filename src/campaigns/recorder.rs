//! Group commit for a campaign run: the connections' record-and-claim requests that wait while a transaction runs
//! go together into the next one. On SQLite every transaction is serial, so one per connection per chunk made the
//! database the limit on the send rate; now a transaction serves every connection that is ready.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool};
use tokio::sync::{mpsc, oneshot};

use super::store::claims::{self, Fate};
use crate::error::Error;

/// How long the recorder keeps its connection without a request.
const IDLE: Duration = Duration::from_secs(1);

struct Request {
    settled: Vec<(i64, Fate)>,
    reset_failures: bool,
    claim: Vec<i64>,
    reply: oneshot::Sender<Result<Vec<i64>, Error>>,
}

/// Hands requests to the run's recorder task; the task ends when the last `Recorder` is dropped.
pub struct Recorder(mpsc::UnboundedSender<Request>);

impl Recorder {
    pub fn start(pool: AnyPool, campaign_id: i64, worker: String, marketing: bool) -> Recorder {
        let (tx, rx) = mpsc::unbounded_channel();
        let target = Target {
            pool,
            conn: None,
            campaign_id,
            worker,
            marketing,
        };
        tokio::spawn(target.serve(rx));
        Recorder(tx)
    }

    /// Records the fates of `settled` (letters this worker claimed), clears the failure streak when
    /// `reset_failures`, then claims those of `claim` that may still be mailed; returns the ids claimed.
    pub async fn record_and_claim(
        &self,
        settled: Vec<(i64, Fate)>,
        reset_failures: bool,
        claim: Vec<i64>,
    ) -> Result<Vec<i64>, Error> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            settled,
            reset_failures,
            claim,
            reply,
        };
        self.0
            .send(request)
            .map_err(|_| Error::internal("the campaign's recorder stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("the campaign's recorder stopped"))?
    }
}

struct Target {
    pool: AnyPool,
    /// Held while requests keep coming (given back after `IDLE`): on SQLite a connection's page cache survives
    /// only its own writes.
    conn: Option<PoolConnection<Any>>,
    campaign_id: i64,
    worker: String,
    marketing: bool,
}

impl Target {
    async fn serve(mut self, mut rx: mpsc::UnboundedReceiver<Request>) {
        loop {
            let first = if self.conn.is_some() {
                match tokio::time::timeout(IDLE, rx.recv()).await {
                    Ok(first) => first,
                    Err(_) => {
                        // A run that waits (a rate limit, retries later) holds no connection meanwhile.
                        self.conn = None;
                        rx.recv().await
                    }
                }
            } else {
                rx.recv().await
            };
            let Some(first) = first else { break };
            let mut group = vec![first];
            while let Ok(more) = rx.try_recv() {
                group.push(more);
            }
            let settled: Vec<(i64, Fate)> = group
                .iter()
                .flat_map(|r| r.settled.iter().cloned())
                .collect();
            let reset = group.iter().any(|r| r.reset_failures);
            let claim: Vec<i64> = group.iter().flat_map(|r| r.claim.iter().copied()).collect();
            let began = std::time::Instant::now();
            let result = self.commit(&settled, reset, &claim).await;
            tracing::debug!(
                campaign = self.campaign_id,
                requests = group.len(),
                recorded = settled.len(),
                claimed = claim.len(),
                ms = began.elapsed().as_secs_f64() * 1e3,
                "recorded and claimed"
            );
            match result {
                Ok(claimed) => {
                    for r in group {
                        let mine = r.claim.into_iter().filter(|id| claimed.contains(id));
                        let _ = r.reply.send(Ok(mine.collect()));
                    }
                }
                Err(e) => {
                    for r in group {
                        let _ = r.reply.send(Err(Error::internal(e.to_string())));
                    }
                }
            }
        }
    }

    /// One transaction, tried again after a database error (it rolled back, so nothing was half done); letters
    /// whose fate could not be recorded stay claimed by this live worker and are never resent.
    async fn commit(
        &mut self,
        settled: &[(i64, Fate)],
        reset: bool,
        claim: &[i64],
    ) -> Result<Vec<i64>, Error> {
        let mut attempt = 0;
        loop {
            let result = match self.conn.take() {
                Some(conn) => Ok(conn),
                None => self.pool.acquire().await.map_err(Error::from),
            };
            let result = match result {
                Ok(mut conn) => {
                    let claimed = claims::settle_and_claim(
                        &mut conn,
                        self.campaign_id,
                        &self.worker,
                        self.marketing,
                        settled,
                        reset,
                        claim,
                    )
                    .await;
                    // Kept only while it works: a fresh connection for the next try.
                    if claimed.is_ok() {
                        self.conn = Some(conn);
                    }
                    claimed
                }
                Err(e) => Err(e),
            };
            attempt += 1;
            match result {
                Err(e) if attempt < 3 => {
                    tracing::warn!(campaign = self.campaign_id, error = %e, "recording letters failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
                other => return other,
            }
        }
    }
}
