//! SQL of leads.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{Lead, LeadFilter, LeadStatus};
use crate::db::sql::{Sql, MAX_BINDS};
use crate::db::{from_ms, now_ms};
use crate::error::Error;

const COLUMNS: &str = "l.id, l.name, l.email, l.phone, l.company_name, l.domain_hint, l.source_id, l.status, l.lost_reason,
    l.owner_id, l.company_id, l.contact_id, l.deal_id, l.created_at, l.updated_at";

fn from_row(r: &AnyRow) -> Result<Lead, Error> {
    Ok(Lead {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        company_name: r.try_get("company_name")?,
        domain_hint: r.try_get("domain_hint")?,
        source_id: r.try_get("source_id")?,
        status: LeadStatus::parse(&r.try_get::<String, _>("status")?),
        lost_reason: r.try_get("lost_reason")?,
        owner_id: r.try_get("owner_id")?,
        company_id: r.try_get("company_id")?,
        contact_id: r.try_get("contact_id")?,
        deal_id: r.try_get("deal_id")?,
        custom: Default::default(),
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

/// The list filter over `r` (leads).
pub fn push_filter(sql: &mut Sql, f: &LeadFilter) {
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        sql.push(" AND r.search LIKE ")
            .bind(format!("%{}%", q.trim().to_lowercase()));
    }
    if let Some(status) = &f.status {
        sql.push(" AND r.status = ").bind(status.clone());
    }
    if let Some(owner) = f.owner_id {
        sql.push(" AND r.owner_id = ").bind(owner);
    }
    if f.pool == Some(true) {
        sql.push(" AND r.owner_id IS NULL");
    }
    if let Some(source) = f.source_id {
        sql.push(" AND r.source_id = ").bind(source);
    }
    if let Some(email) = &f.email {
        sql.push(" AND r.email = ")
            .bind(email.trim().to_lowercase());
    }
}

pub struct Write<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub phone_norm: Option<&'a str>,
    pub company_name: Option<&'a str>,
    pub domain_hint: Option<&'a str>,
    pub source_id: Option<i64>,
    pub status: LeadStatus,
    pub lost_reason: Option<&'a str>,
    pub owner_id: Option<i64>,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub search: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, w: &Write<'_>) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO leads (name, email, phone, phone_norm, company_name, domain_hint, source_id, status, lost_reason,
                owner_id, company_id, contact_id, deal_id, search, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(w.name)
    .bind(w.email)
    .bind(w.phone)
    .bind(w.phone_norm)
    .bind(w.company_name)
    .bind(w.domain_hint)
    .bind(w.source_id)
    .bind(w.status.as_str())
    .bind(w.lost_reason)
    .bind(w.owner_id)
    .bind(w.company_id)
    .bind(w.contact_id)
    .bind(w.deal_id)
    .bind(w.search)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts many leads (each with its own e-mail); returns `(id, email)` of each.
pub async fn insert_many(
    conn: &mut AnyConnection,
    writes: &[Write<'_>],
) -> Result<Vec<(i64, String)>, Error> {
    let now = now_ms();
    let mut out = Vec::new();
    for run in writes.chunks(MAX_BINDS / 16) {
        let mut sql = Sql::new(
            "INSERT INTO leads (name, email, phone, phone_norm, company_name, domain_hint, source_id, status, lost_reason,
                owner_id, company_id, contact_id, deal_id, search, created_at, updated_at) VALUES ",
        );
        for (i, w) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(w.name.to_string())
                .push(", ")
                .bind(w.email.map(str::to_string))
                .push(", ")
                .bind(w.phone.map(str::to_string))
                .push(", ")
                .bind(w.phone_norm.map(str::to_string))
                .push(", ")
                .bind(w.company_name.map(str::to_string))
                .push(", ")
                .bind(w.domain_hint.map(str::to_string))
                .push(", ")
                .bind(w.source_id)
                .push(", ")
                .bind(w.status.as_str())
                .push(", ")
                .bind(w.lost_reason.map(str::to_string))
                .push(", ")
                .bind(w.owner_id)
                .push(", ")
                .bind(w.company_id)
                .push(", ")
                .bind(w.contact_id)
                .push(", ")
                .bind(w.deal_id)
                .push(", ")
                .bind(w.search.to_string())
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql.push(" RETURNING id, email");
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push((r.try_get("id")?, r.try_get("email")?));
        }
    }
    Ok(out)
}

pub async fn get_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Lead>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT ");
        sql.push(COLUMNS)
            .push(" FROM leads l WHERE l.id IN ")
            .bind_list(run.to_vec())
            .push(" ORDER BY l.id");
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

pub async fn update(conn: &mut AnyConnection, id: i64, w: &Write<'_>) -> Result<(), Error> {
    sqlx::query(
        "UPDATE leads SET name = $1, email = $2, phone = $3, phone_norm = $4, company_name = $5, domain_hint = $6,
                source_id = $7, status = $8, lost_reason = $9, owner_id = $10, company_id = $11, contact_id = $12,
                deal_id = $13, search = $14, updated_at = $15
         WHERE id = $16",
    )
    .bind(w.name)
    .bind(w.email)
    .bind(w.phone)
    .bind(w.phone_norm)
    .bind(w.company_name)
    .bind(w.domain_hint)
    .bind(w.source_id)
    .bind(w.status.as_str())
    .bind(w.lost_reason)
    .bind(w.owner_id)
    .bind(w.company_id)
    .bind(w.contact_id)
    .bind(w.deal_id)
    .bind(w.search)
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A lead that is not converted (other than `except`) with one of the e-mails or normalized phones.
pub async fn find_open_duplicate(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
    except: Option<i64>,
) -> Result<Option<(i64, String, Option<i64>)>, Error> {
    let mut sql =
        Sql::new("SELECT id, name, owner_id FROM leads WHERE status <> 'converted' AND id <> ");
    sql.bind(except.unwrap_or(0))
        .push(" AND (email IN ")
        .bind_list(emails.to_vec())
        .push(" OR phone_norm IN ")
        .bind_list(phones.to_vec())
        .push(") ORDER BY id LIMIT 1");
    let row = sql.query().fetch_optional(conn).await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("owner_id")?)))
        .transpose()
}

/// The lead's own row.
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    for text in ["DELETE FROM leads WHERE id = $1"] {
        sqlx::query(text).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every lead (converted too) with this e-mail (lower-case) or normalized phone, by id.
pub async fn ids_by(
    conn: &mut AnyConnection,
    by_phone: bool,
    value: &str,
) -> Result<Vec<i64>, Error> {
    let text = if by_phone {
        "SELECT id FROM leads WHERE phone_norm = $1 ORDER BY id"
    } else {
        "SELECT id FROM leads WHERE email = $1 ORDER BY id"
    };
    let rows = sqlx::query(text).bind(value).fetch_all(conn).await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::from))
        .collect()
}
