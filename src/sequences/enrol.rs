//! Whom a sequence enrols: chosen contacts, a saved view of contacts (the caller's own, run as the contacts list
//! runs it for them) or a segment (its filter, narrowed to the contacts the caller may read), and who is skipped.

use std::collections::HashSet;

use sqlx::AnyPool;

use super::model::{EnrolRequest, Skipped};
use super::store;
use crate::auth::Caller;
use crate::crm::contacts::model::{Contact, ContactFilter};
use crate::crm::listing::ListParams;
use crate::crm::{access, RecordKind};
use crate::error::Error;
use crate::views::model::ListKind;

/// Contacts one call enrols at most.
pub const MAX: usize = 10_000;

/// Where the contacts come from: exactly one of the request's fields.
pub enum Source {
    Contacts(Vec<i64>),
    View(i64),
    Segment(i64),
}

impl Source {
    pub fn parse(r: EnrolRequest) -> Result<Source, Error> {
        let mut given = Vec::new();
        if let Some(ids) = r.contact_ids {
            given.push(("contact_ids", Source::Contacts(ids)));
        }
        if let Some(id) = r.view_id {
            given.push(("view_id", Source::View(id)));
        }
        if let Some(id) = r.segment_id {
            given.push(("segment_id", Source::Segment(id)));
        }
        match given.len() {
            0 => Err(Error::validation(
                "contact_ids",
                "give contact_ids, view_id or segment_id",
            )),
            1 => Ok(given.pop().expect("one source").1),
            _ => Err(Error::validation(
                given[1].0,
                "give only one of contact_ids, view_id and segment_id",
            )),
        }
    }
}

fn too_many(field: &str) -> Error {
    Error::validation(field, format!("at most {MAX} contacts per call"))
}

/// The contact ids a source holds for the caller, each once, in order. A chosen contact the caller may not see
/// refuses the request (422 `contact_ids`); a view or segment holds only what the caller sees.
pub async fn contacts(pool: &AnyPool, caller: &Caller, source: Source) -> Result<Vec<i64>, Error> {
    let ids = match source {
        Source::Contacts(ids) => {
            if ids.is_empty() || ids.len() > MAX {
                return Err(Error::validation(
                    "contact_ids",
                    format!("1 to {MAX} contact ids"),
                ));
            }
            let ids = distinct(ids);
            let mut conn = pool.acquire().await?;
            let seen: HashSet<i64> =
                access::visible_ids(&mut conn, caller, RecordKind::Contact, ids.clone())
                    .await?
                    .into_iter()
                    .collect();
            if let Some(hidden) = ids.iter().find(|id| !seen.contains(id)) {
                return Err(Error::validation(
                    "contact_ids",
                    format!("no contact {hidden}"),
                ));
            }
            ids
        }
        Source::View(id) => of_view(pool, caller, id).await?,
        Source::Segment(id) => of_segment(pool, caller, id).await?,
    };
    Ok(ids)
}

fn distinct(ids: Vec<i64>) -> Vec<i64> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// The contacts of a saved view: its filters (scope and `custom.<key>` ones included) through the contacts list,
/// page by page, as the caller would see them; its sort does not matter here.
async fn of_view(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Vec<i64>, Error> {
    let view = match crate::views::get(pool, caller, id).await {
        Err(Error::NotFound(_)) => {
            return Err(Error::validation("view_id", "no such view of yours"))
        }
        other => other?,
    };
    if view.kind != ListKind::Contacts {
        return Err(Error::validation("view_id", "a view of contacts"));
    }
    let query = serde_urlencoded::to_string(&view.settings.filters).map_err(Error::internal)?;
    let parse_error = |e: serde_urlencoded::de::Error| {
        Error::validation("view_id", format!("the view's filters: {e}"))
    };
    let mut filter: ContactFilter = serde_urlencoded::from_str(&query).map_err(parse_error)?;
    filter.limit = Some(200);
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let mut params: ListParams = serde_urlencoded::from_str(&query).map_err(parse_error)?;
        (params.sort, params.after, params.limit) = (None, after, Some(200));
        let page =
            crate::crm::skeleton::list::<Contact>(pool, caller, &filter, params, Some(&query))
                .await?;
        ids.extend(page.items.iter().map(|c| c.id));
        if ids.len() > MAX {
            return Err(too_many("view_id"));
        }
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(ids),
        }
    }
}

/// The contacts a segment's filter matches now that the caller may read.
async fn of_segment(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Vec<i64>, Error> {
    let segment = match crate::campaigns::segment(pool, id).await {
        Err(Error::NotFound(_)) => return Err(Error::validation("segment_id", "no such segment")),
        other => other?,
    };
    crate::campaigns::require_segment_use(pool, caller, id).await?;
    let members = crate::campaigns::segment::member_ids(pool, &segment.filter).await?;
    let mut conn = pool.acquire().await?;
    let ids = access::visible_ids(&mut conn, caller, RecordKind::Contact, members).await?;
    if ids.len() > MAX {
        return Err(too_many("segment_id"));
    }
    Ok(ids)
}

/// Enrols `contacts` (already checked as the caller's to read) in one transaction, first step due at `due`; the
/// rest are skipped with why. Answers the new enrolments' ids.
pub async fn enrol_all(
    pool: &AnyPool,
    sequence: i64,
    contacts: &[i64],
    dues: &std::collections::HashMap<i64, i64>,
    now: i64,
) -> Result<(Vec<i64>, Vec<Skipped>), Error> {
    let mut tx = crate::db::begin(pool).await?;
    let facts: std::collections::HashMap<i64, store::enrol::Facts> =
        store::enrol::facts(&mut tx, contacts)
            .await?
            .into_iter()
            .map(|f| (f.contact_id, f))
            .collect();
    let mut skipped = Vec::new();
    let mut eligible = Vec::new();
    let skip = |contact_id: i64, reason: &str| Skipped {
        contact_id,
        reason: reason.into(),
    };
    for &contact in contacts {
        let Some(f) = facts.get(&contact) else {
            continue;
        };
        // The claim refuses the same later; skipping now says why at once.
        match &f.address {
            None => skipped.push(skip(contact, "no_email")),
            Some(_) if f.suppressed => skipped.push(skip(contact, "suppressed")),
            Some(_) if f.consent == Some(false) => skipped.push(skip(contact, "no_consent")),
            Some(address) => match dues.get(&contact) {
                Some(&due) => eligible.push((contact, address.clone(), due)),
                None => return Err(Error::internal("an enrolment without its due time")),
            },
        }
    }
    let new: std::collections::HashMap<i64, i64> =
        store::enrol::enrol_many(&mut tx, sequence, &eligible, now)
            .await?
            .into_iter()
            .collect();
    let mut enrolled = Vec::with_capacity(new.len());
    for (contact, _, _) in &eligible {
        match new.get(contact) {
            Some(id) => enrolled.push(*id),
            None => skipped.push(skip(*contact, "already_enrolled")),
        }
    }
    tx.commit().await?;
    Ok((enrolled, skipped))
}
