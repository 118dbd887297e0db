//! The MIME side of pseudonymizing raw mail. A byte-level replacement cannot see a name inside a base64 or
//! quoted-printable part, in a KOI8-R or windows-1251 body, or in an RFC 2047 subject or RFC 2231 file name. Here
//! each of those is decoded, the person replaced, and encoded again the way it came (same charset, same transfer
//! encoding), so the message stays readable by any client. Parts and headers where nothing changes keep their bytes.
//! Binary attachment contents that are not text (a PDF, an image) are left as they are: patching bytes inside them
//! would break the file, and they are not searchable text.

use base64::Engine;
use mail_parser::{
    Addr, Address, ContentType, Encoding, HeaderValue, MessageParser, MessagePart, MimeHeaders,
    PartType,
};

use super::pseudonym::{fields, rewrite_raw, Pseudonym};

/// The body section of a raw message (from `body_at` on) with the person replaced inside every part.
pub fn rewrite_body(raw: &[u8], body_at: usize, p: &Pseudonym) -> Vec<u8> {
    let Some(message) = MessageParser::default().parse(raw) else {
        return p.bytes(&raw[body_at..]);
    };
    let mut spans: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for (i, part) in message.parts.iter().enumerate() {
        let (head, body, end) = (
            part.offset_header as usize,
            part.offset_body as usize,
            part.offset_end as usize,
        );
        // Part 0's header is the message's own, which the caller rebuilt.
        if i > 0 && head <= body && body <= raw.len() {
            let header: Vec<u8> = fields(&raw[head..body])
                .into_iter()
                .flat_map(|f| rewrite_field(f, p))
                .collect();
            spans.push((head, body, header));
        }
        if body <= end && end <= raw.len() {
            if let Some(new) = rewrite_part(part, &raw[body..end], p) {
                spans.push((body, end, new));
            }
        }
    }
    spans.sort_by_key(|s| s.0);
    // The gaps (preambles, boundaries, parts decoding found nothing in) still get the byte-level replacement.
    let mut out = Vec::with_capacity(raw.len().saturating_sub(body_at));
    let mut at = body_at;
    for (start, end, new) in spans {
        if start < at {
            continue;
        }
        out.extend_from_slice(&p.bytes(&raw[at..start]));
        out.extend_from_slice(&new);
        at = end;
    }
    out.extend_from_slice(&p.bytes(&raw[at.min(raw.len())..]));
    out
}

/// A part's body decoded, rewritten and encoded again; `None` when decoding finds nothing of the person.
fn rewrite_part(part: &MessagePart, encoded: &[u8], p: &Pseudonym) -> Option<Vec<u8>> {
    let decoded = match &part.body {
        PartType::Text(t) | PartType::Html(t) => {
            let new = p.text(t);
            if new == *t {
                return None;
            }
            let charset = part.content_type().and_then(|c| c.attribute("charset"));
            in_charset(&new, charset)
        }
        PartType::Binary(b) | PartType::InlineBinary(b) => {
            // Only text that came typed as binary (CSV, JSON, a .txt sent as octet-stream) is rewritten.
            std::str::from_utf8(b).ok()?;
            let new = p.bytes(b);
            if new == b.as_ref() {
                return None;
            }
            new
        }
        PartType::Message(m) => {
            let inner = m.raw_message();
            let new = rewrite_raw(inner, p, &Default::default());
            if new == inner {
                return None;
            }
            new
        }
        PartType::Multipart(_) => return None,
    };
    Some(transfer(&decoded, part.encoding, encoded))
}

/// Text back in the charset it came in (an unknown or UTF-16 label gets UTF-8, which is what we decoded it to).
fn in_charset(text: &str, charset: Option<&str>) -> Vec<u8> {
    match charset.and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes())) {
        Some(enc) if enc.output_encoding() == enc => enc.encode(text).0.into_owned(),
        _ => text.as_bytes().to_vec(),
    }
}

/// Bytes in the part's transfer encoding, ending with a line break when the original did.
fn transfer(bytes: &[u8], encoding: Encoding, original: &[u8]) -> Vec<u8> {
    let eol: &[u8] = if original.ends_with(b"\r\n") {
        b"\r\n"
    } else if original.ends_with(b"\n") {
        b"\n"
    } else {
        b""
    };
    let mut out = match encoding {
        Encoding::Base64 => {
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            let lines: Vec<&str> = text
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect();
            lines.join("\r\n").into_bytes()
        }
        Encoding::QuotedPrintable => quoted_printable::encode(bytes),
        Encoding::None => bytes.to_vec(),
    };
    while out.ends_with(b"\n") {
        out.pop();
        if out.ends_with(b"\r") {
            out.pop();
        }
    }
    out.extend_from_slice(eol);
    out
}

