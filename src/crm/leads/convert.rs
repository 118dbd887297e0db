//! Lead conversion: a contact, a company and optionally a deal from a lead, in one transaction.

use sqlx::{AnyConnection, AnyPool};

use super::model::{ConvertRequest, ConvertResult, Lead, LeadStatus};
use super::{check, load, search, store, write, KIND};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::contacts::{self, model::NewContact};
use crate::crm::{audit, companies, deals, refuse_duplicate, store as shared, RecordKind};
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

    // The company the lead points to was found by its domain at ingest: reused only when the caller sees it.
    let lead_company = match before.company_id {
        Some(c) if access::may_read(&mut tx, caller, RecordKind::Company, c).await? => Some(c),
        _ => None,
    };
    let (company_id, company_created) = match (req.company_id, lead_company) {
        (Some(c), _) | (None, Some(c)) => (Some(c), false),
        (None, None) => find_or_create_company(&mut tx, caller, &before, owner).await?,
    };
    // What the conversion creates belongs to the lead's owner and is shared like the lead was, so that a colleague
    // the lead was shared with (and who converts it) keeps seeing the result.
    if let (Some(c), true) = (company_id, company_created) {
        shared::copy_shares(&mut tx, (KIND, id), (RecordKind::Company, c)).await?;
    }

    let mut existing = req.contact_id;
    if existing.is_none() {
        if let Some(email) = &before.email {
            existing = contacts::find_by_email(&mut tx, email).await?;
            if let Some(c) = existing {
                // Someone else's contact is not reused (nor its mail, notes and deals opened): ask for a share.
                if !access::may_read(&mut tx, caller, RecordKind::Contact, c).await? {
                    let owner_id = access::owner_of(&mut tx, RecordKind::Contact, c).await?;
                    let found = (RecordKind::Contact, c, "", owner_id);
                    refuse_duplicate(&mut tx, caller, found, "e-mail", false).await?;
                }
            }
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
                address: None,
                website: None,
                birthday: None,
                custom: None,
            };
            let mode = crate::crm::custom::SaveMode::Carry;
            let contact = contacts::create_in(&mut tx, caller, new, owner, mode)
                .await?
                .id;
            shared::copy_shares(&mut tx, (KIND, id), (RecordKind::Contact, contact)).await?;
            (contact, true)
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
                crate::crm::custom::SaveMode::Carry,
            )
            .await?;
            shared::copy_shares(&mut tx, (KIND, id), (RecordKind::Deal, deal.id)).await?;
            Some(deal.id)
        }
        None => None,
    };

    // The lead's shares go along to a contact the caller may share (a new one already has them).
    let with_shares = !contact_created
        && access::require_in(&mut tx, caller, RecordKind::Contact, contact_id, Op::Manage)
            .await
            .is_ok();
    let to = (RecordKind::Contact, contact_id);
    shared::move_attachments(&mut tx, (KIND, id), to, with_shares).await?;
    crate::linking::move_links(&mut tx, (KIND, id), (RecordKind::Contact, contact_id)).await?;
    // Consent given on the lead (a web form) is the contact's consent from now on.
    contacts::adopt_lead_consent(&mut tx, id, contact_id).await?;
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

/// A company found by the lead's domain or name is reused when the caller sees it; one they do not see refuses
/// the conversion with a duplicate answer (its owner keeps the client).
async fn find_or_create_company(
    conn: &mut AnyConnection,
    caller: &Caller,
    lead: &Lead,
    owner: i64,
) -> Result<(Option<i64>, bool), Error> {
    // Our own and free-mail domains never make a company (it would gather everyone's mail).
    let domain = match &lead.domain_hint {
        Some(d) => crate::linking::check_company_domains(&mut *conn, std::slice::from_ref(d))
            .await
            .is_ok()
            .then(|| d.clone()),
        None => None,
    };
    let by_domain = match &domain {
        Some(domain) => companies::find_by_domain(conn, domain).await?,
        None => None,
    };
    let found = match (by_domain, &lead.company_name) {
        (Some(id), _) => Some((id, "domain")),
        (None, Some(name)) => companies::find_by_name(conn, name)
            .await?
            .map(|id| (id, "name")),
        (None, None) => None,
    };
    if let Some((id, why)) = found {
        if access::may_read(&mut *conn, caller, RecordKind::Company, id).await? {
            return Ok((Some(id), false));
        }
        let owner_id = access::owner_of(&mut *conn, RecordKind::Company, id).await?;
        refuse_duplicate(
            conn,
            caller,
            (RecordKind::Company, id, "", owner_id),
            why,
            false,
        )
        .await?;
    }
    let actor = caller.id;
    let name = lead.company_name.clone().or_else(|| domain.clone());
    match name {
        Some(name) => {
            let company = companies::create_in(conn, actor, &name, domain, Some(owner)).await?;
            Ok((Some(company.id), true))
        }
        None => Ok((None, false)),
    }
}
