//! The one door from import and export into the CRM: every call to crm (and to auth and linking for users and
//! domain lists) goes through here, with records as JSON views, so that the record skeleton can be re-pointed in
//! one file when it lands.

use serde_json::{json, Value};
use sqlx::{AnyConnection, AnyPool};

use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::{self, companies, contacts, deals, leads, RecordKind};
use crate::error::Error;

mod bulk;
mod lookup;

pub use bulk::*;
pub use lookup::*;

fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, Error> {
    serde_json::from_value(v).map_err(|e| Error::validation("row", e.to_string()))
}

fn view(v: impl serde::Serialize) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(Error::internal)
}

/// The user behind a stored import (the background job acts as them, with their role as it is now).
pub async fn caller_of(pool: &AnyPool, user_id: i64) -> Result<Caller, Error> {
    let user = crate::auth::service::get_user(pool, user_id).await?;
    if !user.active {
        return Err(Error::Forbidden);
    }
    Ok(Caller {
        id: user.id,
        role: user.role,
        email: user.email,
    })
}

/// 403 unless the caller's role may create records of `kind`.
pub fn require_write(caller: &Caller, kind: RecordKind) -> Result<(), Error> {
    access::require_role(caller, kind, Op::Write).map(|_| ())
}

pub fn require_read(caller: &Caller, kind: RecordKind) -> Result<(), Error> {
    access::require_role(caller, kind, Op::Read).map(|_| ())
}

/// crm's condition over a `user_id` column: what the caller oversees (their own, their teams' members', or all).
pub fn push_overseen(sql: &mut crate::db::sql::Sql, caller: &Caller, column: &str) {
    access::push_overseen(sql, caller, column)
}

pub async fn oversees(pool: &AnyPool, caller: &Caller, user: i64) -> Result<bool, Error> {
    access::oversees(&mut *pool.acquire().await?, caller, user).await
}

/// Every active user as `(id, name, email)`, for owner columns and exports.
pub async fn users(pool: &AnyPool) -> Result<Vec<(i64, String, String)>, Error> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = crate::auth::service::list_users(pool, after, 200).await?;
        out.extend(
            page.into_iter()
                .filter(|u| u.active)
                .map(|u| (u.id, u.name, u.email)),
        );
        match next {
            Some(n) => after = n,
            None => return Ok(out),
        }
    }
}

/// The owner a row's record may get from this caller (crm's rule: admins anyone, team leads their members).
pub async fn resolve_owner(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: i64,
) -> Result<i64, Error> {
    crm::resolve_owner(conn, caller, Some(id)).await
}

pub fn emails(raw: &[String]) -> Result<Vec<String>, Error> {
    contacts::emails(raw)
}

/// Normalized (E.164) phones, as crm matches them.
pub fn phone(raw: &str) -> Result<String, Error> {
    crm::normalize::phone(raw)
}

pub fn company_name_key(name: &str) -> String {
    crm::normalize::company_name(name)
}

pub fn registrable_domain(raw: &str) -> Result<String, Error> {
    crm::normalize::registrable_domain(raw)
}

/// Creates a record from its JSON body (the same body as `POST /api/v1/{kind}`) inside the caller's transaction,
/// as the API creates it; a company without the duplicate check (a contact's or deal's company, which the import
/// looked up itself): `create_row_in` checks a company row's duplicates.
pub async fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    mut body: Value,
) -> Result<i64, Error> {
    require_write(caller, kind)?;
    if kind == RecordKind::Lead {
        // A lead may go to the pool (no owner); crm resolves its owner itself.
        return Ok(leads::create_in(conn, caller, from_json(body)?).await?.id);
    }
    let owner = body["owner_id"].as_i64().unwrap_or(caller.id);
    let owner = crm::resolve_owner(conn, caller, Some(owner)).await?;
    body["owner_id"] = json!(owner);
    match kind {
        RecordKind::Contact => Ok(contacts::create_in(
            conn,
            caller,
            from_json(body)?,
            owner,
            crm::custom::SaveMode::Create,
        )
        .await?
        .id),
        RecordKind::Deal => Ok(deals::create_in(
            conn,
            caller,
            from_json(body)?,
            owner,
            crm::custom::SaveMode::Create,
        )
        .await?
        .id),
        RecordKind::Company => {
            let name = crm::normalize::required("name", body["name"].as_str().unwrap_or(""), 300)?;
            let domain = body["domains"][0].as_str().map(str::to_string);
            Ok(
                companies::create_in(conn, caller.id, &name, domain, Some(owner))
                    .await?
                    .id,
            )
        }
        RecordKind::Lead => Err(Error::internal("leads are created above")),
    }
}

