//! A sequence's sending options (issue 18.1, 18.3, 18.4): its own limits beside its mailbox's, waiting for the
//! return date an out-of-office reply names, and the custom field that holds each recipient's time zone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Error;

/// The highest limit one may set (per hour or per day): far above any provider's.
pub const MAX_LIMIT: u32 = 1_000_000;

/// Stored as one JSON column beside the sequence; every field may be left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SendingOptions {
    /// At most this many letters of this sequence in any hour (none: no limit of its own).
    #[serde(default)]
    pub limit_per_hour: Option<u32>,
    /// At most this many letters of this sequence in any 24 hours.
    #[serde(default)]
    pub limit_per_day: Option<u32>,
    /// When an out-of-office reply names a return date ("back on 14 December", "буду в офисе с 14.12"), the next
    /// step waits for that day's window.
    #[serde(default)]
    pub wait_for_return: bool,
    /// The key of a text custom field of contacts (else of their company) holding an IANA time zone
    /// (`Europe/Moscow`): the window is then the recipient's local hours. None: the sequence's zone for everyone.
    #[serde(default)]
    pub recipient_time_zone_field: Option<String>,
}

impl SendingOptions {
    /// Checks at the edge; each wrong field answers 422 naming it.
    pub fn checked(mut self) -> Result<SendingOptions, Error> {
        for (field, limit) in [
            ("limit_per_hour", self.limit_per_hour),
            ("limit_per_day", self.limit_per_day),
        ] {
            if limit.is_some_and(|n| n == 0 || n > MAX_LIMIT) {
                return Err(Error::validation(field, "1 to 1000000 letters"));
            }
        }
        self.recipient_time_zone_field = self
            .recipient_time_zone_field
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty());
        if let Some(key) = &self.recipient_time_zone_field {
            let slug = key.len() <= 50
                && key.starts_with(|c: char| c.is_ascii_lowercase())
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !slug {
                return Err(Error::validation(
                    "recipient_time_zone_field",
                    "the key of a custom field (latin lower-case letters, digits, _)",
                ));
            }
        }
        Ok(self)
    }

    /// The stored JSON; an unreadable one (never written by us) reads as no options.
    pub fn from_stored(json: &str) -> SendingOptions {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn to_stored(&self) -> Result<String, Error> {
        serde_json::to_string(self).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_field_keys_are_checked_at_the_edge() {
        let ok = SendingOptions {
            limit_per_hour: Some(50),
            recipient_time_zone_field: Some(" time_zone ".into()),
            ..SendingOptions::default()
        };
        let ok = ok.checked().unwrap();
        assert_eq!(ok.recipient_time_zone_field.as_deref(), Some("time_zone"));
        let zero = SendingOptions {
            limit_per_day: Some(0),
            ..SendingOptions::default()
        };
        assert!(
            matches!(zero.checked(), Err(Error::Validation { field, .. }) if field == "limit_per_day")
        );
        let bad = SendingOptions {
            recipient_time_zone_field: Some("Time Zone".into()),
            ..SendingOptions::default()
        };
        assert!(bad.checked().is_err());
        assert_eq!(SendingOptions::from_stored("{}"), SendingOptions::default());
    }
}
