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

pub fn build(a: &Addressing, r: &Rendered) -> Result<Letter, String> {
    let from: Mailbox = a.from.parse().map_err(|e| format!("from address: {e}"))?;
    let to_address: Address =
        a.to.parse()
            .map_err(|e| format!("invalid address {}: {e}", a.to))?;
    let to = Mailbox::new(Some(a.to_name.to_string()), to_address.clone());
    let verp = verp::address(a.bounce_base, a.verp_key, a.campaign_id, a.recipient_id);
    let sender: Address = verp.parse().map_err(|e| format!("bounce address: {e}"))?;
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
        .map_err(|e| format!("building the letter: {e}"))?;
    let envelope = Envelope::new(Some(sender), vec![to_address]).map_err(|e| e.to_string())?;
    Ok(Letter {
        envelope,
        bytes: message.formatted(),
    })
}