/// One header field with the person replaced: decoded (encoded words, RFC 2231 parameters, address lists), and
/// written again only if that changed something; otherwise the byte-level replacement.
pub fn rewrite_field(field: &[u8], p: &Pseudonym) -> Vec<u8> {
    let Some(colon) = field.iter().position(|&b| b == b':') else {
        return p.bytes(field);
    };
    let mut mini = field.to_vec();
    mini.extend_from_slice(b"\r\n");
    let parsed = MessageParser::default().parse_headers(&mini);
    let value = parsed
        .as_ref()
        .and_then(|m| m.parts.first())
        .and_then(|part| part.headers.first())
        .map(|h| &h.value);
    let name = String::from_utf8_lossy(&field[..colon]);
    let rebuilt = match value {
        Some(HeaderValue::Text(t)) => Some(p.text(t))
            .filter(|new| new != t)
            .map(|new| encoded_words(&new)),
        Some(HeaderValue::TextList(list)) => {
            let joined = list.join(", ");
            Some(p.text(&joined))
                .filter(|new| *new != joined)
                .map(|new| encoded_words(&new))
        }
        Some(HeaderValue::ContentType(ct)) => content_type(ct, p),
        Some(HeaderValue::Address(a)) => address_list(a, p),
        _ => None,
    };
    match rebuilt {
        Some(value) => {
            let eol: &[u8] = if field.ends_with(b"\r\n") || !field.ends_with(b"\n") {
                b"\r\n"
            } else {
                b"\n"
            };
            let mut out = format!("{name}: {value}").into_bytes();
            out.extend_from_slice(eol);
            out
        }
        None => p.bytes(field),
    }
}

/// `type/subtype; key="value"…`, a parameter that is not plain ASCII as RFC 2231 `key*=utf-8''…`.
fn content_type(ct: &ContentType, p: &Pseudonym) -> Option<String> {
    let attributes = ct.attributes()?;
    if attributes.iter().all(|a| p.text(&a.value) == a.value) {
        return None;
    }
    let mut out = match ct.subtype() {
        Some(sub) => format!("{}/{}", ct.ctype(), sub),
        None => ct.ctype().to_string(),
    };
    for a in attributes {
        let value = p.text(&a.value);
        if value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
        {
            out.push_str(&format!(";\r\n {}=\"{}\"", a.name, value));
        } else {
            let pct: String = value
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            out.push_str(&format!(";\r\n {}*=utf-8''{}", a.name, pct));
        }
    }
    Some(out)
}

