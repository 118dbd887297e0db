//! Company mailboxes over IMAP: accounts with encrypted passwords, connection tests, incremental sync, and the
//! background worker that keeps them synced (IDLE, or polling where IDLE is missing).

mod changes;
mod checks;
pub mod client;
pub mod instances;
mod lease;
mod live;
pub mod model;
pub mod outbox;
mod pipeline;
pub mod progress;
pub mod routes;
mod sendable;
mod server_state;
pub mod signin;
pub mod smtp_settings;
mod store;
pub mod sync;
pub mod worker;

pub use sendable::sendable;

use sqlx::AnyPool;

use serde_json::Value;

use crate::auth::Caller;
use crate::crm::audit;
use crate::crm::normalize::required;
use crate::error::Error;
use crate::secrets::SecretBox;
use checks::{
    audit_view, audit_view_of, check_access, check_host, check_lead_owner, check_security,
    AUDIT_KIND,
};
use model::{
    ConnectionTest, Mailbox, MailboxKind, MailboxPatch, MailboxPolicy, NewMailbox, ServerFolder,
    SyncReport,
};
use store::Account;
use sync::SyncEvent;

pub async fn create(
    pool: &AnyPool,
    secrets: &SecretBox,
    caller: &Caller,
    new: NewMailbox,
) -> Result<Mailbox, Error> {
    check_lead_owner(pool, new.lead_owner_id).await?;
    let kind = new.kind.unwrap_or(MailboxKind::Shared);
    let mut members = new.member_ids.clone();
    members.sort_unstable();
    members.dedup();
    check_access(pool, kind, new.owner_id, &members).await?;
    let access = store::AccessWrite {
        kind,
        owner_id: new.owner_id,
        member_ids: &members,
        visibility: new.visibility.unwrap_or(kind.default_policy()),
    };
    let name = required("name", &new.name, 200)?;
    let host = check_host(&new.host)?;
    check_security(new.security, &host)?;
    let username = required("username", &new.username, 320)?;
    if new.port == 0 {
        return Err(Error::validation("port", "must be 1-65535"));
    }
    let sign_in = signin::for_create(secrets, new.auth, &new.password, new.oauth.as_ref()).await?;
    let imap = smtp_settings::Imap {
        host: &host,
        auth: sign_in.auth,
        provider: new.oauth.as_ref().and_then(|o| o.provider.as_deref()),
        password_given: !new.password.is_empty(),
    };
    let smtp = new
        .smtp
        .as_ref()
        .map(|s| smtp_settings::prepare(secrets, s, &imap, None))
        .transpose()?;
    let mut tx = crate::db::begin(pool).await?;
    let oauth_id = sign_in.apply(&mut tx, secrets).await?;
    let write = store::Write {
        name: &name,
        host: &host,
        port: i64::from(new.port),
        security: new.security,
        username: &username,
        password_enc: &sign_in.password_enc,
        auth: sign_in.auth,
        oauth_id,
        folders: &new.folders,
        enabled: true,
        lead_owner_id: new.lead_owner_id,
        leads_from_outgoing: new.leads_from_outgoing,
    };
    let id = store::insert(&mut tx, &write).await?;
    store::smtp::set(&mut tx, id, smtp.as_ref()).await?;
    store::set_access(&mut tx, id, &access).await?;
    let after = audit_view(&write, &access, smtp.as_ref().map(|s| &s.view));
    let record = (AUDIT_KIND, id);
    audit::settings_event(&mut tx, caller.id, "create", record, &Value::Null, &after).await?;
    tx.commit().await?;
    tracing::info!(mailbox_id = id, %host, "mailbox added");
    get(pool, id).await
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Mailbox, Error> {
    Ok(account(pool, id).await?.mailbox)
}

async fn account(pool: &AnyPool, id: i64) -> Result<Account, Error> {
    let account = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("mailbox"))?;
    signin::with_view(pool, account).await
}

async fn accounts(pool: &AnyPool) -> Result<Vec<Account>, Error> {
    let mut out = Vec::new();
    for account in store::list(pool).await? {
        out.push(signin::with_view(pool, account).await?);
    }
    Ok(out)
}

pub async fn list(pool: &AnyPool) -> Result<Vec<Mailbox>, Error> {
    Ok(accounts(pool)
        .await?
        .into_iter()
        .map(|a| a.mailbox)
        .collect())
}

