//! Pseudonymizing one person in stored mail that others take part in too: their participant rows, the parsed
//! text and the raw bytes get a stable pseudonym instead of their address, and their name and phones are replaced.
//!
//! The raw bytes: address headers that name the person are rebuilt from the (already pseudonymized) participants;
//! other headers and every MIME part are decoded, rewritten and encoded again where they name the person
//! (`pseudonym_mime`: base64, quoted-printable, any charset, encoded words, attachment names); what is left
//! (boundaries, preambles) gets a byte-level replacement. The raw keeps its content-hash key on purpose: the original bytes fetched again by a resync match
//! the key and only add a location, instead of being stored anew with the person in them.

use std::collections::BTreeMap;

use base64::Engine;
use sqlx::AnyConnection;

use super::store_purge as store;
use crate::error::Error;

/// Who is replaced, by what.
pub struct Pseudonym {
    /// The person's addresses, lower-case.
    pub addresses: Vec<String>,
    /// Names and phones to replace wherever they occur as written.
    pub words: Vec<String>,
    pub address: String,
    pub name: String,
}

impl Pseudonym {
    pub(super) fn is_theirs(&self, address: &str) -> bool {
        self.addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(address.trim()))
    }

    /// Their address (any case), name and phones replaced in a text.
    pub(super) fn text(&self, s: &str) -> String {
        String::from_utf8_lossy(&self.bytes(s.as_bytes())).into_owned()
    }

    pub(super) fn bytes(&self, b: &[u8]) -> Vec<u8> {
        let mut out = b.to_vec();
        for a in &self.addresses {
            out = replace_ci(&out, a.as_bytes(), self.address.as_bytes());
        }
        for w in self.words.iter().filter(|w| w.trim().chars().count() >= 3) {
            out = replace_ci(&out, w.as_bytes(), self.name.as_bytes());
        }
        out
    }
}

/// Rewrites these messages (ids that do not exist are skipped); returns how many were rewritten.
pub async fn pseudonymize(
    conn: &mut AnyConnection,
    ids: &[i64],
    p: &Pseudonym,
) -> Result<u64, Error> {
    let mut n = 0;
    for &id in ids {
        let Some(mut t) = store::stored_text(&mut *conn, id).await? else {
            continue;
        };
        let mut roles: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
        for (role, position, address, name) in store::participants(&mut *conn, id).await? {
            let (address, name) = if p.is_theirs(&address) {
                let name = name.map(|_| p.name.clone());
                store::set_participant(
                    &mut *conn,
                    id,
                    (&role, position),
                    &p.address,
                    name.as_deref(),
                )
                .await?;
                (p.address.clone(), name)
            } else {
                (address, name.map(|n| p.text(&n)))
            };
            roles.entry(role).or_default().push((address, name));
        }
        t.subject = t.subject.as_deref().map(|s| p.text(s));
        t.from_name = t.from_name.as_deref().map(|s| p.text(s));
        t.from_address = t.from_address.as_deref().map(|s| p.text(s));
        t.text_body = t.text_body.as_deref().map(|s| p.text(s));
        t.html_body = t.html_body.as_deref().map(|s| p.text(s));
        store::write_text(&mut *conn, &t).await?;
        for (position, filename) in store::attachment_names(&mut *conn, id).await? {
            let changed = p.text(&filename);
            if changed != filename {
                store::set_attachment_name(&mut *conn, id, position, &changed).await?;
            }
        }
        if let Some(raw) = store::raw_of_hash(&mut *conn, &t.hash).await? {
            store::set_raw(&mut *conn, &t.hash, &rewrite_raw(&raw, p, &roles)).await?;
        }
        if let Some(thread) = t.thread_id {
            if let Some(subject) = store::thread_subject(&mut *conn, thread).await? {
                let changed = p.text(&subject);
                if changed != subject {
                    store::set_thread_subject(&mut *conn, thread, &changed).await?;
                }
            }
        }
        n += 1;
    }
    Ok(n)
}

/// The header names that hold participants, with the role `message_addresses` gives them.
const ADDRESS_HEADERS: [(&str, &str); 6] = [
    ("from", "from"),
    ("sender", "sender"),
    ("reply-to", "reply_to"),
    ("to", "to"),
    ("cc", "cc"),
    ("bcc", "bcc"),
];

