//! `mailroom bench ingest`: the raw IMAP FETCH rate of a server against our full sync (fetch + parse + thread +
//! store) from the same server, one mode per process so that each peak RSS is its own.

pub mod load;
mod store;

use std::time::Instant;

use futures::TryStreamExt;

use crate::error::Error;
use crate::imap::client::{self, Target};
use crate::imap::model::{NewMailbox, Security};
use crate::{App, Config};

pub struct Server {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
}

pub struct Outcome {
    pub messages: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.messages as f64 / self.seconds.max(1e-9)
    }
}

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// What `raw_fetch` does with each message it fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Counts it (the server's and the connection's rate).
    Raw,
    /// Parses it on this task, one after another (the single-core ceiling of a sync whose storage cost nothing).
    Parse,
    /// Parses it as the sync does: chunks of 200 split across every core, the next chunk fetched meanwhile (the
    /// all-core ceiling).
    ParseAll,
}

/// Messages per chunk in `Fetch::ParseAll`, as the sync's default.
const CHUNK: usize = 200;

/// `UID FETCH 1:* BODY.PEEK[]` of the Inbox, counting messages and bytes, storing nothing; each message parsed
/// as `mode` says.
pub async fn raw_fetch(server: &Server, mode: Fetch) -> Result<Outcome, Error> {
    let target = Target {
        host: &server.host,
        port: server.port,
        security: Security::Plain,
        username: &server.username,
        secret: crate::imap::client::Secret::Password(&server.password),
    };
    let mut session = client::connect(&target).await?;
    client::examine(&mut session, "INBOX").await?;
    let started = Instant::now();
    let (mut messages, mut bytes) = (0u64, 0u64);
    {
        let mut stream = session
            .uid_fetch("1:*", "(UID BODY.PEEK[])")
            .await
            .map_err(client::lost)?;
        let mut chunk: Vec<Vec<u8>> = Vec::new();
        let mut parsing: Option<tokio::task::JoinHandle<Result<(), Error>>> = None;
        while let Some(f) = stream.try_next().await.map_err(client::lost)? {
            let body = f.body().unwrap_or_default();
            messages += 1;
            bytes += body.len() as u64;
            match mode {
                Fetch::Raw => {}
                Fetch::Parse => {
                    std::hint::black_box(crate::mail::parse::parse(body));
                }
                Fetch::ParseAll => {
                    chunk.push(body.to_vec());
                    if chunk.len() == CHUNK {
                        if let Some(previous) = parsing.take() {
                            previous.await.map_err(Error::internal)??;
                        }
                        parsing = Some(tokio::spawn(parse_all(std::mem::take(&mut chunk))));
                    }
                }
            }
        }
        if let Some(previous) = parsing.take() {
            previous.await.map_err(Error::internal)??;
        }
        parse_all(chunk).await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = session.logout().await;
    Ok(Outcome {
        messages,
        bytes,
        seconds,
        peak_rss_kib: peak_rss_kib(),
    })
}

async fn parse_all(chunk: Vec<Vec<u8>>) -> Result<(), Error> {
    crate::mail::pool::map_blocking(chunk, |raw| {
        std::hint::black_box(crate::mail::parse::parse(&raw));
    })
    .await
    .map(|_| ())
}

/// A full sync of the Inbox into a fresh database in `config.data_dir` (or `config.database_url`); with
/// `without_summary_triggers`, the report-summary and awaiting-recheck triggers (migrations 0033/0034) are dropped
/// first, to measure what they cost.
pub async fn full_sync(
    server: &Server,
    mut config: Config,
    without_summary_triggers: bool,
) -> Result<Outcome, Error> {
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    config.imap_workers = false;
    let app = App::build(&config)
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    let pool = &app.state.db.pool;
    if without_summary_triggers {
        store::drop_summary_triggers(&app.state.db).await?;
    }
    let new = NewMailbox {
        name: "bench".into(),
        host: server.host.clone(),
        port: server.port,
        security: Security::Plain,
        username: server.username.clone(),
        auth: Default::default(),
        password: server.password.clone(),
        oauth: None,
        smtp: None,
        folders: vec!["INBOX".into()],
        lead_owner_id: None,
        leads_from_outgoing: false,
        kind: None,
        owner_id: None,
        member_ids: Vec::new(),
        visibility: None,
    };
    let admin = crate::auth::service::find_user_by_email(pool, &config.admin_email).await?;
    let caller = crate::auth::Caller {
        id: admin.id,
        role: admin.role,
        email: admin.email,
    };
    let mailbox = crate::imap::create(pool, &app.state.secrets, &caller, new).await?;
    let started = Instant::now();
    let report = crate::imap::sync_now(
        pool,
        &app.state.secrets,
        mailbox.id,
        app.state.imap_fetch,
        &|_| {},
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Outcome {
        messages: report.fetched as u64,
        bytes: report.bytes as u64,
        seconds,
        peak_rss_kib: peak_rss_kib(),
    })
}
