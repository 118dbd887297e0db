//! Leads: possible clients not yet qualified. Owned, or in the open pool any salesperson may take. A lead converts
//! into a contact, a company and optionally a deal, in one transaction.

mod convert;
mod from_mail;
pub mod model;
pub mod routes;

pub use convert::convert;
pub use from_mail::{create_from_mail, MailLead};
pub(crate) mod store;

use sqlx::{AnyConnection, AnyPool};

use super::access::{self, Op};
use super::contacts;
use super::custom::{self, model::CustomValues, SaveMode};
use super::listing::{KeyType, ListParams, SortField};
use super::merge;
use super::normalize::{self, optional, required};
use super::reference::{self, RefList};
use super::skeleton::{self, Record};
use super::sorts;
use super::{audit, change_owner, companies, refuse_duplicate, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::db::sql::Sql;
use crate::email_address::EmailAddress;
use crate::error::Error;
use model::{Lead, LeadFilter, LeadList, LeadPatch, LeadStatus, NewLead};

const KIND: RecordKind = RecordKind::Lead;

impl Record for Lead {
    const KIND: RecordKind = KIND;
    const FROM: &'static str = "leads r";
    const SORTS: &'static [SortField] = &[
        sorts::ID,
        SortField {
            name: "name",
            expr: "r.name",
            key: KeyType::Text,
        },
        SortField {
            name: "status",
            expr: "r.status",
            key: KeyType::Text,
        },
        SortField {
            name: "email",
            expr: "COALESCE(r.email, '')",
            key: KeyType::Text,
        },
        sorts::CREATED_AT,
        sorts::UPDATED_AT,
    ];
    crate::record_common!(LeadFilter);

    fn push_filter(sql: &mut Sql, f: &LeadFilter) {
        store::push_filter(sql, f);
    }
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Lead, Error> {
    skeleton::load(conn, id).await
}

/// The fields of a lead, checked and normalized.
pub(super) struct Checked {
    name: String,
    email: Option<String>,
    phone: Option<(String, String)>,
    company_name: Option<String>,
    domain_hint: Option<String>,
}

pub(super) fn check(
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    company: Option<&str>,
    domain: Option<&str>,
) -> Result<Checked, Error> {
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(EmailAddress::parse(e).map_err(|m| Error::validation("email", m))?),
        None => None,
    };
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some((
            p.to_string(),
            normalize::phone(p)
                .map_err(|_| Error::validation("phone", format!("'{p}' is not a phone number")))?,
        )),
        None => None,
    };
    // The domain hint comes from the address unless given, and never from free-mail.
    let domain_hint = match domain.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            normalize::registrable_domain(d)
                .map_err(|_| Error::validation("domain_hint", format!("'{d}' is not a domain")))?,
        ),
        None => email
            .as_ref()
            .and_then(|e| normalize::registrable_domain(e.domain()).ok()),
    }
    .filter(|d| !crate::linking::freemail::is_shipped(d));
    Ok(Checked {
        name: required("name", &crate::text::single_line(name), 300)?,
        email: email.map(|e| e.to_string()),
        phone,
        company_name: optional(
            "company_name",
            company.map(crate::text::single_line).as_deref(),
            300,
        )?,
        domain_hint,
    })
}

pub(super) fn search(c: &Checked) -> String {
    let mut parts = vec![c.name.as_str()];
    parts.extend(c.email.as_deref());
    if let Some((raw, norm)) = &c.phone {
        parts.push(raw);
        parts.push(norm);
    }
    parts.extend(c.company_name.as_deref());
    parts.extend(c.domain_hint.as_deref());
    normalize::search_text(parts)
}

