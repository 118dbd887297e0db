//! The door's batch calls: crm's bulk create of contacts and its look-ups of many keys at once (the import's run
//! and dry run a batch at a time).

use serde_json::Value;
use sqlx::AnyConnection;

use super::{company_name_key, from_json};
use crate::auth::Caller;
use crate::crm::{self, RecordKind};
use crate::error::Error;

pub use crm::bulk::{CompanyPick, Created};

/// Creates a batch of contacts (crm's bulk create) inside the caller's transaction, audited once naming the import;
/// per row, the contact or why crm refused it. Then links their earlier mail, as one create does.
pub async fn create_contacts(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: Vec<(Value, CompanyPick)>,
    import: i64,
) -> Result<Vec<Result<Created, Error>>, Error> {
    let mut parsed = Vec::with_capacity(rows.len());
    let mut refused = Vec::new();
    for (i, (body, company)) in rows.into_iter().enumerate() {
        match from_json(body) {
            Ok(contact) => parsed.push(crm::bulk::NewRow { contact, company }),
            Err(e) => refused.push((i, e)),
        }
    }
    let mut out = crm::bulk::create_contacts(conn, caller, parsed, ("import", import)).await?;
    for (i, e) in refused {
        out.insert(i, Err(e));
    }
    let made: Vec<(i64, &[String])> = out
        .iter()
        .flatten()
        .map(|c| (c.id, c.emails.as_slice()))
        .collect();
    crate::linking::link_records(conn, RecordKind::Contact, &made).await?;
    let companies: Vec<(i64, &[String])> = out
        .iter()
        .flatten()
        .filter_map(|c| {
            c.new_company
                .map(|id| (id, c.new_company_domains.as_slice()))
        })
        .collect();
    crate::linking::link_records(conn, RecordKind::Company, &companies).await?;
    Ok(out)
}

/// Key → contact id for many e-mails and normalized phones at once (`e:` and `p:` keys, as the planner's).
pub async fn contacts_by_keys(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
) -> Result<std::collections::HashMap<String, i64>, Error> {
    let by_email = crm::bulk::contacts_by_emails(conn, emails).await?;
    let by_phone = crm::bulk::contacts_by_phones(conn, phones).await?;
    let email_keys = by_email.into_iter().map(|(k, f)| (format!("e:{k}"), f.0));
    let phone_keys = by_phone.into_iter().map(|(k, f)| (format!("p:{k}"), f.0));
    Ok(email_keys.chain(phone_keys).collect())
}

/// Key → open lead id for many e-mails and normalized phones at once (`e:` and `p:` keys, as the planner's).
pub async fn open_leads_by_keys(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
) -> Result<std::collections::HashMap<String, i64>, Error> {
    let by_email = crm::bulk::open_leads_by(conn, false, emails).await?;
    let by_phone = crm::bulk::open_leads_by(conn, true, phones).await?;
    let email_keys = by_email.into_iter().map(|(k, f)| (format!("e:{k}"), f.0));
    let phone_keys = by_phone.into_iter().map(|(k, f)| (format!("p:{k}"), f.0));
    Ok(email_keys.chain(phone_keys).collect())
}

/// Key → company id for many domains (`d:`) and names (`n:` + the normalized name) at once.
pub async fn companies_by_keys(
    conn: &mut AnyConnection,
    domains: &[String],
    names: &[String],
) -> Result<std::collections::HashMap<String, i64>, Error> {
    let keys: Vec<String> = names.iter().map(|n| company_name_key(n)).collect();
    let by_domain = crm::bulk::companies_by_domains(conn, domains).await?;
    let by_name = crm::bulk::companies_by_names(conn, &keys).await?;
    let domain_keys = by_domain.into_iter().map(|(k, id)| (format!("d:{k}"), id));
    Ok(domain_keys
        .chain(by_name.into_iter().map(|(k, id)| (format!("n:{k}"), id)))
        .collect())
}
