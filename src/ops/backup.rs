//! `mailroom backup DIR`: a consistent copy of the database taken while the server serves, plus a manifest.
//!
//! SQLite: `VACUUM INTO`, which copies the database as one read transaction sees it (the same guarantee as the
//! online backup API, without unsafe FFI through sqlx), compacted, on a read-only connection that never migrates or
//! writes the live file. PostgreSQL: `pg_dump --format=custom`, which dumps one snapshot. The keys that encrypt
//! mailbox credentials and sign tokens are copied only with `--with-keys`: a backup holding both the key and what
//! it encrypts is as sensitive as the plain credentials.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::config::Config;
use crate::db::Backend;

pub const MANIFEST: &str = "manifest.json";
pub const SQLITE_FILE: &str = "mailroom.db";
pub const PG_FILE: &str = "mailroom.pgdump";
/// The key files of the data directory a backup may carry.
pub const KEY_FILES: [&str; 2] = ["secret-key", "jwt-secret"];

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub backend: String,
    pub created_at: String,
    pub mailroom_version: String,
    /// The newest migration applied to the database that was copied.
    pub schema_version: i64,
    /// The key files copied beside the database.
    pub keys: Vec<String>,
}

pub struct Report {
    pub dir: PathBuf,
    pub bytes: u64,
    pub manifest: Manifest,
    /// Keys set in the configuration (environment), so not in any file to copy.
    pub keys_in_config: Vec<&'static str>,
}

/// The database URL the server uses: the configured one or the SQLite file in the data directory.
pub fn database_url(config: &Config) -> String {
    match &config.database_url {
        Some(url) => url.expose_secret().to_string(),
        None => crate::config::default_database_url(&config.data_dir),
    }
}

pub fn backend(config: &Config) -> Result<Backend, String> {
    let url = database_url(config);
    Backend::from_url(&url)
        .ok_or_else(|| "the database URL must start with sqlite: or postgres://".into())
}

/// The SQLite file behind a `sqlite:` URL.
pub fn sqlite_path(url: &str) -> Result<PathBuf, String> {
    let options = SqliteConnectOptions::from_str(url).map_err(|e| format!("database URL: {e}"))?;
    Ok(options.get_filename().to_path_buf())
}

pub async fn backup(config: &Config, dir: &Path, with_keys: bool) -> Result<Report, String> {
    prepare_empty_dir(dir)?;
    let url = database_url(config);
    let (backend_name, schema_version) = match backend(config)? {
        Backend::Sqlite => ("sqlite", sqlite_copy(&url, &dir.join(SQLITE_FILE)).await?),
        Backend::Postgres => ("postgres", pg_dump(&url, &dir.join(PG_FILE)).await?),
    };
    let mut keys = Vec::new();
    let mut keys_in_config = Vec::new();
    if with_keys {
        for (name, configured) in [
            ("secret-key", config.secret_key.is_some()),
            ("jwt-secret", config.jwt_secret.is_some()),
        ] {
            if configured {
                keys_in_config.push(name);
                continue;
            }
            let from = config.data_dir.join(name);
            if from.exists() {
                let text = std::fs::read_to_string(&from)
                    .map_err(|e| format!("{}: {e}", from.display()))?;
                crate::auth::token::write_private(&dir.join(name), &text)
                    .map_err(|e| format!("{name}: {e}"))?;
                keys.push(name.to_string());
            }
        }
    }
    let manifest = Manifest {
        format: 1,
        backend: backend_name.into(),
        created_at: now_rfc3339(),
        mailroom_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        keys,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(MANIFEST), text).map_err(|e| format!("manifest: {e}"))?;
    let bytes = dir_bytes(dir);
    tracing::info!(dir = %dir.display(), bytes, backend = backend_name, "backup written");
    Ok(Report {
        dir: dir.to_path_buf(),
        bytes,
        manifest,
        keys_in_config,
    })
}

/// A backup goes into a new or empty directory: never over another backup.
fn prepare_empty_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if entries.next().is_some() {
        return Err(format!(
            "{} is not empty: a backup goes into a new directory",
            dir.display()
        ));
    }
    // The copy holds every client's personal data: readable by the server's user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(())
}

async fn sqlite_copy(url: &str, to: &Path) -> Result<i64, String> {
    let from = sqlite_path(url)?;
    if !from.exists() {
        return Err(format!("no database at {}", from.display()));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(&from)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .map_err(|e| format!("{}: {e}", from.display()))?;
    let version = schema_version_sqlite(&mut conn).await?;
    let target = to.to_str().ok_or("the backup path is not UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("copying the database: {e}"))?;
    conn.close().await.ok();
    Ok(version)
}

pub async fn schema_version_sqlite(conn: &mut sqlx::SqliteConnection) -> Result<i64, String> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(conn)
    .await
    .map_err(|e| format!("not a Mailroom database: {e}"))
}

async fn pg_dump(url: &str, to: &Path) -> Result<i64, String> {
    let (url, password) = split_password(url)?;
    let mut conn = sqlx::PgConnection::connect(&with_password(&url, password.as_deref())?)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| format!("not a Mailroom database: {e}"))?;
    conn.close().await.ok();
    let mut command = tokio::process::Command::new("pg_dump");
    command
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(to)
        .arg("--dbname")
        .arg(url.as_str());
    run_pg_tool(command, password.as_deref(), "pg_dump").await?;
    Ok(version)
}

/// Runs pg_dump or pg_restore with the password in the environment (never on the command line, where `ps` shows it).
pub async fn run_pg_tool(
    mut command: tokio::process::Command,
    password: Option<&str>,
    name: &str,
) -> Result<(), String> {
    if let Some(p) = password {
        command.env("PGPASSWORD", p);
    }
    let output = command.output().await.map_err(|e| {
        format!(
            "{name} could not run ({e}): install the PostgreSQL client (Debian: postgresql-client)"
        )
    })?;
    if !output.status.success() {
        return Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// The URL without its password, and the password.
pub fn split_password(url: &str) -> Result<(url::Url, Option<String>), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("database URL: {e}"))?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    Ok((parsed, password))
}

fn with_password(url: &url::Url, password: Option<&str>) -> Result<String, String> {
    let mut url = url.clone();
    url.set_password(password)
        .map_err(|_| "database URL: cannot carry a password")?;
    Ok(url.to_string())
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
