//! Builds one campaign letter: personalised From/To/Subject (RFC 2047 for Cyrillic), text and HTML alternatives,
//! RFC 8058 unsubscribe headers, and the VERP envelope sender that identifies campaign and recipient.

use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::model::Rendered;
use super::verp;

pub struct Letter {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

pub struct Addressing<'a> {
    pub from: &'a str,
    pub to_name: &'a str,
    pub to: &'a str,
    /// The bounce base address (`bounces@domain`), made into the VERP sender.
    pub bounce_base: &'a str,
    /// Signs the VERP sender.
    pub verp_key: &'a [u8],
    pub campaign_id: i64,
    pub recipient_id: i64,
    /// The HTTPS one-click URL; None for test sends, which are not campaign letters.
    pub unsubscribe_url: Option<&'a str>,
}

/// Why a letter could not be built: the part at fault (`to`, `from`, `contact.name`, `subject`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for LetterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn fault(field: &'static str, message: impl Into<String>) -> LetterError {
    LetterError {
        field,
        message: message.into(),
    }
}

/// Header-bound text must be one line: a control character is refused here (names are cleaned where they enter
/// the server, but a template field or an older record may still carry one).
fn one_line(field: &'static str, text: &str) -> Result<(), LetterError> {
    match crate::text::control_char(text) {
        None => Ok(()),
        Some(c) => Err(fault(
            field,
            format!("contains the control character {c:?}; a mail header must be one line"),
        )),
    }
}

/// Builds the letter, or says why it cannot be built; never panics, whatever the input.
pub fn build(a: &Addressing, r: &Rendered) -> Result<Letter, LetterError> {
    one_line("from", a.from)?;
    one_line("to", a.to)?;
    one_line("contact.name", a.to_name)?;
    one_line("subject", &r.subject)?;
    // The checks above leave lettre nothing it is known to panic on; should it still, the letter fails alone
    // instead of stopping the campaign.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assemble(a, r))).unwrap_or_else(|_| {
        Err(fault(
            "letter",
            "the letter could not be built from these headers",
        ))
    })
}

fn assemble(a: &Addressing, r: &Rendered) -> Result<Letter, LetterError> {
    let from: Mailbox = a
        .from
        .parse()
        .map_err(|e| fault("from", format!("from address: {e}")))?;
    let to_address: Address =
        a.to.parse()
            .map_err(|e| fault("to", format!("invalid address {}: {e}", a.to)))?;
    let to = Mailbox::new(Some(a.to_name.to_string()), to_address.clone());
    let verp = verp::address(a.bounce_base, a.verp_key, a.campaign_id, a.recipient_id);
    let sender: Address = verp
        .parse()
        .map_err(|e| fault("from", format!("bounce address: {e}")))?;
    let domain = from.email.domain().to_string();
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(r.subject.clone())
        .message_id(Some(format!(
            "<c{}.r{}.{:016x}@{domain}>",
            a.campaign_id,
            a.recipient_id,
            rand::random::<u64>()
        )));
    if let Some(url) = a.unsubscribe_url {
        let mailto = format!("mailto:{verp}?subject=unsubscribe");
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>, <{mailto}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            r.text.clone(),
            r.html.clone(),
        ))
        .map_err(|e| fault("letter", format!("building the letter: {e}")))?;
    let envelope =
        Envelope::new(Some(sender), vec![to_address]).map_err(|e| fault("to", e.to_string()))?;
    Ok(Letter {
        envelope,
        bytes: message.formatted(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addressing<'a>(to_name: &'a str) -> Addressing<'a> {
        Addressing {
            from: "Нордвинд <news@nordwind.ru>",
            to_name,
            to: "anna@kappa.ru",
            bounce_base: "bounces@nordwind.ru",
            verp_key: b"key",
            campaign_id: 1,
            recipient_id: 2,
            unsubscribe_url: Some("https://crm.example/u/t"),
        }
    }

    fn rendered(subject: &str) -> Rendered {
        Rendered {
            subject: subject.into(),
            html: "<p>Привет</p>".into(),
            text: "Привет".into(),
        }
    }

    #[test]
    fn header_text_with_a_line_break_is_refused_not_a_panic() {
        let e = build(&addressing("Анна\r\nBcc: x@y"), &rendered("Привет"))
            .err()
            .expect("refused");
        assert_eq!(e.field, "contact.name");
        let e = build(&addressing("Анна"), &rendered("Привет\nBcc: x@y"))
            .err()
            .expect("refused");
        assert_eq!(e.field, "subject");
        let e = build(&addressing("Анна\u{0}"), &rendered("Привет"))
            .err()
            .expect("refused");
        assert_eq!(e.field, "contact.name");
    }

    #[test]
    fn a_clean_letter_has_one_to_line() {
        let letter = build(&addressing("Анна Петрова"), &rendered("Привет")).unwrap();
        let text = String::from_utf8(letter.bytes).unwrap();
        assert_eq!(text.lines().filter(|l| l.starts_with("To:")).count(), 1);
        assert!(!text.contains("Bcc"));
    }
}
