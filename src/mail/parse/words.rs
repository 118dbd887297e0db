//! Encoded words (RFC 2047) rewritten the way mail clients read them, before mail-parser 0.11 decodes a header:
//! it decodes each word on its own and puts a space wherever a word touches other text.

use base64::Engine;
use mail_parser::decoders::{
    base64::base64_decode, quoted_printable::quoted_printable_decode_char,
};

use super::charset;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// Unstructured text (Subject): text touching a word belongs to it.
    Text,
    /// A display name or a parameter value: words join the atom text touching them (outside quoted strings).
    Phrase,
}

struct Word<'a> {
    end: usize,
    charset: &'a str,
    bytes: Vec<u8>,
}

/// Rewrites encoded words in one header value, where mail-parser would show them otherwise than a mail client:
/// - a run of adjacent words in one charset is decoded as one: encoders split a UTF-8 character across two words
///   (mail.ru bounces: `доставл��но`), and RFC 2047 §6.2 drops the space between words anyway;
/// - a word touching other text (`=?UTF-8?B?…?=!` in a subject, `=?UTF-8?B?…?=ov` in a name) is decoded in place:
///   written `Привет!` and `Иванov`, mail-parser shows `Привет !` and `Иван ov`;
/// - a word in a charset only iconv knows (`charset::fallback`) is decoded by us.
///
/// What is rewritten becomes `=?utf-8?B?…?=` words (in `Context::Text`, the whole value one word, so that mail-parser
/// adds no space of its own). `None`: nothing to change.
pub(super) fn normalize(value: &[u8], context: Context) -> Option<Vec<u8>> {
    match context {
        Context::Text => text(value),
        Context::Phrase => phrase(value),
    }
}

/// A run of words in one charset at `at` (separated by whitespace only): its end, its text, and whether mail-parser
/// would decode it otherwise (several words, or a charset only we know).
fn run(value: &[u8], at: usize) -> Option<(usize, String, bool)> {
    let first = word(value, at)?;
    let mut end = first.end;
    let mut bytes = first.bytes;
    let mut words = 1;
    while let Some(next) = word(value, skip_whitespace(value, end))
        .filter(|w| w.charset.eq_ignore_ascii_case(first.charset))
    {
        bytes.extend_from_slice(&next.bytes);
        end = next.end;
        words += 1;
    }
    let differs = words > 1 || charset::needs_fallback(first.charset);
    Some((end, charset::decode(first.charset, &bytes), differs))
}

fn encoded(text: &str) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    format!("=?utf-8?B?{b64}?=").into_bytes()
}

fn phrase(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len() + 16);
    let mut copied = 0;
    let mut at = 0;
    // Whether `scanned` is inside a quoted string: mail-parser joins words and text there itself.
    let (mut scanned, mut quoted) = (0, false);
    while let Some(found) = find(value, at, b"=?") {
        let Some((end, text, differs)) = run(value, found) else {
            at = found + 2;
            continue;
        };
        quoted = value[scanned..found]
            .iter()
            .fold(quoted, |q, &b| if b == b'"' { !q } else { q });
        scanned = found;
        let (start, after) = if quoted {
            (found, end)
        } else {
            (atext_before(value, copied, found), atext_after(value, end))
        };
        if differs || start < found || after > end {
            let mut joined = String::from_utf8_lossy(&value[start..found]).into_owned();
            joined.push_str(&text);
            joined.push_str(&String::from_utf8_lossy(&value[end..after]));
            out.extend_from_slice(&value[copied..start]);
            out.extend_from_slice(&encoded(&joined));
            copied = after;
        }
        at = after;
    }
    if copied == 0 {
        return None;
    }
    out.extend_from_slice(&value[copied..]);
    Some(out)
}

/// A byte of an atom (RFC 5322 atext, or 8-bit): not whitespace and not a special.
fn is_atext(b: u8) -> bool {
    !b.is_ascii_whitespace() && !b"()<>[]:;@\\,.\"".contains(&b)
}

/// Start of the atom text touching a word at `word` from the left (not before `floor`).
fn atext_before(value: &[u8], floor: usize, word: usize) -> usize {
    let mut start = word;
    while start > floor && is_atext(value[start - 1]) {
        start -= 1;
    }
    start
}

/// End of the atom text touching a word that ends at `end`, up to the next word.
fn atext_after(value: &[u8], end: usize) -> usize {
    let mut after = end;
    while after < value.len() && is_atext(value[after]) && !value[after..].starts_with(b"=?") {
        after += 1;
    }
    after
}

fn text(value: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = String::with_capacity(value.len());
    let mut rewrite = false;
    let mut plain_from = 0;
    let mut after_word = false;
    let mut at = 0;
    while let Some(found) = find(value, at, b"=?") {
        let Some((end, text, differs)) = run(value, found) else {
            at = found + 2;
            continue;
        };
        let plain = &value[plain_from..found];
        let blank = plain.iter().all(u8::is_ascii_whitespace);
        if !(after_word && blank) {
            let touches_before = plain.last().is_some_and(|b| !b.is_ascii_whitespace());
            let touches_after =
                after_word && plain.first().is_some_and(|b| !b.is_ascii_whitespace());
            rewrite |= touches_before || touches_after;
            decoded.push_str(&unfolded(plain));
        }
        rewrite |= differs;
        decoded.push_str(&text);
        plain_from = end;
        after_word = true;
        at = end;
    }
    let rest = &value[plain_from..];
    rewrite |= after_word && rest.first().is_some_and(|b| !b.is_ascii_whitespace());
    if !rewrite {
        return None;
    }
    decoded.push_str(&unfolded(rest));
    let line_end: &[u8] = if value.ends_with(b"\r\n") {
        b"\r\n"
    } else if value.ends_with(b"\n") {
        b"\n"
    } else {
        b""
    };
    let mut out = b" ".to_vec();
    out.extend_from_slice(&encoded(decoded.trim()));
    out.extend_from_slice(line_end);
    Some(out)
}

