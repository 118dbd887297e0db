//! Data quality over the caller's records: contacts without e-mail, phone or company, contacts reached through role
//! addresses, records nobody touched for 90 days, and open duplicate pairs.

use sqlx::AnyPool;

use super::model::{DataQuality, QualityShare, ReportQuery, Untouched};
use super::store::quality as store;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::db::now_ms;
use crate::error::Error;

/// Local parts of addresses that name a function, not a person (info@, sales@ …), in English and in Russian
/// transliteration. Matched as the whole local part; each of lowercase letters, digits and '-' only (the store strips
/// those characters to find the local part).
pub const ROLE_PARTS: &[&str] = &[
    "info",
    "sales",
    "office",
    "support",
    "hello",
    "admin",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "contact",
    "contacts",
    "mail",
    "team",
    "help",
    "helpdesk",
    "service",
    "billing",
    "accounts",
    "accounting",
    "finance",
    "marketing",
    "hr",
    "jobs",
    "career",
    "careers",
    "press",
    "pr",
    "media",
    "news",
    "newsletter",
    "orders",
    "order",
    "shop",
    "store",
    "reception",
    "secretary",
    "enquiries",
    "inquiries",
    "feedback",
    "postmaster",
    "webmaster",
    "hostmaster",
    "abuse",
    "security",
    "privacy",
    "legal",
    "zakaz",
    "buh",
    "buhgalteria",
    "priemnaya",
    "kadry",
    "snab",
    "tender",
];

const UNTOUCHED_DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;

pub async fn data_quality(
    pool: &AnyPool,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<DataQuality, Error> {
    // Leads and deals are part of it, so it is for the roles that read them (not marketing).
    let s = super::slice(caller, RecordKind::Lead, q)?;
    let cutoff = now_ms() - UNTOUCHED_DAYS * DAY_MS;
    // Whatever changed since the last report is in the per-record rows before they are read.
    super::summary::quality(pool).await?;
    let mut conn = pool.acquire().await?;
    let c = store::contacts(&mut conn, &s).await?;
    let untouched = store::untouched(&mut conn, &s, cutoff).await?;
    let mut duplicate_pairs = 0;
    for kind in [RecordKind::Contact, RecordKind::Company, RecordKind::Lead] {
        duplicate_pairs += store::duplicate_pairs(&mut conn, &s, kind).await?;
    }
    let share = |count: i64| QualityShare {
        count,
        share: (c.contacts > 0).then(|| super::ratio(count, c.contacts)),
    };
    Ok(DataQuality {
        contacts: c.contacts,
        without_email: share(c.without_email),
        without_phone: share(c.without_phone),
        without_company: share(c.without_company),
        role_addresses: share(c.role_addresses),
        untouched_90_days: Untouched {
            contacts: untouched[0],
            companies: untouched[1],
            leads: untouched[2],
            deals: untouched[3],
        },
        duplicate_pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::ROLE_PARTS;

    #[test]
    fn role_parts_are_plain_lowercase_local_parts() {
        for p in ROLE_PARTS {
            assert!(
                p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{p}"
            );
        }
    }
}
