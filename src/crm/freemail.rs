//! Free-mail providers: their domains say nothing about a person's company, so they never become companies.
//! A compact built-in list of the providers our users meet most; the linking work extends it to a full list.

const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "mail.ru",
    "bk.ru",
    "list.ru",
    "inbox.ru",
    "internet.ru",
    "yandex.ru",
    "ya.ru",
    "yandex.com",
    "yandex.by",
    "yandex.kz",
    "yandex.ua",
    "rambler.ru",
    "lenta.ru",
    "autorambler.ru",
    "myrambler.ru",
    "ro.ru",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "zoho.com",
    "mail.com",
    "tut.by",
    "ukr.net",
    "i.ua",
    "qip.ru",
    "pochta.ru",
    "km.ru",
    "hotbox.ru",
    "nxt.ru",
    "e1.ru",
];

pub fn is_freemail(domain: &str) -> bool {
    FREEMAIL.contains(&domain.trim().to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn russian_and_global_providers_are_free_mail() {
        for d in [
            "gmail.com",
            "mail.ru",
            "Yandex.RU",
            "bk.ru",
            "rambler.ru",
            "outlook.com",
        ] {
            assert!(super::is_freemail(d), "{d}");
        }
        assert!(!super::is_freemail("nordwind.ru"));
    }
}
