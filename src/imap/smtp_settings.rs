//! A mailbox's own SMTP settings (for sending as the mailbox): what the API takes and shows, the provider presets
//! that fill them, and the rule that a stored secret goes only to the server it was given for.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::{check_host, check_security};
use super::model::Security;
use super::store::Account;
use crate::crm::normalize::required;
use crate::email_address::EmailAddress;
use crate::error::Error;
use crate::oauth::model::AuthKind;
use crate::secrets::SecretBox;

/// How the mailbox signs in to its SMTP server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpAuth {
    /// The mailbox's own password or OAuth2 grant (XOAUTH2), as the same user unless `username` is given.
    #[default]
    Mailbox,
    /// A separate SMTP password.
    Password,
}

impl SmtpAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpAuth::Mailbox => "mailbox",
            SmtpAuth::Password => "password",
        }
    }

    pub fn from_column(s: &str) -> SmtpAuth {
        match s {
            "password" => SmtpAuth::Password,
            _ => SmtpAuth::Mailbox,
        }
    }
}

/// The SMTP settings given with a mailbox. Without `host`, the preset of the mailbox's provider fills host, port and
/// security (smtp.office365.com:587 STARTTLS, smtp.gmail.com:465, smtp.yandex.ru:465, smtp.mail.ru:465).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpInput {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `tls` (implicit, 465), `starttls` (587) or `none`/`plain` (loopback only).
    pub security: Option<Security>,
    /// `mailbox` unless given.
    #[serde(default)]
    pub auth: SmtpAuth,
    /// The SMTP user; the mailbox's user name unless given.
    pub username: Option<String>,
    /// With `auth: password`. Stored encrypted; never returned.
    pub password: Option<String>,
    /// The From address; the mailbox's user name unless given.
    pub address: Option<String>,
}

/// A mailbox's SMTP settings as the API shows them: never the password.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SmtpView {
    pub host: String,
    pub port: i64,
    pub security: Security,
    pub auth: SmtpAuth,
    /// The SMTP user (the mailbox's user name unless set).
    pub username: Option<String>,
    /// The From address (the mailbox's user name unless set).
    pub address: Option<String>,
    /// Whether a separate SMTP password is stored.
    pub password_set: bool,
}

/// What is stored: the view and the sealed SMTP password.
pub struct SmtpWrite {
    pub view: SmtpView,
    pub password_enc: Option<String>,
}

/// The preset SMTP server of a provider, by the mailbox's IMAP host or its OAuth2 provider.
fn preset(imap_host: &str, provider: Option<&str>) -> Option<(String, i64, Security)> {
    crate::oauth::providers::presets()
        .into_iter()
        .find(|p| p.imap_host.eq_ignore_ascii_case(imap_host) || Some(p.name) == provider)
        .map(|p| {
            let security = Security::parse(p.smtp_security);
            (p.smtp_host.to_string(), i64::from(p.smtp_port), security)
        })
}

/// Where the mailbox is and how it signs in, as the SMTP settings see it.
pub struct Imap<'a> {
    pub host: &'a str,
    pub auth: AuthKind,
    pub provider: Option<&'a str>,
    /// The mailbox's password was given with this request.
    pub password_given: bool,
}

/// Checks and seals new settings. `current`: the stored ones (an update): a changed host, port, security or user
/// needs the password again, so that a stored password never goes to another server.
pub fn prepare(
    secrets: &SecretBox,
    input: &SmtpInput,
    imap: &Imap<'_>,
    current: Option<(&SmtpView, Option<&str>)>,
) -> Result<SmtpWrite, Error> {
    let (host, port, security) = match &input.host {
        Some(h) => {
            let host =
                check_host(h).map_err(|_| Error::validation("smtp.host", "is not a host name"))?;
            let security = input.security.unwrap_or(Security::Starttls);
            let port = input.port.map(i64::from).unwrap_or(match security {
                Security::Tls => 465,
                _ => 587,
            });
            (host, port, security)
        }
        None => {
            let (host, port, security) = preset(imap.host, imap.provider).ok_or_else(|| {
                Error::validation(
                    "smtp.host",
                    "is required: no provider preset for this mailbox",
                )
            })?;
            let port = input.port.map(i64::from).unwrap_or(port);
            (host, port, input.security.unwrap_or(security))
        }
    };
    if port == 0 {
        return Err(Error::validation("smtp.port", "must be 1-65535"));
    }
    check_security(security, &host).map_err(|_| {
        Error::validation(
            "smtp.security",
            "plain SMTP is allowed on loopback only; use tls or starttls",
        )
    })?;
    let username = input
        .username
        .as_deref()
        .map(|u| required("smtp.username", u, 320))
        .transpose()?;
    let address = input
        .address
        .as_deref()
        .map(|a| EmailAddress::parse(a).map_err(|e| Error::validation("smtp.address", e)))
        .transpose()?
        .map(|a| a.as_str().to_string());
    let moved = current.is_none_or(|(c, _)| {
        c.host != host || c.port != port || c.security != security || c.username != username
    });
    let password_enc = match input.auth {
        SmtpAuth::Password => match input.password.as_deref() {
            Some("") => return Err(Error::validation("smtp.password", "must not be empty")),
            Some(p) => Some(secrets.seal(p)?),
            None => match current {
                Some((c, Some(sealed))) if !moved && c.auth == SmtpAuth::Password => {
                    Some(sealed.to_string())
                }
                _ => return Err(Error::validation(
                    "smtp.password",
                    "is required: a new SMTP server, user or sign-in needs the SMTP password again",
                )),
            },
        },
        SmtpAuth::Mailbox => {
            if input.password.is_some() {
                return Err(Error::validation("smtp.password", "is for auth: password"));
            }
            // The mailbox's IMAP password goes to a new SMTP server only when the admin gives it again.
            let from_mailbox = current.is_none_or(|(c, _)| c.auth != SmtpAuth::Mailbox);
            if imap.auth == AuthKind::Password && (moved || from_mailbox) && !imap.password_given {
                return Err(Error::validation(
                    "password",
                    "a new SMTP server for the mailbox's own password needs the mailbox's password again",
                ));
            }
            None
        }
    };
    let view = SmtpView {
        host,
        port,
        security,
        auth: input.auth,
        username,
        address,
        password_set: password_enc.is_some(),
    };
    Ok(SmtpWrite { view, password_enc })
}

/// The settings of an update: unchanged without `smtp`, removed with `smtp: null`, else checked again.
pub fn for_update(
    secrets: &SecretBox,
    current: &Account,
    patch: Option<&Option<SmtpInput>>,
    imap: &Imap<'_>,
) -> Result<Option<SmtpWrite>, Error> {
    let stored = current.mailbox.smtp.as_ref();
    match patch {
        None => match stored {
            None => Ok(None),
            Some(view) => {
                // The mailbox's own password changed servers (IMAP moved): the SMTP sign-in follows it.
                Ok(Some(SmtpWrite {
                    view: view.clone(),
                    password_enc: current.smtp_password_enc.clone(),
                }))
            }
        },
        Some(None) => Ok(None),
        Some(Some(input)) => {
            let current = stored.map(|v| (v, current.smtp_password_enc.as_deref()));
            prepare(secrets, input, imap, current).map(Some)
        }
    }
}
