//! Checks of a mailbox's settings (host, security, owner, members) and what the audit log keeps of them.

use sqlx::AnyPool;

use super::client;
use super::model::{Mailbox, MailboxKind, Security};
use super::smtp_settings::SmtpView;
use super::store;
use crate::error::Error;

pub(super) fn check_host(host: &str) -> Result<String, Error> {
    let host = host.trim();
    if host.is_empty()
        || host.len() > 253
        || host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(Error::validation(
            "host",
            format!("'{host}' is not a host name"),
        ));
    }
    Ok(host.to_string())
}

pub(super) fn check_security(security: Security, host: &str) -> Result<(), Error> {
    if security == Security::Plain && !client::is_loopback(host) {
        return Err(Error::validation(
            "security",
            "plain IMAP is allowed on loopback only; use tls or starttls",
        ));
    }
    Ok(())
}

pub(super) async fn check_lead_owner(pool: &AnyPool, owner: Option<i64>) -> Result<(), Error> {
    if let Some(id) = owner {
        if crate::auth::service::get_user(pool, id).await.is_err() {
            return Err(Error::validation(
                "lead_owner_id",
                format!("no user with id {id}"),
            ));
        }
    }
    Ok(())
}

/// A personal mailbox needs an owner and has no members; a shared one has members and no owner.
pub(super) async fn check_access(
    pool: &AnyPool,
    kind: MailboxKind,
    owner_id: Option<i64>,
    member_ids: &[i64],
) -> Result<(), Error> {
    match (kind, owner_id) {
        (MailboxKind::Personal, None) => {
            return Err(Error::validation(
                "owner_id",
                "a personal mailbox needs its owner",
            ))
        }
        (MailboxKind::Personal, Some(owner)) => {
            if !member_ids.is_empty() {
                return Err(Error::validation(
                    "member_ids",
                    "a personal mailbox has its owner, not members",
                ));
            }
            check_user(pool, "owner_id", owner).await?;
        }
        (MailboxKind::Shared, Some(_)) => {
            return Err(Error::validation(
                "owner_id",
                "a shared mailbox has members, not an owner",
            ))
        }
        (MailboxKind::Shared, None) => {
            for user in member_ids {
                check_user(pool, "member_ids", *user).await?;
            }
        }
    }
    Ok(())
}

async fn check_user(pool: &AnyPool, field: &str, id: i64) -> Result<(), Error> {
    match crate::auth::service::get_user(pool, id).await {
        Ok(user) if user.active => Ok(()),
        _ => Err(Error::validation(
            field,
            format!("no active user with id {id}"),
        )),
    }
}

/// What the audit log keeps of a mailbox's settings: where it connects and who reads its mail (never the password).
pub(super) fn audit_view(
    w: &store::Write<'_>,
    a: &store::AccessWrite<'_>,
    smtp: Option<&SmtpView>,
) -> serde_json::Value {
    serde_json::json!({ "smtp": smtp,
        "name": w.name, "host": w.host, "port": w.port, "security": w.security, "username": w.username,
        "auth": w.auth, "folders": w.folders, "enabled": w.enabled, "lead_owner_id": w.lead_owner_id,
        "leads_from_outgoing": w.leads_from_outgoing, "kind": a.kind, "owner_id": a.owner_id,
        "member_ids": a.member_ids, "visibility": a.visibility,
    })
}

pub(super) fn audit_view_of(m: &Mailbox) -> serde_json::Value {
    serde_json::json!({ "smtp": m.smtp,
        "name": m.name, "host": m.host, "port": m.port, "security": m.security, "username": m.username,
        "auth": m.auth, "folders": m.folders, "enabled": m.enabled, "lead_owner_id": m.lead_owner_id,
        "leads_from_outgoing": m.leads_from_outgoing, "kind": m.kind, "owner_id": m.owner_id,
        "member_ids": m.member_ids, "visibility": m.visibility,
    })
}

pub(super) const AUDIT_KIND: &str = "mailbox";