/// An address list with the person's entries replaced and the other names rewritten; `None` if nothing changed.
fn address_list(a: &Address, p: &Pseudonym) -> Option<String> {
    let list: Vec<&Addr> = match a {
        Address::List(l) => l.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    let mut changed = false;
    let rebuilt: Vec<String> = list
        .iter()
        .map(|addr| {
            let address = addr.address.as_deref().unwrap_or_default();
            let name = addr.name.as_deref();
            let (new_address, new_name) = if p.is_theirs(address) {
                (p.address.clone(), name.map(|_| p.name.clone()))
            } else {
                (address.to_string(), name.map(|n| p.text(n)))
            };
            changed |= new_address != address || new_name.as_deref() != name;
            super::pseudonym::mailbox(&new_address, new_name.as_deref())
        })
        .collect();
    changed.then(|| rebuilt.join(",\r\n "))
}

/// RFC 2047 encoded words of at most 75 characters each, folded onto continuation lines.
fn encoded_words(text: &str) -> String {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) && !text.contains("=?") {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?utf-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;

    use super::super::pseudonym::{rewrite_raw, Pseudonym};
    use super::*;

    fn person() -> Pseudonym {
        Pseudonym {
            addresses: vec!["petr@client.example".into()],
            words: vec![
                "Пётр Сидоров".into(),
                "Сидоров".into(),
                "+7 916 555-12-34".into(),
            ],
            address: "erased-1@erased.invalid".into(),
            name: "Erased".into(),
        }
    }

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    /// A letter as Russian mail arrives: KOI8-R subject, KOI8-R quoted-printable text, windows-1251 base64 HTML,
    /// a text attachment with a Cyrillic RFC 2231 name, a PNG, and a forwarded letter from the person.
    fn letter() -> Vec<u8> {
        let koi = |s: &str| encoding_rs::KOI8_R.encode(s).0.into_owned();
        let cp = |s: &str| encoding_rs::WINDOWS_1251.encode(s).0.into_owned();
        let text = quoted_printable::encode(koi(
            "Звонил Пётр Сидоров, +7 916 555-12-34.\r\nДоговор 5 готов.\r\n",
        ));
        let html = b64(&cp(
            "<p>Пишите: petr@client.example, Сидоров.</p><p>Договор №5</p>",
        ));
        let png: Vec<u8> = (0u8..=255).collect();
        let inner = format!(
            "From: =?utf-8?B?{}?= <petr@client.example>\r\nSubject: hi\r\n\r\nС уважением, Пётр Сидоров\r\n",
            b64("Пётр Сидоров".as_bytes())
        );
        let mut m = Vec::new();
        m.extend_from_slice(format!(
            "From: a@ours.example\r\nTo: b@other.example\r\nSubject: =?koi8-r?B?{}?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\nContent-Type: multipart/alternative; boundary=\"YY\"\r\n\r\n--YY\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
            b64(&koi("Встреча с Сидоровым? Нет: Сидоров"))
        ).as_bytes());
        m.extend_from_slice(&text);
        m.extend_from_slice(format!("\r\n--YY\r\nContent-Type: text/html; charset=windows-1251\r\nContent-Transfer-Encoding: base64\r\n\r\n{html}\r\n--YY--\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename*=utf-8''%D0%A1%D0%B8%D0%B4%D0%BE%D1%80%D0%BE%D0%B2.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX\r\nContent-Type: image/png; name=\"a.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--XX--\r\n",
            b64("Контакт: petr@client.example".as_bytes()), b64(&png)).as_bytes());
        m
    }

    #[test]
    fn encoded_parts_names_and_charsets_are_rewritten_and_the_rest_kept() {
        let raw = letter();
        let before = MessageParser::default().parse(&raw).unwrap();
        assert!(before.body_text(0).unwrap().contains("Пётр Сидоров"));
        let out = rewrite_raw(&raw, &person(), &Default::default());
        let after = MessageParser::default().parse(&out).unwrap();
        assert_eq!(after.parts.len(), before.parts.len());

        let mut seen = String::new();
        seen.push_str(after.subject().unwrap_or_default());
        for part in &after.parts {
            if let Some(name) = part.attachment_name() {
                seen.push_str(name);
            }
            match &part.body {
                PartType::Text(t) | PartType::Html(t) => seen.push_str(t),
                PartType::Binary(b) | PartType::InlineBinary(b) => {
                    seen.push_str(&String::from_utf8_lossy(b))
                }
                PartType::Message(m) => {
                    seen.push_str(&String::from_utf8_lossy(m.raw_message()));
                    seen.push_str(m.body_text(0).as_deref().unwrap_or_default());
                    seen.push_str(
                        m.from()
                            .and_then(|f| f.first())
                            .and_then(|a| a.name())
                            .unwrap_or_default(),
                    );
                }
                PartType::Multipart(_) => {}
            }
        }
        for gone in ["Сидоров", "petr@client", "555-12-34", "Пётр"] {
            assert!(!seen.contains(gone), "{gone} is still in {seen}");
        }
        // What is not theirs stays, in its charset, and the PNG is byte for byte the same.
        assert!(seen.contains("Договор 5 готов."), "{seen}");
        assert!(seen.contains("<p>Договор №5</p>"), "{seen}");
        assert!(seen.contains("Встреча с "), "{seen}");
        assert!(after
            .body_text(0)
            .unwrap()
            .starts_with("Звонил Erased, Erased.\r\nДоговор 5"));
        let png: Vec<u8> = (0u8..=255).collect();
        assert!(after.parts.iter().any(|p| p.contents() == png.as_slice()));
        let text_part = after
            .parts
            .iter()
            .find(|p| p.content_type().and_then(|c| c.attribute("charset")) == Some("koi8-r"))
            .unwrap();
        assert_eq!(text_part.encoding, Encoding::QuotedPrintable);
        assert_eq!(
            after.to().and_then(|t| t.first()).and_then(|a| a.address()),
            Some("b@other.example")
        );
    }

    #[test]
    fn a_letter_without_the_person_keeps_its_bytes() {
        let raw = letter();
        let nobody = Pseudonym {
            addresses: vec!["ivan@else.example".into()],
            words: vec!["Иван Петров".into()],
            address: "erased-2@erased.invalid".into(),
            name: "Erased".into(),
        };
        assert_eq!(rewrite_raw(&raw, &nobody, &Default::default()), raw);
    }
}
