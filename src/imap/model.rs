use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::smtp_settings::{SmtpInput, SmtpView};
pub use crate::crm::access::MailboxPolicy;
use crate::oauth::model::{AuthKind, OAuthInput, OAuthView};

/// A personal mailbox has one owner; a shared one (`sales@`, `office@`) has members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailboxKind {
    Personal,
    Shared,
}

impl MailboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailboxKind::Personal => "personal",
            MailboxKind::Shared => "shared",
        }
    }

    /// What others who see a linked record read of its mail unless set: a shared mailbox's mail is the company's,
    /// a personal one's only its subject lines.
    pub fn default_policy(self) -> MailboxPolicy {
        match self {
            MailboxKind::Personal => MailboxPolicy::Subject,
            MailboxKind::Shared => MailboxPolicy::Full,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No encryption: loopback hosts only (`none` is read as `plain`).
    #[serde(alias = "none")]
    Plain,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::Starttls => "starttls",
            Security::Plain => "plain",
        }
    }

    pub fn parse(s: &str) -> Security {
        match s {
            "starttls" => Security::Starttls,
            "plain" => Security::Plain,
            _ => Security::Tls,
        }
    }
}

/// A mailbox as the API shows it: never the password.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Mailbox {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: i64,
    pub security: Security,
    pub username: String,
    /// `password` (LOGIN) or `oauth2` (SASL XOAUTH2 / OAUTHBEARER).
    pub auth: AuthKind,
    /// The OAuth2 settings and where the grant stands (`authorization_needed`, `authorized`,
    /// `reauthorization_needed` with the provider's text); never a secret or a token.
    pub oauth: Option<OAuthView>,
    /// Its own SMTP server for sending as the mailbox (none: it does not send); never a password.
    pub smtp: Option<SmtpView>,
    /// Folders to sync; empty means Inbox and Sent, found by SPECIAL-USE.
    pub folders: Vec<String>,
    pub enabled: bool,
    pub kind: MailboxKind,
    /// The owner of a personal mailbox.
    pub owner_id: Option<i64>,
    /// The members of a shared mailbox: they read its mail in full.
    pub member_ids: Vec<i64>,
    /// What everyone else who may see a record the mail is linked to reads of it.
    pub visibility: MailboxPolicy,
    /// Owner of the leads this mailbox's mail creates; none: the open pool.
    pub lead_owner_id: Option<i64>,
    /// Also make leads of the external people we write to from this mailbox.
    pub leads_from_outgoing: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync_at: Option<OffsetDateTime>,
    pub messages_synced: i64,
    pub last_error: Option<String>,
    /// Stable code of the last error, e.g. `imap_auth_failed`.
    pub last_error_code: Option<String>,
    /// The server instance syncing it now (see `GET /api/v1/admin/instances`); none while no instance holds it.
    pub lease_holder: Option<String>,
    pub folder_states: Vec<FolderState>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FolderState {
    pub name: String,
    pub role: String,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync_at: Option<OffsetDateTime>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMailbox {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    /// `password` unless given.
    #[serde(default)]
    pub auth: AuthKind,
    /// With `auth: password`. Stored encrypted; never returned.
    #[serde(default)]
    pub password: String,
    /// With `auth: oauth2`: the provider, client and, optionally, a refresh token (else an admin grants consent).
    pub oauth: Option<OAuthInput>,
    /// Its own SMTP server, for sending as the mailbox.
    pub smtp: Option<SmtpInput>,
    #[serde(default)]
    pub folders: Vec<String>,
    pub lead_owner_id: Option<i64>,
    #[serde(default)]
    pub leads_from_outgoing: bool,
    /// `shared` unless given.
    pub kind: Option<MailboxKind>,
    /// Required for a personal mailbox.
    pub owner_id: Option<i64>,
    /// Members of a shared mailbox.
    #[serde(default)]
    pub member_ids: Vec<i64>,
    /// Defaults: shared `full`, personal `subject`.
    pub visibility: Option<MailboxPolicy>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPatch {
    pub name: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub username: Option<String>,
    pub auth: Option<AuthKind>,
    pub password: Option<String>,
    /// New OAuth2 settings (the grant starts over).
    pub oauth: Option<OAuthInput>,
    /// New SMTP settings (replacing the stored ones); `null` removes them.
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<SmtpInput>)]
    pub smtp: Option<Option<SmtpInput>>,
    pub folders: Option<Vec<String>>,
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<i64>)]
    pub lead_owner_id: Option<Option<i64>>,
    pub leads_from_outgoing: Option<bool>,
    pub kind: Option<MailboxKind>,
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    pub member_ids: Option<Vec<i64>>,
    pub visibility: Option<MailboxPolicy>,
}

/// A personal mailbox's owner narrows what others read of its mail (widening again is for an admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisibilityChange {
    pub visibility: MailboxPolicy,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    /// Every selectable folder on the server, with its role.
    pub server_folders: Vec<ServerFolder>,
    /// The folders that would be synced.
    pub sync_folders: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServerFolder {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct SyncReport {
    pub folders: i64,
    /// Messages fetched from the server in this run.
    pub fetched: i64,
    /// Of those, stored for the first time (others were already known from another folder or mailbox).
    pub new_messages: i64,
    pub bytes: i64,
    /// Folders whose UIDVALIDITY changed and were read again.
    pub resynced_folders: i64,
    /// Stored locations no longer on the server (expunged, or moved to another folder).
    pub gone: i64,
    /// Stored locations whose flags (`\Seen`, `\Answered`, `\Flagged`) changed on the server; read without bodies.
    pub flags_changed: i64,
}

/// A test letter from the mailbox, through its own SMTP server.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpTest {
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmtpTestResult {
    pub ok: bool,
    pub from: String,
    pub to: String,
    /// The server's reply to the message.
    pub reply: String,
}

/// A mailbox the caller may send from (sequences, mail merge): enough to pick one, nothing of its settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendableMailbox {
    pub id: i64,
    pub name: String,
    /// The From address of its letters.
    pub address: String,
    pub kind: MailboxKind,
}