pub(super) fn write<'a>(c: &'a Checked, search: &'a str, lead: &'a Lead) -> store::Write<'a> {
    store::Write {
        name: &c.name,
        email: c.email.as_deref(),
        phone: c.phone.as_ref().map(|(raw, _)| raw.as_str()),
        phone_norm: c.phone.as_ref().map(|(_, norm)| norm.as_str()),
        company_name: c.company_name.as_deref(),
        domain_hint: c.domain_hint.as_deref(),
        source_id: lead.source_id,
        status: lead.status,
        lost_reason: lead.lost_reason.as_deref(),
        owner_id: lead.owner_id,
        company_id: lead.company_id,
        contact_id: lead.contact_id,
        deal_id: lead.deal_id,
        search,
    }
}

/// An open lead (not converted) with one of the addresses or phones.
pub async fn find_open_duplicate(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
    except: Option<i64>,
) -> Result<Option<(i64, String, Option<i64>)>, Error> {
    store::find_open_duplicate(conn, emails, phones, except).await
}

pub async fn create(pool: &AnyPool, caller: &Caller, new: NewLead) -> Result<Lead, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let mut tx = crate::db::begin(pool).await?;
    let lead = create_in(&mut tx, caller, new).await?;
    tx.commit().await?;
    Ok(lead)
}

/// `create` inside a caller's transaction (an import writes a batch of leads in one).
pub async fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    new: NewLead,
) -> Result<Lead, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let c = check(
        &new.name,
        new.email.as_deref(),
        new.phone.as_deref(),
        new.company_name.as_deref(),
        new.domain_hint.as_deref(),
    )?;
    {
        let emails: Vec<String> = c.email.iter().cloned().collect();
        let phones: Vec<String> = c.phone.iter().map(|(_, n)| n.clone()).collect();
        let allow = new.allow_duplicate;
        if let Some((id, name, owner)) =
            store::find_open_duplicate(&mut *conn, &emails, &phones, None).await?
        {
            let found = (KIND, id, name.as_str(), owner);
            refuse_duplicate(&mut *conn, caller, found, "e-mail or phone", allow).await?;
        }
        if let Some((id, name, owner)) =
            contacts::find_duplicate(&mut *conn, &emails, &phones, None).await?
        {
            let found = (RecordKind::Contact, id, name.as_str(), owner);
            refuse_duplicate(&mut *conn, caller, found, "e-mail or phone", allow).await?;
        }
    }
    if let Some(source) = new.source_id {
        reference::require_entry(&mut *conn, RefList::LeadSources, source, "source_id").await?;
    }
    let owner = if new.pool && new.owner_id.is_none() {
        None
    } else {
        Some(resolve_owner(&mut *conn, caller, new.owner_id).await?)
    };
    let company_id = match &c.domain_hint {
        Some(d) => companies::find_by_domain(&mut *conn, d).await?,
        None => None,
    };
    let blank = blank_lead(new.source_id, owner, company_id);
    let search = search(&c);
    let id = store::insert(&mut *conn, &write(&c, &search, &blank)).await?;
    custom::save(&mut *conn, KIND, id, new.custom.as_ref(), SaveMode::Create).await?;
    let lead = load(&mut *conn, id).await?;
    audit::created(&mut *conn, caller.id, KIND, id, &lead).await?;
    crate::linking::link_record(
        &mut *conn,
        KIND,
        id,
        &c.email.iter().cloned().collect::<Vec<_>>(),
    )
    .await?;
    Ok(lead)
}

