//! SQL of deals and their stage history.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{Deal, DealFilter};
use crate::crm::reference::model::StageKind;
use crate::db::sql::Sql;
use crate::db::{from_ms, now_ms};
use crate::error::Error;

const SELECT: &str = "SELECT d.id, d.title, d.amount_minor, d.currency, d.pipeline_id, d.stage_id, s.name AS stage_name,
    s.kind AS stage_kind, s.probability, d.contact_id, d.company_id, d.owner_id, d.expected_close, d.lost_reason,
    d.closed_at, d.created_at, d.updated_at FROM deals d JOIN stages s ON s.id = d.stage_id";

pub fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

fn from_row(r: &AnyRow) -> Result<Deal, Error> {
    Ok(Deal {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        amount: r
            .try_get::<Option<i64>, _>("amount_minor")?
            .map(format_amount),
        currency: r.try_get("currency")?,
        pipeline_id: r.try_get("pipeline_id")?,
        stage_id: r.try_get("stage_id")?,
        stage_name: r.try_get("stage_name")?,
        status: StageKind::parse(&r.try_get::<String, _>("stage_kind")?),
        probability: r.try_get("probability")?,
        contact_id: r.try_get("contact_id")?,
        company_id: r.try_get("company_id")?,
        owner_id: r.try_get("owner_id")?,
        expected_close: r.try_get("expected_close")?,
        lost_reason: r.try_get("lost_reason")?,
        closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(from_ms),
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
        custom: Default::default(),
    })
}

/// Deals by id (any order).
pub async fn get_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Deal>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for run in ids.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE d.id IN ").bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// The list filter over `r` (deals) and `s` (its stage).
pub fn push_filter(sql: &mut Sql, f: &DealFilter) {
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        sql.push(" AND r.search LIKE ")
            .bind(format!("%{}%", q.trim().to_lowercase()));
    }
    if let Some(status) = &f.status {
        sql.push(" AND s.kind = ").bind(status.clone());
    }
    for (column, value) in [
        ("r.pipeline_id", f.pipeline_id),
        ("r.stage_id", f.stage_id),
        ("r.owner_id", f.owner_id),
        ("r.contact_id", f.contact_id),
        ("r.company_id", f.company_id),
    ] {
        if let Some(v) = value {
            sql.push(" AND ").push(column).push(" = ").bind(v);
        }
    }
}

pub struct Write<'a> {
    pub title: &'a str,
    pub amount_minor: Option<i64>,
    pub currency: &'a str,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub expected_close: Option<&'a str>,
    pub lost_reason: Option<&'a str>,
    pub closed_at: Option<i64>,
}

pub async fn insert(conn: &mut AnyConnection, w: &Write<'_>) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO deals (title, amount_minor, currency, pipeline_id, stage_id, contact_id, company_id, owner_id,
                expected_close, lost_reason, closed_at, search, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(w.title)
    .bind(w.amount_minor)
    .bind(w.currency)
    .bind(w.pipeline_id)
    .bind(w.stage_id)
    .bind(w.contact_id)
    .bind(w.company_id)
    .bind(w.owner_id)
    .bind(w.expected_close)
    .bind(w.lost_reason)
    .bind(w.closed_at)
    .bind(w.title.to_lowercase())
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(conn: &mut AnyConnection, id: i64, w: &Write<'_>) -> Result<(), Error> {
    sqlx::query(
        "UPDATE deals SET title = $1, amount_minor = $2, currency = $3, pipeline_id = $4, stage_id = $5, contact_id = $6,
                company_id = $7, owner_id = $8, expected_close = $9, lost_reason = $10, closed_at = $11, search = $12,
                updated_at = $13
         WHERE id = $14",
    )
    .bind(w.title)
    .bind(w.amount_minor)
    .bind(w.currency)
    .bind(w.pipeline_id)
    .bind(w.stage_id)
    .bind(w.contact_id)
    .bind(w.company_id)
    .bind(w.owner_id)
    .bind(w.expected_close)
    .bind(w.lost_reason)
    .bind(w.closed_at)
    .bind(w.title.to_lowercase())
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn record_stage_change(
    conn: &mut AnyConnection,
    deal: i64,
    from: Option<i64>,
    to: i64,
    by: i64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(deal)
        .bind(from)
        .bind(to)
        .bind(by)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// The deal's own rows (its stage history by cascade); a lead converted into it forgets it.
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    for text in [
        "UPDATE leads SET deal_id = NULL WHERE deal_id = $1",
        "DELETE FROM deals WHERE id = $1",
    ] {
        sqlx::query(text).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deals of these contacts or companies (timeline roll-up).
pub async fn ids_of(
    conn: &mut AnyConnection,
    contacts: &[i64],
    companies: &[i64],
) -> Result<Vec<i64>, Error> {
    let mut sql = Sql::new("SELECT id FROM deals WHERE contact_id IN ");
    sql.bind_list(contacts.to_vec())
        .push(" OR company_id IN ")
        .bind_list(companies.to_vec());
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::from))
        .collect()
}
