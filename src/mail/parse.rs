//! Turns raw bytes into what we store, with mail-parser: any charset, encoded words, broken MIME. A message that does
//! not parse still yields a `Parsed` (with `parse_error`), so the raw bytes are always kept.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
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
    Sha256::digest(raw)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

fn participants(role: &'static str, address: Option<&Address>, out: &mut Vec<Participant>) {
    let Some(address) = address else { return };
    for addr in address.iter() {
        let Some(email) = addr
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| a.contains('@'))
        else {
            continue;
        };
        let name = addr
            .name
            .as_deref()
            .map(|n| clean(n.trim()))
            .filter(|n| !n.is_empty());
        let address = clean(&email.to_lowercase());
        let domain = crate::email_address::registrable_domain(
            address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default(),
        );
        out.push(Participant {
            role,
            address,
            name,
            domain,
        });
    }
}

pub fn parse(raw: &[u8]) -> Parsed {
    let mut parsed = Parsed {
        hash: hash(raw),
        ..Default::default()
    };
    let Some(message) = MessageParser::default().parse(raw) else {
        parsed.parse_error = Some("not a MIME message: no headers could be read".into());
        return parsed;
    };
    parsed.message_id = message
        .message_id()
        .map(|id| clean(id.trim()))
        .filter(|id| !id.is_empty());
    parsed.in_reply_to = id_list(message.in_reply_to()).into_iter().next();
    parsed.references = id_list(message.references());
    parsed.subject = message.subject().map(clean);
    parsed.sent_at = message.date().map(|d| d.to_timestamp() * 1000);
    parsed.text_body = message.body_text(0).map(|t| clean(&t));
    // Only a real HTML part: mail-parser would otherwise convert the text body, doubling what we store.
    parsed.html_body = message
        .html_body
        .first()
        .and_then(|&id| message.parts.get(id as usize))
        .and_then(|part| match &part.body {
            PartType::Html(html) => Some(clean(html)),
            _ => None,
        });
    for (role, address) in [
        ("from", message.from()),
        ("sender", message.sender()),
        ("reply_to", message.reply_to()),
        ("to", message.to()),
        ("cc", message.cc()),
        ("bcc", message.bcc()),
    ] {
        participants(role, address, &mut parsed.participants);
    }
    if let Some(from) = parsed.participants.iter().find(|p| p.role == "from") {
        parsed.from_address = Some(from.address.clone());
        parsed.from_name = from.name.clone();
    }
    for (i, part) in message.attachments().enumerate() {
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        parsed.attachments.push(AttachmentInfo {
            part_index: i as u32,
            filename: part.attachment_name().map(clean),
            content_type: clean(&content_type.to_lowercase()),
            size: part.contents().len() as i64,
        });
    }
    parsed.signals = signals(&message);
    if parsed.from_address.is_none() && parsed.subject.is_none() && parsed.message_id.is_none() {
        parsed.parse_error = Some("no From, Subject or Message-ID could be decoded".into());
    }
    parsed
}

fn header_text(message: &mail_parser::Message, name: &str) -> Option<String> {
    message
        .header_raw(name)
        .map(|v| clean(v.trim()))
        .filter(|v| !v.is_empty())
}

fn signals(message: &mail_parser::Message) -> Signals {
    let vendor = [
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Reply",
        "X-Autoresponder",
    ]
    .iter()
    .find_map(|h| header_text(message, h).map(|v| (h.to_string(), v)));
    let delivery_report = message
        .parts
        .first()
        .and_then(|p| p.content_type())
        .is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
                && ct
                    .attribute("report-type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
        });
    Signals {
        auto_submitted: header_text(message, "Auto-Submitted"),
        vendor_autoreply: vendor,
        precedence: header_text(message, "Precedence").map(|p| p.to_lowercase()),
        list_id: message.header_raw("List-Id").is_some(),
        list_unsubscribe: message.header_raw("List-Unsubscribe").is_some(),
        delivery_report,
        dsn: if delivery_report { dsn(message) } else { None },
    }
}

/// `Name: value` fields of a DSN or headers block, lower-cased names.
fn fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect()
}

fn dsn(message: &mail_parser::Message) -> Option<Dsn> {
    let mut report = None;
    let mut original = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind = (
            ct.ctype().to_lowercase(),
            ct.subtype().unwrap_or_default().to_lowercase(),
        );
        let text = || String::from_utf8_lossy(part.contents()).into_owned();
        match (kind.0.as_str(), kind.1.as_str()) {
            ("message", "delivery-status") => report = Some(text()),
            ("text", "rfc822-headers") => {
                original = fields(&text())
                    .into_iter()
                    .find(|(k, _)| k == "message-id")
                    .map(|(_, v)| v)
            }
            ("message", "rfc822") => {
                if let mail_parser::PartType::Message(inner) = &part.body {
                    original = inner.message_id().map(str::to_string);
                }
            }
            _ => {}
        }
    }
    let fields = fields(&report?);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let recipient = get("final-recipient").or_else(|| get("original-recipient"))?;
    let recipient = recipient
        .split_once(';')
        .map(|(_, a)| a)
        .unwrap_or(&recipient)
        .trim()
        .trim_matches(['<', '>'])
        .to_lowercase();
    let status = get("status")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    Some(Dsn {
        recipient: clean(&recipient),
        status: clean(&status),
        action: get("action").map(|a| clean(&a.to_lowercase())),
        diagnostic: get("diagnostic-code").map(|d| clean(&d)),
        original_message_id: original.map(|o| clean(o.trim().trim_matches(['<', '>']))),
    })
}

/// The content of the attachment at `index` (in `parse`'s order), with its type and name.
pub fn attachment(raw: &[u8], index: u32) -> Option<(Vec<u8>, String, Option<String>)> {
    let message = MessageParser::default().parse(raw)?;
    let part = message.attachments().nth(index as usize)?;
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".into());
    Some((
        part.contents().to_vec(),
        content_type,
        part.attachment_name().map(str::to_string),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_subject_and_name_are_decoded() {
        let raw = b"From: =?windows-1251?B?wO3t4CDR7Ojw7e7i4A==?= <Anna@Example.RU>\r\nSubject: =?windows-1251?B?z/Do4uXy?=\r\nMessage-ID: <a1@example.ru>\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xcf\xf0\xe8\xe2\xe5\xf2\r\n";
        let p = parse(raw);
        assert_eq!(p.subject.as_deref(), Some("Привет"));
        assert_eq!(p.from_name.as_deref(), Some("Анна Смирнова"));
        assert_eq!(p.from_address.as_deref(), Some("anna@example.ru"));
        assert_eq!(p.text_body.as_deref().map(str::trim), Some("Привет"));
        assert_eq!(p.message_id.as_deref(), Some("a1@example.ru"));
        assert!(p.parse_error.is_none());
    }

    #[test]
    fn garbage_is_kept_with_a_parse_error_and_never_panics() {
        let p = parse(b"\x00\x01\x02 not mail at all");
        assert!(p.parse_error.is_some());
        assert_eq!(p.hash.len(), 64);
        let p = parse(b"");
        assert!(p.parse_error.is_some());
    }
}
