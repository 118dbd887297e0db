//! Contacts: several e-mails (one primary) and phones, position, company, owner, type, tags and the history of
//! their consent to marketing mail (152-FZ / GDPR). Duplicates by e-mail or normalized phone are refused.

mod consent;
mod consent_store;
mod details;
pub mod model;
mod record;
pub mod routes;
pub(crate) mod store;

use sqlx::{AnyConnection, AnyPool};

use super::access::{self, Op};
use super::custom::{self, SaveMode};
use super::listing::ListParams;
use super::merge;
use super::normalize::{self, optional, required};
use super::reference::{self, RefList};
use super::skeleton;
use super::{audit, change_owner, leads, refuse_duplicate, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::email_address::EmailAddress;
use crate::error::Error;
use details::{patched, Details};
use model::{Contact, ContactFilter, ContactList, ContactPatch, NewContact};

pub use consent::{
    adopt_lead_consent, consent_history, lead_consent_history, record_consent, record_web_consent,
    repoint_lead_consent, withdraw_consent_by_address, WebConsent,
};

const KIND: RecordKind = RecordKind::Contact;

pub fn emails(raw: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for e in raw {
        let e = EmailAddress::parse(e)
            .map_err(|m| Error::validation("emails", m))?
            .to_string();
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

/// `(as entered, normalized)` pairs, unique by normalized form.
pub fn phones(raw: &[String]) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in raw {
        let norm = normalize::phone(p)?;
        if !out.iter().any(|(_, n)| *n == norm) {
            out.push((p.trim().to_string(), norm));
        }
    }
    Ok(out)
}

pub(crate) fn search(
    name: &str,
    emails: &[String],
    phones: &[(String, String)],
    position: Option<&str>,
) -> String {
    let mut parts: Vec<&str> = vec![name];
    parts.extend(emails.iter().map(String::as_str));
    for (raw, norm) in phones {
        parts.push(raw);
        parts.push(norm);
    }
    parts.extend(position);
    normalize::search_text(parts)
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Contact, Error> {
    skeleton::load(conn, id).await
}

async fn check_refs(
    conn: &mut AnyConnection,
    caller: &Caller,
    company_id: Option<i64>,
    type_id: Option<i64>,
) -> Result<(), Error> {
    if let Some(company) = company_id {
        if !access::may_read(conn, caller, RecordKind::Company, company).await? {
            return Err(Error::validation(
                "company_id",
                format!("no company with id {company}"),
            ));
        }
    }
    if let Some(t) = type_id {
        reference::require_entry(conn, RefList::ContactTypes, t, "type_id").await?;
    }
    Ok(())
}

/// Refuses when a contact (other than `except`) or an open lead has one of the addresses or phones, unless the
/// caller sees it and allows the duplicate (see `crm::refuse_duplicate`).
pub async fn check_duplicate(
    conn: &mut AnyConnection,
    caller: &Caller,
    emails: &[String],
    phones: &[String],
    except: Option<i64>,
    allow_duplicate: bool,
) -> Result<(), Error> {
    if emails.is_empty() && phones.is_empty() {
        return Ok(());
    }
    if let Some((id, name, owner)) = store::find_duplicate(conn, emails, phones, except).await? {
        let found = (KIND, id, name.as_str(), owner);
        refuse_duplicate(conn, caller, found, "e-mail or phone", allow_duplicate).await?;
    }
    if except.is_none() {
        if let Some((id, name, owner)) =
            leads::find_open_duplicate(conn, emails, phones, None).await?
        {
            let found = (RecordKind::Lead, id, name.as_str(), owner);
            refuse_duplicate(conn, caller, found, "e-mail or phone", allow_duplicate).await?;
        }
    }
    Ok(())
}

pub async fn create(pool: &AnyPool, caller: &Caller, new: NewContact) -> Result<Contact, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let mut tx = crate::db::begin(pool).await?;
    let owner = resolve_owner(&mut tx, caller, new.owner_id).await?;
    let contact = create_in(&mut tx, caller, new, owner, SaveMode::Create).await?;
    tx.commit().await?;
    Ok(contact)
}

/// Creates a contact owned by `owner` (already checked) inside a caller's transaction; lead conversion uses this too
/// (with `SaveMode::Carry`: required custom fields are not demanded of a converted lead).
pub async fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    new: NewContact,
    owner: i64,
    mode: SaveMode,
) -> Result<Contact, Error> {
    let name = required("name", &crate::text::single_line(&new.name), 300)?;
    let emails = emails(&new.emails)?;
    let phones = phones(&new.phones)?;
    let position = optional("position", new.position.as_deref(), 200)?;
    let tags = normalize::tags(&new.tags)?;
    let details = Details::check(
        new.address.as_deref(),
        new.website.as_deref(),
        new.birthday.as_deref(),
    )?;
    let norms: Vec<String> = phones.iter().map(|(_, n)| n.clone()).collect();
    check_duplicate(conn, caller, &emails, &norms, None, new.allow_duplicate).await?;
    check_refs(conn, caller, new.company_id, new.type_id).await?;
    let write = store::Write {
        name: &name,
        position: position.as_deref(),
        company_id: new.company_id,
        owner_id: Some(owner),
        type_id: new.type_id,
        tags: &tags,
        search: &search(&name, &emails, &phones, position.as_deref()),
    };
    let id = store::insert(conn, &write).await?;
    store::set_details(conn, id, &details.write()).await?;
    store::set_addresses(conn, id, &emails, &phones).await?;
    custom::save(conn, KIND, id, new.custom.as_ref(), mode).await?;
    let contact = load(conn, id).await?;
    audit::created(conn, caller.id, KIND, id, &contact).await?;
    crate::linking::link_record(conn, KIND, id, &emails).await?;
    Ok(contact)
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Contact, Error> {
    skeleton::get(pool, caller, id).await
}

/// The contacts the caller sees, by id (the add-in's lookups; the API adds sort, scope and custom filters).
pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    filter: ContactFilter,
) -> Result<ContactList, Error> {
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
    patch: ContactPatch,
) -> Result<Contact, Error> {
    access::require(pool, caller, KIND, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    let name = match &patch.name {
        Some(n) => required("name", &crate::text::single_line(n), 300)?,
        None => before.name.clone(),
    };
    let emails = match &patch.emails {
        Some(e) => emails(e)?,
        None => before.emails.clone(),
    };
    let phones = match &patch.phones {
        Some(p) => phones(p)?,
        None => phones(&before.phones)?,
    };
    let position = match &patch.position {
        Some(p) => optional("position", p.as_deref(), 200)?,
        None => before.position.clone(),
    };
    let tags = match &patch.tags {
        Some(t) => normalize::tags(t)?,
        None => before.tags.clone(),
    };
    let details = Details::check(
        patched(&patch.address, &before.address),
        patched(&patch.website, &before.website),
        patched(&patch.birthday, &before.birthday),
    )?;
    let company_id = patch.company_id.unwrap_or(before.company_id);
    let type_id = patch.type_id.unwrap_or(before.type_id);
    check_refs(&mut tx, caller, company_id, type_id).await?;
    let owner = match patch.owner_id {
        Some(o) => change_owner(&mut tx, caller, (KIND, id), before.owner_id, Some(o)).await?,
        None => before.owner_id,
    };
    let norms: Vec<String> = phones.iter().map(|(_, n)| n.clone()).collect();
    check_duplicate(&mut tx, caller, &emails, &norms, Some(id), false).await?;
    let write = store::Write {
        name: &name,
        position: position.as_deref(),
        company_id,
        owner_id: owner,
        type_id,
        tags: &tags,
        search: &search(&name, &emails, &phones, position.as_deref()),
    };
    store::update(&mut tx, id, &write).await?;
    store::set_details(&mut tx, id, &details.write()).await?;
    store::set_addresses(&mut tx, id, &emails, &phones).await?;
    custom::save(&mut tx, KIND, id, patch.custom.as_ref(), SaveMode::Update).await?;
    let after = load(&mut tx, id).await?;
    audit::updated(&mut tx, caller.id, KIND, id, &before, &after).await?;
    crate::linking::link_record(&mut tx, KIND, id, &after.emails).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    skeleton::delete::<Contact>(pool, caller, id).await
}

/// Merges contact `other` into `id`: e-mails, phones, tags, deals, leads, consent history, notes, tasks and shares
/// move; empty fields are filled from `other`; `other` is deleted. One transaction.
pub async fn merge(pool: &AnyPool, caller: &Caller, id: i64, other: i64) -> Result<Contact, Error> {
    let mut m = merge::begin::<Contact>(pool, caller, id, other).await?;
    let (keep, gone) = (m.keep.clone(), m.gone.clone());
    let all_emails = merge::union(&keep.emails, &gone.emails);
    let phones = phones(&merge::union(&keep.phones, &gone.phones))?;
    let tags = merge::union(&keep.tags, &gone.tags);
    let position = keep.position.clone().or(gone.position.clone());
    store::repoint(&mut m.tx, other, id).await?;
    m.absorb().await?;
    let write = store::Write {
        name: &keep.name,
        position: position.as_deref(),
        company_id: keep.company_id.or(gone.company_id),
        owner_id: keep.owner_id.or(gone.owner_id),
        type_id: keep.type_id.or(gone.type_id),
        tags: &tags,
        search: &search(&keep.name, &all_emails, &phones, position.as_deref()),
    };
    store::update(&mut m.tx, id, &write).await?;
    let details = store::Details {
        address: keep.address.as_deref().or(gone.address.as_deref()),
        website: keep.website.as_deref().or(gone.website.as_deref()),
        birthday: keep.birthday.as_deref().or(gone.birthday.as_deref()),
    };
    store::set_details(&mut m.tx, id, &details).await?;
    store::set_addresses(&mut m.tx, id, &all_emails, &phones).await?;
    m.finish(caller).await
}

/// A contact (other than `except`) with one of the addresses or normalized phones: `(id, name, owner)`.
pub async fn find_duplicate(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
    except: Option<i64>,
) -> Result<Option<(i64, String, Option<i64>)>, Error> {
    store::find_duplicate(conn, emails, phones, except).await
}

pub async fn find_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<i64>, Error> {
    store::by_email(conn, email).await
}

pub async fn ids_of_companies(
    conn: &mut AnyConnection,
    companies: &[i64],
) -> Result<Vec<i64>, Error> {
    store::ids_of_companies(conn, companies).await
}
