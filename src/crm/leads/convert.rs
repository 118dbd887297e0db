//! Lead conversion: a contact, a company and optionally a deal from a lead, in one transaction.

use sqlx::{AnyConnection, AnyPool};

use super::model::{ConvertRequest, ConvertResult, Lead, LeadStatus};
use super::{check, load, search, store, write, KIND};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::contacts::{self, model::NewContact};
use crate::crm::{audit, companies, deals, store as shared, RecordKind};
use crate::error::Error;

/// Converts a lead into a contact (found by e-mail or created), a company (given, linked, found by domain or name,
/// or created) and optionally a deal. Notes, tasks and shares move to the contact. All or nothing.
pub async fn convert(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    req: ConvertRequest,
) -> Result<ConvertResult, Error> {
    access::require(pool, caller, KIND, id, Op::Write).await?;
    if let Some(contact) = req.contact_id {
        access::require(pool, caller, RecordKind::Contact, contact, Op::Write).await?;
    }
    if let Some(company) = req.company_id {
        access::require(pool, caller, RecordKind::Company, company, Op::Read).await?;
    }
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    if before.status == LeadStatus::Converted {
        return Err(Error::Conflict {
            message: format!("lead {id} is already converted"),
        });
    }
    let owner = before.owner_id.unwrap_or(caller.id);

    let (company_id, company_created) = match (req.company_id, before.company_id) {
        (Some(c), _) | (None, Some(c)) => (Some(c), false),
        (None, None) => find_or_create_company(&mut tx, caller.id, &before, owner).await?,
    };

    let mut existing = req.contact_id;
    if existing.is_none() {
        if let Some(email) = &before.email {
            existing = contacts::find_by_email(&mut tx, email).await?;
        }
    }
    let (contact_id, contact_created) = match existing {
        Some(c) => (c, false),
        None => {
            let new = NewContact {
                name: before.name.clone(),
                emails: before.email.iter().cloned().collect(),
                phones: before.phone.iter().cloned().collect(),
                position: None,
                company_id,
                owner_id: Some(owner),
                type_id: None,
                tags: Vec::new(),
                allow_duplicate: true,
            };
            (
                contacts::create_in(&mut tx, caller, new, owner).await?.id,
                true,
            )
        }
    };

    let deal_id = match req.deal {
        Some(fields) => {
            let title = fields.title.clone().unwrap_or_else(|| {
                before
                    .company_name
                    .clone()
                    .unwrap_or_else(|| before.name.clone())
            });
            let deal = deals::create_in(
                &mut tx,
                caller,
                fields.into_new(title, Some(contact_id), company_id, Some(owner)),
                owner,
            )
            .await?;
            Some(deal.id)
        }
        None => None,
    };

    shared::move_attachments(&mut tx, (KIND, id), (RecordKind::Contact, contact_id)).await?;
    crate::linking::move_links(&mut tx, (KIND, id), (RecordKind::Contact, contact_id)).await?;
    let mut lead = before.clone();
    lead.status = LeadStatus::Converted;
    lead.owner_id = Some(owner);
    lead.company_id = company_id;
    lead.contact_id = Some(contact_id);
    lead.deal_id = deal_id;
    let c = check(
        &before.name,
        before.email.as_deref(),
        before.phone.as_deref(),
        before.company_name.as_deref(),
        before.domain_hint.as_deref(),
    )?;
    let search = search(&c);
    store::update(&mut tx, id, &write(&c, &search, &lead)).await?;
    let after = load(&mut tx, id).await?;
    audit::record(
        &mut tx,
        caller.id,
        "convert",
        KIND,
        id,
        &audit::diff(
            &serde_json::to_value(&before).map_err(Error::internal)?,
            &serde_json::to_value(&after).map_err(Error::internal)?,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(ConvertResult {
        lead: after,
        contact_id,
        company_id,
        deal_id,
        contact_created,
        company_created,
    })
}

async fn find_or_create_company(
    conn: &mut AnyConnection,
    actor: i64,
    lead: &Lead,
    owner: i64,
) -> Result<(Option<i64>, bool), Error> {
    if let Some(domain) = &lead.domain_hint {
        if let Some(id) = companies::find_by_domain(conn, domain).await? {
            return Ok((Some(id), false));
        }
    }
    if let Some(name) = &lead.company_name {
        if let Some(id) = companies::find_by_name(conn, name).await? {
            return Ok((Some(id), false));
        }
    }
    let name = lead
        .company_name
        .clone()
        .or_else(|| lead.domain_hint.clone());
    match name {
        Some(name) => {
            let company =
                companies::create_in(conn, actor, &name, lead.domain_hint.clone(), Some(owner))
                    .await?;
            Ok((Some(company.id), true))
        }
        None => Ok((None, false)),
    }
}
