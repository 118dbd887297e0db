//! `mailroom restore DIR`: puts a backup made by `mailroom backup` back in place of the configured database.
//!
//! SQLite: the backup is checked (`PRAGMA integrity_check`, a schema this binary knows) before anything moves; the
//! current database is kept beside it as `*.before-restore-<time>`, never deleted; the copy lands under a temporary
//! name and is renamed into place, so a failure half-way leaves the old database. A running server holds the
//! database's lock file, so a restore under a live server is refused. PostgreSQL: `pg_restore --clean
//! --single-transaction` into the configured database (stop the servers first; nothing can lock them out).

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::backup::{self, Manifest, MANIFEST, PG_FILE, SQLITE_FILE};
use crate::config::Config;
use crate::db::Backend;

pub struct Report {
    pub manifest: Manifest,
    /// Files the restore moved aside (the database it replaced, key files that differed).
    pub kept: Vec<PathBuf>,
    pub keys_restored: Vec<String>,
    /// Keys in the backup that the configuration (environment) overrides: the restored server uses those.
    pub keys_in_config: Vec<String>,
}

pub async fn restore(config: &Config, dir: &Path) -> Result<Report, String> {
    let manifest = read_manifest(dir)?;
    let backend = backup::backend(config)?;
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    if manifest.backend != expected {
        return Err(format!(
            "the backup is of a {} database, the configured one is {expected}",
            manifest.backend
        ));
    }
    let known = crate::db::known_schema_version(backend);
    if manifest.schema_version > known {
        return Err(format!(
            "the backup's schema ({}) is newer than this Mailroom knows ({known}): restore it with Mailroom {} or later",
            manifest.schema_version, manifest.mailroom_version
        ));
    }
    let stamp = stamp();
    let mut kept = Vec::new();
    let url = backup::database_url(config);
    match backend {
        Backend::Sqlite => sqlite_restore(&url, &dir.join(SQLITE_FILE), &stamp, &mut kept).await?,
        Backend::Postgres => pg_restore(&url, &dir.join(PG_FILE)).await?,
    }
    let (mut keys_restored, mut keys_in_config) = (Vec::new(), Vec::new());
    for name in &manifest.keys {
        let configured = match name.as_str() {
            "secret-key" => config.secret_key.is_some(),
            "jwt-secret" => config.jwt_secret.is_some(),
            _ => return Err(format!("the manifest names an unknown key file '{name}'")),
        };
        if configured {
            keys_in_config.push(name.clone());
            continue;
        }
        let text = std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let to = config.data_dir.join(name);
        match std::fs::read_to_string(&to) {
            Ok(current) if current == text => {}
            Ok(_) => {
                let aside = aside(&to, &stamp);
                std::fs::rename(&to, &aside).map_err(|e| format!("{}: {e}", to.display()))?;
                kept.push(aside);
                write_key(&to, &text)?;
            }
            Err(_) => write_key(&to, &text)?,
        }
        keys_restored.push(name.clone());
    }
    tracing::info!(dir = %dir.display(), backend = expected, "backup restored");
    Ok(Report {
        manifest,
        kept,
        keys_restored,
        keys_in_config,
    })
}

fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e} (not a Mailroom backup directory?)", path.display()))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if manifest.format != 1 {
        return Err(format!(
            "backup format {} is not known to this Mailroom",
            manifest.format
        ));
    }
    Ok(manifest)
}

async fn sqlite_restore(
    url: &str,
    from: &Path,
    stamp: &str,
    kept: &mut Vec<PathBuf>,
) -> Result<(), String> {
    check_sqlite_backup(from).await?;
    let target = backup::sqlite_path(url)?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    // Held until the restore ends: a server starting meanwhile waits for nothing and is refused.
    let _lock = crate::db::lock::exclusive(&target)?;
    let temp = with_suffix(&target, ".restoring");
    std::fs::copy(from, &temp).map_err(|e| format!("copying {}: {e}", from.display()))?;
    for suffix in ["", "-wal", "-shm"] {
        let file = with_suffix(&target, suffix);
        if file.exists() {
            let to = aside(&file, stamp);
            std::fs::rename(&file, &to).map_err(|e| format!("{}: {e}", file.display()))?;
            kept.push(to);
        }
    }
    std::fs::rename(&temp, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(())
}

/// Reads the whole backup once before anything is replaced.
async fn check_sqlite_backup(from: &Path) -> Result<(), String> {
    if !from.exists() {
        return Err(format!("{} is missing from the backup", from.display()));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(from)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| format!("{}: {e}", from.display()))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("{} is damaged: {e}", from.display()))?;
    if check != "ok" {
        return Err(format!("{} is damaged: {check}", from.display()));
    }
    backup::schema_version_sqlite(&mut conn).await?;
    conn.close().await.ok();
    Ok(())
}

async fn pg_restore(url: &str, from: &Path) -> Result<(), String> {
    if !from.exists() {
        return Err(format!("{} is missing from the backup", from.display()));
    }
    let (url, password) = backup::split_password(url)?;
    let mut command = tokio::process::Command::new("pg_restore");
    command
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ])
        .arg("--dbname")
        .arg(url.as_str())
        .arg(from);
    backup::run_pg_tool(command, password.as_deref(), "pg_restore").await
}

fn write_key(to: &Path, text: &str) -> Result<(), String> {
    crate::auth::token::write_private(to, text).map_err(|e| format!("{}: {e}", to.display()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn aside(path: &Path, stamp: &str) -> PathBuf {
    with_suffix(path, &format!(".before-restore-{stamp}"))
}

fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
