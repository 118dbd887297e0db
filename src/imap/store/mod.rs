//! SQL of mailboxes, their folders' sync state and leases.

pub mod folders;
pub mod lease;
pub mod smtp;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::model::{FolderState, Mailbox, MailboxKind, MailboxPolicy, Security};
use crate::db::{from_ms, now_ms};
use crate::error::Error;
use crate::oauth::model::AuthKind;

/// A mailbox with its sealed password, for the sync engine.
pub struct Account {
    pub mailbox: Mailbox,
    pub password_enc: String,
    /// The OAuth2 credential of an `oauth2` mailbox.
    pub oauth_id: Option<i64>,
    /// The sealed password of its own SMTP server (`smtp.auth: password`).
    pub smtp_password_enc: Option<String>,
    /// The lease generation read with the mailbox: a sync's chunks commit only while it is still the mailbox's.
    pub fence: lease::Fence,
}

const COLUMNS: &str = "id, name, host, port, security, username, password_enc, folders, enabled, lead_owner_id, leads_from_outgoing, last_sync_at, messages_synced,
    last_error, last_error_code, kind, owner_id, visibility, auth, oauth_id, smtp_host, smtp_port, smtp_security, smtp_auth,
    smtp_username, smtp_password_enc, smtp_address, lease_holder, lease_generation";

fn from_row(r: &AnyRow) -> Result<Account, Error> {
    let folders: String = r.try_get("folders")?;
    Ok(Account {
        mailbox: Mailbox {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            host: r.try_get("host")?,
            port: r.try_get("port")?,
            security: Security::parse(&r.try_get::<String, _>("security")?),
            username: r.try_get("username")?,
            auth: AuthKind::from_column(&r.try_get::<String, _>("auth")?),
            oauth: None,
            smtp: smtp::view(r)?,
            folders: serde_json::from_str(&folders).unwrap_or_default(),
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            kind: match r.try_get::<String, _>("kind")?.as_str() {
                "personal" => MailboxKind::Personal,
                _ => MailboxKind::Shared,
            },
            owner_id: r.try_get("owner_id")?,
            member_ids: Vec::new(),
            visibility: MailboxPolicy::from_column(&r.try_get::<String, _>("visibility")?),
            lead_owner_id: r.try_get("lead_owner_id")?,
            leads_from_outgoing: r.try_get::<i64, _>("leads_from_outgoing")? != 0,
            last_sync_at: r.try_get::<Option<i64>, _>("last_sync_at")?.map(from_ms),
            messages_synced: r.try_get("messages_synced")?,
            last_error: r.try_get("last_error")?,
            last_error_code: r.try_get("last_error_code")?,
            lease_holder: r.try_get("lease_holder")?,
            folder_states: Vec::new(),
        },
        password_enc: r.try_get("password_enc")?,
        oauth_id: r.try_get("oauth_id")?,
        smtp_password_enc: r.try_get("smtp_password_enc")?,
        fence: lease::Fence {
            mailbox_id: r.try_get("id")?,
            generation: r.try_get("lease_generation")?,
        },
    })
}

