//! Auto-linking: every stored message is classified, linked to the contacts and leads (by address) and companies
//! (by registrable domain) it involves, and a new external person who writes becomes a lead. Own and free-mail
//! domains never become companies; never-log addresses stay out; a link set or removed by hand stays so.

pub mod classify;
pub mod freemail;
mod manual;
pub mod model;
pub mod routes;
mod store;

pub use manual::{
    add_entry, bounces, class_view, links, list_entries, may_read, reclassify, remove_entry,
    require_read, set_link, set_link_unchecked,
};

use std::collections::HashSet;

use sqlx::{AnyConnection, AnyPool};

use crate::crm::{leads, RecordKind};
use crate::email_address::registrable_domain;
use crate::error::Error;
use crate::mail::parse::Parsed;
use classify::{classify, Class, Classification};
pub use store::List;

/// What linking needs to know, loaded once per sync.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub own_domains: HashSet<String>,
    pub freemail_extra: HashSet<String>,
    /// Addresses and domains whose mail is never linked and never makes leads.
    pub never_log: HashSet<String>,
    pub mailbox_id: Option<i64>,
    pub lead_owner: Option<i64>,
    pub leads_from_outgoing: bool,
    pub email_source_id: Option<i64>,
}

impl Context {
    pub async fn load(pool: &AnyPool, mailbox_id: Option<i64>) -> Result<Context, Error> {
        let mut own_domains: HashSet<String> = store::list(pool, List::OwnDomains)
            .await?
            .into_iter()
            .collect();
        for username in store::mailbox_usernames(pool).await? {
            if let Some(domain) = username
                .rsplit_once('@')
                .and_then(|(_, d)| registrable_domain(d))
            {
                own_domains.insert(domain);
            }
        }
        let (lead_owner, leads_from_outgoing) = match mailbox_id {
            Some(id) => store::mailbox_rules(pool, id).await?,
            None => (None, false),
        };
        let email_source_id = crate::crm::reference::entry_id_by_name(
            pool,
            crate::crm::reference::RefList::LeadSources,
            "e-mail",
        )
        .await?;
        Ok(Context {
            own_domains,
            freemail_extra: store::list(pool, List::FreemailDomains)
                .await?
                .into_iter()
                .collect(),
            never_log: store::list(pool, List::NeverLog)
                .await?
                .into_iter()
                .collect(),
            mailbox_id,
            lead_owner,
            leads_from_outgoing,
            email_source_id,
        })
    }

    pub fn is_own(&self, address: &str) -> bool {
        address
            .rsplit_once('@')
            .and_then(|(_, d)| registrable_domain(d))
            .is_some_and(|d| self.own_domains.contains(&d))
    }

    pub fn is_freemail(&self, domain: &str) -> bool {
        freemail::is_shipped(domain) || self.freemail_extra.contains(domain)
    }

    fn never_logged(&self, address: &str) -> bool {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        self.never_log.contains(address)
            || self.never_log.contains(&domain)
            || registrable_domain(&domain).is_some_and(|d| self.never_log.contains(&d))
    }

    /// A domain that may name a company: not ours, not free-mail.
    pub fn company_domain(&self, domain: &str) -> bool {
        !self.own_domains.contains(domain) && !self.is_freemail(domain)
    }
}

const LINKED_ROLES: &[&str] = &["from", "sender", "reply_to", "to", "cc"];

/// A bounce found in a DSN, to record (and suppress its address) once the message is committed.
#[derive(Debug, Clone)]
pub struct PendingBounce {
    pub message_id: i64,
    pub address: String,
    pub hard: bool,
    pub status: String,
    pub diagnostic: String,
    /// The address the DSN came to: a VERP address names the campaign letter.
    pub to: Option<String>,
    pub original_message_id: Option<String>,
}

/// Classifies a newly stored message, creates the lead a new sender makes, and links it; a DSN's bounce is
/// returned for recording after commit. Runs in the transaction that stored the message.
pub async fn on_new_message(
    conn: &mut AnyConnection,
    ctx: &Context,
    message_id: i64,
    parsed: &Parsed,
    folder_role: &str,
) -> Result<Option<PendingBounce>, Error> {
    let c = classify(parsed, &|a| ctx.is_own(a));
    let outgoing = folder_role == "sent"
        || parsed
            .from_address
            .as_deref()
            .is_some_and(|f| ctx.is_own(f));
    let direction = if outgoing { "outgoing" } else { "incoming" };
    store::set_class(
        conn,
        message_id,
        c.class.as_str(),
        &c.reason,
        direction,
        ctx.mailbox_id,
        false,
    )
    .await?;
    let bounce = match (&c.class, &parsed.signals.dsn) {
        (Class::Bounce, Some(dsn)) if !dsn.recipient.is_empty() => Some(PendingBounce {
            message_id,
            address: dsn.recipient.clone(),
            hard: dsn.status.starts_with('5'),
            status: dsn.status.clone(),
            diagnostic: dsn.diagnostic.clone().unwrap_or_default(),
            to: parsed
                .participants
                .iter()
                .find(|p| p.role == "to")
                .map(|p| p.address.clone()),
            original_message_id: dsn.original_message_id.clone(),
        }),
        _ => None,
    };
    if parsed
        .from_address
        .as_deref()
        .is_some_and(|f| ctx.never_logged(f))
    {
        return Ok(bounce);
    }
    make_leads(conn, ctx, parsed, &c, outgoing).await?;
    link(conn, ctx, message_id, parsed).await?;
    Ok(bounce)
}

