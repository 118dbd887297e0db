//! Bulk create: a batch of contacts in the caller's transaction, each checked as `contacts::create_in` checks it
//! (fields, owner, company, duplicates against the database and the batch), written with multi-row INSERTs and
//! audited once for the batch. Imports use it: one transaction per batch instead of ~20 statements per row.

mod companies;
mod store;

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::AnyConnection;

use super::access::{self, Op};
use super::contacts::{self, model::NewContact};
use super::custom::{self, model::CustomField, values};
use super::normalize::{self, optional, required};
use super::{audit, refuse_duplicate, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::error::Error;

pub use store::Found;

/// The company a new contact gets.
#[derive(Debug, Clone)]
pub enum CompanyPick {
    None,
    Existing(i64),
    /// Found again by its domain, then its normalized name, or created (once for the batch) with the row's owner.
    New {
        name: String,
        domain: Option<String>,
    },
}

pub struct NewRow {
    pub contact: NewContact,
    pub company: CompanyPick,
}

/// A contact the batch created, and the company it created for it (the first row that named it).
#[derive(Debug)]
pub struct Created {
    pub id: i64,
    pub emails: Vec<String>,
    pub new_company: Option<i64>,
    /// The new company's domains (for linking its earlier mail).
    pub new_company_domains: Vec<String>,
}

/// Key → record, for many keys at once: the look-ups the import's planner does a batch at a time.
pub async fn contacts_by_emails(
    conn: &mut AnyConnection,
    emails: &[String],
) -> Result<HashMap<String, Found>, Error> {
    store::contacts_by(conn, false, emails).await
}

pub async fn contacts_by_phones(
    conn: &mut AnyConnection,
    phones: &[String],
) -> Result<HashMap<String, Found>, Error> {
    store::contacts_by(conn, true, phones).await
}

/// Open (not converted) leads by e-mail or normalized phone.
pub async fn open_leads_by(
    conn: &mut AnyConnection,
    by_phone: bool,
    keys: &[String],
) -> Result<HashMap<String, Found>, Error> {
    store::open_leads_by(conn, by_phone, keys).await
}

pub async fn companies_by_domains(
    conn: &mut AnyConnection,
    domains: &[String],
) -> Result<HashMap<String, i64>, Error> {
    store::companies_by(conn, false, domains).await
}

/// By normalized name (`normalize::company_name`).
pub async fn companies_by_names(
    conn: &mut AnyConnection,
    names: &[String],
) -> Result<HashMap<String, i64>, Error> {
    store::companies_by(conn, true, names).await
}

/// A row checked and ready to write.
struct Checked {
    name: String,
    emails: Vec<String>,
    phones: Vec<(String, String)>,
    position: Option<String>,
    tags: Vec<String>,
    details: [Option<String>; 3],
    owner: i64,
    custom: Vec<(i64, custom::model::Stored)>,
    allow_duplicate: bool,
}

/// Creates the batch's contacts; per row, its contact or why it was refused (as `contacts::create_in` would
/// refuse it). Errors of the database abort the batch. One audit entry names `what` (the import) for the batch.
pub async fn create_contacts(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: Vec<NewRow>,
    what: (&str, i64),
) -> Result<Vec<Result<Created, Error>>, Error> {
    const KIND: RecordKind = RecordKind::Contact;
    access::require_role(caller, KIND, Op::Write)?;
    let fields = custom::fields_of(&mut *conn, KIND).await?;
    let mut owners: HashMap<i64, bool> = HashMap::new();
    let mut checked: Vec<Result<(Checked, CompanyPick), Error>> = Vec::with_capacity(rows.len());
    for row in rows {
        let owner = row.contact.owner_id.unwrap_or(caller.id);
        if let std::collections::hash_map::Entry::Vacant(e) = owners.entry(owner) {
            e.insert(resolve_owner(&mut *conn, caller, Some(owner)).await.is_ok());
        }
        let c = if owners[&owner] {
            check(&mut *conn, &fields, row.contact, owner).await?
        } else {
            // The refusal itself, as one row would get it (rare: the planner checked owners already).
            let refusal = resolve_owner(&mut *conn, caller, Some(owner)).await.err();
            Err(refusal.unwrap_or(Error::Forbidden))
        };
        checked.push(c.map(|c| (c, row.company)));
    }
    refuse_duplicates(&mut *conn, caller, &mut checked).await?;
    let companies = companies::pick(&mut *conn, caller, &mut checked).await?;
    write(&mut *conn, caller, checked, companies, what).await
}

/// The row's fields as `contacts::create_in` checks them; `Ok(Err(..))` refuses the row.
async fn check(
    conn: &mut AnyConnection,
    fields: &[CustomField],
    new: NewContact,
    owner: i64,
) -> Result<Result<Checked, Error>, Error> {
    let fields_ok = (|| {
        Ok::<_, Error>(Checked {
            name: required("name", &crate::text::single_line(&new.name), 300)?,
            emails: contacts::emails(&new.emails)?,
            phones: contacts::phones(&new.phones)?,
            position: optional("position", new.position.as_deref(), 200)?,
            tags: normalize::tags(&new.tags)?,
            details: [
                normalize::address(new.address.as_deref())?,
                normalize::website("website", new.website.as_deref())?,
                normalize::date("birthday", new.birthday.as_deref())?,
            ],
            owner,
            custom: custom_values(fields, new.custom.as_ref())?,
            allow_duplicate: new.allow_duplicate,
        })
    })();
    let checked = match fields_ok {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    if new.type_id.is_some() || new.company_id.is_some() {
        return Ok(Err(Error::validation(
            "company_id",
            "bulk create takes the company as a pick and no type",
        )));
    }
    for (field_id, stored) in &checked.custom {
        let is_user = fields
            .iter()
            .any(|f| f.id == *field_id && f.field_type == custom::model::FieldType::User);
        let user = stored.num.unwrap_or_default() as i64;
        if is_user && !super::store::user_exists(&mut *conn, user).await? {
            let field = fields
                .iter()
                .find(|f| f.id == *field_id)
                .expect("found above");
            return Ok(Err(values::invalid(
                field,
                format!("no active user with id {user}"),
            )));
        }
    }
    Ok(Ok(checked))
}

/// Custom values on create, as `custom::save` checks them: unknown keys refused, required fields demanded.
fn custom_values(
    fields: &[CustomField],
    input: Option<&custom::model::CustomInput>,
) -> Result<Vec<(i64, custom::model::Stored)>, Error> {
    let empty = custom::model::CustomInput::default();
    let input = input.unwrap_or(&empty);
    if let Some(key) = input.keys().find(|k| !fields.iter().any(|f| &&f.key == k)) {
        return Err(Error::Unprocessable {
            code: "unknown_custom_field",
            message: format!("custom.{key}: no such contact field"),
            details: json!({ "field": format!("custom.{key}") }),
        });
    }
    let mut out = Vec::new();
    for field in fields {
        let stored = match input.get(&field.key) {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => values::parse(field, v)?,
        };
        match stored {
            Some(s) => out.push((field.id, s)),
            None if field.required => return Err(values::invalid(field, "is required")),
            None => {}
        }
    }
    Ok(out)
}

/// Refuses rows whose e-mail or phone a contact or an open lead has (unless allowed and visible), or an earlier row
/// of the batch: one query per key kind for the whole batch.
async fn refuse_duplicates(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: &mut [Result<(Checked, CompanyPick), Error>],
) -> Result<(), Error> {
    let mut emails: Vec<String> = Vec::new();
    let mut phones: Vec<String> = Vec::new();
    for (c, _) in rows.iter().flatten() {
        emails.extend(c.emails.iter().cloned());
        phones.extend(c.phones.iter().map(|(_, n)| n.clone()));
    }
    let found = [
        (
            RecordKind::Contact,
            store::contacts_by(&mut *conn, false, &emails).await?,
        ),
        (
            RecordKind::Contact,
            store::contacts_by(&mut *conn, true, &phones).await?,
        ),
        (
            RecordKind::Lead,
            store::open_leads_by(&mut *conn, false, &emails).await?,
        ),
        (
            RecordKind::Lead,
            store::open_leads_by(&mut *conn, true, &phones).await?,
        ),
    ];
    let mut earlier: HashSet<String> = HashSet::new();
    for row in rows.iter_mut() {
        let Ok((c, _)) = row else { continue };
        let keys: Vec<&String> = c
            .emails
            .iter()
            .chain(c.phones.iter().map(|(_, n)| n))
            .collect();
        let mut refusal = None;
        for kind in [RecordKind::Contact, RecordKind::Lead] {
            let hit = found
                .iter()
                .filter(|(k, _)| *k == kind)
                .flat_map(|(_, map)| keys.iter().filter_map(|key| map.get(*key)))
                .min_by_key(|f| f.0);
            if let Some((id, name, owner)) = hit {
                let dup = (kind, *id, name.as_str(), *owner);
                if let Err(e) = refuse_duplicate(
                    &mut *conn,
                    caller,
                    dup,
                    "e-mail or phone",
                    c.allow_duplicate,
                )
                .await
                {
                    refusal = Some(e);
                    break;
                }
            }
        }
        if refusal.is_none() && !c.allow_duplicate && keys.iter().any(|k| earlier.contains(*k)) {
            refusal = Some(Error::Duplicate {
                message: "an earlier row of the batch has the same e-mail or phone".into(),
                existing: json!({ "kind": RecordKind::Contact }),
            });
        }
        match refusal {
            Some(e) => *row = Err(e),
            None => earlier.extend(keys.into_iter().cloned()),
        }
    }
    Ok(())
}

/// The multi-row INSERTs of the checked rows and the batch's one audit entry.
async fn write(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: Vec<Result<(Checked, CompanyPick), Error>>,
    companies: HashMap<usize, (i64, bool)>,
    what: (&str, i64),
) -> Result<Vec<Result<Created, Error>>, Error> {
    let ok: Vec<(usize, &Checked)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().ok().map(|(c, _)| (i, c)))
        .collect();
    let searches: Vec<String> = ok
        .iter()
        .map(|(_, c)| contacts::search(&c.name, &c.emails, &c.phones, c.position.as_deref()))
        .collect();
    let writes: Vec<store::ContactRow> = ok
        .iter()
        .zip(&searches)
        .map(|((i, c), search)| store::ContactRow {
            name: &c.name,
            position: c.position.as_deref(),
            company_id: companies.get(i).map(|(id, _)| *id),
            owner_id: c.owner,
            type_id: None,
            tags: &c.tags,
            search,
            address: c.details[0].as_deref(),
            website: c.details[1].as_deref(),
            birthday: c.details[2].as_deref(),
        })
        .collect();
    let ids = store::insert_contacts(&mut *conn, &writes).await?;
    let mut emails = Vec::new();
    let mut phones = Vec::new();
    let mut custom = Vec::new();
    for ((_, c), id) in ok.iter().zip(&ids) {
        for (n, e) in c.emails.iter().enumerate() {
            emails.push((*id, e.as_str(), n == 0));
        }
        phones.extend(
            c.phones
                .iter()
                .map(|(raw, norm)| (*id, raw.as_str(), norm.as_str())),
        );
        custom.extend(
            c.custom
                .iter()
                .map(|(f, s)| (*f, *id, s.text.as_str(), s.num)),
        );
    }
    store::insert_emails(&mut *conn, &emails).await?;
    store::insert_phones(&mut *conn, &phones).await?;
    store::insert_custom(&mut *conn, RecordKind::Contact, &custom).await?;
    let new_companies: Vec<i64> = companies
        .iter()
        .filter(|(_, (_, made))| *made)
        .map(|(_, (id, _))| *id)
        .collect();
    audit::created_in_bulk(conn, caller.id, RecordKind::Contact, &ids, what).await?;
    if !ids.is_empty() || !new_companies.is_empty() {
        let after = json!({ "kind": RecordKind::Contact, "created": ids.len(), "ids": ids,
            "companies": new_companies });
        audit::settings_event(
            conn,
            caller.id,
            "bulk_create",
            what,
            &serde_json::Value::Null,
            &after,
        )
        .await?;
    }
    let mut ids = ids.into_iter();
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.map(|(c, pick)| {
                let new_company = companies
                    .get(&i)
                    .filter(|(_, made)| *made)
                    .map(|(id, _)| *id);
                let new_company_domains = match (new_company, pick) {
                    (Some(_), CompanyPick::New { domain, .. }) => domain.into_iter().collect(),
                    _ => Vec::new(),
                };
                Created {
                    id: ids.next().expect("one id per checked row"),
                    emails: c.emails,
                    new_company,
                    new_company_domains,
                }
            })
        })
        .collect())
}
