use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::crm::access::MailLevel;

/// Where a fetched message sits on the IMAP server.
#[derive(Debug, Clone, Copy)]
pub struct Location {
    pub folder_id: i64,
    pub uidvalidity: i64,
    pub uid: i64,
}

/// A fetched message to store: parsed, its raw bytes, where it was seen and how linking classified it.
pub struct Incoming<'a> {
    pub parsed: &'a super::parse::Parsed,
    pub raw: &'a [u8],
    pub location: Option<Location>,
    pub class: Option<ClassColumns>,
    /// Set when only the headers were fetched (the message was over the size limit): the size the server reported.
    pub truncated: Option<i64>,
}

/// Classification stored with the message row (see `linking::classify`).
#[derive(Debug, Clone)]
pub struct ClassColumns {
    pub class: &'static str,
    pub reason: String,
    pub direction: &'static str,
    pub mailbox_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageSummary {
    pub id: i64,
    /// Hex SHA-256 of the raw bytes (the same bytes are stored once).
    pub sha256: String,
    /// The Message-ID header, without angle brackets.
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    /// The Date header.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// Raw size in bytes (of the headers alone when `truncated`).
    pub size: i64,
    /// The message was over the size limit: only its headers were downloaded and its body says so.
    pub truncated: bool,
    /// When `truncated`: the message's size on the mail server.
    pub original_size: Option<i64>,
    pub has_attachments: bool,
    /// Set when the MIME structure could not be fully decoded; the raw message is kept regardless.
    pub parse_error: Option<String>,
    pub thread_id: Option<i64>,
    /// `\Seen` on the mail server, in any folder it is still in (kept current by the sync without refetching).
    pub seen: bool,
    /// `\Answered` on the mail server, in any folder it is still in.
    pub answered: bool,
    /// `\Flagged` on the mail server, in any folder it is still in.
    pub flagged: bool,
    /// Expunged from every synced folder it was seen in: kept in the CRM (raw, links, timeline), gone from the server.
    pub deleted_on_server: bool,
    /// How much of it the caller reads: `metadata` (participants and date), `subject`, or `full`.
    pub access: MailLevel,
}

impl MessageSummary {
    /// Leaves out what the caller's level does not grant.
    pub fn redacted(mut self, level: MailLevel) -> MessageSummary {
        self.access = level;
        if level < MailLevel::Subject {
            self.subject = None;
        }
        if level < MailLevel::Full {
            self.has_attachments = false;
            self.parse_error = None;
        }
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantView {
    /// from, sender, reply_to, to, cc, bcc
    pub role: String,
    pub address: String,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentView {
    /// Use with `/api/v1/messages/{id}/attachments/{index}`.
    pub index: i64,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationView {
    pub mailbox_id: i64,
    pub folder: String,
    pub uid: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDetail {
    #[serde(flatten)]
    pub summary: MessageSummary,
    pub in_reply_to: Option<String>,
    pub participants: Vec<ParticipantView>,
    pub text_body: Option<String>,
    /// As received: never render it unsanitized.
    pub html_body: Option<String>,
    pub attachments: Vec<AttachmentView>,
    pub locations: Vec<LocationView>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageFilter {
    pub mailbox_id: Option<i64>,
    pub folder: Option<String>,
    pub thread_id: Option<i64>,
    /// A participant's address (any role).
    pub address: Option<String>,
    /// Sent at or after (RFC 3339).
    pub since: Option<String>,
    /// Sent before (RFC 3339).
    pub until: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub items: Vec<MessageSummary>,
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadView {
    pub id: i64,
    /// Oldest first (by Date header).
    pub messages: Vec<MessageSummary>,
}

/// A thread a mailbox member marked private: others who see its linked records read nothing of it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateThread {
    pub private: bool,
}
