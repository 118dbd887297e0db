//! Repairs of header fields mail-parser 0.11 misreads. A first parse shows which fields need one (usually none);
//! only then is a copy with those fields rewritten parsed again. The stored bytes never change.

use std::ops::Range;

use mail_parser::{Header, HeaderName, HeaderValue, Message, MessageParser};

use super::{addresses, words};

/// Enough for a multipart whose boundary needed a repair, and then the headers of its parts, and of theirs.
const MAX_ROUNDS: usize = 4;

/// Parses `raw`, repairing what needs it, and hands the message to `read`; `None` when no header can be read.
pub(super) fn read<R>(raw: &[u8], read: impl FnOnce(&Message) -> R) -> Option<R> {
    round(&MessageParser::default(), raw, 0, read)
}

fn round<R, F: FnOnce(&Message) -> R>(
    parser: &MessageParser,
    bytes: &[u8],
    done: usize,
    read: F,
) -> Option<R> {
    let message = parser.parse(bytes)?;
    if done < MAX_ROUNDS {
        let edits = edits(&message, bytes);
        if !edits.is_empty() {
            drop(message);
            return round(parser, &apply(bytes, edits), done + 1, read);
        }
    }
    Some(read(&message))
}

struct Edit {
    range: Range<usize>,
    with: Vec<u8>,
}

fn apply(bytes: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by_key(|e| e.range.start);
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut from = 0;
    for edit in edits {
        if edit.range.start < from {
            continue;
        }
        out.extend_from_slice(&bytes[from..edit.range.start]);
        out.extend_from_slice(&edit.with);
        from = edit.range.end;
    }
    out.extend_from_slice(&bytes[from..]);
    out
}

/// The fields of this parse to rewrite: MIME fields of every part, and the root's subject and addresses.
fn edits(message: &Message, bytes: &[u8]) -> Vec<Edit> {
    let mut out = Vec::new();
    for (i, part) in message.parts.iter().enumerate() {
        for header in &part.headers {
            let range = header.offset_start as usize..header.offset_end as usize;
            let Some(value) = bytes.get(range.clone()) else {
                continue;
            };
            if let Some(with) = repaired(header, value, i == 0) {
                out.push(Edit { range, with });
            }
        }
    }
    out
}

fn repaired(header: &Header, value: &[u8], root: bool) -> Option<Vec<u8>> {
    let mut fixed: Option<Vec<u8>> = None;
    let mut step = |f: &dyn Fn(&[u8]) -> Option<Vec<u8>>| {
        if let Some(v) = f(fixed.as_deref().unwrap_or(value)) {
            fixed = Some(v);
        }
    };
    match &header.name {
        HeaderName::ContentType | HeaderName::ContentDisposition => {
            step(&unfold_after_equals);
            if let HeaderValue::ContentType(ct) = &header.value {
                if ct.ctype().eq_ignore_ascii_case("text") && ct.subtype().is_none() {
                    step(&text_as_text_plain);
                }
                let name = ct.attribute("name").or_else(|| ct.attribute("filename"));
                if name.is_some_and(undecoded) {
                    step(&|v| words::normalize(v, words::Context::Phrase));
                }
            }
        }
        HeaderName::Subject if root => {
            let text = header.value.as_text().unwrap_or_default();
            if undecoded(text) || touches_word(value) {
                step(&|v| words::normalize(v, words::Context::Text));
            }
        }
        HeaderName::From
        | HeaderName::Sender
        | HeaderName::ReplyTo
        | HeaderName::To
        | HeaderName::Cc
        | HeaderName::Bcc
            if root =>
        {
            step(&addresses::strip_comments);
            let names = header.value.as_address().into_iter().flat_map(|a| a.iter());
            if names.filter_map(|a| a.name.as_deref()).any(undecoded) || touches_word(value) {
                step(&|v| words::normalize(v, words::Context::Phrase));
            }
        }
        _ => {}
    }
    fixed
}

/// Decoded text that still shows an encoded word or a broken character.
fn undecoded(text: &str) -> bool {
    text.contains('\u{FFFD}') || text.contains("=?")
}

/// An encoded word's end `?=` with text right after it (not the `?Q?=` of a Q word's first escape).
fn touches_word(value: &[u8]) -> bool {
    value.windows(3).enumerate().any(|(i, w)| {
        w[0] == b'?'
            && w[1] == b'='
            && !w[2].is_ascii_whitespace()
            && w[2] != b'='
            && (i < 2 || value[i - 2] != b'?')
    })
}

