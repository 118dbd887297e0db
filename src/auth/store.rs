//! All SQL of users, login failures and the client addresses users signed in from.

use sqlx::any::AnyRow;
// Column lists are constants spliced into the SQL text; values are always bound.
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::model::{Role, User};
use crate::db::{flag, from_ms, now_ms};
use crate::error::Error;

const USER_COLUMNS: &str =
    "id, email, name, phone, role, password_hash, active, must_change_password, token_version, created_at, updated_at";

fn user_from_row(row: &AnyRow) -> Result<User, Error> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        role: role.parse().map_err(Error::internal)?,
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        token_version: row.try_get("token_version")?,
        created_at: from_ms(row.try_get("created_at")?),
        updated_at: from_ms(row.try_get("updated_at")?),
    })
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<User>, Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Users ordered by id, after the given id.
pub async fn list(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<User>, Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(user_from_row).collect()
}

/// Marks a user as having to change the password at the next sign-in (or not).
pub async fn set_must_change_password(pool: &AnyPool, id: i64, must: bool) -> Result<(), Error> {
    sqlx::query("UPDATE users SET must_change_password = $1 WHERE id = $2")
        .bind(flag(must))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn any_active_admin(pool: &AnyPool) -> Result<bool, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub struct Insert<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// Inserts a user; `None` when the e-mail is taken.
pub async fn insert<'e>(
    conn: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: Insert<'_>,
) -> Result<Option<i64>, Error> {
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO users (email, name, role, password_hash, active, token_version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, 0, $5, $5)
         ON CONFLICT (email) DO NOTHING
         RETURNING id",
    )
    .bind(user.email)
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get("id"))
        .transpose()
        .map_err(Error::from)
}

/// Writes every field of `user` back; bumps the token version when `end_sessions` is set.
pub async fn update(pool: &AnyPool, user: &User, end_sessions: bool) -> Result<(), Error> {
    sqlx::query(
        "UPDATE users SET email = $1, name = $2, role = $3, password_hash = $4, active = $5,
                token_version = token_version + $6, updated_at = $7, phone = $9,
                must_change_password = $10
         WHERE id = $8",
    )
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(flag(user.active))
    .bind(flag(end_sessions))
    .bind(now_ms())
    .bind(user.id)
    .bind(&user.phone)
    .bind(flag(user.must_change_password))
    .execute(pool)
    .await?;
    Ok(())
}

/// Failures since `since_ms` for the account and for the client address, and the oldest of each.
pub struct RecentFailures {
    pub by_email: i64,
    pub by_email_oldest: Option<i64>,
    pub by_addr: i64,
    pub by_addr_oldest: Option<i64>,
}

/// Counts the recent failures of the account and of the client address and, when `admit` allows another
/// attempt, records this one as a failure (its id is returned), in one transaction that attempts on the same
/// account or from the same address take one at a time: SQLite's `BEGIN IMMEDIATE` takes the write lock, and on
/// PostgreSQL two advisory locks (the account's, then the address's) last until the commit. So every attempt
/// counts the rows of those before it, and no more than the limit get through however many race.
pub async fn admit_attempt(
    pool: &AnyPool,
    email: &str,
    client_addr: &str,
    since_ms: i64,
    admit: impl FnOnce(&RecentFailures) -> bool,
) -> Result<(RecentFailures, Option<i64>), Error> {
    let mut tx = crate::db::begin(pool).await?;
    for key in [
        format!("login-email:{email}"),
        format!("login-addr:{client_addr}"),
    ] {
        crate::db::xact_lock(&mut tx, &key).await?;
    }
    let by_email = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE email = $1 AND at > $2",
    )
    .bind(email)
    .bind(since_ms)
    .fetch_one(&mut *tx)
    .await?;
    let by_addr = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE client_addr = $1 AND at > $2",
    )
    .bind(client_addr)
    .bind(since_ms)
    .fetch_one(&mut *tx)
    .await?;
    let recent = RecentFailures {
        by_email: by_email.try_get("n")?,
        by_email_oldest: by_email.try_get("oldest")?,
        by_addr: by_addr.try_get("n")?,
        by_addr_oldest: by_addr.try_get("oldest")?,
    };
    let attempt = if admit(&recent) {
        let row = sqlx::query(
            "INSERT INTO login_failures (email, client_addr, at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(email)
        .bind(client_addr)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        Some(row.try_get("id")?)
    } else {
        None
    };
    tx.commit().await?;
    Ok((recent, attempt))
}

/// Takes back an attempt that turned out not to be a failure (the right password of a deactivated account).
pub async fn forget_attempt(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A successful login forgets the account's failures from that client address (those from elsewhere still count
/// against the account); old rows of everyone are pruned on the way.
pub async fn clear_login_failures(
    pool: &AnyPool,
    email: &str,
    client_addr: &str,
    before_ms: i64,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM login_failures WHERE (email = $1 AND client_addr = $2) OR at < $3")
        .bind(email)
        .bind(client_addr)
        .bind(before_ms)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether the user has signed in successfully from this client address before.
pub async fn is_known_addr(pool: &AnyPool, user_id: i64, client_addr: &str) -> Result<bool, Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM login_known_addrs WHERE user_id = $1 AND client_addr = $2",
    )
    .bind(user_id)
    .bind(client_addr)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn remember_addr(pool: &AnyPool, user_id: i64, client_addr: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO login_known_addrs (user_id, client_addr, last_login_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, client_addr) DO UPDATE SET last_login_at = excluded.last_login_at",
    )
    .bind(user_id)
    .bind(client_addr)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}