/// Creates a row's record inside the caller's transaction, checked as `POST /api/v1/{kind}` checks it (a company's
/// duplicates too).
pub async fn create_row_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    body: Value,
) -> Result<i64, Error> {
    match kind {
        RecordKind::Company => {
            require_write(caller, kind)?;
            Ok(companies::create_checked_in(conn, caller, from_json(body)?)
                .await?
                .id)
        }
        _ => create_in(conn, caller, kind, body).await,
    }
}

/// A record's view as the API shows it; 404 when the caller may not see it.
pub async fn get(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<Value, Error> {
    match kind {
        RecordKind::Contact => view(contacts::get(pool, caller, id).await?),
        RecordKind::Company => view(companies::get(pool, caller, id).await?),
        RecordKind::Lead => view(leads::get(pool, caller, id).await?),
        RecordKind::Deal => view(deals::get(pool, caller, id).await?),
    }
}

/// Applies a patch (the same body as `PATCH /api/v1/{kind}/{id}`) with crm's access rules.
pub async fn update(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
    patch: Value,
) -> Result<Value, Error> {
    match kind {
        RecordKind::Contact => view(contacts::update(pool, caller, id, from_json(patch)?).await?),
        RecordKind::Company => view(companies::update(pool, caller, id, from_json(patch)?).await?),
        RecordKind::Lead => view(leads::update(pool, caller, id, from_json(patch)?).await?),
        RecordKind::Deal => view(deals::update(pool, caller, id, from_json(patch)?).await?),
    }
}

pub async fn delete(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    id: i64,
) -> Result<(), Error> {
    match kind {
        RecordKind::Contact => contacts::delete(pool, caller, id).await,
        RecordKind::Company => companies::delete(pool, caller, id).await,
        RecordKind::Lead => leads::delete(pool, caller, id).await,
        RecordKind::Deal => deals::delete(pool, caller, id).await,
    }
}

/// One page of a list view with the list endpoint's own filters, `sort`, `scope` and `custom.<key>` filters (`query`
/// is its query string); the page's items as JSON and the cursor of the next.
pub async fn list_page(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    query: &str,
    after: Option<String>,
) -> Result<(Vec<Value>, Option<String>), Error> {
    fn parse<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, Error> {
        serde_urlencoded::from_str(query).map_err(|e| Error::validation("query", e.to_string()))
    }
    let mut params: crm::listing::ListParams = parse(query)?;
    (params.after, params.limit) = (after, Some(200));
    let raw = Some(query);
    match kind {
        RecordKind::Contact => {
            let mut f: contacts::model::ContactFilter = parse(query)?;
            f.limit = Some(200);
            let page =
                crm::skeleton::list::<contacts::model::Contact>(pool, caller, &f, params, raw)
                    .await?;
            Ok((items(page.items)?, page.next_cursor))
        }
        RecordKind::Company => {
            let mut f: companies::model::CompanyFilter = parse(query)?;
            f.limit = Some(200);
            let page =
                crm::skeleton::list::<companies::model::Company>(pool, caller, &f, params, raw)
                    .await?;
            Ok((items(page.items)?, page.next_cursor))
        }
        RecordKind::Lead => {
            let mut f: leads::model::LeadFilter = parse(query)?;
            f.limit = Some(200);
            let page =
                crm::skeleton::list::<leads::model::Lead>(pool, caller, &f, params, raw).await?;
            Ok((items(page.items)?, page.next_cursor))
        }
        RecordKind::Deal => {
            let mut f: deals::model::DealFilter = parse(query)?;
            f.limit = Some(200);
            let page =
                crm::skeleton::list::<deals::model::Deal>(pool, caller, &f, params, raw).await?;
            Ok((items(page.items)?, page.next_cursor))
        }
    }
}

fn items<T: serde::Serialize>(v: Vec<T>) -> Result<Vec<Value>, Error> {
    v.into_iter().map(view).collect()
}

/// A company's name for an export cell, when the caller sees the company.
pub async fn company_name(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
) -> Result<Option<String>, Error> {
    match companies::get(pool, caller, id).await {
        Ok(c) => Ok(Some(c.name)),
        Err(Error::NotFound(_)) | Err(Error::Forbidden) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Audits an import or an export (not a record: kind `import` or `export`).
pub async fn audit(
    conn: &mut AnyConnection,
    actor: i64,
    action: &str,
    what: (&str, i64),
    after: &Value,
) -> Result<(), Error> {
    crm::audit::settings_event(conn, actor, action, what, &Value::Null, after).await
}
