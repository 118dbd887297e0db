//! Auto-linking: every stored message is classified, linked to the contacts and leads (by address) and companies
//! (by registrable domain) it involves, and a new external person who writes becomes a lead. Own and free-mail
//! domains never become companies; never-log addresses stay out; a link set or removed by hand stays so.

pub mod classify;
pub mod freemail;
pub mod model;
pub mod routes;
mod store;

use std::collections::HashSet;

use serde_json::json;
use sqlx::{AnyConnection, AnyPool};

use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::{audit, leads, RecordKind};
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

async fn make_leads(
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

async fn link(
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

/// May the caller read this message? Admins always; others when it is linked to a record they may see.
pub async fn may_read(pool: &AnyPool, caller: &Caller, message_id: i64) -> Result<bool, Error> {
    if caller.is_admin() {
        return Ok(true);
    }
    let mut conn = pool.acquire().await?;
    for kind in [
        RecordKind::Contact,
        RecordKind::Company,
        RecordKind::Lead,
        RecordKind::Deal,
    ] {
        if !access::role_may(caller.role, kind, Op::Read) {
            continue;
        }
        for id in store::linked_records(&mut conn, message_id, kind).await? {
            if access::require(pool, caller, kind, id, Op::Read)
                .await
                .is_ok()
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

pub async fn require_read(pool: &AnyPool, caller: &Caller, message_id: i64) -> Result<(), Error> {
    if may_read(pool, caller, message_id).await? {
        Ok(())
    } else {
        Err(Error::NotFound("message"))
    }
}

pub async fn links(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
) -> Result<Vec<model::Link>, Error> {
    require_read(pool, caller, message_id).await?;
    let rows = store::links_of(&mut *pool.acquire().await?, message_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id, source, removed)| {
            Some(model::Link {
                record_kind: kind.parse().ok()?,
                record_id: id,
                source,
                removed,
            })
        })
        .collect())
}

/// Links the message to a record, or removes the link, by hand; audited on the record; no automatic run undoes it.
pub async fn set_link(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    kind: RecordKind,
    id: i64,
    linked: bool,
) -> Result<Vec<model::Link>, Error> {
    require_read(pool, caller, message_id).await?;
    access::require(pool, caller, kind, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_manual_link(&mut tx, message_id, kind, id, !linked).await?;
    let (action, from, to) = if linked {
        ("link", json!(null), json!(message_id))
    } else {
        ("unlink", json!(message_id), json!(null))
    };
    audit::event(&mut tx, caller.id, action, (kind, id), "message", from, to).await?;
    tx.commit().await?;
    links(pool, caller, message_id).await
}

/// Links a message the caller holds in their own mail client (the add-in) to a record they may write; audited.
pub async fn set_link_unchecked(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    access::require(pool, caller, kind, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::set_manual_link(&mut tx, message_id, kind, id, false).await?;
    audit::event(
        &mut tx,
        caller.id,
        "link",
        (kind, id),
        "message",
        json!(null),
        json!(message_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An admin's correction of a message's class: stored, audited, and applied (a new human sender makes a lead).
pub async fn reclassify(
    pool: &AnyPool,
    caller: &Caller,
    message_id: i64,
    class: Class,
    parsed: Parsed,
) -> Result<model::ClassView, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let (before, _, direction, _, mailbox_id) = store::class_of(&mut tx, message_id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let reason = format!("set by {}", caller.email);
    store::set_class(
        &mut tx,
        message_id,
        class.as_str(),
        &reason,
        &direction,
        None,
        true,
    )
    .await?;
    crate::crm::audit::message_event(
        &mut tx,
        caller.id,
        message_id,
        "classification",
        json!(before),
        json!(class.as_str()),
    )
    .await?;
    let ctx = Context::load(pool, mailbox_id).await?;
    let c = Classification {
        class,
        reason: reason.clone(),
        sender: parsed
            .from_address
            .clone()
            .map(|f| (f, parsed.from_name.clone())),
    };
    make_leads(&mut tx, &ctx, &parsed, &c, direction == "outgoing").await?;
    link(&mut tx, &ctx, message_id, &parsed).await?;
    tx.commit().await?;
    Ok(model::ClassView {
        class,
        reason: Some(reason),
        manual: true,
        direction,
    })
}

pub async fn class_view(pool: &AnyPool, message_id: i64) -> Result<model::ClassView, Error> {
    let (class, reason, direction, manual, _) =
        store::class_of(&mut *pool.acquire().await?, message_id)
            .await?
            .ok_or(Error::NotFound("message"))?;
    Ok(model::ClassView {
        class: Class::parse(&class),
        reason,
        manual,
        direction,
    })
}

pub async fn list_entries(pool: &AnyPool, list: List) -> Result<Vec<String>, Error> {
    store::list(pool, list).await
}

pub async fn add_entry(pool: &AnyPool, list: List, raw: &str) -> Result<Vec<String>, Error> {
    let value = raw.trim().to_lowercase();
    let value = match list {
        List::NeverLog if value.contains('@') => crate::email_address::EmailAddress::parse(&value)
            .map_err(|m| Error::validation("value", m))?
            .to_string(),
        _ => registrable_domain(&value)
            .filter(|_| !value.contains('@'))
            .ok_or_else(|| Error::validation("value", format!("'{raw}' is not a domain")))?,
    };
    store::add(pool, list, &value).await?;
    store::list(pool, list).await
}

pub async fn remove_entry(pool: &AnyPool, list: List, raw: &str) -> Result<(), Error> {
    if store::remove(pool, list, &raw.trim().to_lowercase()).await? {
        Ok(())
    } else {
        Err(Error::NotFound("entry"))
    }
}

pub async fn bounces(pool: &AnyPool, address: Option<&str>) -> Result<Vec<model::Bounce>, Error> {
    Ok(store::bounces(pool, address)
        .await?
        .into_iter()
        .map(
            |(address, status, kind, original_message_id)| model::Bounce {
                address,
                status,
                kind,
                original_message_id,
            },
        )
        .collect())
}
