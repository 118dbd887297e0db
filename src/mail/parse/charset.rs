//! Charset names mail-parser 0.11 does not know but iconv (and so the clients that decode with it) does: DOS code
//! pages by number (`charset=437`, `cp852`), Windows code page numbers, iconv's own spellings (`MAC-CYRILLIC`).

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MimeHeaders, PartType};
use oem_cp::code_table::DECODING_TABLE_CP_MAP;

/// A decoder for a charset name mail-parser has none for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fallback {
    /// One of mail-parser's own decoders, known to it under another name.
    Known(fn(&[u8]) -> String),
    /// A DOS (OEM) code page.
    Oem(&'static oem_cp::code_table_type::TableType),
}

impl Fallback {
    fn decode(self, bytes: &[u8]) -> String {
        match self {
            Fallback::Known(decode) => decode(bytes),
            Fallback::Oem(table) => table.decode_string_lossy(bytes),
        }
    }
}

/// `bytes` in the charset `label`, by mail-parser's decoder or our fallback; as mail-parser does, UTF-8 (with
/// U+FFFD for what is not) when neither knows the name: mail-parser has no decoder for UTF-8 itself.
pub(super) fn decode(label: &str, bytes: &[u8]) -> String {
    match charset_decoder(label.as_bytes()) {
        Some(decode) => decode(bytes),
        None => match fallback(label) {
            Some(f) => f.decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// Whether only our fallback decodes `label` (mail-parser would read it as UTF-8).
pub(super) fn needs_fallback(label: &str) -> bool {
    charset_decoder(label.as_bytes()).is_none() && fallback(label).is_some()
}

/// iconv's names, compared by their letters and digits only (`MAC-CYRILLIC`, `maccyrillic`, `x-mac-cyrillic`).
const ALIASES: &[(&str, &str)] = &[
    ("maccyrillic", "x-mac-cyrillic"),
    ("xmaccyrillic", "x-mac-cyrillic"),
    ("macukrainian", "x-mac-cyrillic"),
    ("macroman", "macintosh"),
    ("xmacroman", "macintosh"),
    ("usascii", "us-ascii"),
    ("iso646us", "us-ascii"),
    ("ansix341968", "us-ascii"),
    ("eucjp", "euc-jp"),
    ("euckr", "euc-kr"),
    ("euccn", "gb2312"),
    ("shiftjis", "shift_jis"),
    ("sjis", "shift_jis"),
    ("iso2022jp", "iso-2022-jp"),
    ("koi8r", "koi8-r"),
    ("koi8u", "koi8-u"),
    ("big5hkscs", "big5"),
];

/// Windows and other code page numbers (`cp1251`, `windows-10007`, bare `936`) that mail-parser knows by name.
fn code_page_name(number: u16) -> Option<String> {
    Some(match number {
        1250..=1258 => format!("windows-{number}"),
        28591..=28606 => format!("iso-8859-{}", number - 28590),
        932 => "shift_jis".into(),
        936 => "gbk".into(),
        949 => "euc-kr".into(),
        950 => "big5".into(),
        10000 => "macintosh".into(),
        10007 | 10017 => "x-mac-cyrillic".into(),
        20866 => "koi8-r".into(),
        21866 => "koi8-u".into(),
        50220..=50222 => "iso-2022-jp".into(),
        51932 => "euc-jp".into(),
        54936 => "gb18030".into(),
        _ => return None,
    })
}

pub(super) fn fallback(label: &str) -> Option<Fallback> {
    let key: String = label
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let known = |name: &str| charset_decoder(name.as_bytes()).map(Fallback::Known);
    if let Some(&(_, name)) = ALIASES.iter().find(|(alias, _)| *alias == key) {
        return known(name);
    }
    if let Some(part) = key.strip_prefix("iso8859") {
        let part: String = part.chars().take_while(char::is_ascii_digit).collect();
        return known(&format!("iso-8859-{part}"));
    }
    // `cspc8codepage437` is IANA's name of code page 437.
    let digits = [
        "xcp",
        "cp",
        "ibm",
        "windows",
        "win",
        "ms",
        "dos",
        "oem",
        "cspc8codepage",
        "",
    ]
    .iter()
    .find_map(|prefix| {
        key.strip_prefix(prefix)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    })?;
    let number: u16 = digits.parse().ok()?;
    match DECODING_TABLE_CP_MAP.get(&number) {
        Some(table) => Some(Fallback::Oem(table)),
        None => code_page_name(number).and_then(|name| known(&name)),
    }
}

/// The text of body part `id` when its charset is one only our fallback knows: mail-parser then decoded it as UTF-8
/// with U+FFFD for every other byte. Decoded again from the part's bytes; the flag says whether it is HTML.
pub(super) fn redecoded(message: &Message, id: u32) -> Option<(String, bool)> {
    let part = message.parts.get(id as usize)?;
    let html = match part.body {
        PartType::Text(_) => false,
        PartType::Html(_) => true,
        _ => return None,
    };
    let label = part.content_type()?.attribute("charset")?;
    if charset_decoder(label.as_bytes()).is_some() {
        return None;
    }
    let fallback = fallback(label)?;
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    let bytes = match part.encoding {
        Encoding::QuotedPrintable => quoted_printable_decode(raw)?,
        Encoding::Base64 => base64_decode(raw)?,
        _ => raw.to_vec(),
    };
    Some((fallback.decode(&bytes), html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_code_pages_and_iconv_spellings_are_decoded() {
        let cp437 = b"Gr\x81\xe1e \xab";
        for label in ["437", "cp437", "IBM437", "csPC8CodePage437"] {
            assert_eq!(decode(label, cp437), "Grüße ½", "{label}");
            assert!(needs_fallback(label), "{label}");
        }
        assert_eq!(decode("cp866", b"\x8f\xe0\xa8\xa2\xa5\xe2"), "Привет");
        assert_eq!(
            decode("MAC-CYRILLIC", b"\x8f\xf0\xe8\xe2\xe5\xf2"),
            "Привет"
        );
        assert_eq!(
            decode("windows-10007", b"\x8f\xf0\xe8\xe2\xe5\xf2"),
            "Привет"
        );
        assert_eq!(
            decode("ISO_8859-5:1988", b"\xbf\xe0\xd8\xd2\xd5\xe2"),
            "Привет"
        );
    }

    #[test]
    fn names_mail_parser_knows_or_no_one_knows_are_not_ours() {
        assert!(!needs_fallback("windows-1251"));
        assert!(!needs_fallback("x-mac-cyrillic"));
        assert!(!needs_fallback("utf-8"));
        assert!(!needs_fallback("x-unknown"));
        assert_eq!(decode("x-unknown", "ок".as_bytes()), "ок");
    }
}
