//! What one row writes: its record (and the company it names) inside a transaction the caller holds, and the
//! row-at-a-time path around it (a row that updates a record, or meets an earlier row of its batch), each row with
//! its ledger in one transaction.

use serde_json::{json, Value};
use sqlx::AnyPool;

use super::plan::{Action, CompanyRef, Planner};
use super::{row_hash, rows};
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::Error;
use crate::transfer::{records, store};

/// Why a crm call refused a row, as the reject file says it.
pub(super) fn reason_of(e: &Error) -> Option<String> {
    match e {
        Error::Database(_) | Error::Internal(_) => None,
        Error::Validation { field, message } => Some(format!("{field}: {message}")),
        Error::Forbidden => Some("your role may not do this".into()),
        other => Some(other.to_string()),
    }
}

/// A record a row created, and the company it created for it.
pub(super) struct Made {
    pub record: i64,
    pub company: Option<i64>,
}

/// Creates a row's record (and the new company it names, found again by name first) on `conn`, inside the caller's
/// transaction; writes no ledger.
pub(super) async fn create_in(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    kind: RecordKind,
    mut body: Value,
    company: Option<CompanyRef>,
) -> Result<Made, Error> {
    let mut made = None;
    match company {
        None => {}
        Some(CompanyRef::Existing(c)) => body["company_id"] = json!(c),
        Some(CompanyRef::New { name, domain }) => {
            let c = match records::company_by_name(conn, &name).await? {
                Some(c) => c,
                None => {
                    let new = json!({ "name": name, "domains": domain.into_iter().collect::<Vec<_>>(),
                        "owner_id": body["owner_id"].clone() });
                    let c = records::create_in(conn, caller, RecordKind::Company, new).await?;
                    made = Some(c);
                    c
                }
            };
            body["company_id"] = json!(c);
        }
    }
    let record = records::create_row_in(conn, caller, kind, body).await?;
    Ok(Made {
        record,
        company: made,
    })
}

async fn record_only(
    pool: &AnyPool,
    id: i64,
    line: i64,
    outcome: &str,
    hash: &str,
    reason: Option<&str>,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    store::insert_row(&mut tx, id, line, outcome, (hash, None, reason)).await?;
    tx.commit().await?;
    Ok(())
}

/// One row, alone: planned against what is written so far, then written with its ledger in one transaction.
pub(super) async fn one_row(
    pool: &AnyPool,
    planner: &mut Planner,
    id: i64,
    line: i64,
    parsed: Result<rows::Values, String>,
) -> Result<(), Error> {
    let kind = planner.kind;
    let values = match parsed {
        Ok(v) => v,
        Err(reason) => return record_only(pool, id, line, "failed", "", Some(&reason)).await,
    };
    let hash = row_hash(kind, &values);
    let known = store::already_imported(&mut *pool.acquire().await?, &hash).await?;
    if let Some((import, at)) = known {
        let reason = format!("already imported (import {import}, row {at})");
        return record_only(pool, id, line, "skipped", "", Some(&reason)).await;
    }
    let action = planner.plan(pool, line as usize, &values, false).await?;
    let caller = planner.caller.clone();
    let result = match action {
        Action::Fail { reason } => {
            return record_only(pool, id, line, "failed", &hash, Some(&reason)).await
        }
        Action::Skip { reason, .. } => {
            return record_only(pool, id, line, "skipped", &hash, Some(&reason)).await
        }
        Action::Create { body, company, .. } => {
            create(pool, &caller, kind, (id, line, &hash), body, company).await
        }
        Action::Update {
            id: record,
            patch,
            prior,
            company,
            ..
        } => {
            let ledger = (id, line, hash.as_str());
            update(pool, &caller, kind, ledger, record, (patch, prior), company).await
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => match reason_of(&e) {
            Some(reason) => record_only(pool, id, line, "failed", &hash, Some(&reason)).await,
            None => Err(e),
        },
    }
}

async fn create(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    (id, line, hash): (i64, i64, &str),
    body: Value,
    company: Option<CompanyRef>,
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    let made = match create_in(&mut tx, caller, kind, body, company).await {
        Ok(m) => m,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    if let Some(c) = made.company {
        store::insert_record(&mut tx, id, line, ("company", c), "created", None).await?;
    }
    let record = made.record;
    store::insert_record(&mut tx, id, line, (kind.as_str(), record), "created", None).await?;
    store::insert_row(&mut tx, id, line, "created", (hash, Some(record), None)).await?;
    tx.commit().await?;
    Ok(())
}

async fn update(
    pool: &AnyPool,
    caller: &Caller,
    kind: RecordKind,
    (id, line, hash): (i64, i64, &str),
    record: i64,
    (mut patch, mut prior): (Value, Value),
    company: Option<CompanyRef>,
) -> Result<(), Error> {
    if let Some(CompanyRef::New { name, domain }) = company {
        let mut tx = crate::db::begin(pool).await?;
        let found = match records::company_by_name(&mut tx, &name).await? {
            Some(c) => Ok((c, false)),
            None => {
                let new = json!({ "name": name, "domains": domain.into_iter().collect::<Vec<_>>(),
                    "owner_id": caller.id });
                let made = records::create_in(&mut tx, caller, RecordKind::Company, new).await;
                made.map(|c| (c, true))
            }
        };
        let c = match found {
            Ok((c, true)) => {
                store::insert_record(&mut tx, id, line, ("company", c), "created", None).await?;
                c
            }
            Ok((c, false)) => c,
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        };
        tx.commit().await?;
        let before = records::get(pool, caller, kind, record).await?;
        patch["company_id"] = json!(c);
        prior["company_id"] = before["company_id"].clone();
    }
    records::update(pool, caller, kind, record, patch).await?;
    let prior = serde_json::to_string(&prior).map_err(Error::internal)?;
    let mut tx = crate::db::begin(pool).await?;
    let was = Some(prior.as_str());
    store::insert_record(&mut tx, id, line, (kind.as_str(), record), "updated", was).await?;
    store::insert_row(&mut tx, id, line, "updated", (hash, Some(record), None)).await?;
    tx.commit().await?;
    Ok(())
}