/// `boundary=\r\n\t"xxx"` and `name=\r\n\t"…"` (Outlook, Office 365): mail-parser 0.11 drops a parameter value folded
/// right after its `=`, losing the multipart's boundary or an attachment's name. The fold is removed.
///
/// A boundary that is still not found after this (declared, but no line of the body starts with it) is ambiguous:
/// we leave it as mail-parser reads it, the whole body one unnamed part listed as an attachment, rather than guess
/// where parts begin; the bytes stay readable through the attachment and `/raw`.
pub(super) fn unfold_after_equals(value: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut quoted = false;
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if let Some(out) = out.as_mut() {
            out.push(b);
        }
        i += 1;
        match b {
            b'"' => quoted = !quoted,
            b'=' if !quoted => {
                let mut j = i;
                if value.get(j) == Some(&b'\r') {
                    j += 1;
                }
                if value.get(j) != Some(&b'\n')
                    || !value.get(j + 1).is_some_and(|&c| c == b' ' || c == b'\t')
                {
                    continue;
                }
                j += 1;
                while value.get(j).is_some_and(|&c| c == b' ' || c == b'\t') {
                    j += 1;
                }
                out.get_or_insert_with(|| value[..i].to_vec());
                i = j;
            }
            _ => {}
        }
    }
    out
}

/// `Content-Type: text` with no subtype is text/plain (RFC 2045 §5.2), as mail clients show it; mail-parser 0.11
/// makes it an attachment. The charset, if any, is kept.
pub(super) fn text_as_text_plain(value: &[u8]) -> Option<Vec<u8>> {
    let start = value.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = value[start..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b';' || *b == b'(')
        .map_or(value.len(), |p| start + p);
    if !value[start..end].eq_ignore_ascii_case(b"text") {
        return None;
    }
    let mut out = Vec::with_capacity(value.len() + 6);
    out.extend_from_slice(&value[..end]);
    out.extend_from_slice(b"/plain");
    out.extend_from_slice(&value[end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Option<Vec<u8>>) -> Option<String> {
        bytes.map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn a_fold_right_after_equals_is_removed_outside_quotes_only() {
        assert_eq!(
            text(unfold_after_equals(
                b" multipart/mixed; boundary=\r\n\t\"----=_Part_1\"\r\n"
            )),
            Some(" multipart/mixed; boundary=\"----=_Part_1\"\r\n".into())
        );
        assert_eq!(
            text(unfold_after_equals(b" application/pdf; name=\n  x.pdf\n")),
            Some(" application/pdf; name=x.pdf\n".into()),
            "bare LF too"
        );
        assert_eq!(
            unfold_after_equals(b" text/plain; name=\"a=\r\n b\"\r\n"),
            None,
            "inside a quoted value the fold is mail-parser's to unfold"
        );
        assert_eq!(
            unfold_after_equals(b" multipart/mixed;\r\n\tboundary=\"b\"\r\n"),
            None
        );
    }

    #[test]
    fn text_without_subtype_becomes_text_plain_and_keeps_its_charset() {
        assert_eq!(
            text(text_as_text_plain(b" text; charset=koi8-r\r\n")),
            Some(" text/plain; charset=koi8-r\r\n".into())
        );
        assert_eq!(
            text(text_as_text_plain(b" TEXT\r\n")),
            Some(" TEXT/plain\r\n".into())
        );
        assert_eq!(text_as_text_plain(b" text/html\r\n"), None);
        assert_eq!(text_as_text_plain(b" textile\r\n"), None);
    }

    #[test]
    fn ordinary_mail_needs_no_repair_and_is_parsed_once() {
        let raw = b"From: =?utf-8?b?0JrQu9C40LXQvdGC?= <client@company.ru>\r\nTo: sales@nordwind.ru\r\n\
            Subject: =?utf-8?b?0JfQsNGP0LLQutCw?=\r\nMessage-ID: <b-1@example.ru>\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
            Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            =CF=F0=E8=E2=E5=F2=\r\n ok\r\n--b\r\nContent-Type: application/pdf; name=\"offer.pdf\"\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
        let message = MessageParser::default().parse(&raw[..]).unwrap();
        assert_eq!(message.parts.len(), 3);
        assert!(edits(&message, raw).is_empty());
    }
}
