//! Sending one letter as a mailbox, through the mailbox's own SMTP server: its own password or OAuth2 grant
//! (XOAUTH2, the access token refreshed before expiry and once more after a refusal) or a separate SMTP password.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox as Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use sqlx::AnyPool;

use super::model::Security;
use super::signin::MailboxError;
use super::smtp_settings::{SmtpAuth, SmtpView};
use super::store::Account;
use crate::error::Error;
use crate::oauth::model::AuthKind;
use crate::secrets::SecretBox;

const TIMEOUT: Duration = Duration::from_secs(60);

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

fn upstream(code: &'static str, message: String) -> Error {
    Error::Upstream { code, message }
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
    let smtp = m.smtp.as_ref().ok_or_else(|| {
        Error::validation("smtp", "the mailbox has no SMTP settings: it does not send")
    })?;
    let from = smtp.address.clone().unwrap_or_else(|| m.username.clone());
    let message = build(&from, letter)?;
    let user = smtp.username.clone().unwrap_or_else(|| m.username.clone());
    let bearer = match (smtp.auth, m.auth, account.oauth_id) {
        (SmtpAuth::Mailbox, AuthKind::Oauth2, Some(credential)) => Some(credential),
        _ => None,
    };
    let Some(credential) = bearer else {
        let sealed = match smtp.auth {
            SmtpAuth::Password => account.smtp_password_enc.as_deref(),
            SmtpAuth::Mailbox => Some(account.password_enc.as_str()),
        };
        let password = secrets
            .open(sealed.ok_or_else(|| {
                Error::validation("smtp.password", "no SMTP password is stored")
            })?)?;
        let creds = Credentials::new(user, password);
        let mut conn = open(smtp, &[Mechanism::Plain, Mechanism::Login], &creds).await?;
        return deliver(&mut conn, &from, &message).await;
    };
    let record = MailboxError(m.id);
    let token = crate::oauth::access_token_for(pool, secrets, credential, None, &record).await?;
    let xoauth2 = [Mechanism::Xoauth2];
    let mut conn = match open(
        smtp,
        &xoauth2,
        &Credentials::new(user.clone(), token.clone()),
    )
    .await
    {
        Err(Error::Upstream {
            code: "smtp_auth_failed",
            message,
        }) => {
            tracing::info!(mailbox_id = m.id, %message, "SMTP refused the access token; refreshing it once");
            let token =
                crate::oauth::access_token_for(pool, secrets, credential, Some(&token), &record)
                    .await?;
            open(smtp, &xoauth2, &Credentials::new(user, token))
                .await
                .map_err(|e| match e {
                    Error::Upstream {
                        code: "smtp_auth_failed",
                        message,
                    } => upstream(
                        "smtp_auth_failed",
                        format!("{message} (a freshly refreshed access token too: does the SMTP user, client or scope match what the server accepts?)"),
                    ),
                    other => other,
                })?
        }
        other => other?,
    };
    deliver(&mut conn, &from, &message).await
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

/// Connects (TLS, STARTTLS or plain) and signs in; nothing is sent yet.
async fn open(
    smtp: &SmtpView,
    mechanisms: &[Mechanism],
    credentials: &Credentials,
) -> Result<AsyncSmtpConnection, Error> {
    let hello = ClientId::default();
    let port =
        u16::try_from(smtp.port).map_err(|_| Error::validation("smtp.port", "must be 1-65535"))?;
    let where_ = format!("{}:{}", smtp.host, port);
    let tls = || {
        TlsParameters::new_rustls(smtp.host.clone())
            .map_err(|e| upstream("smtp_tls_failed", format!("{where_}: {e}")))
    };
    let implicit = (smtp.security == Security::Tls).then(tls).transpose()?;
    let connect = AsyncSmtpConnection::connect_tokio1(
        (smtp.host.as_str(), port),
        Some(TIMEOUT),
        &hello,
        implicit,
        None,
    );
    let mut conn = connect.await.map_err(|e| {
        let code = if smtp.security == Security::Tls && e.is_tls() {
            "smtp_tls_failed"
        } else {
            "smtp_connect_failed"
        };
        upstream(code, format!("{where_}: {e}"))
    })?;
    if smtp.security == Security::Starttls {
        if !conn.can_starttls() {
            return Err(upstream(
                "smtp_tls_failed",
                format!("{where_}: the server does not offer STARTTLS"),
            ));
        }
        conn.starttls(tls()?, &hello)
            .await
            .map_err(|e| upstream("smtp_tls_failed", format!("{where_}: STARTTLS: {e}")))?;
    }
    match tokio::time::timeout(TIMEOUT, conn.auth(mechanisms, credentials)).await {
        Ok(Ok(_)) => Ok(conn),
        Ok(Err(e)) if e.is_transient() => {
            Err(upstream("smtp_deferred", format!("{where_}: AUTH: {e}")))
        }
        Ok(Err(e)) => Err(upstream("smtp_auth_failed", format!("{where_}: AUTH: {e}"))),
        Err(_) => Err(upstream(
            "smtp_no_answer",
            format!("{where_}: AUTH: no answer"),
        )),
    }
}

async fn deliver(
    conn: &mut AsyncSmtpConnection,
    from: &str,
    message: &Message,
) -> Result<Sent, Error> {
    let bytes = message.formatted();
    let sent = tokio::time::timeout(TIMEOUT, conn.send(message.envelope(), &bytes)).await;
    let result = match sent {
        Ok(Ok(reply)) => Ok(Sent {
            from: from.to_string(),
            reply: reply.message().collect::<Vec<_>>().join(" "),
        }),
        Ok(Err(e)) if e.is_permanent() => Err(upstream("smtp_rejected", e.to_string())),
        Ok(Err(e)) if e.is_transient() => Err(upstream("smtp_deferred", e.to_string())),
        Ok(Err(e)) => Err(upstream("smtp_no_answer", e.to_string())),
        Err(_) => Err(upstream(
            "smtp_no_answer",
            "no reply after the message was sent".into(),
        )),
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.quit()).await;
    result
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
