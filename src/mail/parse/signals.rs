//! What tells automated mail from a person's: RFC 3834 and vendor auto-reply headers, list headers, and the first
//! failed recipient of a delivery status notification (RFC 3464).

use mail_parser::MimeHeaders;

use super::{clean, Dsn, Signals};

fn header_text(message: &mail_parser::Message, name: &str) -> Option<String> {
    message
        .header_raw(name)
        .map(|v| clean(v.trim()))
        .filter(|v| !v.is_empty())
}

pub(super) fn signals(message: &mail_parser::Message) -> Signals {
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
