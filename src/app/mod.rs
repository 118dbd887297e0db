//! `App::build` turns a `Config` into a bound, ready server: data directory, database and migrations,
//! token keys, the first admin, the router. `run` serves until the shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::api::{self, RouteInfo};
use crate::auth::service::{self, FirstAdmin, LoginThrottle};
use crate::auth::token::{self, TokenKeys};
use crate::campaigns::{self, bounces, unsubscribe};
use crate::config::Config;
use crate::db::Db;
use crate::imap::progress::SyncBoard;
use crate::imap::sync::FetchLimits;
use crate::imap::worker::{self, Worker};
use crate::secrets::SecretBox;
pub use crate::shutdown::shutdown_signal;
use serve::{serve, HttpTimeouts};

mod serve;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub tokens: TokenKeys,
    pub throttle: LoginThrottle,
    /// Encrypts mailbox passwords at rest.
    pub secrets: SecretBox,
    /// The server's public base URL (add-in manifest, links), when configured.
    pub public_url: Option<String>,
    /// The redirect URL registered with OAuth2 providers, when configured.
    pub oauth_redirect_url: Option<String>,
    pub campaigns: Arc<campaigns::Settings>,
    /// Chunk and message size limits of IMAP sync.
    pub imap_fetch: FetchLimits,
    /// Identity providers' signing keys (OIDC sign-in, the add-in's bearer tokens).
    pub jwks: crate::auth::jwks::JwksCache,
    /// Running and last mailbox syncs (the console's progress bar), shared with the background worker.
    pub sync_progress: SyncBoard,
    /// Reminders' clock (tests move it) and the key that signs the links in reminder letters.
    pub reminders: crate::reminders::Reminders,
    /// Request latencies for `/metrics`, and who may scrape it.
    pub metrics: crate::ops::metrics::Metrics,
    /// Webhook delivery settings and their HTTP client (issue 20.3).
    pub webhooks: Arc<crate::webhooks::Settings>,
    /// Web forms' rate limit per client address (issue 20.2).
    pub forms: crate::forms::Settings,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`MAILROOM_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
    pub routes: Vec<RouteInfo>,
    /// Set when this start created the first admin.
    pub first_admin: Option<(String, Option<String>)>,
    /// The background mailbox sync, when enabled.
    worker: Option<Worker>,
    send_worker: bool,
    webhook_worker: bool,
    timeouts: HttpTimeouts,
    /// A SQLite database's lock file, held shared while this server runs (a restore takes it exclusive).
    _db_lock: Option<std::fs::File>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database: {0}")]
    Locked(String),
    #[error("first admin: {0}")]
    FirstAdmin(crate::error::Error),
    #[error("campaign relays: {0}")]
    Relays(crate::error::Error),
    #[error("MAILROOM_TRUSTED_PROXIES: {0}")]
    TrustedProxies(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

impl App {
    pub async fn build(config: &Config) -> Result<App, StartError> {
        let data_dir = prepare_data_dir(&config.data_dir)?;
        let trusted_proxies = crate::api::extract::parse_proxies(config.trusted_proxies.as_deref())
            .map_err(StartError::TrustedProxies)?;
        let url = config
            .database_url
            .as_ref()
            .map(|s| s.expose_secret().to_string())
            .unwrap_or_else(|| crate::config::default_database_url(&data_dir));
        let db_lock = match crate::db::Backend::from_url(&url) {
            Some(crate::db::Backend::Sqlite) => Some(
                crate::ops::backup::sqlite_path(&url)
                    .and_then(|path| crate::db::lock::shared(&path))
                    .map_err(StartError::Locked)?,
            ),
            _ => None,
        };
        let db = Db::connect(&url, config.db_max_connections).await?;
        tracing::info!(backend = ?db.backend, "database ready");

        let secret = match &config.jwt_secret {
            Some(s) => s.expose_secret().as_bytes().to_vec(),
            None => {
                token::load_or_create_secret(&data_dir).map_err(|source| StartError::DataDir {
                    path: data_dir.display().to_string(),
                    source,
                })?
            }
        };
        let tokens = TokenKeys::new(&secret, time::Duration::minutes(config.token_ttl_minutes));
        let throttle = LoginThrottle {
            max_per_account: config.login_max_failures,
            max_per_addr: config.login_max_failures * 4,
            window_ms: config.login_window_minutes * 60_000,
        };

        let configured = config
            .admin_password
            .as_ref()
            .map(|s| s.expose_secret().to_string());
        let first_admin =
            match service::ensure_first_admin(&db.pool, &config.admin_email, configured)
                .await
                .map_err(StartError::FirstAdmin)?
            {
                FirstAdmin::AlreadyThere => None,
                FirstAdmin::Created {
                    email,
                    generated_password,
                } => Some((email, generated_password)),
            };

        let secrets = SecretBox::load(
            config.secret_key.as_ref().map(|s| s.expose_secret()),
            &data_dir,
        )
        .map_err(|source| StartError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        campaigns::relays::adopt_legacy_urls(&db.pool, &secrets)
            .await
            .map_err(StartError::Relays)?;
        let sync_progress = SyncBoard::default();
        let worker = config.imap_workers.then(|| Worker {
            progress: sync_progress.clone(),
            pool: db.pool.clone(),
            secrets: secrets.clone(),
            poll: std::time::Duration::from_secs(config.imap_poll_seconds.max(1)),
            lease: std::time::Duration::from_secs(config.sync_lease_seconds.max(1)),
            fetch: FetchLimits::from_config(config),
            connections: config.imap_connections.max(1) as usize,
            // pid and start for the admin's eye; random bits for apps a test process starts in one millisecond.
            instance: format!(
                "{}-{}-{:04x}",
                std::process::id(),
                crate::db::now_ms(),
                rand::random::<u16>()
            ),
        });
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
        let state = AppState {
            db,
            tokens,
            throttle,
            public_url: config.public_url.clone(),
            oauth_redirect_url: config.oauth_redirect_url.clone(),
            jwks: crate::auth::jwks::JwksCache::new(),
            campaigns: Arc::new(campaign_settings(config, &secret, local, secrets.clone())),
            imap_fetch: FetchLimits::from_config(config),
            secrets,
            sync_progress,
            reminders: crate::reminders::Reminders::new(&secret, config.reminder_lease_seconds),
            metrics: crate::ops::metrics::Metrics::new(config.metrics_token.clone()),
            webhooks: Arc::new(crate::webhooks::Settings::from_config(config)),
            forms: crate::forms::Settings::from_config(config),
            trusted_proxies: Arc::new(trusted_proxies),
        };
        bounces::set_soft_bounce_limit(config.soft_bounce_limit);
        let (router, routes) = api::router(state.clone());
        Ok(App {
            listener,
            router,
            state,
            routes,
            first_admin,
            worker,
            send_worker: config.send_worker,
            _db_lock: db_lock,
            webhook_worker: config.webhook_worker,
            timeouts: HttpTimeouts {
                header: Duration::from_secs(config.http_header_timeout_seconds.max(1)),
                body: Duration::from_secs(config.http_body_timeout_seconds.max(1)),
            },
        })
    }

    /// A campaign sender over this app's database and settings (the CLI's `campaign send` uses it).
    pub fn sender(&self) -> campaigns::Sender {
        campaigns::Sender::new(self.state.db.clone(), self.state.campaigns.clone())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let imports_stop = stop_rx.clone();
        let reminders_stop = stop_rx.clone();
        let sequences_stop = stop_rx.clone();
        let webhooks_stop = stop_rx.clone();
        let awaiting = tokio::spawn(crate::awaiting::worker::run(
            self.state.db.pool.clone(),
            stop_rx.clone(),
        ));
        // Full-text search's indexer (issue 19): mail after the shared cursor, queued record and note changes.
        let search = tokio::spawn(crate::search::worker::run(
            self.state.db.clone(),
            stop_rx.clone(),
        ));
        // Retention policies (issue 20.1): one pass an hour in one of the instances.
        let retention = tokio::spawn(crate::retention::worker::run(
            self.state.db.clone(),
            stop_rx.clone(),
        ));
        let background = self.worker.clone().map(|w| worker::spawn(w, stop_rx));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = self
            .send_worker
            .then(|| tokio::spawn(campaigns::send::worker(self.sender(), stopped)));
        // Imports run in the background and resume after a restart (their state is in the database).
        let imports = tokio::spawn(crate::transfer::import::job::worker(
            self.state.db.pool.clone(),
            imports_stop,
        ));
        let reminders = tokio::spawn(crate::reminders::worker::run(
            crate::reminders::worker::Worker {
                pool: self.state.db.pool.clone(),
                campaigns: self.state.campaigns.clone(),
                reminders: self.state.reminders.clone(),
            },
            reminders_stop,
        ));
        // Follow-up sequences (issue 18): at the reminders' clock, which tests move.
        let clock = self.state.reminders.clock.clone();
        let sequences = tokio::spawn(crate::sequences::worker::run(
            crate::sequences::worker::sender(&self.state),
            move || clock.now_ms(),
            sequences_stop,
        ));
        // Webhooks (issue 20.3): every instance may run one; deliveries are claimed before they are sent.
        let webhooks = self.webhook_worker.then(|| {
            let dispatcher = crate::webhooks::dispatcher::Dispatcher {
                pool: self.state.db.pool.clone(),
                secrets: self.state.secrets.clone(),
                settings: self.state.webhooks.clone(),
                instance: crate::webhooks::dispatcher::instance_name(),
            };
            tokio::spawn(crate::webhooks::dispatcher::run(dispatcher, webhooks_stop))
        });
        let served = serve(self.listener, self.router, self.timeouts, shutdown).await;
        // Letters in flight finish and are recorded, and mailbox sync stops, before the pool closes.
        let _ = stop.send(true);
        let _ = stop_tx.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        if let Some(task) = background {
            let _ = task.await;
        }
        let _ = imports.await;
        let _ = reminders.await;
        let _ = awaiting.await;
        let _ = search.await;
        let _ = retention.await;
        let _ = sequences.await;
        if let Some(task) = webhooks {
            let _ = task.await;
        }
        served?;
        self.state.db.pool.close().await;
        Ok(())
    }
}

/// Accepts connections until `shutdown` completes, then waits for the requests in flight (idle connections close
/// at once). hyper enforces the header read timeout; each request body is wrapped in tower-http's stall timeout,
/// which the JSON extractor answers with 408.
fn campaign_settings(
    config: &Config,
    secret: &[u8],
    local: SocketAddr,
    secrets: SecretBox,
) -> campaigns::Settings {
    let public_url = config.public_url.clone().unwrap_or_else(|| {
        tracing::warn!("MAILROOM_PUBLIC_URL is not set: unsubscribe links in campaign letters use http://{local}");
        format!("http://{local}")
    });
    campaigns::Settings {
        mail_from: config.mail_from.clone(),
        bounce_address: config.bounce_address.clone(),
        smtp_url: config.smtp_url.clone(),
        secrets,
        public_url: public_url.trim_end_matches('/').to_string(),
        unsubscribe_key: unsubscribe::derive_key(secret),
        lease_ms: config.send_lease_seconds.max(1) * 1000,
        retry_base_ms: config.send_retry_base_ms.max(1),
        server_limits: Default::default(),
    }
}

fn prepare_data_dir(dir: &Path) -> Result<std::path::PathBuf, StartError> {
    let fail = |source| StartError::DataDir {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    dir.canonicalize().map_err(fail)
}
