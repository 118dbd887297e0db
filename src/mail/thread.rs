//! Threading: messages that share a Message-ID through Message-ID / In-Reply-To / References are one thread,
//! whatever order they arrive in; mail without those headers joins by its subject (reply prefixes removed).

use super::parse::Parsed;

const PREFIXES: &[&str] = &[
    "re",
    "fw",
    "fwd",
    "aw",
    "wg",
    "отв",
    "ответ",
    "пересл",
    "fyi",
    "ha",
    "на",
];

/// `Re: Fwd: Отв: Тема` → `тема`; also `Re[2]:` and `RE :`.
pub fn normalize_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let stripped = PREFIXES.iter().find_map(|p| {
            let rest = lower.strip_prefix(p)?;
            let rest = rest.trim_start();
            let rest = match rest.strip_prefix('[') {
                Some(r) => {
                    let (count, r) = r.split_once(']')?;
                    if !count.chars().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    r
                }
                None => rest,
            };
            let rest = rest.trim_start().strip_prefix(':')?;
            Some(lower.len() - rest.len())
        });
        match stripped {
            Some(cut) => s = s[cut..].trim_start(),
            None => break,
        }
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether the subject says "reply" or "forward" (so a header-less message may join a thread by subject).
pub fn is_reply_subject(subject: &str) -> bool {
    normalize_subject(subject)
        != subject
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
}

/// The Message-IDs that tie this message to a thread: its own, its parent's, and its references.
pub fn keys(parsed: &Parsed) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let all = parsed
        .message_id
        .iter()
        .chain(parsed.in_reply_to.iter())
        .chain(parsed.references.iter());
    for key in all {
        let key = key
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_lowercase();
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_and_forward_prefixes_in_both_languages_are_removed() {
        assert_eq!(
            normalize_subject("Re: Коммерческое предложение"),
            "коммерческое предложение"
        );
        assert_eq!(
            normalize_subject("RE[2]: Fwd:  Отв: Коммерческое   предложение "),
            "коммерческое предложение"
        );
        assert_eq!(normalize_subject("Ответ: Re : счёт"), "счёт");
        assert_eq!(normalize_subject("Renewal notice"), "renewal notice");
        assert!(is_reply_subject("Re: x"));
        assert!(!is_reply_subject("Report"));
    }

    #[test]
    fn keys_cover_own_parent_and_references_once() {
        let p = Parsed {
            message_id: Some("B@x".into()),
            in_reply_to: Some("<a@x>".into()),
            references: vec!["a@x".into(), "root@x".into()],
            ..Default::default()
        };
        assert_eq!(keys(&p), ["b@x", "a@x", "root@x"]);
    }
}
