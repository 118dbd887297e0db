//! The database pool, for SQLite (embedded default) or PostgreSQL (shared by several instances).
//! Stores use one `AnyPool`; the few queries that differ branch on `Backend` side by side.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
pub mod checkpoint;
pub mod lock;
pub mod sql;

use sqlx::{AnyPool, Executor};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            sqlx::Error::Configuration("database URL must start with sqlite: or postgres://".into())
        })?;
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // 16 MB of page cache: a batch of fetched mail fits without spilling to the WAL mid-transaction.
                        sqlite_pragmas(conn, 16_000).await?;
                    } else {
                        postgres_settings(conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db { pool, backend };
        db.migrate().await?;
        if backend == Backend::Sqlite {
            checkpoint::spawn(db.pool.clone());
        }
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        migrator(self.backend).run(&self.pool).await?;
        Ok(())
    }

    /// After deleting personal data: on SQLite the WAL's earlier copies of the deleted rows are wiped (the pages
    /// themselves are zeroed by `secure_delete`). PostgreSQL keeps dead row versions until VACUUM reuses the space
    /// (documented in the README).
    pub async fn scrub(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            checkpoint::truncate(&self.pool).await?;
        }
        Ok(())
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// The settings of every SQLite connection, with `cache_kib` KiB of page cache.
async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection, cache_kib: u32) -> Result<(), sqlx::Error> {
    // WAL lets readers run beside the one writer; busy_timeout queues writers instead of failing.
    for pragma in [
        // Takes effect only when the file is created: bigger pages, fewer writes per stored mail.
        "PRAGMA page_size = 16384",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA busy_timeout = 10000",
        // Deleted rows are overwritten with zeros, not left in free pages: an erased person (152-FZ, GDPR) must
        // not stay readable in the file. Deletes are rare here; FTS segment merges cost no measurable time more.
        "PRAGMA secure_delete = ON",
        // A backstop only: `checkpoint` copies the WAL back in the background.
        "PRAGMA wal_autocheckpoint = 4096",
    ] {
        conn.execute(pragma).await?;
    }
    let cache = format!("PRAGMA cache_size = -{cache_kib}");
    sqlx::query(sqlx::AssertSqlSafe(cache))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A pool of its own for a long job (an import's run, an export), at most `JOB_CONNECTIONS` connections with
/// `cache_kib` KiB of SQLite page cache each. The shared pool hands out its idle connections in turn, so a job that
/// ran on it filled every pooled connection's cache (10 × 16 MB, whatever `MAILROOM_DB_MAX_CONNECTIONS` allows); here
/// the job's memory is bounded by two caches, and other requests keep the shared pool to themselves. The job's code
/// keeps taking a pool, because crm's calls do. Close it (`AnyPool::close`) when the job ends.
/// Two, not one: the import no longer holds a connection while asking for another (`list_pipelines_in` takes the
/// caller's), but a connection given back is back in the pool only after a task of sqlx's has run, so the next
/// acquire opens the second one anyway; a single one would make every such acquire wait.
pub const JOB_CONNECTIONS: u32 = 2;

pub async fn dedicated(pool: &AnyPool, cache_kib: u32) -> Result<AnyPool, sqlx::Error> {
    let options = (*pool.connect_options()).clone();
    let sqlite = options.database_url.scheme() == "sqlite";
    AnyPoolOptions::new()
        .max_connections(JOB_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    sqlite_pragmas(conn, cache_kib).await?;
                } else {
                    postgres_settings(conn).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// Per-connection settings on PostgreSQL. JIT compiling pays off for long analytic queries, not for ours: in the
/// reports' plans it took ≈ 170 ms of a 650 ms query, each time, and never paid back.
/// Custom plans always: sqlx keeps each statement prepared, and after five runs PostgreSQL may switch to a generic
/// plan, blind to the bound values. Search's plan depends on them (a common word walks the key backwards, a rare one
/// reads the GIN index): the generic plan took 317 ms for a common word where the custom one took 23 ms (225 000
/// indexed messages). Planning again costs well under a millisecond.
async fn postgres_settings(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    conn.execute("SET jit = off").await?;
    conn.execute("SET plan_cache_mode = force_custom_plan")
        .await?;
    Ok(())
}

/// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that
/// reads and then writes fails with SQLITE_BUSY_SNAPSHOT when another connection (the send worker, say) committed
/// in between, whereas an immediate one waits its turn under `busy_timeout`.
pub async fn begin(pool: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// Serializes transactions that check-then-insert on the same key (two web form posts of one e-mail, two logins
/// of one account), until the caller's transaction ends. On PostgreSQL a transaction-scoped advisory lock on the
/// key's hash; on SQLite nothing, since `begin`'s `BEGIN IMMEDIATE` already lets one writer in at a time.
pub async fn xact_lock(conn: &mut sqlx::AnyConnection, key: &str) -> Result<(), sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        // Counted so that the row holds a type `Any` can decode (the lock function returns void).
        sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
        )
        .bind(key.to_string())
        .fetch_one(conn)
        .await?;
    }
    Ok(())
}

/// A transaction on a connection the caller holds (its page cache stays warm between transactions).
pub async fn begin_on(
    conn: &mut sqlx::AnyConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
    use sqlx::Connection;
    if conn.backend_name() == "SQLite" {
        conn.begin_with("BEGIN IMMEDIATE").await
    } else {
        conn.begin().await
    }
}

/// Times are stored as UTC milliseconds since the epoch on both backends (sortable, and portable through `Any`).
fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}

/// The newest migration this binary carries (a restore refuses a backup from a newer schema).
pub fn known_schema_version(backend: Backend) -> i64 {
    migrator(backend)
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// SQLite and PostgreSQL both accept `$1…`; flags are stored as 0/1 integers on both, because `Any`
/// cannot decode a SQLite BOOLEAN.
pub fn flag(value: bool) -> i64 {
    i64::from(value)
}