/// The raw message with the person replaced (see the module doc for how far this goes).
pub fn rewrite_raw(
    raw: &[u8],
    p: &Pseudonym,
    roles: &BTreeMap<String, Vec<(String, Option<String>)>>,
) -> Vec<u8> {
    let split = find(raw, b"\r\n\r\n")
        .map(|i| i + 2)
        .or_else(|| find(raw, b"\n\n").map(|i| i + 1))
        .unwrap_or(raw.len());
    let head = &raw[..split];
    let mut out = Vec::with_capacity(raw.len());
    for field in fields(head) {
        let name = field.iter().position(|&b| b == b':').map(|i| {
            String::from_utf8_lossy(&field[..i])
                .trim()
                .to_ascii_lowercase()
        });
        let role = name
            .as_deref()
            .and_then(|n| ADDRESS_HEADERS.iter().find(|(h, _)| *h == n))
            .map(|(_, r)| *r);
        let names_them = p
            .addresses
            .iter()
            .any(|a| find_ci(field, a.as_bytes()).is_some());
        match (role, roles.get(role.unwrap_or(""))) {
            (Some(_), Some(people)) if names_them => {
                let colon = field.iter().position(|&b| b == b':').unwrap_or(0);
                out.extend_from_slice(&field[..=colon]);
                out.push(b' ');
                let list: Vec<String> = people
                    .iter()
                    .map(|(a, n)| mailbox(a, n.as_deref()))
                    .collect();
                out.extend_from_slice(list.join(", ").as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            _ => out.extend_from_slice(&super::pseudonym_mime::rewrite_field(field, p)),
        }
    }
    out.extend_from_slice(&super::pseudonym_mime::rewrite_body(raw, split, p));
    out
}

/// `name <address>`, the name quoted or RFC 2047-encoded as it needs.
pub(super) fn mailbox(address: &str, name: Option<&str>) -> String {
    match name.filter(|n| !n.is_empty()) {
        None => format!("<{address}>"),
        Some(n)
            if n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '.') =>
        {
            format!("\"{n}\" <{address}>")
        }
        Some(n) => format!(
            "=?utf-8?B?{}?= <{address}>",
            base64::engine::general_purpose::STANDARD.encode(n)
        ),
    }
}

/// The header section split into fields, each with its continuation lines and line ends.
pub(super) fn fields(head: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < head.len() {
        if head[i] == b'\n' {
            let next = head.get(i + 1).copied();
            if !matches!(next, Some(b' ') | Some(b'\t')) {
                out.push(&head[start..=i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    if start < head.len() {
        out.push(&head[start..]);
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Replaces every ASCII-case-insensitive occurrence. Bytes outside ASCII match exactly, so a UTF-8 needle only
/// matches whole characters and the result stays valid UTF-8 when the input was.
fn replace_ci(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay.len() - i >= needle.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Pseudonym {
        Pseudonym {
            addresses: vec!["petr@client.example".into()],
            words: vec!["Пётр Сидоров".into(), "+7 916 555-12-34".into()],
            address: "erased-1@erased.invalid".into(),
            name: "Erased".into(),
        }
    }

    #[test]
    fn raw_headers_are_rebuilt_and_the_body_replaced() {
        let raw = "From: =?utf-8?B?0J/RkdGC0YA=?= <Petr@Client.example>\r\nTo: a@ours.example,\r\n b@other.example\r\nSubject: hi\r\n\r\nПётр Сидоров, +7 916 555-12-34, petr@client.example\r\n";
        let mut roles = BTreeMap::new();
        roles.insert(
            "from".to_string(),
            vec![(
                "erased-1@erased.invalid".to_string(),
                Some("Erased".to_string()),
            )],
        );
        let out = String::from_utf8(rewrite_raw(raw.as_bytes(), &person(), &roles)).unwrap();
        assert!(out.starts_with("From: \"Erased\" <erased-1@erased.invalid>\r\nTo: a@ours.example,\r\n b@other.example\r\n"), "{out}");
        assert!(
            !out.to_lowercase().contains("petr@client")
                && !out.contains("Сидоров")
                && !out.contains("555-12-34"),
            "{out}"
        );
        assert!(!out.contains("0J/RkdGC0YA"), "{out}");
    }
}
