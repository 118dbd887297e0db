//! `EmailAddress`: an address parsed once at the edge, trimmed and lower-cased, so that comparisons
//! everywhere are case-insensitive without thinking about it.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if !email_address::EmailAddress::is_valid(trimmed) {
            return Err(format!("'{trimmed}' is not a valid e-mail address"));
        }
        Ok(EmailAddress(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// The registrable domain of a host name: `spb.acme.ru` → `acme.ru`, `sales.acme.co.uk` → `acme.co.uk`
/// (public-suffix list); internationalized names in their ASCII (punycode) form. `None` for a bare suffix or junk.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '@' || c == '/') {
        return None;
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    let domain = psl::domain(ascii.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_string)
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_and_mixed_case_addresses_are_normalised() {
        let a = EmailAddress::parse("  Ivan.Petrov@Example.RU ").unwrap();
        assert_eq!(a.as_str(), "ivan.petrov@example.ru");
        assert_eq!(a.domain(), "example.ru");
        assert!(EmailAddress::parse("Иван@пример.рф").is_ok());
    }

    #[test]
    fn garbage_is_refused_with_the_input_in_the_message() {
        let err = EmailAddress::parse("not-an-address").unwrap_err();
        assert!(err.contains("not-an-address"));
        assert!(EmailAddress::parse("").is_err());
    }
}
