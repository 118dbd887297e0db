//! The RFC 5322 message a mail logged from Outlook is stored as, built from the fields Office.js read.

use base64::Engine;

use super::model::{LogMail, MailAddress};
use crate::email_address::EmailAddress;
use crate::error::Error;

fn encoded(text: &str) -> String {
    if text.is_ascii() && !text.contains(['\r', '\n']) {
        text.to_string()
    } else {
        format!(
            "=?utf-8?b?{}?=",
            base64::engine::general_purpose::STANDARD.encode(text.replace(['\r', '\n'], " "))
        )
    }
}

/// A display name as a header phrase: plain when it is only letters, digits and spaces, else an encoded word.
fn phrase(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '.' || c == '-')
    {
        name.to_string()
    } else {
        format!(
            "=?utf-8?b?{}?=",
            base64::engine::general_purpose::STANDARD.encode(name.replace(['\r', '\n'], " "))
        )
    }
}

fn address(a: &MailAddress, field: &str) -> Result<String, Error> {
    let email = EmailAddress::parse(&a.address).map_err(|m| Error::validation(field, m))?;
    Ok(
        match a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("{} <{email}>", phrase(name)),
            None => format!("<{email}>"),
        },
    )
}

/// An RFC 5322 message from the fields Office.js gave, with encoded words for non-ASCII and a base64 body.
pub(super) fn compose(req: &LogMail, message_id: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut head = String::new();
    if let Some(from) = &req.from {
        head.push_str(&format!("From: {}\r\n", address(from, "from")?));
    }
    for (name, list) in [("To", &req.to), ("Cc", &req.cc)] {
        if !list.is_empty() {
            let all: Vec<String> = list
                .iter()
                .map(|a| address(a, &name.to_lowercase()))
                .collect::<Result<_, _>>()?;
            head.push_str(&format!("{name}: {}\r\n", all.join(", ")));
        }
    }
    head.push_str(&format!(
        "Subject: {}\r\n",
        encoded(req.subject.as_deref().unwrap_or(""))
    ));
    let date = match req.date.as_deref() {
        Some(d) => {
            time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339)
                .map_err(|_| Error::validation("date", format!("'{d}' is not an RFC 3339 time")))?
        }
        None => time::OffsetDateTime::now_utc(),
    };
    head.push_str(&format!(
        "Date: {}\r\n",
        date.format(&time::format_description::well_known::Rfc2822)
            .map_err(Error::internal)?
    ));
    if let Some(mid) = message_id {
        if mid.contains(['\r', '\n', '<', '>', ' ']) {
            return Err(Error::validation(
                "internet_message_id",
                "is not a Message-ID",
            ));
        }
        head.push_str(&format!("Message-ID: <{mid}>\r\n"));
    }
    let (kind, body) = match (&req.body_html, &req.body_text) {
        (Some(html), _) => ("html", html.as_str()),
        (None, Some(text)) => ("plain", text.as_str()),
        (None, None) => ("plain", ""),
    };
    head.push_str(&format!("MIME-Version: 1.0\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\nX-Mailroom-Logged: outlook-addin\r\n\r\n"));
    let encoded_body = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
    for chunk in encoded_body.as_bytes().chunks(76) {
        head.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        head.push_str("\r\n");
    }
    Ok(head.into_bytes())
}
