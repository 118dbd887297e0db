//! Normal forms used for duplicate control and search: phone numbers (E.164, Russia by default), company names
//! without legal forms and quotes, registrable domains (public-suffix list), tags.

use crate::error::Error;

/// `8 (916) 123-45-67` → `+79161234567`. Numbers without a country code are read as Russian.
pub fn phone(raw: &str) -> Result<String, Error> {
    let parsed = phonenumber::parse(Some(phonenumber::country::Id::RU), raw.trim())
        .map_err(|_| Error::validation("phones", format!("'{raw}' is not a phone number")))?;
    if !phonenumber::is_valid(&parsed) {
        return Err(Error::validation(
            "phones",
            format!("'{raw}' is not a valid phone number"),
        ));
    }
    Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

const LEGAL_FORMS: &[&str] = &[
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "ано", "фгуп", "муп", "гуп", "llc", "ltd",
    "inc", "gmbh", "corp", "co", "plc", "ag", "sa", "oy", "ab", "bv", "srl", "limited", "company",
];

/// `ООО «Ромашка»` and `Ромашка, LLC` both become `ромашка`.
pub fn company_name(name: &str) -> String {
    let lowered = name.to_lowercase().replace('ё', "е");
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect();
    if words.is_empty() {
        lowered.trim().to_string()
    } else {
        words.join(" ")
    }
}

/// The registrable domain: `spb.acme.ru` → `acme.ru`, `sales.acme.co.uk` → `acme.co.uk`.
pub fn registrable_domain(raw: &str) -> Result<String, Error> {
    crate::email_address::registrable_domain(raw)
        .ok_or_else(|| Error::validation("domains", format!("'{raw}' is not a domain name")))
}

/// Tags are trimmed, lower-cased and unique; stored as `,a,b,` so that one tag is matched with `LIKE '%,a,%'`.
pub fn tags(raw: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || tag.contains(',') || tag.chars().count() > 50 {
            return Err(Error::validation(
                "tags",
                format!("'{tag}' is not a tag (1-50 characters, no commas)"),
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

pub fn tags_to_column(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

pub fn tags_from_column(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Lower-cased search text from a record's searchable parts.
pub fn search_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A required, trimmed, bounded text field.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, Error> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_string())
}

/// An optional text field: empty becomes absent.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max => Err(Error::validation(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// An optional web address: `romashka.ru` becomes `https://romashka.ru/`; only http and https.
pub fn website(field: &str, value: Option<&str>) -> Result<Option<String>, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let bad = || Error::validation(field, format!("'{raw}' is not a web address"));
    let url = url::Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.host_str().is_some_and(|h| h.contains('.'))
        || with_scheme.chars().count() > 500
    {
        return Err(bad());
    }
    Ok(Some(url.to_string()))
}

/// An optional calendar date, YYYY-MM-DD.
pub fn date(field: &str, value: Option<&str>) -> Result<Option<String>, Error> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(raw, &format)
        .map_err(|_| Error::validation(field, format!("'{raw}' is not a date (YYYY-MM-DD)")))?;
    Ok(Some(d.format(&format).map_err(Error::internal)?))
}

/// An optional postal address: free text, several lines allowed.
pub fn address(value: Option<&str>) -> Result<Option<String>, Error> {
    optional("address", value, 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_phone_numbers_in_any_notation_are_one_number() {
        let a = phone("8 (916) 123-45-67").unwrap();
        assert_eq!(a, "+79161234567");
        assert_eq!(phone("+7 916 123 45 67").unwrap(), a);
        assert_eq!(phone("9161234567").unwrap(), a);
        assert!(phone("12").is_err());
    }

    #[test]
    fn legal_forms_and_quotes_do_not_make_a_new_company() {
        assert_eq!(company_name("ООО «Ромашка»"), "ромашка");
        assert_eq!(company_name("Ромашка, LLC"), "ромашка");
        assert_eq!(company_name("  Нордвинд   Логистик "), "нордвинд логистик");
        assert_ne!(company_name("Ромашка"), company_name("Лютик"));
    }

    #[test]
    fn subdomains_roll_up_to_the_registrable_domain() {
        assert_eq!(registrable_domain("spb.acme.ru").unwrap(), "acme.ru");
        assert_eq!(
            registrable_domain("sales.acme.co.uk").unwrap(),
            "acme.co.uk"
        );
        assert_eq!(
            registrable_domain("WWW.Example.COM.").unwrap(),
            "example.com"
        );
        assert_eq!(
            registrable_domain("пример.рф").unwrap(),
            "xn--e1afmkfd.xn--p1ai"
        );
        assert!(registrable_domain("not a domain").is_err());
        assert!(registrable_domain("co.uk").is_err());
    }

    #[test]
    fn tags_are_unique_and_lower_case() {
        let t = tags(&["VIP".into(), " vip ".into(), "Москва".into()]).unwrap();
        assert_eq!(t, ["vip", "москва"]);
        assert_eq!(tags_from_column(&tags_to_column(&t)), t);
        assert!(tags(&["a,b".into()]).is_err());
    }
}
