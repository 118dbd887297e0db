//! The parse layer against messages we wrote for each way mail-parser 0.11 alone shows a field otherwise than a
//! mail client (issue 21), in `tests/fixtures/mail-decoding/`; the API tests (`tests/api/mail_decoding.rs`) sync the
//! same files through Dovecot.

use super::*;

/// A fixture of this checkout: cargo sets `CARGO_MANIFEST_DIR` when it runs the test, which is right even when the
/// binary was built from another checkout sharing the target dir.
fn fixture_bytes(name: &str) -> Vec<u8> {
    let repo = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    std::fs::read(format!("{repo}/tests/fixtures/mail-decoding/{name}")).expect("fixture")
}

fn fixture(name: &str) -> Parsed {
    parse(&fixture_bytes(name))
}

fn names(p: &Parsed, role: &str) -> Vec<(String, Option<String>)> {
    p.participants
        .iter()
        .filter(|a| a.role == role)
        .map(|a| (a.address.clone(), a.name.clone()))
        .collect()
}

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

fn attachment_names(p: &Parsed) -> Vec<(Option<&str>, &str)> {
    p.attachments
        .iter()
        .map(|a| (a.filename.as_deref(), a.content_type.as_str()))
        .collect()
}

#[test]
fn cause_1_iso_2022_jp_gb2312_and_ks_c_5601_are_decoded() {
    let p = fixture("1-cjk-charsets.eml");
    assert_eq!(p.subject.as_deref(), Some("見積もりのお願い"));
    assert_eq!(p.from_name.as_deref(), Some("山田太郎"));
    assert_eq!(
        names(&p, "cc"),
        [
            (
                "wang@shanghai-trade.example.cn".into(),
                Some("王小明".into())
            ),
            ("kim@seoul-parts.example.kr".into(), Some("김민수".into())),
        ]
    );
    assert_eq!(
        p.text_body.as_deref().map(str::trim),
        Some("お世話になっております。見積もりをお願いします。")
    );
}

#[test]
fn cause_2_a_boundary_and_a_name_folded_after_equals_are_kept() {
    let p = fixture("2-folded-after-equals.eml");
    assert_eq!(
        p.text_body.as_deref().map(str::trim),
        Some("Добрый день, резюме во вложении.")
    );
    assert_eq!(
        attachment_names(&p),
        [(Some("Résumé Olga.pdf"), "application/pdf")]
    );
    let (content, _, name) = attachment(&fixture_bytes("2-folded-after-equals.eml"), 0).unwrap();
    assert!(content.starts_with(b"%PDF-1.4"));
    assert_eq!(name.as_deref(), Some("Résumé Olga.pdf"));
}

#[test]
fn cause_3_every_to_and_cc_line_counts_and_the_first_from_wins() {
    let p = fixture("3-repeated-address-headers.eml");
    assert_eq!(
        p.from_address.as_deref(),
        Some("anna@vostok-trade.example.ru")
    );
    assert_eq!(p.from_name.as_deref(), Some("Anna Petrova"));
    assert_eq!(
        names(&p, "from").len(),
        1,
        "the second From is not a participant"
    );
    let to: Vec<String> = names(&p, "to").into_iter().map(|a| a.0).collect();
    assert_eq!(to, ["sales@nordwind.ru", "boris@vostok-trade.example.ru"]);
    let cc: Vec<String> = names(&p, "cc").into_iter().map(|a| a.0).collect();
    assert_eq!(
        cc,
        [
            "lena@uralsteel.example.ru",
            "misha@uralsteel.example.ru",
            "dasha@sibgaz.example.ru"
        ]
    );
}

#[test]
fn cause_4_content_type_text_without_subtype_is_the_text_body() {
    let p = fixture("4-content-type-text-only.eml");
    assert_eq!(
        p.text_body.as_deref().map(str::trim),
        Some("Прошу выставить счёт.")
    );
    assert!(p.attachments.is_empty(), "{:?}", p.attachments);
}

#[test]
fn cause_5_a_single_part_pdf_or_png_is_an_attachment() {
    let p = fixture("5a-single-part-pdf.eml");
    assert_eq!(
        attachment_names(&p),
        [(Some("contract.pdf"), "application/pdf")]
    );
    assert_eq!(p.attachments[0].size, 54);
    let p = fixture("5b-single-part-png.eml");
    assert_eq!(attachment_names(&p), [(Some("chart.png"), "image/png")]);
    assert_eq!(p.text_body, None);
}

#[test]
fn cause_6_a_character_split_across_words_and_text_touching_a_word_read_as_written() {
    let p = fixture("6a-utf8-split-across-words.eml");
    assert_eq!(p.subject.as_deref(), Some("Письмо не доставлено"));
    assert_eq!(
        names(&p, "to"),
        [("ivan@nordwind.ru".into(), Some("Иван Петров".into()))]
    );
    let p = fixture("6b-word-touching-text.eml");
    assert_eq!(p.subject.as_deref(), Some("Re: Счёт, акт!"));
    assert_eq!(p.from_name.as_deref(), Some("Нина-san"));
}

#[test]
fn cause_7_comments_and_source_routes_are_not_part_of_names_and_addresses() {
    let p = fixture("7-obsolete-address-syntax.eml");
    assert_eq!(p.from_name.as_deref(), Some("Pete"));
    assert_eq!(p.from_address.as_deref(), Some("pete@silly.example"));
    assert_eq!(
        names(&p, "to"),
        [("masha@uralsteel.example.ru".into(), None)]
    );
    assert_eq!(
        names(&p, "cc"),
        [
            (
                "smith@sibgaz.example.ru".into(),
                Some("Smith (Sales)".into())
            ),
            ("jdoe@sibgaz.example.ru".into(), Some("John Doe".into())),
        ]
    );
}

#[test]
fn cause_8_charsets_only_iconv_knows_and_folded_names_read_as_written() {
    let p = fixture("8a-charset-437.eml");
    assert_eq!(
        p.text_body.as_deref().map(str::trim),
        Some("Grüße aus München: ½ Preis für Öl.")
    );
    let p = fixture("8b-charset-mac-cyrillic.eml");
    assert_eq!(p.subject.as_deref(), Some("Привет"));
    assert_eq!(p.from_name.as_deref(), Some("Сергей"));
    assert_eq!(
        p.text_body.as_deref().map(str::trim),
        Some("Привет из Mac OS 9.")
    );
    let p = fixture("8c-folded-attachment-name.eml");
    assert_eq!(
        attachment_names(&p),
        [(
            Some("Quarterly report for the board.pdf"),
            "application/pdf"
        )]
    );
}