/// Text between words as shown: a folded line break with its indentation is one space.
fn unfolded(plain: &[u8]) -> String {
    let text = String::from_utf8_lossy(plain);
    if !text.contains(['\r', '\n']) {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first.trim_end_matches('\r'));
    }
    for line in lines {
        let line = line.trim_end_matches('\r');
        if !out.is_empty() && !line.is_empty() {
            out.push(' ');
        }
        out.push_str(line.trim_start_matches([' ', '\t']));
    }
    out
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn skip_whitespace(value: &[u8], mut at: usize) -> usize {
    while value.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

/// `=?charset?B|Q?payload?=` at `at`, decoded to bytes (RFC 2047 §2; a `*language` suffix of RFC 2231 is dropped).
fn word(value: &[u8], at: usize) -> Option<Word<'_>> {
    let rest = value.get(at..)?.strip_prefix(b"=?")?;
    let charset_len = rest.iter().position(|&b| b == b'?')?;
    let charset = std::str::from_utf8(&rest[..charset_len]).ok()?;
    let charset = charset.split('*').next().unwrap_or(charset);
    if charset.is_empty() || charset.bytes().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let rest = &rest[charset_len + 1..];
    let (&encoding, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"?")?;
    let payload_len = rest
        .iter()
        .position(|&b| b == b'?' || b.is_ascii_whitespace())?;
    if rest.get(payload_len..payload_len + 2) != Some(b"?=") {
        return None;
    }
    let payload = &rest[..payload_len];
    let bytes = match encoding {
        b'B' | b'b' => base64_decode(payload)?,
        b'Q' | b'q' => q_decode(payload),
        _ => return None,
    };
    Some(Word {
        end: at + 2 + charset_len + 1 + 2 + payload_len + 2,
        charset,
        bytes,
    })
}

/// The Q encoding: `_` is a space, `=XX` a byte; anything else is itself.
fn q_decode(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len());
    let mut i = 0;
    while i < payload.len() {
        match payload[i] {
            b'_' => out.push(b' '),
            b'=' => {
                match payload
                    .get(i + 1..i + 3)
                    .and_then(|h| quoted_printable_decode_char(h[0], h[1]))
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'='),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(value: &str, context: Context) -> Option<String> {
        let out = normalize(value.as_bytes(), context)?;
        let mut stream = mail_parser::parsers::MessageStream::new(&out);
        Some(stream.parse_unstructured().unwrap_text().into_owned())
    }

    #[test]
    fn words_of_one_charset_are_decoded_together() {
        // "Иван" with the second byte of "н" in the next word
        let value = " =?UTF-8?Q?=D0=98=D0=B2=D0=B0=D0?=\r\n =?utf-8?Q?=BD?=\r\n";
        assert_eq!(decoded(value, Context::Phrase).as_deref(), Some("Иван"));
        assert_eq!(decoded(value, Context::Text).as_deref(), Some("Иван"));
    }

    #[test]
    fn text_touching_a_word_stays_attached() {
        let value = " Re:=?UTF-8?B?0KHRh9GR0YI=?=, =?UTF-8?Q?=D0=B0=D0=BA=D1=82?=!\r\n";
        assert_eq!(
            decoded(value, Context::Text).as_deref(),
            Some("Re:Счёт, акт!")
        );
        let name = |value: &str| {
            let out = normalize(value.as_bytes(), Context::Phrase)?;
            let mut stream = mail_parser::parsers::MessageStream::new(&out);
            let address = stream.parse_address().into_address()?;
            let first = address.first()?.name.as_deref()?.to_string();
            Some(first)
        };
        assert_eq!(
            name(" =?UTF-8?B?0JjQstCw0L0=?=ov <a@b.ru>\r\n").as_deref(),
            Some("Иванov")
        );
        assert_eq!(
            normalize(
                b" =?UTF-8?B?0JjQstCw0L0=?=, Petrov <p@b.ru>\r\n",
                Context::Phrase
            ),
            None,
            "a comma ends the name"
        );
        assert_eq!(
            normalize(
                b" \"=?UTF-8?B?0JjQstCw0L0=?=-Petrov\" <c@b.ru>\r\n",
                Context::Phrase
            ),
            None,
            "inside quotes mail-parser joins them itself"
        );
    }

    #[test]
    fn words_that_mail_parser_reads_alike_are_left_alone() {
        assert_eq!(
            normalize(b" Re: =?utf-8?b?0KHRh9GR0YI=?= ok\r\n", Context::Text),
            None
        );
        assert_eq!(
            normalize(b" =?koi8-r?B?8NLJ18XU?= <a@b.ru>\r\n", Context::Phrase),
            None
        );
        assert_eq!(normalize(b" no words =? at all\r\n", Context::Text), None);
    }

    #[test]
    fn a_word_in_a_charset_only_iconv_knows_is_decoded() {
        assert_eq!(
            decoded(
                " =?MAC-CYRILLIC?Q?=8F=F0=E8=E2=E5=F2?=\r\n",
                Context::Phrase
            )
            .as_deref(),
            Some("Привет")
        );
    }
}
