//! Segments: saved contact filters resolved into recipients — one letter per address, consent required for
//! marketing, suppressed addresses always left out — and the template fields of each recipient.

mod custom;

use std::collections::HashSet;

use serde_json::{Map, Value};
use sqlx::AnyPool;

use super::model::{SegmentCount, SegmentFilter};
use super::store::audience::{self, Member};
use crate::error::Error;
pub use custom::{conditions, CustomCondition};

/// Refuses filter values the database would silently match nothing with.
pub fn check(f: &SegmentFilter) -> Result<(), Error> {
    let one_of = |field: &str, value: &Option<String>, allowed: &[&str]| match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(Error::validation(
            field,
            format!("'{v}' is not one of {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    };
    one_of(
        "filter.lead_status",
        &f.lead_status,
        &["new", "in_work", "converted", "lost"],
    )?;
    one_of("filter.deal_state", &f.deal_state, &["open", "won", "lost"])?;
    one_of("filter.consent", &f.consent, &["granted", "not_granted"])
}

/// Whether a campaign may mail this member.
fn eligible(m: &Member, marketing: bool) -> bool {
    !m.suppressed && (!marketing || m.consent == Some(true))
}

/// The members a campaign mails: eligible, and the first (lowest contact id) of each address.
pub async fn recipients(
    pool: &AnyPool,
    f: &SegmentFilter,
    marketing: bool,
) -> Result<Vec<Member>, Error> {
    let custom = conditions(pool, f).await?;
    let mut seen = HashSet::new();
    Ok(audience::members(pool, f, &custom)
        .await?
        .into_iter()
        .filter(|m| eligible(m, marketing) && seen.insert(m.email.clone()))
        .collect())
}

/// The contacts (with a primary address) a filter matches now, by id, whatever their consent or suppression: what
/// a sequence enrols from a segment (it says itself who it skips and why).
pub async fn member_ids(pool: &AnyPool, f: &SegmentFilter) -> Result<Vec<i64>, Error> {
    let custom = conditions(pool, f).await?;
    Ok(audience::members(pool, f, &custom)
        .await?
        .into_iter()
        .map(|m| m.contact_id)
        .collect())
}

pub async fn count(pool: &AnyPool, f: &SegmentFilter) -> Result<SegmentCount, Error> {
    let custom = conditions(pool, f).await?;
    let members = audience::members(pool, f, &custom).await?;
    let distinct = |marketing: Option<bool>| {
        members
            .iter()
            .filter(|m| marketing.is_none_or(|mk| eligible(m, mk)))
            .map(|m| m.email.as_str())
            .collect::<HashSet<_>>()
            .len() as i64
    };
    Ok(SegmentCount {
        contacts: members.len() as i64,
        addresses: distinct(None),
        marketing_deliverable: distinct(Some(true)),
        deliverable: distinct(Some(false)),
    })
}

/// The template fields of one recipient. Absent values are left out, so that strict rendering reports them
/// unless the template wraps them in `default`.
pub fn context(m: &Member, address: &str, unsubscribe_url: &str) -> Value {
    fn object(fields: &[(&str, Option<&str>)]) -> Option<Value> {
        let map: Map<String, Value> = fields
            .iter()
            .filter_map(|(k, v)| {
                v.filter(|v| !v.trim().is_empty())
                    .map(|v| (k.to_string(), Value::String(v.to_string())))
            })
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    }
    let mut root = Map::new();
    let parts = [
        (
            "contact",
            object(&[
                ("name", Some(m.name.as_str())),
                ("position", m.position.as_deref()),
                ("email", Some(address)),
                ("phone", m.phone.as_deref()),
            ]),
        ),
        (
            "company",
            object(&[
                ("name", m.company_name.as_deref()),
                ("domain", m.company_domain.as_deref()),
            ]),
        ),
        (
            "owner",
            object(&[
                ("name", m.owner_name.as_deref()),
                ("email", m.owner_email.as_deref()),
                ("phone", m.owner_phone.as_deref()),
            ]),
        ),
    ];
    for (key, value) in parts {
        if let Some(value) = value {
            root.insert(key.to_string(), value);
        }
    }
    if !m.custom.is_empty() {
        root.insert("custom".into(), Value::Object(m.custom.clone()));
    }
    root.insert(
        "unsubscribe_url".into(),
        Value::String(unsubscribe_url.into()),
    );
    Value::Object(root)
}
