//! Server configuration: defaults, then an optional TOML file, then `MAILROOM_*` environment variables.
//! Secrets are wrapped so that printing the config never shows them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Plain,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// Seconds a client has to send a request's line and headers (an idle kept-alive connection is closed too).
    pub http_header_timeout_seconds: u64,
    /// Seconds a request body may stall between two pieces before the request answers 408.
    pub http_body_timeout_seconds: u64,
    /// Where the SQLite database, the JWT secret and other local state live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to a SQLite file in `data_dir`.
    pub database_url: Option<SecretString>,
    /// HMAC secret for tokens; generated into `data_dir` on first start when absent.
    pub jwt_secret: Option<SecretString>,
    /// Lifetime of an access token, in minutes.
    pub token_ttl_minutes: i64,
    /// Login failures per account (and, times four, per client address) within the window before refusing.
    pub login_max_failures: i64,
    pub login_window_minutes: i64,
    /// Public base URL (used in links the server hands out).
    pub public_url: Option<String>,
    /// Where OAuth2 providers send the admin back after consent (registered with each provider): the console page
    /// that hands `code` and `state` to `GET /api/v1/oauth/callback`.
    pub oauth_redirect_url: Option<String>,
    /// First admin, created when no admin exists yet.
    pub admin_email: String,
    pub admin_password: Option<SecretString>,
    pub log_format: LogFormat,
    /// tracing filter, e.g. `info` or `mailroom=debug,tower_http=info`.
    pub log: String,
    /// Largest database pool per server instance.
    pub db_max_connections: u32,
    /// Base64 of 32 bytes that encrypt mailbox passwords; generated into `data_dir` when absent.
    pub secret_key: Option<SecretString>,
    /// Bearer token a Prometheus scrape of `/metrics` must send; without one, only loopback clients may scrape.
    pub metrics_token: Option<SecretString>,
    /// Keep connected mailboxes synced in the background (IDLE / polling).
    pub imap_workers: bool,
    /// Longest wait between full syncs of a mailbox (IDLE wakes earlier on news in a watched folder).
    pub imap_poll_seconds: u64,
    /// IMAP connections per mailbox: one syncs, each other IDLEs on one synced folder (beyond them: the poll).
    pub imap_connections: u32,
    /// Seconds a mailbox lease lasts without renewal (instances renew theirs and heartbeat every quarter of it): an
    /// instance silent this long is taken for dead and its mailboxes are synced by the others.
    pub sync_lease_seconds: u64,
    /// Bytes of message bodies per IMAP FETCH (and per stored chunk), besides the limit of 200 messages.
    pub imap_chunk_bytes: u64,
    /// A larger message is stored as its headers with a marker saying it was not downloaded.
    pub imap_max_message_bytes: u64,
    /// Default SMTP server for campaigns: `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465`. A campaign may name its own.
    pub smtp_url: Option<SecretString>,
    /// Default From of campaign letters, e.g. `Nordwind <news@nordwind.ru>`.
    pub mail_from: String,
    /// Envelope sender base for VERP bounces (`bounces@nordwind.ru` -> `bounces+c12-r34@nordwind.ru`);
    /// defaults to `bounces@` the From domain.
    pub bounce_address: Option<String>,
    /// Run the campaign send worker inside `serve`.
    pub send_worker: bool,
    /// Seconds without a heartbeat after which a send worker's claimed letters are declared `unknown`.
    pub send_lease_seconds: i64,
    /// Soft bounces of one address before it is suppressed.
    pub soft_bounce_limit: i64,
    /// First retry delay after an SMTP 4xx, in milliseconds; doubles with each attempt.
    pub send_retry_base_ms: i64,
    /// Seconds a reminder or digest letter may stay claimed and unsettled before it is taken for uncertain (its
    /// sender died mid-send); it is never sent again either way.
    pub reminder_lease_seconds: i64,
    /// Run the webhook dispatcher inside `serve` (every instance may: deliveries are claimed before they are sent).
    pub webhook_worker: bool,
    /// First retry delay of a failed webhook delivery, in milliseconds; doubles with each attempt.
    pub webhook_retry_base_ms: i64,
    /// Attempts of one delivery before it is given up (`failed`).
    pub webhook_max_attempts: i64,
    /// Failed attempts in a row after which an endpoint is disabled until an admin enables it.
    pub webhook_disable_after: i64,
    /// How often the dispatcher looks for new events and due deliveries, in milliseconds.
    pub webhook_poll_ms: u64,
    /// How long a fresh event row behind a gap in the ids waits for the gap to commit, in milliseconds.
    pub webhook_settle_ms: i64,
    /// Timeout of one webhook POST (connect and answer), in seconds.
    pub webhook_timeout_seconds: u64,
    /// Allow webhook endpoints on loopback and private addresses (`true`/`1`); refused otherwise (SSRF).
    #[serde(deserialize_with = "flag_or_bool")]
    pub webhooks_allow_private: bool,
    /// Reverse proxies in front of the server (comma-separated IP addresses, e.g. `127.0.0.1,::1`): from them, the
    /// client's address is taken from `X-Forwarded-For` (login throttling, web forms' rate limit).
    pub trusted_proxies: Option<String>,
    /// Web form submissions one client address may send (to all forms together) within the window; then 429.
    pub form_rate_limit: i64,
    pub form_rate_window_seconds: i64,
}

