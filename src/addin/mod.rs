//! The Outlook side panel's server side: one lookup that answers everything the card shows for a participant of the
//! open mail, logging that mail to a record, and the pane's static files (manifest, HTML, script) with a strict CSP.

mod compose;
pub mod files;
pub mod model;
pub mod routes;
pub mod templates;

use sqlx::AnyPool;

use crate::auth::{service as users, Caller};
use crate::crm::access::{self, Op};
use crate::crm::activity::{
    self,
    model::{TaskFilter, TimelinePage},
};
use crate::crm::companies::{self, model::CompanyFilter};
use crate::crm::contacts::{self, model::ContactFilter};
use crate::crm::deals::{self, model::DealFilter};
use crate::crm::leads::{self, model::LeadFilter};
use crate::crm::{reference, RecordKind};
use crate::email_address::{registrable_domain, EmailAddress};
use crate::error::Error;
use crate::linking;
use crate::mail;
use model::{CompanyCard, LogMail, Logged, Lookup, LookupQuery, OpenMail, Person, Suggestion};

async fn owner_name(pool: &AnyPool, owner: Option<i64>) -> Option<String> {
    match owner {
        Some(id) => users::get_user(pool, id).await.ok().map(|u| u.name),
        None => None,
    }
}

async fn find_person(
    pool: &AnyPool,
    caller: &Caller,
    email: &str,
) -> Result<Option<(Person, Option<i64>)>, Error> {
    let found = contacts::list(
        pool,
        caller,
        ContactFilter {
            email: Some(email.to_string()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?;
    if let Some(c) = found.items.into_iter().next() {
        let person = Person {
            kind: RecordKind::Contact,
            id: c.id,
            name: c.name,
            email: email.to_string(),
            position: c.position,
            phones: c.phones,
            owner_id: c.owner_id,
            owner_name: owner_name(pool, c.owner_id).await,
            status: None,
        };
        return Ok(Some((person, c.company_id)));
    }
    if !access::role_may(caller.role, RecordKind::Lead, Op::Read) {
        return Ok(None);
    }
    let found = leads::list(
        pool,
        caller,
        LeadFilter {
            email: Some(email.to_string()),
            limit: Some(20),
            ..Default::default()
        },
    )
    .await?;
    let lead = found
        .items
        .into_iter()
        .rev()
        .find(|l| l.status.as_str() != "converted");
    Ok(match lead {
        Some(l) => {
            let person = Person {
                kind: RecordKind::Lead,
                id: l.id,
                name: l.name,
                email: email.to_string(),
                position: None,
                phones: l.phone.into_iter().collect(),
                owner_id: l.owner_id,
                owner_name: owner_name(pool, l.owner_id).await,
                status: Some(l.status.as_str().to_string()),
            };
            Some((person, l.company_id))
        }
        None => None,
    })
}

async fn company_card(
    pool: &AnyPool,
    caller: &Caller,
    id: Option<i64>,
    domain: Option<&str>,
) -> Result<Option<CompanyCard>, Error> {
    if let Some(id) = id {
        if let Ok(c) = companies::get(pool, caller, id).await {
            return Ok(Some(CompanyCard {
                id: c.id,
                name: c.name,
                domains: c.domains,
            }));
        }
    }
    let Some(domain) = domain else {
        return Ok(None);
    };
    let found = companies::list(
        pool,
        caller,
        CompanyFilter {
            domain: Some(domain.to_string()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?;
    Ok(found.items.into_iter().next().map(|c| CompanyCard {
        id: c.id,
        name: c.name,
        domains: c.domains,
    }))
}

pub async fn lookup(pool: &AnyPool, caller: &Caller, q: LookupQuery) -> Result<Lookup, Error> {
    let email = EmailAddress::parse(&q.email)
        .map_err(|m| Error::validation("email", m))?
        .to_string();
    // The domain lists alone: the mailbox rules and lead source of a full context are for ingest.
    let ctx = linking::Context::lists(&mut *pool.acquire().await?).await?;
    let domain = registrable_domain(email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default())
        .filter(|d| ctx.company_domain(d));
    let person = find_person(pool, caller, &email).await?;
    let company = company_card(
        pool,
        caller,
        person.as_ref().and_then(|(_, c)| *c),
        domain.as_deref(),
    )
    .await?;
    let person = person.map(|(p, _)| p);
    let history = access::may_read_history(caller).is_ok();

    let mut timeline = Vec::new();
    let mut open_deals = Vec::new();
    let mut open_tasks = Vec::new();
    if let (Some(p), true) = (&person, history) {
        timeline = activity::timeline(
            pool,
            caller,
            p.kind,
            p.id,
            TimelinePage {
                before: None,
                limit: Some(10),
            },
        )
        .await?
        .items;
        let mut filters = Vec::new();
        if p.kind == RecordKind::Contact {
            filters.push(DealFilter {
                contact_id: Some(p.id),
                ..Default::default()
            });
        }
        if let Some(c) = &company {
            filters.push(DealFilter {
                company_id: Some(c.id),
                ..Default::default()
            });
        }
        for mut filter in filters {
            filter.status = Some("open".into());
            for deal in deals::list(pool, caller, filter).await?.items {
                if !open_deals
                    .iter()
                    .any(|d: &deals::model::Deal| d.id == deal.id)
                {
                    open_deals.push(deal);
                }
            }
        }
        let tasks = TaskFilter {
            record_kind: Some(p.kind.as_str().into()),
            record_id: Some(p.id),
            done: Some(false),
            ..Default::default()
        };
        open_tasks = activity::list_tasks(pool, caller, tasks).await?.items;
    }
    let mut pipelines = Vec::new();
    for deal in &open_deals {
        if !pipelines
            .iter()
            .any(|p: &reference::model::Pipeline| p.id == deal.pipeline_id)
        {
            pipelines.push(reference::get_pipeline(pool, deal.pipeline_id).await?);
        }
    }
    let mail = open_mail(pool, caller, q.message_id.as_deref(), person.as_ref()).await?;
    let display = q
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    Ok(Lookup {
        suggestion: Suggestion {
            name: display,
            company_id: company.as_ref().map(|c| c.id),
            company_name: company.as_ref().map(|c| c.name.clone()),
            domain,
        },
        email,
        person,
        company,
        timeline,
        open_deals,
        pipelines,
        open_tasks,
        mail,
        can_write: access::role_may(caller.role, RecordKind::Lead, Op::Write),
    })
}

async fn open_mail(
    pool: &AnyPool,
    caller: &Caller,
    message_id: Option<&str>,
    person: Option<&Person>,
) -> Result<OpenMail, Error> {
    let Some(mid) = message_id
        .map(|m| m.trim().trim_matches(['<', '>']))
        .filter(|m| !m.is_empty())
    else {
        return Ok(OpenMail {
            id: None,
            linked: false,
        });
    };
    // A stored message the caller may not read is answered as unknown: ids do not confirm what exists.
    let found = match mail::find_by_message_id(pool, mid).await? {
        Some(id) => {
            let level = access::mail_level(&mut *pool.acquire().await?, caller, id).await?;
            (level > access::MailLevel::None).then_some(id)
        }
        None => None,
    };
    let Some(id) = found else {
        return Ok(OpenMail {
            id: None,
            linked: false,
        });
    };
    // The caller reads this mail (above) and was shown the person through the access model: whether the two are
    // linked tells nothing more, so one lookup of the link does (not every link with its record's access).
    let linked = match person {
        Some(p) => linking::is_linked(pool, id, p.kind, p.id).await?,
        None => false,
    };
    Ok(OpenMail {
        id: Some(id),
        linked,
    })
}

/// Logs the open mail to a record: links the stored copy when the server has it (same Message-ID) and the caller
/// reads it in full; otherwise stores what Office.js read as the caller's copy and links that. A Message-ID alone
/// (seen in a References header, say) never opens someone else's stored mail.
pub async fn log_mail(pool: &AnyPool, caller: &Caller, req: LogMail) -> Result<Logged, Error> {
    access::require(pool, caller, req.record_kind, req.record_id, Op::Write).await?;
    let mid = req
        .internet_message_id
        .as_deref()
        .map(|m| m.trim().trim_matches(['<', '>']).to_string())
        .filter(|m| !m.is_empty());
    if let Some(mid) = &mid {
        let stored = match mail::find_by_message_id(pool, mid).await? {
            Some(id) => {
                let level = access::mail_level(&mut *pool.acquire().await?, caller, id).await?;
                (level == access::MailLevel::Full).then_some(id)
            }
            None => None,
        };
        if let Some(id) = stored {
            linking::log_to_record(pool, caller, id, req.record_kind, req.record_id).await?;
            return Ok(Logged {
                message_id: id,
                stored: false,
            });
        }
    }
    let raw = compose::compose(&req, mid.as_deref())?;
    let parsed = tokio::task::spawn_blocking(move || (mail::parse::parse(&raw), raw))
        .await
        .map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    let stored = mail::store_message(&mut tx, &parsed.0, &parsed.1, None).await?;
    tx.commit().await?;
    linking::log_to_record(
        pool,
        caller,
        stored.message_id,
        req.record_kind,
        req.record_id,
    )
    .await?;
    Ok(Logged {
        message_id: stored.message_id,
        stored: stored.new,
    })
}
