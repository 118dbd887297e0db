//! Sending one letter as a mailbox, through the mailbox's own SMTP server: its own password or OAuth2 grant
//! (XOAUTH2, the access token refreshed before expiry and once more after a refusal) or a separate SMTP password.

use lettre::message::header::ContentType;
use lettre::message::Mailbox as Address;
use lettre::message::{Attachment, MultiPart, SinglePart};
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
#[derive(Default)]
pub struct Letter {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    /// Its own Message-ID (without brackets); none: lettre makes one.
    pub message_id: Option<String>,
    /// A reply's parent (`In-Reply-To`) and thread (`References`), Message-IDs without brackets.
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Files attached after the text (a sequence step's uploads), each as given.
    pub attachments: Vec<LetterFile>,
}

/// One attached file.
#[derive(Clone)]
pub struct LetterFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What the server answered, and the letter as sent (for the Sent folder).
pub struct Sent {
    pub from: String,
    pub reply: String,
    pub raw: Vec<u8>,
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
        raw: bytes,
    })
}

/// Does the provider keep a copy of SMTP mail in Sent itself? Microsoft 365 / Outlook.com and Gmail do (an APPEND
/// would show the letter twice there); decided by the SMTP host, the one thing their presets share.
pub fn provider_files_sent(smtp_host: &str) -> bool {
    let host = smtp_host.trim_end_matches('.').to_ascii_lowercase();
    [
        "office365.com",
        "outlook.com",
        "gmail.com",
        "googlemail.com",
    ]
    .iter()
    .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// Files a sent letter in the mailbox's Sent folder (SPECIAL-USE `\Sent`, else "Sent") over IMAP, seen, unless the
/// provider files SMTP mail itself. Answers whether it appended.
pub async fn file_in_sent(
    pool: &AnyPool,
    secrets: &SecretBox,
    id: i64,
    raw: &[u8],
) -> Result<bool, Error> {
    let account = super::account(pool, id).await?;
    let smtp_host = account.mailbox.smtp.as_ref().map(|s| s.host.as_str());
    if smtp_host.is_some_and(provider_files_sent) {
        return Ok(false);
    }
    let mut session = super::open(pool, secrets, &account).await?;
    let folders = super::client::folders(&mut session).await?;
    let sent = folders
        .iter()
        .find(|f| f.role == "sent")
        .map_or("Sent", |f| f.name.as_str());
    session
        .append(sent, Some("(\\Seen)"), None, raw)
        .await
        .map_err(super::client::lost)?;
    let _ = session.logout().await;
    Ok(true)
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
    if let Some(id) = &letter.message_id {
        builder = builder.message_id(Some(format!("<{id}>")));
    }
    if let Some(parent) = &letter.in_reply_to {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !letter.references.is_empty() {
        let refs: Vec<String> = letter.references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(refs.join(" "));
    }
    if letter.attachments.is_empty() {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(letter.text.clone())
            .map_err(|e| Error::validation("to", e.to_string()));
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(letter.text.clone()));
    for f in &letter.attachments {
        let kind = ContentType::parse(&f.content_type).unwrap_or_else(|_| {
            ContentType::parse("application/octet-stream").expect("a valid type")
        });
        parts = parts.singlepart(Attachment::new(f.name.clone()).body(f.bytes.clone(), kind));
    }
    builder
        .multipart(parts)
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
        ..Letter::default()
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
