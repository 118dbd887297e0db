//! Deals: amount and currency, a pipeline and its stage, contact, company, owner, expected close; a won or lost
//! stage closes the deal (lost needs a reason). Every stage move is kept for the timeline.

pub mod model;
pub mod routes;
pub(crate) mod store;

use sqlx::{AnyConnection, AnyPool};

use super::access::{self, Op};
use super::custom::{self, SaveMode};
use super::listing::{KeyType, ListParams, SortField};
use super::normalize::{optional, required};
use super::reference::{self, model::StageKind};
use super::skeleton::{self, Record};
use super::sorts;
use super::{audit, change_owner, resolve_owner, RecordKind};
use crate::auth::Caller;
use crate::db::now_ms;
use crate::db::sql::Sql;
use crate::error::Error;
use model::{Amount, Deal, DealFilter, DealList, DealPatch, NewDeal};

const KIND: RecordKind = RecordKind::Deal;

impl Record for Deal {
    const KIND: RecordKind = KIND;
    const FROM: &'static str = "deals r JOIN stages s ON s.id = r.stage_id";
    const SORTS: &'static [SortField] = &[
        sorts::ID,
        SortField {
            name: "title",
            expr: "r.title",
            key: KeyType::Text,
        },
        SortField {
            name: "amount",
            expr: "COALESCE(r.amount_minor, -9000000000000000000)",
            key: KeyType::Int,
        },
        SortField {
            name: "probability",
            expr: "s.probability",
            key: KeyType::Int,
        },
        SortField {
            name: "expected_close",
            expr: "COALESCE(r.expected_close, '')",
            key: KeyType::Text,
        },
        sorts::CREATED_AT,
        sorts::UPDATED_AT,
    ];
    crate::record_common!(DealFilter);

    fn push_filter(sql: &mut Sql, f: &DealFilter) {
        store::push_filter(sql, f);
    }
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Deal, Error> {
    skeleton::load(conn, id).await
}

/// "150000", "99.9", 99.95 → minor units; at most two fraction digits.
fn amount_minor(amount: &Amount) -> Result<i64, Error> {
    let text = match amount {
        Amount::Number(n) if n.is_finite() => format!("{n}"),
        Amount::Number(_) => String::new(),
        Amount::Text(t) => t.trim().to_string(),
    };
    let bad = || {
        Error::validation(
            "amount",
            format!("'{text}' is not an amount (e.g. 150000 or 99.90)"),
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

fn currency(raw: Option<&str>) -> Result<String, Error> {
    let c = raw.unwrap_or("RUB").trim().to_uppercase();
    if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Error::validation(
            "currency",
            format!("'{c}' is not an ISO 4217 code such as RUB, USD, EUR"),
        ))
    }
}

fn close_date(raw: Option<&str>) -> Result<Option<String>, Error> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format)
        .map(|d| Some(d.format(&format).expect("a parsed date formats")))
        .map_err(|_| {
            Error::validation(
                "expected_close",
                format!("'{raw}' is not a date (YYYY-MM-DD)"),
            )
        })
}

/// The stage a deal lands in: the given one (which must be of the pipeline) or the pipeline's first open stage.
async fn stage_for(
    conn: &mut AnyConnection,
    pipeline_id: i64,
    stage_id: Option<i64>,
) -> Result<reference::model::Stage, Error> {
    let pipeline = match reference::get_pipeline_in(conn, pipeline_id).await {
        Ok(p) => p,
        Err(Error::NotFound(_)) => {
            return Err(Error::validation(
                "pipeline_id",
                format!("no pipeline with id {pipeline_id}"),
            ))
        }
        Err(e) => return Err(e),
    };
    let stage = match stage_id {
        Some(id) => pipeline.stages.into_iter().find(|s| s.id == id),
        None => pipeline
            .stages
            .into_iter()
            .find(|s| s.kind == StageKind::Open),
    };
    stage.ok_or_else(|| {
        Error::validation(
            "stage_id",
            format!("no such stage in pipeline {pipeline_id}"),
        )
    })
}

async fn check_links(
    conn: &mut AnyConnection,
    caller: &Caller,
    contact_id: Option<i64>,
    company_id: Option<i64>,
) -> Result<(), Error> {
    for (kind, id, field) in [
        (RecordKind::Contact, contact_id, "contact_id"),
        (RecordKind::Company, company_id, "company_id"),
    ] {
        let Some(id) = id else { continue };
        let visible = access::may_read(conn, caller, kind, id).await?;
        if !visible {
            return Err(Error::validation(field, format!("no {kind} with id {id}")));
        }
    }
    Ok(())
}

pub async fn create(pool: &AnyPool, caller: &Caller, new: NewDeal) -> Result<Deal, Error> {
    access::require_role(caller, KIND, Op::Write)?;
    let mut tx = crate::db::begin(pool).await?;
    let owner = resolve_owner(&mut tx, caller, new.owner_id).await?;
    let deal = create_in(&mut tx, caller, new, owner, SaveMode::Create).await?;
    tx.commit().await?;
    Ok(deal)
}

