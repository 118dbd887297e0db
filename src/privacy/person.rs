//! Who the person is: their contacts and leads (found by address or given by id), every address and phone those
//! hold, and the mail they take part in, split into mail where they are the only external participant and the rest.

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use super::model::Subject;
use super::store;
use crate::error::Error;

#[derive(Debug, Default)]
pub struct Person {
    /// Lower-case, sorted.
    pub addresses: Vec<String>,
    pub contacts: Vec<i64>,
    pub leads: Vec<i64>,
    /// Names and phones, as written and normalized.
    pub words: Vec<String>,
    pub messages: Vec<i64>,
}

fn nothing_asked() -> Error {
    Error::Unprocessable {
        code: "privacy_subject_missing",
        message: "name the person: at least one e-mail address or contact id".into(),
        details: serde_json::json!({}),
    }
}

/// The addresses asked for, lower-case, and the contact ids; refuses an empty or malformed request.
pub fn parse(subject: &Subject) -> Result<(Vec<String>, Vec<i64>), Error> {
    let mut emails = Vec::new();
    for e in &subject.emails {
        let e = e.trim().to_lowercase();
        if e.len() < 3 || !e.contains('@') {
            return Err(Error::validation(
                "emails",
                format!("'{e}' is not an e-mail address"),
            ));
        }
        emails.push(e);
    }
    emails.sort();
    emails.dedup();
    let mut ids = subject.contact_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if emails.is_empty() && ids.is_empty() {
        return Err(nothing_asked());
    }
    Ok((emails, ids))
}

/// Salted hash of what was asked: the same person asked again gives the same hash, the address stays unknown.
pub fn subject_hash(salt: &str, emails: &[String], ids: &[i64]) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    for e in emails {
        h.update(b"\0e");
        h.update(e.as_bytes());
    }
    for id in ids {
        h.update(b"\0c");
        h.update(id.to_string().as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Finds the person; an unknown contact id is a 404.
pub async fn find(
    conn: &mut AnyConnection,
    emails: &[String],
    ids: &[i64],
) -> Result<Person, Error> {
    let existing = store::existing_contacts(&mut *conn, ids).await?;
    if existing.len() != ids.len() {
        return Err(Error::NotFound("contact"));
    }
    let mut p = Person {
        addresses: emails.to_vec(),
        contacts: existing,
        ..Person::default()
    };
    // Addresses lead to records and records to more addresses: a few rounds reach everything they hold.
    for _ in 0..3 {
        let before = (p.addresses.len(), p.contacts.len(), p.leads.len());
        p.contacts
            .extend(store::contacts_by_email(&mut *conn, &p.addresses).await?);
        p.leads
            .extend(store::leads_by_email(&mut *conn, &p.addresses).await?);
        p.leads
            .extend(store::leads_of_contacts(&mut *conn, &p.contacts).await?);
        for list in [&mut p.contacts, &mut p.leads] {
            list.sort_unstable();
            list.dedup();
        }
        let mut more = store::contact_emails(&mut *conn, &p.contacts).await?;
        more.extend(store::lead_emails(&mut *conn, &p.leads).await?);
        p.addresses
            .extend(more.into_iter().map(|a| a.to_lowercase()));
        p.addresses.sort();
        p.addresses.dedup();
        if before == (p.addresses.len(), p.contacts.len(), p.leads.len()) {
            break;
        }
    }
    let mut words = store::words(&mut *conn, &p.contacts, &p.leads).await?;
    words.retain(|w| !w.trim().is_empty());
    words.sort();
    words.dedup();
    // Longest first: a name that contains another is replaced whole.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    p.words = words;
    p.messages = store::messages_with(&mut *conn, &p.addresses).await?;
    Ok(p)
}

/// Splits the person's mail into (only external participant: delete, others take part too: pseudonymize).
pub async fn split_mail(
    conn: &mut AnyConnection,
    p: &Person,
) -> Result<(Vec<i64>, Vec<i64>), Error> {
    let ctx = crate::linking::Context::lists(&mut *conn).await?;
    let internal = store::internal_addresses(&mut *conn).await?;
    let (mut alone, mut shared) = (Vec::new(), Vec::new());
    for &id in &p.messages {
        let others_outside = store::participant_addresses(&mut *conn, id)
            .await?
            .into_iter()
            .filter(|a| !p.addresses.contains(a))
            .any(|a| !internal.contains(&a) && !ctx.is_own(&a));
        if others_outside {
            shared.push(id);
        } else {
            alone.push(id);
        }
    }
    Ok((alone, shared))
}
