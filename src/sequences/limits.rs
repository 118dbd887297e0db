//! Sending limits of sequence letters (issue 18.4): a mailbox's, from its provider's preset (decided by its SMTP
//! host) unless an admin set its own, and a sequence's own. Counted in the database (`mailbox_sends`), so that every
//! instance on one database spends one budget; a step over a limit waits for the window to free, it never fails.

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use utoipa::ToSchema;

use super::options::SendingOptions;
use super::store::limits as store;
use crate::auth::Caller;
use crate::error::Error;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Letters in any minute, hour and 24 hours (rolling windows, as the providers count); none: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Limits {
    #[serde(default)]
    pub per_minute: Option<u32>,
    #[serde(default)]
    pub per_hour: Option<u32>,
    #[serde(default)]
    pub per_day: Option<u32>,
}

/// A provider's published limits for one mailbox sending over SMTP.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preset {
    /// `microsoft365`, `google_workspace`, `gmail`, `yandex`, `yandex360`, `mail_ru`.
    pub name: String,
    pub limits: Limits,
    /// Where the figures come from.
    pub source: String,
}

/// A mailbox's sending limits as `GET /api/v1/mailboxes/{id}/sending-limits` shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendingLimits {
    pub mailbox_id: i64,
    /// The provider's preset, decided by the SMTP host (none: an unknown server, no limit unless set).
    pub preset: Option<Preset>,
    /// The admin's own limits, which replace the preset (none: the preset holds).
    pub custom: Option<Limits>,
    /// What sequences keep to.
    pub effective: Limits,
    /// Sequence letters claimed from the mailbox in the last minute, hour and 24 hours.
    pub sent: Usage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub last_minute: i64,
    pub last_hour: i64,
    pub last_day: i64,
}

/// `{"custom": {...}}` sets the mailbox's own limits (a field left out or null: no limit of that kind);
/// `{"custom": null}` goes back to the preset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendingLimitsInput {
    pub custom: Option<Limits>,
}

