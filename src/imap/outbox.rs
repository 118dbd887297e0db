//! Sending one letter as a mailbox, through the mailbox's own SMTP server: its own password or OAuth2 grant
//! (XOAUTH2, the access token refreshed before expiry and once more after a refusal) or a separate SMTP password.

use lettre::message::header::ContentType;
use lettre::message::Mailbox as Address;
use lettre::Message;
use sqlx::AnyPool;

use super::model::Security;
use super::signin::MailboxError;
use super::smtp_settings::{SmtpAuth, SmtpView};
use super::store::Account;
use crate::error::Error;
use crate::oauth::model::AuthKind;
use crate::secrets::SecretBox;
use crate::smtp::{self, Outcome, Server, SignIn};

/// A letter to send as the mailbox; its From is the mailbox's address, whatever the caller wants.
pub struct Letter {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

/// What the server answered.
pub struct Sent {
    pub from: String,
    pub reply: String,
}

/// Sends `letter` as mailbox `id`. Errors: `smtp_not_configured` (422), `smtp_connect_failed`, `smtp_tls_failed`,
/// `smtp_auth_failed`, `smtp_deferred` (4xx), `smtp_rejected` (5xx), `smtp_no_answer`, and the `oauth_*` codes.
pub async fn send(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
    letter: &Letter,
) -> Result<Sent, Error> {
    let account = super::account(pool, id).await?;
    send_as(pool, secrets, &account, letter).await
}

pub(super) async fn send_as(
    pool: &AnyPool,
    secrets: &SecretBox,
    account: &Account,
    letter: &Letter,
) -> Result<Sent, Error> {
    let m = &account.mailbox;
    let settings = m.smtp.as_ref().ok_or_else(|| {
        Error::validation("smtp", "the mailbox has no SMTP settings: it does not send")
    })?;
    let from = settings
        .address
        .clone()
        .unwrap_or_else(|| m.username.clone());
    let message = build(&from, letter)?;
    let server = server(settings)?;
    let user = settings
        .username
        .clone()
        .unwrap_or_else(|| m.username.clone());
    let bearer = match (settings.auth, m.auth, account.oauth_id) {
        (SmtpAuth::Mailbox, AuthKind::Oauth2, Some(credential)) => Some(credential),
        _ => None,
    };
    let mut link = match bearer {
        None => {
            let sealed = match settings.auth {
                SmtpAuth::Password => account.smtp_password_enc.as_deref(),
                SmtpAuth::Mailbox => Some(account.password_enc.as_str()),
            };
            let sealed = sealed
                .ok_or_else(|| Error::validation("smtp.password", "no SMTP password is stored"))?;
            let password = secrets.open(sealed)?;
            smtp::open(&server, Some(&SignIn::Password { user, password })).await?
        }
        Some(credential) => {
            let record = &MailboxError(m.id);
            smtp::open_xoauth2(&server, &user, |refused| async move {
                let refused = refused.as_deref();
                crate::oauth::access_token_for(pool, secrets, credential, refused, record).await
            })
            .await?
        }
    };
    let bytes = message.formatted();
    let outcome = link.send(message.envelope(), &bytes).await;
    match &outcome {
        Outcome::Accepted(_) => link.quit().await,
        _ => link.abort().await,
    }
    Ok(Sent {
        from,
        reply: outcome.into_result()?,
    })
}

/// Where the mailbox's letters go.
fn server(settings: &SmtpView) -> Result<Server, Error> {
    let port = u16::try_from(settings.port)
        .map_err(|_| Error::validation("smtp.port", "must be 1-65535"))?;
    let security = match settings.security {
        Security::Tls => smtp::Security::Tls,
        Security::Starttls => smtp::Security::Starttls { required: true },
        Security::Plain => smtp::Security::Plain,
    };
    Ok(Server::new(settings.host.clone(), port, security))
}

fn build(from: &str, letter: &Letter) -> Result<Message, Error> {
    let from: Address = from
        .parse()
        .map_err(|e| Error::validation("smtp.address", format!("{from}: {e}")))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(letter.subject.clone());
    if letter.to.is_empty() {
        return Err(Error::validation("to", "is required"));
    }
    for to in &letter.to {
        let to: Address = to
            .parse()
            .map_err(|e| Error::validation("to", format!("{to}: {e}")))?;
        builder = builder.to(to);
    }
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(letter.text.clone())
        .map_err(|e| Error::validation("to", e.to_string()))
}

/// A test letter from the mailbox to `to` (an admin, or the owner of a personal mailbox; anyone else: no such
/// mailbox, the rule of narrowing its visibility).
pub async fn test(
    pool: &AnyPool,
    secrets: &SecretBox,
    caller: &crate::auth::Caller,
    id: i64,
    to: &str,
) -> Result<super::model::SmtpTestResult, Error> {
    let account = super::account(pool, id).await?;
    let m = &account.mailbox;
    let owner = m
        .owner_id
        .filter(|_| m.kind == super::model::MailboxKind::Personal);
    crate::crm::access::require_mailbox_owner(caller, owner)?;
    let letter = Letter {
        to: vec![to.trim().to_string()],
        subject: format!("Mailroom: test letter from {}", m.name),
        text: "This letter tests the mailbox's SMTP settings in Mailroom.\r\n".into(),
    };
    let sent = send_as(pool, secrets, &account, &letter).await?;
    tracing::info!(mailbox_id = id, "SMTP test letter sent");
    Ok(super::model::SmtpTestResult {
        ok: true,
        from: sent.from,
        to: letter.to[0].clone(),
        reply: sent.reply,
    })
}