fn blank_lead(source_id: Option<i64>, owner_id: Option<i64>, company_id: Option<i64>) -> Lead {
    Lead {
        id: 0,
        name: String::new(),
        email: None,
        phone: None,
        company_name: None,
        domain_hint: None,
        source_id,
        status: LeadStatus::New,
        lost_reason: None,
        owner_id,
        company_id,
        contact_id: None,
        deal_id: None,
        custom: CustomValues::new(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
    }
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Lead, Error> {
    skeleton::get(pool, caller, id).await
}

/// The records the caller sees, by id (the add-in's lookups; the API adds sort, scope and custom filters).
pub async fn list(pool: &AnyPool, caller: &Caller, filter: LeadFilter) -> Result<LeadList, Error> {
    Ok(
        skeleton::list(pool, caller, &filter, ListParams::default(), None)
            .await?
            .into(),
    )
}

pub async fn update(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    patch: LeadPatch,
) -> Result<Lead, Error> {
    access::require(pool, caller, KIND, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    let pick = |p: &Option<Option<String>>, current: &Option<String>| match p {
        Some(v) => v.clone(),
        None => current.clone(),
    };
    let c = check(
        patch.name.as_deref().unwrap_or(&before.name),
        pick(&patch.email, &before.email).as_deref(),
        pick(&patch.phone, &before.phone).as_deref(),
        pick(&patch.company_name, &before.company_name).as_deref(),
        pick(&patch.domain_hint, &before.domain_hint).as_deref(),
    )?;
    let mut lead = before.clone();
    if let Some(source) = patch.source_id {
        if let Some(s) = source {
            reference::require_entry(&mut tx, RefList::LeadSources, s, "source_id").await?;
        }
        lead.source_id = source;
    }
    if let Some(status) = patch.status {
        if status == LeadStatus::Converted || before.status == LeadStatus::Converted {
            return Err(Error::validation(
                "status",
                "conversion has its own call: POST /api/v1/leads/{id}/convert",
            ));
        }
        if status == LeadStatus::Lost
            && patch
                .lost_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(Error::validation("lost_reason", "say why the lead is lost"));
        }
        lead.status = status;
        lead.lost_reason = if status == LeadStatus::Lost {
            optional("lost_reason", patch.lost_reason.as_deref(), 500)?
        } else {
            None
        };
    }
    match patch.owner_id {
        Some(o) if o != before.owner_id => {
            lead.owner_id = change_owner(&mut tx, caller, (KIND, id), before.owner_id, o).await?
        }
        _ => {}
    }
    if c.domain_hint != before.domain_hint {
        lead.company_id = match &c.domain_hint {
            Some(d) => companies::find_by_domain(&mut tx, d).await?,
            None => None,
        };
    }
    let search = search(&c);
    store::update(&mut tx, id, &write(&c, &search, &lead)).await?;
    custom::save(&mut tx, KIND, id, patch.custom.as_ref(), SaveMode::Update).await?;
    let after = load(&mut tx, id).await?;
    audit::updated(&mut tx, caller.id, KIND, id, &before, &after).await?;
    if after.email != before.email && after.status != LeadStatus::Converted {
        crate::linking::link_record(
            &mut tx,
            KIND,
            id,
            &after.email.iter().cloned().collect::<Vec<_>>(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    skeleton::delete::<Lead>(pool, caller, id).await
}

/// Merges lead `other` into `id`: missing fields are filled, notes, tasks and shares move, `other` is deleted.
pub async fn merge(pool: &AnyPool, caller: &Caller, id: i64, other: i64) -> Result<Lead, Error> {
    let mut m = merge::begin::<Lead>(pool, caller, id, other).await?;
    let (keep, gone) = (m.keep.clone(), m.gone.clone());
    let c = check(
        &keep.name,
        keep.email.as_deref().or(gone.email.as_deref()),
        keep.phone.as_deref().or(gone.phone.as_deref()),
        keep.company_name
            .as_deref()
            .or(gone.company_name.as_deref()),
        keep.domain_hint.as_deref().or(gone.domain_hint.as_deref()),
    )?;
    let mut lead = keep.clone();
    lead.source_id = keep.source_id.or(gone.source_id);
    lead.owner_id = keep.owner_id.or(gone.owner_id);
    lead.company_id = keep.company_id.or(gone.company_id);
    // Consent given on the merged lead (a web form) is kept: the lead it goes into carries it.
    contacts::repoint_lead_consent(&mut m.tx, other, id).await?;
    m.absorb().await?;
    let search = search(&c);
    store::update(&mut m.tx, id, &write(&c, &search, &lead)).await?;
    m.finish(caller).await
}
