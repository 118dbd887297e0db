//! Companies: several domains, a parent (subsidiaries roll up), owner, tags; duplicate control by domain and name.

mod details;
pub mod model;
pub mod routes;
pub(crate) mod store;

use sqlx::{AnyConnection, AnyPool};

use super::access::{self, Op};
use super::custom::{self, SaveMode};
use super::listing::{KeyType, ListParams, SortField};
use super::merge;
use super::normalize::{self, required};
use super::skeleton::{self, Record};
use super::sorts;
use super::{audit, change_owner, refuse_duplicate, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::db::sql::Sql;
use crate::error::Error;
use details::Details;
use model::{Company, CompanyFilter, CompanyList, CompanyPatch, NewCompany};

const KIND: RecordKind = RecordKind::Company;

pub fn domains(raw: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for d in raw {
        let d = normalize::registrable_domain(d)?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

impl Record for Company {
    const KIND: RecordKind = KIND;
    const FROM: &'static str = "companies r";
    const SORTS: &'static [SortField] = &[
        sorts::ID,
        SortField {
            name: "name",
            expr: "r.name",
            key: KeyType::Text,
        },
        SortField {
            name: "industry",
            expr: "COALESCE(r.industry, '')",
            key: KeyType::Text,
        },
        sorts::CREATED_AT,
        sorts::UPDATED_AT,
    ];
    crate::record_common!(CompanyFilter);

    fn push_filter(sql: &mut Sql, f: &CompanyFilter) {
        store::push_filter(sql, f);
    }
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Company, Error> {
    skeleton::load(conn, id).await
}

async fn check_parent(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Option<i64>,
    parent: Option<i64>,
) -> Result<(), Error> {
    let Some(parent) = parent else { return Ok(()) };
    if !access::may_read(&mut *conn, caller, KIND, parent).await? {
        return Err(Error::validation(
            "parent_id",
            format!("no company with id {parent}"),
        ));
    }
    // Walk up from the new parent: meeting the company itself would make a loop.
    let mut cursor = Some(parent);
    let mut steps = 0;
    while let Some(current) = cursor {
        if Some(current) == id || steps > 1000 {
            return Err(Error::validation(
                "parent_id",
                "a company cannot be its own parent or ancestor",
            ));
        }
        cursor = store::parent_of(conn, current).await?;
        steps += 1;
    }
    Ok(())
}

fn search(name: &str, domains: &[String]) -> String {
    normalize::search_text(std::iter::once(name).chain(domains.iter().map(String::as_str)))
}

pub async fn create(pool: &AnyPool, caller: &Caller, new: NewCompany) -> Result<Company, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let mut tx = crate::db::begin(pool).await?;
    let company = create_checked_in(&mut tx, caller, new).await?;
    tx.commit().await?;
    Ok(company)
}

/// `create` (duplicates checked) inside a caller's transaction (an import writes a batch of companies in one).
pub async fn create_checked_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    new: NewCompany,
) -> Result<Company, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let name = required("name", &crate::text::single_line(&new.name), 300)?;
    let domains = domains(&new.domains)?;
    let tags = normalize::tags(&new.tags)?;
    let name_norm = normalize::company_name(&name);
    if let Some(existing) =
        store::find_duplicate(&mut *conn, &domains, Some(&name_norm), None).await?
    {
        let found = (KIND, existing.id, existing.name.as_str(), existing.owner_id);
        let allow = new.allow_duplicate;
        refuse_duplicate(&mut *conn, caller, found, "domain or name", allow).await?;
    }
    check_parent(&mut *conn, caller, None, new.parent_id).await?;
    let details = Details::of_new(&mut *conn, &new).await?;
    let owner = resolve_owner(&mut *conn, caller, new.owner_id).await?;
    let write = store::Write {
        name: &name,
        name_norm: &name_norm,
        parent_id: new.parent_id,
        owner_id: Some(owner),
        tags: &tags,
        search: &search(&name, &domains),
    };
    let id = store::insert(&mut *conn, &write).await?;
    store::set_domains(&mut *conn, id, &domains).await?;
    details.save(&mut *conn, id).await?;
    custom::save(&mut *conn, KIND, id, new.custom.as_ref(), SaveMode::Create).await?;
    let company = load(&mut *conn, id).await?;
    audit::created(&mut *conn, caller.id, KIND, id, &company).await?;
    crate::linking::link_record(&mut *conn, KIND, id, &company.domains).await?;
    Ok(company)
}

