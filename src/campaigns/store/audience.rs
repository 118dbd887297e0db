//! SQL that turns a segment filter into contacts with everything a letter needs: address, consent, suppression,
//! company and owner.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::campaigns::model::SegmentFilter;
use crate::db::sql::Sql;
use crate::db::to_ms;
use crate::error::Error;

/// One contact as a campaign sees it.
#[derive(Debug, Clone)]
pub struct Member {
    pub contact_id: i64,
    pub name: String,
    pub position: Option<String>,
    /// The primary address, lower-case.
    pub email: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub company_domain: Option<String>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub owner_phone: Option<String>,
    /// The latest consent decision, if any.
    pub consent: Option<bool>,
    pub suppressed: bool,
    /// The contact's custom values as templates show them (`{{custom.<key>}}`), from crm.
    pub custom: serde_json::Map<String, serde_json::Value>,
}

const SELECT: &str = "SELECT c.id, c.name, c.position, e.email,
    (SELECT MIN(p.phone) FROM contact_phones p WHERE p.contact_id = c.id) AS phone,
    co.name AS company_name,
    (SELECT MIN(d.domain) FROM company_domains d WHERE d.company_id = co.id) AS company_domain,
    u.name AS owner_name, u.email AS owner_email, u.phone AS owner_phone,
    (SELECT ce.granted FROM consent_events ce WHERE ce.contact_id = c.id ORDER BY ce.id DESC LIMIT 1) AS consent,
    CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.address = e.email)
         THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS suppressed
  FROM contacts c
  JOIN contact_emails e ON e.contact_id = c.id AND e.is_primary = 1
  LEFT JOIN companies co ON co.id = c.company_id
  LEFT JOIN users u ON u.id = c.owner_id
 WHERE 1 = 1";

const LATEST_CONSENT: &str =
    "(SELECT ce.granted FROM consent_events ce WHERE ce.contact_id = c.id ORDER BY ce.id DESC LIMIT 1)";

fn from_row(r: &AnyRow) -> Result<Member, Error> {
    Ok(Member {
        contact_id: r.try_get("id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        email: r.try_get::<String, _>("email")?.to_lowercase(),
        phone: r.try_get("phone")?,
        company_name: r.try_get("company_name")?,
        company_domain: r.try_get("company_domain")?,
        owner_name: r.try_get("owner_name")?,
        owner_email: r.try_get("owner_email")?,
        owner_phone: r.try_get("owner_phone")?,
        consent: r.try_get::<Option<i64>, _>("consent")?.map(|g| g != 0),
        suppressed: r.try_get::<i64, _>("suppressed")? != 0,
        custom: serde_json::Map::new(),
    })
}

/// Members from rows, with their custom values (crm decides what a template sees of them).
async fn with_custom(pool: &AnyPool, rows: &[AnyRow]) -> Result<Vec<Member>, Error> {
    let mut members = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<i64> = members.iter().map(|m| m.contact_id).collect();
    let mut custom = crate::crm::custom::template_values(pool, &ids).await?;
    for m in &mut members {
        m.custom = custom.remove(&m.contact_id).unwrap_or_default();
    }
    Ok(members)
}

/// Contacts with a primary address matching `f`, by id.
pub async fn members(pool: &AnyPool, f: &SegmentFilter) -> Result<Vec<Member>, Error> {
    let mut sql = Sql::new(SELECT);
    if !f.tags.is_empty() {
        sql.push(" AND (");
        for (i, tag) in f.tags.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("c.tags LIKE ")
                .bind(format!("%,{},%", tag.trim().to_lowercase()));
        }
        sql.push(")");
    }
    for (column, value) in [
        ("c.type_id", f.type_id),
        ("c.company_id", f.company_id),
        ("c.owner_id", f.owner_id),
    ] {
        if let Some(v) = value {
            sql.push(" AND ").push(column).push(" = ").bind(v);
        }
    }
    if let Some(status) = &f.lead_status {
        sql.push(" AND c.id IN (SELECT l.contact_id FROM leads l WHERE l.status = ")
            .bind(status.clone())
            .push(")");
    }
    if let Some(state) = &f.deal_state {
        sql.push(
            " AND c.id IN (SELECT d.contact_id FROM deals d JOIN stages st ON st.id = d.stage_id WHERE st.kind = ",
        )
        .bind(state.clone())
        .push(")");
    }
    match f.consent.as_deref() {
        Some("granted") => {
            sql.push(" AND ").push(LATEST_CONSENT).push(" = 1");
        }
        Some("not_granted") => {
            sql.push(" AND COALESCE(")
                .push(LATEST_CONSENT)
                .push(", 0) = 0");
        }
        _ => {}
    }
    for (cond, value) in [
        (" AND c.created_at >= ", f.created_after),
        (" AND c.created_at < ", f.created_before),
        (" AND c.updated_at >= ", f.updated_after),
        (" AND c.updated_at < ", f.updated_before),
    ] {
        if let Some(t) = value {
            sql.push(cond).bind(to_ms(t));
        }
    }
    sql.push(" ORDER BY c.id");
    let rows = sql.query().fetch_all(pool).await?;
    with_custom(pool, &rows).await
}

/// One contact with their primary address, for a preview or a letter.
pub async fn member(pool: &AnyPool, contact_id: i64) -> Result<Option<Member>, Error> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND c.id = ").bind(contact_id);
    let rows: Vec<AnyRow> = sql
        .query()
        .fetch_optional(pool)
        .await?
        .into_iter()
        .collect();
    Ok(with_custom(pool, &rows).await?.pop())
}

/// The contacts of a page of letters, with their primary addresses.
pub async fn members_of(pool: &AnyPool, contact_ids: &[i64]) -> Result<Vec<Member>, Error> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND c.id IN ").bind_list(contact_ids.to_vec());
    let rows = sql.query().fetch_all(pool).await?;
    with_custom(pool, &rows).await
}
