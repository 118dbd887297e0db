//! Linking at ingest, a batch at a time: classify before storing, then create the leads new senders make and link
//! every message to the contacts, leads and companies it involves, with one lookup per batch instead of per message.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::classify::{classify, Class, Classification};
use super::{store, store_bulk, Context, PendingBounce, LINKED_ROLES};
use crate::crm::leads::{self, MailLead};
use crate::crm::RecordKind;
use crate::email_address::registrable_domain;
use crate::error::Error;
use crate::mail::model::ClassColumns;
use crate::mail::parse::Parsed;

/// A message as linking sees it: classified before it was stored.
pub struct Classified {
    pub class: Classification,
    pub outgoing: bool,
}

impl Classified {
    pub fn new(ctx: &Context, parsed: &Parsed, folder_role: &str) -> Classified {
        let outgoing = folder_role == "sent"
            || parsed
                .from_address
                .as_deref()
                .is_some_and(|f| ctx.is_own(f));
        Classified {
            class: classify(parsed, &|a| ctx.is_own(a)),
            outgoing,
        }
    }

    /// What the message row stores of it.
    pub fn columns(&self, ctx: &Context) -> ClassColumns {
        ClassColumns {
            class: self.class.class.as_str(),
            reason: self.class.reason.clone(),
            direction: if self.outgoing {
                "outgoing"
            } else {
                "incoming"
            },
            mailbox_id: ctx.mailbox_id,
        }
    }
}

/// A newly stored message, to create leads from and link.
pub struct NewMail<'a> {
    pub message_id: i64,
    pub parsed: &'a Parsed,
    pub classified: &'a Classified,
}