fn is_host_of(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The preset of a mailbox sending through `smtp_host` as `from` (the address tells a consumer account from a
/// business one on the same servers).
pub fn preset(smtp_host: &str, from: &str) -> Option<Preset> {
    let host = smtp_host.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain_of(from);
    let make = |name: &str, per_minute, per_day, source: &str| {
        Some(Preset {
            name: name.into(),
            limits: Limits {
                per_minute,
                per_hour: None,
                per_day,
            },
            source: source.into(),
        })
    };
    if ["office365.com", "outlook.com"]
        .iter()
        .any(|d| is_host_of(&host, d))
    {
        return make(
            "microsoft365",
            Some(30),
            Some(10_000),
            "Exchange Online limits: message rate 30 a minute (SMTP submission), 10 000 recipients a day",
        );
    }
    if ["gmail.com", "googlemail.com"]
        .iter()
        .any(|d| is_host_of(&host, d))
    {
        return if matches!(domain.as_str(), "gmail.com" | "googlemail.com") {
            make(
                "gmail",
                None,
                Some(500),
                "Gmail (consumer): 500 messages a rolling day over SMTP",
            )
        } else {
            make(
                "google_workspace",
                None,
                Some(2_000),
                "Google Workspace admin help 'Gmail sending limits': 2 000 messages a rolling day",
            )
        };
    }
    if ["yandex.ru", "yandex.com", "yandex.net"]
        .iter()
        .any(|d| is_host_of(&host, d))
    {
        let consumer =
            domain.starts_with("yandex.") || matches!(domain.as_str(), "ya.ru" | "narod.ru");
        return if consumer {
            make(
                "yandex",
                None,
                Some(500),
                "Yandex Mail help 'Sending a large number of messages': 500 recipients in 24 hours",
            )
        } else {
            make(
                "yandex360",
                None,
                Some(3_000),
                "Yandex 360 for business (own domain): 3 000 letters a mailbox in 24 hours, as commonly quoted \
                 from Yandex 360 help; set your own if your plan differs",
            )
        };
    }
    if ["mail.ru", "inbox.ru", "list.ru", "bk.ru"]
        .iter()
        .any(|d| is_host_of(&host, d))
    {
        return make(
            "mail_ru",
            None,
            None,
            "Mail.ru publishes no figure (it blocks what looks like mass mailing): no limit unless an admin sets one",
        );
    }
    None
}

/// The limits a mailbox keeps to: the admin's, else its preset's, else none.
pub fn effective(preset: Option<&Preset>, custom: Option<Limits>) -> Limits {
    custom.unwrap_or_else(|| preset.map(|p| p.limits).unwrap_or_default())
}

/// What one claim must fit in: windows of the mailbox's and of the sequence's own letters.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    pub mailbox_id: i64,
    pub sequence_id: i64,
    /// (scope, window length, at most) of every limit that applies.
    pub windows: Vec<(store::Scope, i64, u32)>,
}

/// The budget of a letter of sequence `sequence_id` from `mailbox`.
pub async fn budget(
    pool: &AnyPool,
    mailbox: &crate::imap::model::Mailbox,
    sequence_id: i64,
    options: &SendingOptions,
) -> Result<Budget, Error> {
    let from = mailbox
        .smtp
        .as_ref()
        .and_then(|s| s.address.clone())
        .unwrap_or_else(|| mailbox.username.clone());
    let host = mailbox.smtp.as_ref().map_or("", |s| s.host.as_str());
    let custom = store::custom(pool, mailbox.id).await?;
    let limits = effective(preset(host, &from).as_ref(), custom);
    let mut windows = Vec::new();
    let mut add = |scope, ms, limit: Option<u32>| {
        if let Some(n) = limit {
            windows.push((scope, ms, n));
        }
    };
    add(store::Scope::Mailbox, MINUTE_MS, limits.per_minute);
    add(store::Scope::Mailbox, HOUR_MS, limits.per_hour);
    add(store::Scope::Mailbox, DAY_MS, limits.per_day);
    add(store::Scope::Sequence, HOUR_MS, options.limit_per_hour);
    add(store::Scope::Sequence, DAY_MS, options.limit_per_day);
    Ok(Budget {
        mailbox_id: mailbox.id,
        sequence_id,
        windows,
    })
}

fn check(l: &Limits) -> Result<(), Error> {
    for (field, v) in [
        ("custom.per_minute", l.per_minute),
        ("custom.per_hour", l.per_hour),
        ("custom.per_day", l.per_day),
    ] {
        if v.is_some_and(|n| n == 0 || n > super::options::MAX_LIMIT) {
            return Err(Error::validation(field, "1 to 1000000 letters"));
        }
    }
    Ok(())
}

/// A mailbox's limits and what its sequences spent of them (admins; a mailbox that does not exist: 404).
pub async fn get(
    pool: &AnyPool,
    _caller: &Caller,
    id: i64,
    now: i64,
) -> Result<SendingLimits, Error> {
    let mailbox = crate::imap::get(pool, id).await?;
    let from = mailbox
        .smtp
        .as_ref()
        .and_then(|s| s.address.clone())
        .unwrap_or_else(|| mailbox.username.clone());
    let preset = mailbox.smtp.as_ref().and_then(|s| preset(&s.host, &from));
    let custom = store::custom(pool, id).await?;
    let used = |ms| store::used(pool, id, now - ms);
    Ok(SendingLimits {
        mailbox_id: id,
        effective: effective(preset.as_ref(), custom),
        preset,
        custom,
        sent: Usage {
            last_minute: used(MINUTE_MS).await?,
            last_hour: used(HOUR_MS).await?,
            last_day: used(DAY_MS).await?,
        },
    })
}

/// Sets (or clears) a mailbox's own limits, with an audit entry on the mailbox.
pub async fn set(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    input: SendingLimitsInput,
    now: i64,
) -> Result<SendingLimits, Error> {
    if let Some(l) = &input.custom {
        check(l)?;
    }
    crate::imap::get(pool, id).await?;
    let before = store::custom(pool, id).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_custom(&mut tx, id, input.custom, now).await?;
    let view = |l: Option<Limits>| serde_json::json!({ "sending_limits": l });
    let record = ("mailbox", id);
    crate::audit::settings_event(
        &mut tx,
        caller.id,
        "update",
        record,
        &view(before),
        &view(input.custom),
    )
    .await?;
    tx.commit().await?;
    get(pool, caller, id, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_follow_the_smtp_host_and_the_kind_of_account() {
        let name = |host: &str, from: &str| preset(host, from).map(|p| p.name);
        let m365 = preset("smtp.office365.com", "ivan@nordwind.ru").unwrap();
        assert_eq!(
            (m365.limits.per_minute, m365.limits.per_day),
            (Some(30), Some(10_000))
        );
        let day = |host: &str, from: &str| preset(host, from).and_then(|p| p.limits.per_day);
        assert_eq!(day("smtp.gmail.com", "ivan@gmail.com"), Some(500));
        assert_eq!(day("smtp.gmail.com", "ivan@nordwind.ru"), Some(2_000));
        assert_eq!(day("smtp.yandex.ru", "ivan@yandex.ru"), Some(500));
        assert_eq!(day("smtp.yandex.ru", "ivan@nordwind.ru"), Some(3_000));
        assert_eq!(
            name("smtp.mail.ru", "ivan@mail.ru").as_deref(),
            Some("mail_ru")
        );
        assert_eq!(name("mail.nordwind.ru", "ivan@nordwind.ru"), None);
        assert_eq!(name("evil-office365.com", "ivan@nordwind.ru"), None);
        // The admin's limits replace the preset whole.
        let own = Limits {
            per_minute: Some(2),
            ..Limits::default()
        };
        assert_eq!(effective(Some(&m365), Some(own)), own);
        assert_eq!(effective(Some(&m365), None), m365.limits);
    }
}