/// `true`/`false` or `1`/`0`, as operators write flags in the environment.
fn flag_or_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Number(i64),
        Text(String),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Number(n) => Ok(n != 0),
        Flag::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!("not a flag: {other}"))),
        },
    }
}

#[derive(Serialize)]
struct Defaults {
    listen: &'static str,
    http_header_timeout_seconds: u64,
    http_body_timeout_seconds: u64,
    data_dir: &'static str,
    token_ttl_minutes: i64,
    login_max_failures: i64,
    login_window_minutes: i64,
    admin_email: &'static str,
    log_format: LogFormat,
    log: &'static str,
    db_max_connections: u32,
    imap_workers: bool,
    imap_poll_seconds: u64,
    imap_connections: u32,
    sync_lease_seconds: u64,
    imap_chunk_bytes: u64,
    imap_max_message_bytes: u64,
    mail_from: &'static str,
    send_worker: bool,
    send_lease_seconds: i64,
    soft_bounce_limit: i64,
    send_retry_base_ms: i64,
    reminder_lease_seconds: i64,
    webhook_worker: bool,
    webhook_retry_base_ms: i64,
    webhook_max_attempts: i64,
    webhook_disable_after: i64,
    webhook_poll_ms: u64,
    webhook_settle_ms: i64,
    webhook_timeout_seconds: u64,
    webhooks_allow_private: bool,
    form_rate_limit: i64,
    form_rate_window_seconds: i64,
}

const DEFAULTS: Defaults = Defaults {
    listen: "127.0.0.1:8080",
    http_header_timeout_seconds: 30,
    http_body_timeout_seconds: 60,
    data_dir: "mailroom-data",
    token_ttl_minutes: 12 * 60,
    login_max_failures: 5,
    login_window_minutes: 15,
    admin_email: "admin@mailroom.local",
    log_format: LogFormat::Plain,
    log: "info",
    db_max_connections: 10,
    imap_workers: true,
    imap_poll_seconds: 60,
    imap_connections: 5,
    sync_lease_seconds: 60,
    imap_chunk_bytes: 64 << 20,
    imap_max_message_bytes: 50_000_000,
    mail_from: "Mailroom <noreply@mailroom.local>",
    send_worker: true,
    send_lease_seconds: 30,
    soft_bounce_limit: 3,
    send_retry_base_ms: 60_000,
    reminder_lease_seconds: 300,
    webhook_worker: true,
    webhook_retry_base_ms: 30_000,
    webhook_max_attempts: 8,
    webhook_disable_after: 10,
    webhook_poll_ms: 1000,
    webhook_settle_ms: 2000,
    webhook_timeout_seconds: 10,
    webhooks_allow_private: false,
    form_rate_limit: 10,
    form_rate_window_seconds: 600,
};

/// The SQLite database in the data directory, when no database URL is configured.
pub fn default_database_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("mailroom.db").display()
    )
}

impl Config {
    /// Loads the configuration. `file` (or `MAILROOM_CONFIG`) names an optional TOML file.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(DEFAULTS));
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("MAILROOM_CONFIG").map(PathBuf::from));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("MAILROOM_").ignore(&["config"]))
            .extract()
            .map_err(Box::new)
    }

    /// A configuration with every default, rooted in `data_dir` (tests and embedding).
    pub fn with_data_dir(data_dir: &Path) -> Self {
        let mut config: Config = Figment::from(Serialized::defaults(DEFAULTS))
            .extract()
            .expect("built-in defaults are a valid configuration");
        config.data_dir = data_dir.to_path_buf();
        config
    }
}

#[cfg(test)]
// figment's Jail closures return its (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "mailroom.toml",
                "listen = \"0.0.0.0:9000\"\ntoken_ttl_minutes = 30\nlog_format = \"json\"\n",
            )?;
            jail.set_env("MAILROOM_TOKEN_TTL_MINUTES", "45");
            jail.set_env("MAILROOM_DATABASE_URL", "postgres://u:p@db/mailroom");
            let config = Config::load(Some(Path::new("mailroom.toml"))).expect("loads");
            assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
            assert_eq!(
                config.token_ttl_minutes, 45,
                "environment wins over the file"
            );
            assert_eq!(config.log_format, LogFormat::Json);
            assert_eq!(
                config.database_url.unwrap().expose_secret(),
                "postgres://u:p@db/mailroom"
            );
            assert_eq!(
                config.admin_email, "admin@mailroom.local",
                "defaults fill the rest"
            );
            Ok(())
        });
    }

    #[test]
    fn imap_fetch_limits_have_defaults_and_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            let config = Config::load(None).expect("loads");
            assert_eq!(
                (config.imap_chunk_bytes, config.imap_max_message_bytes),
                (64 << 20, 50_000_000)
            );
            jail.set_env("MAILROOM_IMAP_CHUNK_BYTES", "1048576");
            jail.set_env("MAILROOM_IMAP_MAX_MESSAGE_BYTES", "10000000");
            let config = Config::load(None).expect("loads");
            assert_eq!(
                (config.imap_chunk_bytes, config.imap_max_message_bytes),
                (1 << 20, 10_000_000)
            );
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        let mut config = Config::with_data_dir(Path::new("/tmp/x"));
        config.jwt_secret = Some("super-secret-value".to_string().into());
        assert!(!format!("{config:?}").contains("super-secret-value"));
    }

    #[test]
    fn a_bad_value_names_the_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MAILROOM_LISTEN", "not an address");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.to_lowercase().contains("listen"), "{err}");
            Ok(())
        });
    }
}