pub async fn update(
    pool: &AnyPool,
    secrets: &SecretBox,
    caller: &Caller,
    id: i64,
    patch: MailboxPatch,
) -> Result<Mailbox, Error> {
    let current = account(pool, id).await?;
    if let Some(owner) = patch.lead_owner_id {
        check_lead_owner(pool, owner).await?;
    }
    let m = &current.mailbox;
    let name = match &patch.name {
        Some(n) => required("name", n, 200)?,
        None => m.name.clone(),
    };
    let host = match &patch.host {
        Some(h) => check_host(h)?,
        None => m.host.clone(),
    };
    let security = patch.security.unwrap_or(m.security);
    check_security(security, &host)?;
    let username = match &patch.username {
        Some(u) => required("username", u, 320)?,
        None => m.username.clone(),
    };
    let port = patch.port.map(i64::from).unwrap_or(m.port);
    // The stored password goes only to the server it was given for: pointing the mailbox elsewhere needs it again.
    let moved =
        host != m.host || port != m.port || security != m.security || username != m.username;
    let sign_in = signin::for_update(
        secrets,
        &current,
        patch.auth.unwrap_or(m.auth),
        patch.password.as_deref(),
        patch.oauth.as_ref(),
        moved,
    )
    .await?;
    let provider = match &patch.oauth {
        Some(o) => o.provider.as_deref(),
        None => m.oauth.as_ref().map(|o| o.provider.as_str()),
    };
    let imap = smtp_settings::Imap {
        host: &host,
        auth: sign_in.auth,
        provider,
        password_given: patch.password.as_deref().is_some_and(|p| !p.is_empty()),
    };
    let smtp = smtp_settings::for_update(secrets, &current, patch.smtp.as_ref(), &imap)?;
    let kind = patch.kind.unwrap_or(m.kind);
    let owner_id = patch.owner_id.unwrap_or(m.owner_id);
    let mut members = patch
        .member_ids
        .clone()
        .unwrap_or_else(|| m.member_ids.clone());
    members.sort_unstable();
    members.dedup();
    check_access(pool, kind, owner_id, &members).await?;
    let visibility = match (patch.visibility, patch.kind) {
        (Some(v), _) => v,
        (None, Some(k)) if k != m.kind => k.default_policy(),
        (None, _) => m.visibility,
    };
    let access = store::AccessWrite {
        kind,
        owner_id,
        member_ids: &members,
        visibility,
    };
    let folders = patch.folders.clone().unwrap_or_else(|| m.folders.clone());
    let mut tx = crate::db::begin(pool).await?;
    let oauth_id = sign_in.apply(&mut tx, secrets).await?;
    let write = store::Write {
        name: &name,
        host: &host,
        port,
        security,
        username: &username,
        password_enc: &sign_in.password_enc,
        auth: sign_in.auth,
        oauth_id,
        folders: &folders,
        enabled: patch.enabled.unwrap_or(m.enabled),
        lead_owner_id: patch.lead_owner_id.unwrap_or(m.lead_owner_id),
        leads_from_outgoing: patch.leads_from_outgoing.unwrap_or(m.leads_from_outgoing),
    };
    store::update(&mut tx, id, &write).await?;
    store::smtp::set(&mut tx, id, smtp.as_ref()).await?;
    sign_in.cleanup(&mut tx).await?;
    store::set_access(&mut tx, id, &access).await?;
    let smtp_view = smtp.as_ref().map(|s| &s.view);
    let (before, after) = (audit_view_of(m), audit_view(&write, &access, smtp_view));
    let record = (AUDIT_KIND, id);
    audit::settings_event(&mut tx, caller.id, "update", record, &before, &after).await?;
    tx.commit().await?;
    get(pool, id).await
}

/// An admin sets any policy; the owner of a personal mailbox may only narrow it. Anyone else: no such mailbox.
pub async fn set_visibility(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    policy: MailboxPolicy,
) -> Result<Mailbox, Error> {
    let m = account(pool, id).await?.mailbox;
    let personal_owner = m.owner_id.filter(|_| m.kind == MailboxKind::Personal);
    crate::crm::access::require_policy_change(caller, personal_owner, m.visibility, policy)?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_visibility(&mut tx, id, policy).await?;
    let before = serde_json::json!({ "visibility": m.visibility });
    let after = serde_json::json!({ "visibility": policy });
    let record = (AUDIT_KIND, id);
    audit::settings_event(&mut tx, caller.id, "update", record, &before, &after).await?;
    tx.commit().await?;
    get(pool, id).await
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    let current = account(pool, id).await?;
    let before = audit_view_of(&current.mailbox);
    store::delete(pool, id).await?;
    let mut tx = crate::db::begin(pool).await?;
    if let Some(credential) = current.oauth_id {
        crate::oauth::delete(&mut tx, credential).await?;
    }
    let record = (AUDIT_KIND, id);
    audit::settings_event(&mut tx, caller.id, "delete", record, &before, &Value::Null).await?;
    tx.commit().await?;
    Ok(())
}

