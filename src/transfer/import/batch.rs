//! The run a batch at a time, for every kind: the batch's "already imported" hashes and look-ups at once, its new
//! records written in one transaction (contacts through crm's bulk create, the other kinds one by one, each in a
//! savepoint so that a row crm refuses leaves nothing behind), its ledger rows with multi-row INSERTs. A row that
//! meets an earlier row of the same batch (same content or key) or updates a record goes after the batch so far
//! is written, the way one row goes (`write::one_row`), so outcomes are those of row by row.

use std::collections::HashSet;

use super::plan::{Action, CompanyRef, Planner};
use super::write::{self, one_row, reason_of};
use super::{row_hash, rows::Values};
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::records::{self, CompanyPick};
use crate::transfer::store::{self, LedgerRow};
use sqlx::AnyPool;

/// Rows per batch (and per transaction).
pub const SIZE: usize = 500;

#[derive(Default)]
struct Pending {
    ledger: Vec<LedgerRow>,
    /// `(row, hash, body, company)` of the records to create.
    creates: Vec<(i64, String, serde_json::Value, Option<CompanyRef>)>,
}

/// The content hashes and keys (e-mails, phones) of the batch's rows that create or update, written or not: a
/// later row meeting one goes the way one row goes, after what is pending is written.
#[derive(Default)]
struct Taken {
    hashes: HashSet<String>,
    keys: HashSet<String>,
}

impl Taken {
    fn meets(&self, hash: &str, keys: &[String]) -> bool {
        self.hashes.contains(hash) || keys.iter().any(|k| self.keys.contains(k))
    }

    fn take(&mut self, hash: String, keys: Vec<String>) {
        self.hashes.insert(hash);
        self.keys.extend(keys);
    }
}

impl Pending {
    fn note(&mut self, row_no: i64, outcome: &'static str, hash: &str, reason: Option<String>) {
        self.ledger.push(LedgerRow {
            row_no,
            outcome,
            hash: hash.to_string(),
            record_id: None,
            reason,
        });
    }
}

fn pick(company: Option<CompanyRef>) -> CompanyPick {
    match company {
        None => CompanyPick::None,
        Some(CompanyRef::Existing(id)) => CompanyPick::Existing(id),
        Some(CompanyRef::New { name, domain }) => CompanyPick::New { name, domain },
    }
}

/// Runs one batch of parsed rows `(line, values or why not)`.
pub async fn run(
    pool: &AnyPool,
    planner: &mut Planner,
    id: i64,
    rows: Vec<(i64, Result<Values, String>)>,
) -> Result<(), Error> {
    let kind = planner.kind;
    let hashes: Vec<Option<String>> = rows
        .iter()
        .map(|(_, v)| v.as_ref().ok().map(|v| row_hash(kind, v)))
        .collect();
    let all: Vec<String> = hashes.iter().flatten().cloned().collect();
    let known = store::already_imported_many(&mut *pool.acquire().await?, &all).await?;
    let values: Vec<&Values> = rows.iter().filter_map(|(_, v)| v.as_ref().ok()).collect();
    planner.prefetch(pool, &values).await?;
    let mut pending = Pending::default();
    let mut taken = Taken::default();
    for ((line, parsed), hash) in rows.into_iter().zip(hashes) {
        let (values, hash) = match (parsed, hash) {
            (Ok(v), Some(h)) => (v, h),
            (Err(reason), _) => {
                pending.note(line, "failed", "", Some(reason));
                continue;
            }
            (Ok(_), None) => return Err(Error::internal("a parsed row without its hash")),
        };
        if let Some((import, at)) = known.get(&hash) {
            let reason = format!("already imported (import {import}, row {at})");
            pending.note(line, "skipped", "", Some(reason));
            continue;
        }
        let keys = planner.keys(&values);
        if taken.meets(&hash, &keys) {
            flush(pool, planner, id, &mut pending).await?;
            one_row(pool, planner, id, line, Ok(values)).await?;
            planner.forget();
            taken.take(hash, keys);
            continue;
        }
        match planner.plan(pool, line as usize, &values, false).await? {
            Action::Fail { reason } => pending.note(line, "failed", &hash, Some(reason)),
            Action::Skip { reason, .. } => pending.note(line, "skipped", &hash, Some(reason)),
            Action::Create { body, company, .. } => {
                pending.creates.push((line, hash.clone(), body, company));
                taken.take(hash, keys);
            }
            Action::Update { .. } => {
                flush(pool, planner, id, &mut pending).await?;
                one_row(pool, planner, id, line, Ok(values)).await?;
                planner.forget();
                taken.take(hash, keys);
            }
        }
    }
    flush(pool, planner, id, &mut pending).await
}

