//! The companies of a bulk create's rows: existing ones checked once each, new ones found again or made once for
//! the batch with multi-row INSERTs.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::{store, Checked, CompanyPick};
use crate::auth::Caller;
use crate::crm::access;
use crate::crm::normalize::{self, required};
use crate::crm::RecordKind;
use crate::error::Error;

/// The company id of each row: existing ones checked once each; new ones found again (by domain, then name: one
/// query per key kind for the batch) or created once for the batch with multi-row INSERTs.
/// Returns row index → (company, created by this row).
pub(super) async fn pick(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: &mut [Result<(Checked, CompanyPick), Error>],
) -> Result<HashMap<usize, (i64, bool)>, Error> {
    let mut domains = Vec::new();
    let mut names = Vec::new();
    for (_, pick) in rows.iter().flatten() {
        if let CompanyPick::New { name, domain } = pick {
            domains.extend(domain.clone());
            names.push(normalize::company_name(name));
        }
    }
    let by_domain = store::companies_by(&mut *conn, false, &domains).await?;
    let by_name = store::companies_by(&mut *conn, true, &names).await?;
    let mut readable: HashMap<i64, bool> = HashMap::new();
    // Domain or normalized name → the company found, or the new one (its index in `news`), of an earlier row.
    let mut made: HashMap<String, Result<i64, usize>> = HashMap::new();
    let mut news: Vec<(String, String, Option<String>, i64, usize)> = Vec::new();
    let mut slots: HashMap<usize, Result<i64, usize>> = HashMap::new();
    for (i, row) in rows.iter_mut().enumerate() {
        let Ok((c, pick)) = row else { continue };
        match pick.clone() {
            CompanyPick::None => {}
            CompanyPick::Existing(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = readable.entry(id) {
                    e.insert(access::may_read(&mut *conn, caller, RecordKind::Company, id).await?);
                }
                if readable[&id] {
                    slots.insert(i, Ok(id));
                } else {
                    *row = Err(Error::validation(
                        "company_id",
                        format!("no company with id {id}"),
                    ));
                }
            }
            CompanyPick::New { name, domain } => {
                let name_key = normalize::company_name(&name);
                let (d_key, n_key) = (
                    domain.as_ref().map(|d| format!("d:{d}")),
                    format!("n:{name_key}"),
                );
                let earlier = d_key
                    .as_ref()
                    .and_then(|k| made.get(k))
                    .or_else(|| made.get(&n_key));
                let slot = match earlier {
                    Some(slot) => *slot,
                    None => match domain
                        .as_ref()
                        .and_then(|d| by_domain.get(d))
                        .or_else(|| by_name.get(&name_key))
                    {
                        Some(id) => Ok(*id),
                        None => match required("name", &name, 300) {
                            Ok(name) => {
                                news.push((name, name_key, domain.clone(), c.owner, i));
                                Err(news.len() - 1)
                            }
                            Err(e) => {
                                *row = Err(e);
                                continue;
                            }
                        },
                    },
                };
                if let Some(k) = d_key {
                    made.entry(k).or_insert(slot);
                }
                made.entry(n_key).or_insert(slot);
                slots.insert(i, slot);
            }
        }
    }
    let ids = create(&mut *conn, &news).await?;
    Ok(slots
        .into_iter()
        .map(|(i, slot)| match slot {
            Ok(id) => (i, (id, false)),
            Err(n) => (i, (ids[n], news[n].4 == i)),
        })
        .collect())
}

/// New companies `(name, normalized name, domain, owner, row)` with multi-row INSERTs; their ids, in order.
async fn create(
    conn: &mut AnyConnection,
    news: &[(String, String, Option<String>, i64, usize)],
) -> Result<Vec<i64>, Error> {
    let searches: Vec<String> = news
        .iter()
        .map(|(name, _, domain, _, _)| {
            normalize::search_text(std::iter::once(name.as_str()).chain(domain.as_deref()))
        })
        .collect();
    let rows: Vec<store::CompanyRow> = news
        .iter()
        .zip(&searches)
        .map(|((name, norm, _, owner, _), search)| store::CompanyRow {
            name,
            name_norm: norm,
            owner_id: *owner,
            search,
        })
        .collect();
    let ids = store::insert_companies(&mut *conn, &rows).await?;
    let domains: Vec<(i64, &str)> = news
        .iter()
        .zip(&ids)
        .filter_map(|((_, _, d, _, _), id)| d.as_deref().map(|d| (*id, d)))
        .collect();
    store::insert_company_domains(&mut *conn, &domains).await?;
    Ok(ids)
}