/// Records a DSN's bounce against its address (hard bounces suppress it from campaigns at once).
pub async fn record_bounce(pool: &AnyPool, b: &PendingBounce) -> Result<(), Error> {
    use crate::campaigns::bounces::{record_bounce_from_mail, BounceKind, MailBounce};
    let bounce = MailBounce {
        address: &b.address,
        kind: if b.hard {
            BounceKind::Hard
        } else {
            BounceKind::Soft
        },
        status: &b.status,
        diagnostic: &b.diagnostic,
        verp_to: b.to.as_deref(),
        message_id: b.message_id,
        original_message_id: b.original_message_id.as_deref(),
    };
    record_bounce_from_mail(pool, &bounce).await
}

pub(super) async fn make_leads(
    conn: &mut AnyConnection,
    ctx: &Context,
    parsed: &Parsed,
    c: &Classification,
    outgoing: bool,
) -> Result<(), Error> {
    if c.class != Class::Human {
        return Ok(());
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
    for (address, name) in people {
        if ctx.is_own(&address) || ctx.never_logged(&address) {
            continue;
        }
        let known = !store::records_for(conn, RecordKind::Contact, std::slice::from_ref(&address))
            .await?
            .is_empty()
            || leads::exists_with_email(conn, &address).await?;
        if known || !store::claim_lead(conn, &address).await? {
            continue;
        }
        let domain = address
            .rsplit_once('@')
            .and_then(|(_, d)| registrable_domain(d));
        let hint = domain.filter(|d| ctx.company_domain(d));
        let company = match &hint {
            Some(d) => store::records_for(conn, RecordKind::Company, std::slice::from_ref(d))
                .await?
                .first()
                .map(|(_, id)| *id),
            None => None,
        };
        let display = name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| address.split('@').next().unwrap_or_default().to_string());
        let lead = leads::create_from_mail(
            conn,
            &display,
            &address,
            hint.as_deref(),
            company,
            ctx.lead_owner,
            ctx.email_source_id,
        )
        .await?;
        store::confirm_claim(conn, &address, lead).await?;
        tracing::info!(lead_id = lead, "lead created from mail");
    }
    Ok(())
}

pub(super) async fn link(
    conn: &mut AnyConnection,
    ctx: &Context,
    message_id: i64,
    parsed: &Parsed,
) -> Result<(), Error> {
    let external: Vec<_> = parsed
        .participants
        .iter()
        .filter(|p| {
            LINKED_ROLES.contains(&p.role)
                && !ctx.is_own(&p.address)
                && !ctx.never_logged(&p.address)
        })
        .collect();
    let addresses: Vec<String> = external.iter().map(|p| p.address.clone()).collect();
    let domains: Vec<String> = external
        .iter()
        .filter_map(|p| p.domain.clone())
        .filter(|d| ctx.company_domain(d))
        .collect();
    for kind in [RecordKind::Contact, RecordKind::Lead] {
        for (_, id) in store::records_for(conn, kind, &addresses).await? {
            store::add_auto_link(conn, message_id, kind, id).await?;
        }
    }
    for (_, id) in store::records_for(conn, RecordKind::Company, &domains).await? {
        store::add_auto_link(conn, message_id, RecordKind::Company, id).await?;
    }
    Ok(())
}

/// A record created or changed later picks up its earlier mail: by addresses (contacts, leads) or domains (companies).
pub async fn link_record(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    values: &[String],
) -> Result<(), Error> {
    if values.is_empty() {
        return Ok(());
    }
    store::link_earlier_mail(conn, kind, id, values).await
}

/// Moves mail links along with a record (conversion, merge).
pub async fn move_links(
    conn: &mut AnyConnection,
    from: (RecordKind, i64),
    to: (RecordKind, i64),
) -> Result<(), Error> {
    store::move_links(conn, from, to).await
}