/// Who changed a mailbox's settings and who reads its mail, newest first (admin).
pub async fn audit_trail(
    pool: &AnyPool,
    id: i64,
    q: crate::crm::records::AuditQuery,
) -> Result<audit::AuditPage, Error> {
    account(pool, id).await?;
    let limit = crate::api::extract::Page {
        after: None,
        limit: q.limit,
    }
    .limit()?;
    audit::page(pool, (AUDIT_KIND, id), &[], q.before, limit).await
}

pub(crate) async fn open(
    pool: &AnyPool,
    secrets: &SecretBox,
    account: &Account,
) -> Result<client::ImapSession, Error> {
    signin::open(pool, secrets, account).await
}

/// The provider's authorization URL for an admin to connect an OAuth2 mailbox (PKCE, single-use state).
pub async fn start_consent(
    pool: &AnyPool,
    secrets: &SecretBox,
    caller: &Caller,
    id: i64,
    redirect_uri: Option<&str>,
) -> Result<crate::oauth::model::ConsentStart, Error> {
    let account = account(pool, id).await?;
    signin::start_consent(pool, secrets, &account, caller.id, redirect_uri).await
}

/// The mailbox that an OAuth2 credential belongs to, if any.
pub async fn with_credential(pool: &AnyPool, credential: i64) -> Result<Option<i64>, Error> {
    signin::mailbox_of(pool, credential).await
}

/// Connects, signs in and checks the folders; answers with the server's folders or a clear error.
pub async fn test_connection(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
) -> Result<ConnectionTest, Error> {
    let account = account(pool, id).await?;
    let result = async {
        let mut session = open(pool, secrets, &account).await?;
        let server_folders = client::folders(&mut session).await?;
        let sync_folders = sync::folders_to_sync(&mut session, &account).await?;
        for folder in &sync_folders {
            client::examine(&mut session, &folder.name).await?;
        }
        let _ = session.logout().await;
        Ok::<_, Error>(ConnectionTest {
            ok: true,
            server_folders: server_folders
                .into_iter()
                .map(|f| ServerFolder {
                    name: f.name,
                    role: f.role.to_string(),
                })
                .collect(),
            sync_folders: sync_folders.into_iter().map(|f| f.name).collect(),
        })
    }
    .await;
    if let Err(Error::Upstream { code, message }) = &result {
        store::record_error(pool, id, code, message).await?;
    }
    result
}

/// One sync of one mailbox now, on its own connection.
pub async fn sync_now(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
    limits: sync::FetchLimits,
    on_event: &(dyn Fn(SyncEvent) + Sync),
) -> Result<SyncReport, Error> {
    let account = account(pool, id).await?;
    let result = async {
        let mut session = open(pool, secrets, &account).await?;
        let report = sync::sync_session(pool, &mut session, &account, limits, on_event).await?;
        let _ = session.logout().await;
        Ok::<_, Error>(report)
    }
    .await;
    if let Err(Error::Upstream { code, message }) = &result {
        store::record_error(pool, id, code, message).await?;
    }
    result
}

/// Every mailbox with whether it is to be synced (enabled, and not waiting for an admin's OAuth2 consent) and a
/// fingerprint of its connection settings (a change restarts its
/// worker, so that a corrected password is used at once).
pub async fn mailbox_ids(pool: &AnyPool) -> Result<Vec<(i64, bool, String)>, Error> {
    Ok(accounts(pool)
        .await?
        .into_iter()
        .map(|a| {
            let m = &a.mailbox;
            let grant = m.oauth.as_ref().map(|o| (o.state, o.authorized_at));
            let print = format!(
                "{}|{}|{}|{}|{}|{:?}|{:?}|{:?}",
                m.host,
                m.port,
                m.security.as_str(),
                m.username,
                a.password_enc,
                m.folders,
                a.oauth_id,
                grant
            );
            (m.id, m.enabled && signin::runnable(&a), print)
        })
        .collect())
}