/// Writes what the batch holds so far in one transaction, then forgets the batch's look-ups.
async fn flush(
    pool: &AnyPool,
    planner: &mut Planner,
    id: i64,
    pending: &mut Pending,
) -> Result<(), Error> {
    let batch = std::mem::take(pending);
    planner.forget();
    if batch.ledger.is_empty() && batch.creates.is_empty() {
        return Ok(());
    }
    let mut ledger = batch.ledger;
    let mut tx = crate::db::begin(pool).await?;
    let made = if planner.kind == RecordKind::Contact {
        create_contacts(&mut tx, planner, id, batch.creates, &mut ledger).await?
    } else {
        create_each(&mut tx, planner, batch.creates, &mut ledger).await?
    };
    store::insert_created_many(&mut tx, id, &made).await?;
    store::insert_rows_many(&mut tx, id, &ledger).await?;
    tx.commit().await?;
    Ok(())
}

type Creates = Vec<(i64, String, serde_json::Value, Option<CompanyRef>)>;

/// A row's ledger entry after crm's answer: created, or refused with the reason (a database error aborts).
fn outcome(
    ledger: &mut Vec<LedgerRow>,
    (line, hash): (i64, String),
    result: Result<i64, Error>,
) -> Result<(), Error> {
    let (outcome, record, reason) = match result {
        Ok(id) => ("created", Some(id), None),
        Err(e) => match reason_of(&e) {
            Some(reason) => ("failed", None, Some(reason)),
            None => return Err(e),
        },
    };
    ledger.push(LedgerRow {
        row_no: line,
        outcome,
        hash,
        record_id: record,
        reason,
    });
    Ok(())
}

/// Contacts through crm's bulk create (multi-row INSERTs); the records made, for undo.
async fn create_contacts(
    tx: &mut sqlx::AnyConnection,
    planner: &Planner,
    id: i64,
    creates: Creates,
    ledger: &mut Vec<LedgerRow>,
) -> Result<Vec<(i64, &'static str, i64)>, Error> {
    let mut lines = Vec::with_capacity(creates.len());
    let mut inputs = Vec::with_capacity(creates.len());
    for (line, hash, body, company) in creates {
        lines.push((line, hash));
        inputs.push((body, pick(company)));
    }
    let results = records::create_contacts(tx, &planner.caller, inputs, id).await?;
    let mut made = Vec::new();
    for ((line, hash), result) in lines.into_iter().zip(results) {
        if let Ok(c) = &result {
            if let Some(company) = c.new_company {
                made.push((line, "company", company));
            }
            made.push((line, "contact", c.id));
        }
        outcome(ledger, (line, hash), result.map(|c| c.id))?;
    }
    Ok(made)
}

/// Leads, companies and deals one by one on the batch's transaction, each in a savepoint: a row crm refuses halfway
/// (a custom value after the record's INSERT) leaves nothing, as its own transaction would.
async fn create_each(
    tx: &mut sqlx::AnyConnection,
    planner: &Planner,
    creates: Creates,
    ledger: &mut Vec<LedgerRow>,
) -> Result<Vec<(i64, &'static str, i64)>, Error> {
    use sqlx::Connection;
    let kind = planner.kind;
    let mut made = Vec::new();
    for (line, hash, body, company) in creates {
        let mut row = tx.begin().await?;
        let result = write::create_in(&mut row, &planner.caller, kind, body, company).await;
        match &result {
            Ok(m) => {
                row.commit().await?;
                if let Some(c) = m.company {
                    made.push((line, "company", c));
                }
                made.push((line, kind.as_str(), m.record));
            }
            Err(_) => row.rollback().await?,
        }
        outcome(ledger, (line, hash), result.map(|m| m.record))?;
    }
    Ok(made)
}
