use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No encryption: loopback hosts only.
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
    /// Folders to sync; empty means Inbox and Sent, found by SPECIAL-USE.
    pub folders: Vec<String>,
    pub enabled: bool,
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
    /// Stored encrypted; never returned.
    pub password: String,
    #[serde(default)]
    pub folders: Vec<String>,
    pub lead_owner_id: Option<i64>,
    #[serde(default)]
    pub leads_from_outgoing: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxPatch {
    pub name: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub folders: Option<Vec<String>>,
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<i64>)]
    pub lead_owner_id: Option<Option<i64>>,
    pub leads_from_outgoing: Option<bool>,
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
}
