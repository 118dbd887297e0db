//! Leads made from incoming mail by new external senders, a whole ingest batch at once: source e-mail, owner by
//! mailbox rule or the pool, each with its audit entry. The caller links their mail.

use sqlx::AnyConnection;

use super::{blank_lead, search, store, write, Checked, KIND};
use crate::crm::audit;
use crate::error::Error;

pub struct MailLead {
    pub name: String,
    pub email: String,
    pub domain_hint: Option<String>,
    pub company_id: Option<i64>,
}

/// Creates the leads; returns `(id, email)` of each.
pub async fn create_from_mail(
    conn: &mut AnyConnection,
    leads: &[MailLead],
    owner: Option<i64>,
    source_id: Option<i64>,
) -> Result<Vec<(i64, String)>, Error> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let checked: Vec<(Checked, String, super::model::Lead)> = leads
        .iter()
        .map(|l| {
            let name: String = l.name.trim().chars().take(300).collect();
            let c = Checked {
                name: if name.is_empty() {
                    l.email.clone()
                } else {
                    name
                },
                email: Some(l.email.clone()),
                phone: None,
                company_name: None,
                domain_hint: l.domain_hint.clone(),
            };
            let text = search(&c);
            (c, text, blank_lead(source_id, owner, l.company_id))
        })
        .collect();
    let writes: Vec<store::Write> = checked
        .iter()
        .map(|(c, text, blank)| write(c, text, blank))
        .collect();
    let made = store::insert_many(conn, &writes).await?;
    let ids: Vec<i64> = made.iter().map(|(id, _)| *id).collect();
    let created = store::get_many(conn, &ids).await?;
    let views: Vec<(i64, &super::model::Lead)> = created.iter().map(|l| (l.id, l)).collect();
    audit::created_by_system_many(conn, KIND, &views).await?;
    Ok(made)
}
