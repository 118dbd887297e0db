//! Turns raw bytes into what we store, with mail-parser: any charset, encoded words, broken MIME. A message that does
//! not parse still yields a `Parsed` (with `parse_error`), so the raw bytes are always kept. Where mail-parser 0.11
//! reads a field otherwise than a mail client shows it, a named normalization in `repair`, `words`, `addresses` or
//! `charset` corrects it.

mod addresses;
mod charset;
mod repair;
mod signals;
mod words;

use mail_parser::{HeaderValue, Message, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// from, sender, reply_to, to, cc, bcc
    pub role: &'static str,
    pub address: String,
    pub name: Option<String>,
    /// Registrable domain of the address (public-suffix list), when it has one.
    pub domain: Option<String>,
}

/// Headers that tell automated mail from a person's (RFC 3834, RFC 2369, vendor headers) and what a DSN reports.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub auto_submitted: Option<String>,
    /// X-Autoreply, X-Autorespond and similar vendor headers: (name, value).
    pub vendor_autoreply: Option<(String, String)>,
    pub precedence: Option<String>,
    pub list_id: bool,
    pub list_unsubscribe: bool,
    /// multipart/report; report-type=delivery-status
    pub delivery_report: bool,
    pub dsn: Option<Dsn>,
}

/// The first failed recipient of a delivery status notification (RFC 3464).
#[derive(Debug, Clone, Default)]
pub struct Dsn {
    pub recipient: String,
    pub status: String,
    pub action: Option<String>,
    pub diagnostic: Option<String>,
    pub original_message_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttachmentInfo {
    /// Index among the message's attachments (mail-parser's order), to fetch the content again from the raw bytes.
    pub part_index: u32,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Hex SHA-256 of the raw bytes: the same bytes are the same message.
    pub hash: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub subject: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    /// Date header, UTC milliseconds.
    pub sent_at: Option<i64>,
    pub text_body: Option<String>,
    pub html_body: Option<String>,
    pub participants: Vec<Participant>,
    pub attachments: Vec<AttachmentInfo>,
    pub signals: Signals,
    pub parse_error: Option<String>,
}

pub fn hash(raw: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(raw);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

/// PostgreSQL text cannot hold NUL; broken mail sometimes decodes to it.
fn clean(text: &str) -> String {
    text.replace('\0', "")
}

fn id_list(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![clean(t.trim())],
        HeaderValue::TextList(list) => list.iter().map(|t| clean(t.trim())).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

pub fn parse(raw: &[u8]) -> Parsed {
    let mut parsed = Parsed {
        hash: hash(raw),
        ..Default::default()
    };
    if repair::read(raw, |message| fill(&mut parsed, message)).is_none() {
        parsed.parse_error = Some("not a MIME message: no headers could be read".into());
    }
    parsed
}

fn fill(parsed: &mut Parsed, message: &Message) {
    parsed.message_id = message
        .message_id()
        .map(|id| clean(id.trim()))
        .filter(|id| !id.is_empty());
    parsed.in_reply_to = id_list(message.in_reply_to()).into_iter().next();
    parsed.references = id_list(message.references());
    parsed.subject = message.subject().map(clean);
    parsed.sent_at = message.date().map(|d| d.to_timestamp() * 1000);
    parsed.text_body = message.text_body.first().and_then(|&id| {
        let text = charset::redecoded(message, id).map(|(text, html)| {
            if html {
                mail_parser::decoders::html::html_to_text(&text)
            } else {
                text
            }
        });
        text.or_else(|| message.body_text(0).map(|t| t.into_owned()))
            .map(|t| clean(&t))
    });
    // Only a real HTML part: mail-parser would otherwise convert the text body, doubling what we store.
    parsed.html_body = message
        .html_body
        .first()
        .and_then(|&id| message.parts.get(id as usize).map(|part| (id, part)))
        .and_then(|(id, part)| match &part.body {
            PartType::Html(html) => Some(clean(
                &charset::redecoded(message, id).map_or_else(|| html.to_string(), |(t, _)| t),
            )),
            _ => None,
        });
    parsed.participants = addresses::participants(message);
    if let Some(from) = parsed.participants.iter().find(|p| p.role == "from") {
        parsed.from_address = Some(from.address.clone());
        parsed.from_name = from.name.clone();
    }
    for (i, part) in message.attachments().enumerate() {
        parsed.attachments.push(AttachmentInfo {
            part_index: i as u32,
            filename: filename(part).map(|n| clean(&n)),
            content_type: clean(&content_type(part).to_lowercase()),
            size: part.contents().len() as i64,
        });
    }
    parsed.signals = signals::signals(message);
    if parsed.from_address.is_none() && parsed.subject.is_none() && parsed.message_id.is_none() {
        parsed.parse_error = Some("no From, Subject or Message-ID could be decoded".into());
    }
}

fn content_type(part: &MessagePart) -> String {
    part.content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// The attachment's name as a mail client lists it: a name folded over several lines (`name="Quarterly report\r\n
/// \tfor the board.pdf"`) keeps the folding whitespace after unfolding, so each run of whitespace becomes one space,
/// as the sender wrote it.
fn filename(part: &MessagePart) -> Option<String> {
    let name = part.attachment_name()?;
    let collapsed = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// The content of the attachment at `index` (in `parse`'s order), with its type and name.
pub fn attachment(raw: &[u8], index: u32) -> Option<(Vec<u8>, String, Option<String>)> {
    repair::read(raw, |message| {
        let part = message.attachments().nth(index as usize)?;
        Some((part.contents().to_vec(), content_type(part), filename(part)))
    })
    .flatten()
}

#[cfg(test)]
mod tests;
