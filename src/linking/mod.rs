//! Auto-linking: every stored message is classified, linked to the contacts and leads (by address) and companies
//! (by registrable domain) it involves, and a new external person who writes becomes a lead. Own and free-mail
//! domains never become companies; never-log addresses stay out; a link set or removed by hand stays so.

pub mod classify;
pub mod freemail;
mod ingest;
mod manual;
pub mod model;
pub mod routes;
mod store;
mod store_bulk;

pub use manual::{
    add_entry, bounces, class_view, links, list_entries, log_to_record, reclassify, remove_entry,
    require_read, set_link,
};

use std::collections::HashSet;

use sqlx::{AnyConnection, AnyPool};

use crate::crm::RecordKind;
use crate::email_address::registrable_domain;
use crate::error::Error;
pub use ingest::{on_new_messages, Classified, NewMail};
pub use store::{is_linked, List};

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
    /// The domain lists alone (own, free-mail, never-log), inside a caller's transaction.
    pub async fn lists(conn: &mut AnyConnection) -> Result<Context, Error> {
        let mut own_domains: HashSet<String> = store::list(&mut *conn, List::OwnDomains)
            .await?
            .into_iter()
            .collect();
        for username in store::mailbox_usernames(&mut *conn).await? {
            if let Some(domain) = username
                .rsplit_once('@')
                .and_then(|(_, d)| registrable_domain(d))
            {
                own_domains.insert(domain);
            }
        }
        Ok(Context {
            own_domains,
            freemail_extra: store::list(&mut *conn, List::FreemailDomains)
                .await?
                .into_iter()
                .collect(),
            never_log: store::list(&mut *conn, List::NeverLog)
                .await?
                .into_iter()
                .collect(),
            ..Context::default()
        })
    }

    pub async fn load(pool: &AnyPool, mailbox_id: Option<i64>) -> Result<Context, Error> {
        let lists = Context::lists(&mut *pool.acquire().await?).await?;
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
            mailbox_id,
            lead_owner,
            leads_from_outgoing,
            email_source_id,
            ..lists
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

    pub(super) fn never_logged(&self, address: &str) -> bool {
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

/// Records a DSN's bounce against its address; a verified hard bounce suppresses it from campaigns at once.
pub async fn record_bounce(pool: &AnyPool, b: &PendingBounce) -> Result<(), Error> {
    use crate::campaigns::bounces::{record_bounce_from_mail, BounceKind, MailBounce};
    let address = b.address.trim().to_lowercase();
    let quotes_our_mail = match b.original_message_id.as_deref() {
        Some(original) => store::sent_mail_to(pool, original, &address).await?,
        None => false,
    };
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
        quotes_our_mail,
    };
    record_bounce_from_mail(pool, &bounce).await
}

/// A record created or changed later picks up its earlier mail: by addresses (contacts, leads) or domains
/// (companies), with the filters ingest uses: our own and free-mail domains, never-logged addresses and internal
/// mail stay out.
pub async fn link_record(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    values: &[String],
) -> Result<(), Error> {
    let ctx = Context::lists(&mut *conn).await?;
    let values: Vec<String> = values
        .iter()
        .filter(|v| match kind {
            RecordKind::Company => ctx.company_domain(v) && !ctx.never_log.contains(*v),
            _ => !ctx.is_own(v) && !ctx.never_logged(v),
        })
        .cloned()
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    store::link_earlier_mail(conn, kind, id, &values).await
}

/// `link_record` for many records of one kind (a bulk create): the domain lists read once, and only the records
/// whose addresses (or domains) occur in mail at all are linked, one statement each.
pub async fn link_records(
    conn: &mut AnyConnection,
    kind: RecordKind,
    records: &[(i64, &[String])],
) -> Result<(), Error> {
    let all: Vec<String> = records
        .iter()
        .flat_map(|(_, v)| v.iter().cloned())
        .collect();
    if all.is_empty() {
        return Ok(());
    }
    let in_mail = store::values_in_mail(&mut *conn, kind, &all).await?;
    if in_mail.is_empty() {
        return Ok(());
    }
    let ctx = Context::lists(&mut *conn).await?;
    for (id, values) in records {
        let values: Vec<String> = values
            .iter()
            .filter(|v| in_mail.contains(*v))
            .filter(|v| match kind {
                RecordKind::Company => ctx.company_domain(v) && !ctx.never_log.contains(*v),
                _ => !ctx.is_own(v) && !ctx.never_logged(v),
            })
            .cloned()
            .collect();
        if !values.is_empty() {
            store::link_earlier_mail(&mut *conn, kind, *id, &values).await?;
        }
    }
    Ok(())
}

/// Refuses a company domain that is ours or free-mail: such a company would gather everyone's mail.
pub async fn check_company_domains(
    conn: &mut AnyConnection,
    domains: &[String],
) -> Result<(), Error> {
    let ctx = Context::lists(conn).await?;
    for d in domains {
        if ctx.own_domains.contains(d) {
            return Err(Error::validation(
                "domains",
                format!("{d} is one of our own domains"),
            ));
        }
        if ctx.is_freemail(d) {
            return Err(Error::validation(
                "domains",
                format!("{d} is a free-mail domain, not a company's"),
            ));
        }
    }
    Ok(())
}

/// Moves mail links along with a record (conversion, merge).
pub async fn move_links(
    conn: &mut AnyConnection,
    from: (RecordKind, i64),
    to: (RecordKind, i64),
) -> Result<(), Error> {
    store::move_links(conn, from, to).await
}