async fn with_folders(pool: &AnyPool, mut account: Account) -> Result<Account, Error> {
    let members =
        sqlx::query("SELECT user_id FROM mailbox_members WHERE mailbox_id = $1 ORDER BY user_id")
            .bind(account.mailbox.id)
            .fetch_all(pool)
            .await?;
    for r in &members {
        account.mailbox.member_ids.push(r.try_get("user_id")?);
    }
    let rows = sqlx::query("SELECT name, role, uidvalidity, last_uid, last_sync_at FROM mail_folders WHERE mailbox_id = $1 ORDER BY name")
        .bind(account.mailbox.id)
        .fetch_all(pool)
        .await?;
    for r in &rows {
        account.mailbox.folder_states.push(FolderState {
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            uidvalidity: r.try_get("uidvalidity")?,
            last_uid: r.try_get("last_uid")?,
            last_sync_at: r.try_get::<Option<i64>, _>("last_sync_at")?.map(from_ms),
        });
    }
    Ok(account)
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<Account>, Error> {
    let text = format!("SELECT {COLUMNS} FROM mailboxes WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    match row.as_ref().map(from_row).transpose()? {
        Some(account) => Ok(Some(with_folders(pool, account).await?)),
        None => Ok(None),
    }
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Account>, Error> {
    let text = format!("SELECT {COLUMNS} FROM mailboxes ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(text))
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for row in &rows {
        out.push(with_folders(pool, from_row(row)?).await?);
    }
    Ok(out)
}

pub struct Write<'a> {
    pub name: &'a str,
    pub host: &'a str,
    pub port: i64,
    pub security: Security,
    pub username: &'a str,
    pub password_enc: &'a str,
    pub auth: AuthKind,
    pub oauth_id: Option<i64>,
    pub folders: &'a [String],
    pub enabled: bool,
    pub lead_owner_id: Option<i64>,
    pub leads_from_outgoing: bool,
}

pub async fn insert(conn: &mut AnyConnection, w: &Write<'_>) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO mailboxes (name, host, port, security, username, password_enc, folders, enabled, created_at, updated_at,
                lead_owner_id, leads_from_outgoing, auth, oauth_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(w.name)
    .bind(w.host)
    .bind(w.port)
    .bind(w.security.as_str())
    .bind(w.username)
    .bind(w.password_enc)
    .bind(serde_json::to_string(w.folders).map_err(Error::internal)?)
    .bind(i64::from(w.enabled))
    .bind(now_ms())
    .bind(w.lead_owner_id)
    .bind(i64::from(w.leads_from_outgoing))
    .bind(w.auth.as_str())
    .bind(w.oauth_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(conn: &mut AnyConnection, id: i64, w: &Write<'_>) -> Result<(), Error> {
    sqlx::query(
        "UPDATE mailboxes SET name = $1, host = $2, port = $3, security = $4, username = $5, password_enc = $6, folders = $7,
                enabled = $8, updated_at = $9, last_error = NULL, last_error_code = NULL, lead_owner_id = $11,
                leads_from_outgoing = $12, auth = $13, oauth_id = $14 WHERE id = $10",
    )
    .bind(w.name)
    .bind(w.host)
    .bind(w.port)
    .bind(w.security.as_str())
    .bind(w.username)
    .bind(w.password_enc)
    .bind(serde_json::to_string(w.folders).map_err(Error::internal)?)
    .bind(i64::from(w.enabled))
    .bind(now_ms())
    .bind(id)
    .bind(w.lead_owner_id)
    .bind(i64::from(w.leads_from_outgoing))
    .bind(w.auth.as_str())
    .bind(w.oauth_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM mailboxes WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The mailbox that signs in with this OAuth2 credential.
pub async fn with_credential(pool: &AnyPool, oauth_id: i64) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT id FROM mailboxes WHERE oauth_id = $1")
        .bind(oauth_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

pub async fn record_success(pool: &AnyPool, id: i64, new_messages: i64) -> Result<(), Error> {
    sqlx::query(
        "UPDATE mailboxes SET last_sync_at = $1, messages_synced = messages_synced + $2, last_error = NULL, last_error_code = NULL
         WHERE id = $3",
    )
    .bind(now_ms())
    .bind(new_messages)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn record_error<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: i64,
    code: &str,
    message: &str,
) -> Result<(), Error> {
    // A refused grant stays the mailbox's error until an admin consents again: a later error of a connection
    // opened before the refusal (a broken IDLE) must not hide what the admin has to do.
    sqlx::query(
        "UPDATE mailboxes SET last_error = $1, last_error_code = $2 WHERE id = $3
         AND NOT (COALESCE(last_error_code, '') = 'oauth_reauthorization_needed' AND EXISTS (
             SELECT 1 FROM oauth_credentials c WHERE c.id = mailboxes.oauth_id AND c.state = 'reauthorization_needed'))",
    )
        .bind(message)
        .bind(code)
        .bind(id)
        .execute(on)
        .await?;
    Ok(())
}

pub struct FolderRow {
    pub id: i64,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
}

/// The folder's sync state, created on first sight.
pub async fn folder(
    pool: &AnyPool,
    mailbox_id: i64,
    name: &str,
    role: &str,
) -> Result<FolderRow, Error> {
    sqlx::query(
        "INSERT INTO mail_folders (mailbox_id, name, role) VALUES ($1, $2, $3) ON CONFLICT (mailbox_id, name) DO UPDATE SET role = $3",
    )
    .bind(mailbox_id)
    .bind(name)
    .bind(role)
    .execute(pool)
    .await?;
    let row = sqlx::query(
        "SELECT id, uidvalidity, last_uid FROM mail_folders WHERE mailbox_id = $1 AND name = $2",
    )
    .bind(mailbox_id)
    .bind(name)
    .fetch_one(pool)
    .await?;
    Ok(FolderRow {
        id: row.try_get("id")?,
        uidvalidity: row.try_get("uidvalidity")?,
        last_uid: row.try_get("last_uid")?,
    })
}

/// A new UIDVALIDITY: the old UIDs mean nothing any more; the folder is read again from the start.
pub async fn reset_folder(pool: &AnyPool, folder_id: i64, uidvalidity: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    sqlx::query("DELETE FROM message_locations WHERE folder_id = $1")
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE mail_folders SET uidvalidity = $1, last_uid = 0, highest_modseq = NULL, changes_modseq = NULL, flags_uid = 0
         WHERE id = $2")
        .bind(uidvalidity)
        .bind(folder_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Advances the folder's high-water mark inside the transaction that stored the messages it covers.
pub async fn advance_folder(
    conn: &mut AnyConnection,
    folder_id: i64,
    last_uid: i64,
    modseq: Option<i64>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE mail_folders SET last_uid = $1, highest_modseq = COALESCE($2, highest_modseq), last_sync_at = $3
         WHERE id = $4 AND last_uid < $1",
    )
    .bind(last_uid)
    .bind(modseq)
    .bind(now_ms())
    .bind(folder_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE mail_folders SET last_sync_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(folder_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who a mailbox belongs to and what others read of its mail.
pub struct AccessWrite<'a> {
    pub kind: MailboxKind,
    pub owner_id: Option<i64>,
    pub member_ids: &'a [i64],
    pub visibility: MailboxPolicy,
}

pub async fn set_access(
    conn: &mut AnyConnection,
    id: i64,
    w: &AccessWrite<'_>,
) -> Result<(), Error> {
    sqlx::query("UPDATE mailboxes SET kind = $1, owner_id = $2, visibility = $3 WHERE id = $4")
        .bind(w.kind.as_str())
        .bind(w.owner_id)
        .bind(w.visibility.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM mailbox_members WHERE mailbox_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for user in w.member_ids {
        sqlx::query("INSERT INTO mailbox_members (mailbox_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(user)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn set_visibility(
    conn: &mut AnyConnection,
    id: i64,
    policy: MailboxPolicy,
) -> Result<(), Error> {
    sqlx::query("UPDATE mailboxes SET visibility = $1 WHERE id = $2")
        .bind(policy.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
