//! Erasure of a person, in one transaction (a re-run after an interruption finds what is left and finishes):
//! their records deleted through the record skeleton, their mail deleted where they were the only external
//! participant (and tombstoned, so sync never brings it back) or pseudonymized where others take part, their
//! values in the audit log redacted to a tombstone, their traces elsewhere removed, the request recorded.

use serde_json::{json, Value};

use super::export::audit_ids;
use super::model::{ErasureReport, ErasureRequest, Subject};
use super::person::{self, Person};
use super::store;
use crate::auth::Caller;
use crate::crm::contacts::model::Contact;
use crate::crm::leads::model::Lead;
use crate::crm::{skeleton, RecordKind};
use crate::db::Db;
use crate::error::Error;
use crate::mail::Pseudonym;

/// What the person's place in other mail says instead of them.
const PSEUDONYM_NAME: &str = "Erased person";

pub async fn erase(db: &Db, caller: &Caller, req: ErasureRequest) -> Result<ErasureReport, Error> {
    let reason = req.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(Error::validation(
            "reason",
            "say why, in 1 to 1000 characters",
        ));
    }
    let subject = Subject {
        emails: req.emails,
        contact_ids: req.contact_ids,
    };
    let (emails, ids) = person::parse(&subject)?;
    let mut tx = crate::db::begin(&db.pool).await?;
    let p = person::find(&mut tx, &emails, &ids).await?;
    let salt = store::salt(&mut tx).await?;
    let hash = person::subject_hash(&salt, &emails, &ids);
    let earlier: Vec<i64> = store::earlier(&mut tx, &hash)
        .await?
        .into_iter()
        .map(|e| e.0)
        .collect();
    let request_id =
        store::insert_request(&mut tx, "erase", caller.id, Some(&reason), &hash).await?;
    let mut report = ErasureReport {
        request_id,
        earlier_requests: earlier,
        ..ErasureReport::default()
    };
    let (alone, shared) = person::split_mail(&mut tx, &p).await?;
    // Found while their records still exist: entries holding their name or phone are found by those values.
    let audit = audit_ids(&mut tx, &p).await?;
    let notes = remove_records(&mut tx, &p, &mut report).await?;

    crate::mail::tombstone_messages(&mut tx, &alone, Some(request_id)).await?;
    report.messages_deleted = crate::mail::purge_messages(&mut tx, &alone).await?;
    let pseudonym = Pseudonym {
        addresses: p.addresses.clone(),
        words: mail_words(&p.words),
        address: pseudonym_address(&salt, &p, &hash),
        name: PSEUDONYM_NAME.into(),
    };
    report.messages_pseudonymized = crate::mail::pseudonymize(&mut tx, &shared, &pseudonym).await?;

    let records: Vec<(RecordKind, i64)> = p
        .contacts
        .iter()
        .map(|&id| (RecordKind::Contact, id))
        .chain(p.leads.iter().map(|&id| (RecordKind::Lead, id)))
        .collect();
    crate::search::index::forget(&mut tx, db.backend, &records, &notes, &[]).await?;
    crate::search::index::reindex_mail(&mut tx, db.backend, &shared).await?;
    let tombstone = json!({ "erased": true, "request": request_id });
    report.audit_entries_redacted = crate::audit::redact(&mut tx, &audit, &tombstone).await?;
    let mut values = p.words.clone();
    values.extend(p.addresses.iter().cloned());
    let named: Vec<(&str, i64)> = records.iter().map(|(k, id)| (k.as_str(), *id)).collect();
    report.other_rows =
        store::erase_traces(&mut tx, &p.addresses, &values, &named, &pseudonym.address).await?;

    let counts = serde_json::to_value(&report).map_err(Error::internal)?;
    store::set_counts(&mut tx, request_id, &counts).await?;
    let after = json!({ "kind": "erase", "reason": reason, "counts": counts });
    crate::audit::change_event(
        &mut tx,
        Some(caller.id),
        "erase",
        ("privacy", request_id),
        &Value::Null,
        &after,
    )
    .await?;
    tx.commit().await?;
    // Index segments without the deleted documents' terms (a merge outside the transaction: it may take a while).
    crate::search::index::compact(db).await?;
    db.scrub().await?;
    Ok(report)
}

/// What is replaced in mail they take part in: their names and phones, and each part of a name on its own (a
/// letter says "Сидоров" or "Пётр" without the rest, an attachment is "Сидоров.txt"). Only in that mail: the
/// audit search keeps to whole names, where a surname alone would find other people.
fn mail_words(words: &[String]) -> Vec<String> {
    let mut out = words.to_vec();
    for w in words
        .iter()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
    {
        out.extend(
            w.split_whitespace()
                .filter(|part| part.chars().count() >= 4)
                .map(str::to_string),
        );
    }
    out.sort();
    out.dedup();
    // Longest first: a name that contains another is replaced whole.
    out.sort_by_key(|w| std::cmp::Reverse(w.len()));
    out
}

/// Stable for the person (the same address gives the same pseudonym in every message and every re-run).
fn pseudonym_address(salt: &str, p: &Person, request_hash: &str) -> String {
    let seed = match p.addresses.first() {
        Some(a) => person::subject_hash(salt, std::slice::from_ref(a), &[]),
        None => request_hash.to_string(),
    };
    format!("erased-{}@erased.invalid", &seed[..12])
}

/// Deletes their leads and contacts (notes, tasks, shares, custom values and mail links go with them); answers
/// the ids of the deleted notes, for the search index.
async fn remove_records(
    conn: &mut sqlx::AnyConnection,
    p: &Person,
    report: &mut ErasureReport,
) -> Result<Vec<i64>, Error> {
    let mut notes = Vec::new();
    report.consent_events_deleted =
        store::delete_consent(&mut *conn, &p.contacts, &p.leads).await?;
    for &id in &p.leads {
        notes.extend(store::note_ids(&mut *conn, "lead", id).await?);
        skeleton::remove_in::<Lead>(&mut *conn, id).await?;
        report.leads_deleted += 1;
    }
    for &id in &p.contacts {
        notes.extend(store::note_ids(&mut *conn, "contact", id).await?);
        skeleton::remove_in::<Contact>(&mut *conn, id).await?;
        report.contacts_deleted += 1;
    }
    report.notes_deleted = notes.len() as u64;
    Ok(notes)
}