/// Creates a company inside a caller's transaction without the duplicate check (lead conversion reuses by domain).
pub async fn create_in(
    conn: &mut AnyConnection,
    actor: i64,
    name: &str,
    domain: Option<String>,
    owner: Option<i64>,
) -> Result<Company, Error> {
    let domains: Vec<String> = domain.into_iter().collect();
    let name_norm = normalize::company_name(name);
    let write = store::Write {
        name,
        name_norm: &name_norm,
        parent_id: None,
        owner_id: owner,
        tags: &[],
        search: &search(name, &domains),
    };
    let id = store::insert(conn, &write).await?;
    store::set_domains(conn, id, &domains).await?;
    let company = load(conn, id).await?;
    audit::created(conn, actor, KIND, id, &company).await?;
    crate::linking::link_record(conn, KIND, id, &company.domains).await?;
    Ok(company)
}

pub async fn find_by_domain(conn: &mut AnyConnection, domain: &str) -> Result<Option<i64>, Error> {
    store::by_domain(conn, domain).await
}

pub async fn find_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<i64>, Error> {
    Ok(
        store::find_duplicate(conn, &[], Some(&normalize::company_name(name)), None)
            .await?
            .map(|c| c.id),
    )
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Company, Error> {
    skeleton::get(pool, caller, id).await
}

/// The records the caller sees, by id (the add-in's lookups; the API adds sort, scope and custom filters).
pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    filter: CompanyFilter,
) -> Result<CompanyList, Error> {
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
    patch: CompanyPatch,
) -> Result<Company, Error> {
    access::require(pool, caller, KIND, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    let name = match &patch.name {
        Some(n) => required("name", &crate::text::single_line(n), 300)?,
        None => before.name.clone(),
    };
    let domains = match &patch.domains {
        Some(d) => domains(d)?,
        None => before.domains.clone(),
    };
    let tags = match &patch.tags {
        Some(t) => normalize::tags(t)?,
        None => before.tags.clone(),
    };
    let parent_id = patch.parent_id.unwrap_or(before.parent_id);
    check_parent(&mut tx, caller, Some(id), parent_id).await?;
    let details = Details::of_patch(&mut tx, &patch, &before).await?;
    let owner = match patch.owner_id {
        Some(o) => change_owner(&mut tx, caller, (KIND, id), before.owner_id, Some(o)).await?,
        None => before.owner_id,
    };
    let name_norm = normalize::company_name(&name);
    if patch.domains.is_some() {
        let fresh: Vec<String> = domains
            .iter()
            .filter(|d| !before.domains.contains(d))
            .cloned()
            .collect();
        if let Some(other) = store::find_duplicate(&mut tx, &fresh, None, Some(id)).await? {
            let found = (KIND, other.id, other.name.as_str(), other.owner_id);
            refuse_duplicate(&mut tx, caller, found, "domain", false).await?;
        }
    }
    let write = store::Write {
        name: &name,
        name_norm: &name_norm,
        parent_id,
        owner_id: owner,
        tags: &tags,
        search: &search(&name, &domains),
    };
    store::update(&mut tx, id, &write).await?;
    store::set_domains(&mut tx, id, &domains).await?;
    details.save(&mut tx, id).await?;
    custom::save(&mut tx, KIND, id, patch.custom.as_ref(), SaveMode::Update).await?;
    let after = load(&mut tx, id).await?;
    audit::updated(&mut tx, caller.id, KIND, id, &before, &after).await?;
    crate::linking::link_record(&mut tx, KIND, id, &after.domains).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    skeleton::delete::<Company>(pool, caller, id).await
}

/// Merges `other` into `id`: domains, tags, contacts, deals, leads, subsidiaries, notes, tasks and shares move;
/// empty fields are filled from `other`; `other` is deleted. One transaction.
pub async fn merge(pool: &AnyPool, caller: &Caller, id: i64, other: i64) -> Result<Company, Error> {
    let mut m = merge::begin::<Company>(pool, caller, id, other).await?;
    let (keep, gone) = (m.keep.clone(), m.gone.clone());
    let domains = merge::union(&keep.domains, &gone.domains);
    let tags = merge::union(&keep.tags, &gone.tags);
    store::repoint(&mut m.tx, other, id).await?;
    m.absorb().await?;
    let parent_id = keep
        .parent_id
        .or(gone.parent_id)
        .filter(|p| *p != id && *p != other);
    let name_norm = normalize::company_name(&keep.name);
    let write = store::Write {
        name: &keep.name,
        name_norm: &name_norm,
        parent_id,
        owner_id: keep.owner_id.or(gone.owner_id),
        tags: &tags,
        search: &search(&keep.name, &domains),
    };
    store::update(&mut m.tx, id, &write).await?;
    store::set_domains(&mut m.tx, id, &domains).await?;
    Details::merged(&keep, &gone).save(&mut m.tx, id).await?;
    m.finish(caller).await
}

/// The company and its subsidiaries at any depth (for timelines).
pub async fn subtree(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>, Error> {
    store::subtree(conn, id).await
}