/// Creates the leads new senders make and links every message; returns the bounces DSNs report, to record after
/// commit. Runs in the transaction that stored the messages.
pub async fn on_new_messages(
    conn: &mut AnyConnection,
    ctx: &Context,
    mails: &[NewMail<'_>],
) -> Result<Vec<PendingBounce>, Error> {
    let mut bounces = Vec::new();
    let mut people = Vec::new();
    let mut to_link = Vec::new();
    for m in mails {
        if let Some(b) = bounce_of(m) {
            bounces.push(b);
        }
        let never = m
            .parsed
            .from_address
            .as_deref()
            .is_some_and(|f| ctx.never_logged(f));
        if !never {
            people.extend(lead_candidates(
                ctx,
                m.parsed,
                &m.classified.class,
                m.classified.outgoing,
            ));
            to_link.push((m.message_id, m.parsed));
        }
    }
    create_leads(conn, ctx, people).await?;
    link_all(conn, ctx, &to_link).await?;
    Ok(bounces)
}

fn bounce_of(m: &NewMail<'_>) -> Option<PendingBounce> {
    let dsn = m.parsed.signals.dsn.as_ref()?;
    if m.classified.class.class != Class::Bounce || dsn.recipient.is_empty() {
        return None;
    }
    Some(PendingBounce {
        message_id: m.message_id,
        address: dsn.recipient.clone(),
        hard: dsn.status.starts_with('5'),
        status: dsn.status.clone(),
        diagnostic: dsn.diagnostic.clone().unwrap_or_default(),
        to: m
            .parsed
            .participants
            .iter()
            .find(|p| p.role == "to")
            .map(|p| p.address.clone()),
        original_message_id: dsn.original_message_id.clone(),
    })
}

/// The people a message may make leads of: the sender of incoming human mail, or (by mailbox rule) the
/// recipients of outgoing mail; never ours, never a never-log address.
fn lead_candidates(
    ctx: &Context,
    parsed: &Parsed,
    c: &Classification,
    outgoing: bool,
) -> Vec<(String, Option<String>)> {
    if c.class != Class::Human {
        return Vec::new();
    }
    let people: Vec<(String, Option<String>)> = if !outgoing {
        c.sender.clone().into_iter().collect()
    } else if ctx.leads_from_outgoing {
        parsed
            .participants
            .iter()
            .filter(|p| p.role == "to" || p.role == "cc")
            .map(|p| (p.address.clone(), p.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    people
        .into_iter()
        .filter(|(a, _)| !ctx.is_own(a) && !ctx.never_logged(a))
        .collect()
}

/// Makes a lead of each person not yet known as a contact or lead (the first name seen wins).
async fn create_leads(
    conn: &mut AnyConnection,
    ctx: &Context,
    people: Vec<(String, Option<String>)>,
) -> Result<(), Error> {
    let mut seen = HashSet::new();
    let people: Vec<_> = people
        .into_iter()
        .filter(|(a, _)| seen.insert(a.clone()))
        .collect();
    if people.is_empty() {
        return Ok(());
    }
    let addresses: Vec<String> = people.iter().map(|(a, _)| a.clone()).collect();
    let mut known: HashSet<String> = store::records_for(conn, RecordKind::Contact, &addresses)
        .await?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    known.extend(store_bulk::lead_emails(conn, &addresses).await?);
    let people: Vec<_> = people
        .into_iter()
        .filter(|(a, _)| !known.contains(a))
        .collect();
    let mut unknown: Vec<String> = people.iter().map(|(a, _)| a.clone()).collect();
    // Claimed in one global order: concurrent ingests wait for each other rather than deadlock.
    unknown.sort_unstable();
    let mut claimed: HashSet<String> = store_bulk::claim_leads(conn, &unknown)
        .await?
        .into_iter()
        .collect();
    for address in &unknown {
        if !claimed.contains(address) && store::reclaim_lead(conn, address).await? {
            claimed.insert(address.clone());
        }
    }
    let hint_of = |address: &str| {
        address
            .rsplit_once('@')
            .and_then(|(_, d)| registrable_domain(d))
            .filter(|d| ctx.company_domain(d))
    };
    let hints: Vec<String> = unique(
        people
            .iter()
            .filter_map(|(a, _)| hint_of(a))
            .collect::<Vec<_>>()
            .iter(),
    );
    let companies: HashMap<String, i64> = store::records_for(conn, RecordKind::Company, &hints)
        .await?
        .into_iter()
        .rev()
        .collect();
    let new: Vec<MailLead> = people
        .into_iter()
        .filter(|(address, _)| claimed.contains(address))
        .map(|(address, name)| {
            let hint = hint_of(&address);
            MailLead {
                company_id: hint.as_ref().and_then(|d| companies.get(d).copied()),
                domain_hint: hint,
                name: name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| address.split('@').next().unwrap_or_default().to_string()),
                email: address,
            }
        })
        .collect();
    let made = leads::create_from_mail(conn, &new, ctx.lead_owner, ctx.email_source_id).await?;
    tracing::debug!(leads = made.len(), "leads created from mail");
    store_bulk::link_earlier_mail_many(conn, RecordKind::Lead, &made).await?;
    store_bulk::confirm_claims(conn, &made).await
}

/// Links each message to the contacts and open leads of its external addresses and the companies of their domains.
async fn link_all(
    conn: &mut AnyConnection,
    ctx: &Context,
    mails: &[(i64, &Parsed)],
) -> Result<(), Error> {
    let mut wanted: Vec<(i64, Vec<String>, Vec<String>)> = Vec::new();
    for (message_id, parsed) in mails {
        let external: Vec<_> = parsed
            .participants
            .iter()
            .filter(|p| {
                LINKED_ROLES.contains(&p.role)
                    && !ctx.is_own(&p.address)
                    && !ctx.never_logged(&p.address)
            })
            .collect();
        let addresses = external.iter().map(|p| p.address.clone()).collect();
        let domains = external
            .iter()
            .filter_map(|p| p.domain.clone())
            .filter(|d| ctx.company_domain(d))
            .collect();
        wanted.push((*message_id, addresses, domains));
    }
    let all_addresses: Vec<String> = unique(wanted.iter().flat_map(|w| w.1.iter()));
    let all_domains: Vec<String> = unique(wanted.iter().flat_map(|w| w.2.iter()));
    if all_addresses.is_empty() && all_domains.is_empty() {
        return Ok(());
    }
    let mut records: HashMap<(RecordKind, String), Vec<i64>> = HashMap::new();
    for (kind, values) in [
        (RecordKind::Contact, &all_addresses),
        (RecordKind::Lead, &all_addresses),
        (RecordKind::Company, &all_domains),
    ] {
        for (v, id) in store::records_for(conn, kind, values).await? {
            records.entry((kind, v)).or_default().push(id);
        }
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (message_id, addresses, domains) in &wanted {
        let lookups = addresses
            .iter()
            .flat_map(|a| [(RecordKind::Contact, a), (RecordKind::Lead, a)])
            .chain(domains.iter().map(|d| (RecordKind::Company, d)));
        for (kind, value) in lookups {
            for &id in records.get(&(kind, value.clone())).into_iter().flatten() {
                if seen.insert((*message_id, kind, id)) {
                    rows.push((*message_id, kind, id));
                }
            }
        }
    }
    store_bulk::add_auto_links(conn, &rows).await
}

fn unique<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values.filter(|v| seen.insert(*v)).cloned().collect()
}

/// Leads and links for one message whose classification was just changed by hand.
pub async fn relink(
    conn: &mut AnyConnection,
    ctx: &Context,
    message_id: i64,
    parsed: &Parsed,
    c: &Classification,
    outgoing: bool,
) -> Result<(), Error> {
    create_leads(conn, ctx, lead_candidates(ctx, parsed, c, outgoing)).await?;
    link_all(conn, ctx, &[(message_id, parsed)]).await
}