/// Creates a deal owned by `owner` (already checked) inside a caller's transaction; lead conversion uses this too
/// (with `SaveMode::Carry`: required custom fields are not demanded of a converted lead).
pub async fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    new: NewDeal,
    owner: i64,
    mode: SaveMode,
) -> Result<Deal, Error> {
    let title = required("title", &new.title, 300)?;
    let amount = new.amount.as_ref().map(amount_minor).transpose()?;
    let currency = currency(new.currency.as_deref())?;
    let expected_close = close_date(new.expected_close.as_deref())?;
    let stage = stage_for(conn, new.pipeline_id, new.stage_id).await?;
    if stage.kind == StageKind::Lost {
        return Err(Error::validation(
            "stage_id",
            "a new deal cannot start lost",
        ));
    }
    check_links(conn, caller, new.contact_id, new.company_id).await?;
    let write = store::Write {
        title: &title,
        amount_minor: amount,
        currency: &currency,
        pipeline_id: new.pipeline_id,
        stage_id: stage.id,
        contact_id: new.contact_id,
        company_id: new.company_id,
        owner_id: Some(owner),
        expected_close: expected_close.as_deref(),
        lost_reason: None,
        closed_at: (stage.kind == StageKind::Won).then(now_ms),
    };
    let id = store::insert(conn, &write).await?;
    store::record_stage_change(conn, id, None, stage.id, caller.id).await?;
    custom::save(conn, KIND, id, new.custom.as_ref(), mode).await?;
    let deal = load(conn, id).await?;
    audit::created(conn, caller.id, KIND, id, &deal).await?;
    Ok(deal)
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Deal, Error> {
    skeleton::get(pool, caller, id).await
}

/// The records the caller sees, by id (the add-in's lookups; the API adds sort, scope and custom filters).
pub async fn list(pool: &AnyPool, caller: &Caller, filter: DealFilter) -> Result<DealList, Error> {
    Ok(
        skeleton::list(pool, caller, &filter, ListParams::default(), None)
            .await?
            .into(),
    )
}

pub async fn update(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    patch: DealPatch,
) -> Result<Deal, Error> {
    access::require(pool, caller, KIND, id, Op::Write).await?;
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    let title = match &patch.title {
        Some(t) => required("title", t, 300)?,
        None => before.title.clone(),
    };
    let amount = match &patch.amount {
        Some(Some(a)) => Some(amount_minor(a)?),
        Some(None) => None,
        None => before
            .amount
            .as_ref()
            .map(|a| amount_minor(&Amount::Text(a.clone())))
            .transpose()?,
    };
    let currency = currency(Some(patch.currency.as_deref().unwrap_or(&before.currency)))?;
    let expected_close = match &patch.expected_close {
        Some(d) => close_date(d.as_deref())?,
        None => before.expected_close.clone(),
    };
    let pipeline_id = patch.pipeline_id.unwrap_or(before.pipeline_id);
    let stage_id = match (patch.pipeline_id, patch.stage_id) {
        (Some(p), None) if p != before.pipeline_id => None,
        (_, s) => Some(s.unwrap_or(before.stage_id)),
    };
    let stage = stage_for(&mut tx, pipeline_id, stage_id).await?;
    let contact_id = patch.contact_id.unwrap_or(before.contact_id);
    let company_id = patch.company_id.unwrap_or(before.company_id);
    if contact_id != before.contact_id || company_id != before.company_id {
        check_links(
            &mut tx,
            caller,
            contact_id.filter(|c| Some(*c) != before.contact_id),
            company_id.filter(|c| Some(*c) != before.company_id),
        )
        .await?;
    }
    let lost_reason = match stage.kind {
        StageKind::Lost => {
            let reason = optional("lost_reason", patch.lost_reason.as_deref(), 500)?.or(before
                .lost_reason
                .clone()
                .filter(|_| before.status == StageKind::Lost));
            Some(
                reason
                    .ok_or_else(|| Error::validation("lost_reason", "say why the deal is lost"))?,
            )
        }
        _ => None,
    };
    let closed_at = match (stage.kind, before.status) {
        (StageKind::Open, _) => None,
        (kind, previous) if kind == previous => before.closed_at.map(crate::db::to_ms),
        _ => Some(now_ms()),
    };
    let owner = match patch.owner_id {
        Some(o) => change_owner(&mut tx, caller, (KIND, id), before.owner_id, Some(o)).await?,
        None => before.owner_id,
    };
    let write = store::Write {
        title: &title,
        amount_minor: amount,
        currency: &currency,
        pipeline_id,
        stage_id: stage.id,
        contact_id,
        company_id,
        owner_id: owner,
        expected_close: expected_close.as_deref(),
        lost_reason: lost_reason.as_deref(),
        closed_at,
    };
    store::update(&mut tx, id, &write).await?;
    if stage.id != before.stage_id {
        store::record_stage_change(&mut tx, id, Some(before.stage_id), stage.id, caller.id).await?;
    }
    custom::save(&mut tx, KIND, id, patch.custom.as_ref(), SaveMode::Update).await?;
    let after = load(&mut tx, id).await?;
    audit::updated(&mut tx, caller.id, KIND, id, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    skeleton::delete::<Deal>(pool, caller, id).await
}

pub async fn ids_of(
    conn: &mut AnyConnection,
    contacts: &[i64],
    companies: &[i64],
) -> Result<Vec<i64>, Error> {
    store::ids_of(conn, contacts, companies).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_minor_units() {
        assert_eq!(
            amount_minor(&Amount::Text("150000".into())).unwrap(),
            15_000_000
        );
        assert_eq!(amount_minor(&Amount::Text("99.9".into())).unwrap(), 9_990);
        assert_eq!(amount_minor(&Amount::Number(99.95)).unwrap(), 9_995);
        assert_eq!(store::format_amount(9_990), "99.90");
        for bad in ["1 500", "1,5", "1.234", "abc", ""] {
            assert!(amount_minor(&Amount::Text(bad.into())).is_err(), "{bad}");
        }
    }
}
