//! The SQL of bulk create: look-ups of many keys at once (one query per key kind and chunk) and multi-row INSERTs.
//! One text per query for both backends.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::crm::normalize::tags_to_column;
use crate::crm::RecordKind;
use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// Values per multi-row INSERT: a few hundred (see `MAX_BINDS` on why not thousands), far under the backends'
/// limits (SQLite 32 766, PostgreSQL 65 535).
const BINDS: usize = 3 * MAX_BINDS;

/// A record found by a key: `(id, name, owner)`.
pub type Found = (i64, String, Option<i64>);

/// Keeps the lowest id per key, as the one-at-a-time look-ups (`ORDER BY id LIMIT 1`) answer.
fn keep_lowest(map: &mut HashMap<String, Found>, key: String, found: Found) {
    match map.get(&key) {
        Some(had) if had.0 <= found.0 => {}
        _ => {
            map.insert(key, found);
        }
    }
}

/// Runs `head IN (…) tail` over the distinct `keys`, `MAX_BINDS` at a time, handing each row to `each`: the one
/// chunking loop of every many-keys look-up.
async fn in_chunks(
    conn: &mut AnyConnection,
    keys: &[String],
    (head, tail): (&str, &str),
    mut each: impl FnMut(AnyRow) -> Result<(), Error>,
) -> Result<(), Error> {
    // A batch names the same company or e-mail on many rows: each key is asked once.
    let mut keys: Vec<&String> = keys.iter().collect();
    keys.sort_unstable();
    keys.dedup();
    for chunk in keys.chunks(MAX_BINDS) {
        let mut sql = Sql::new(head);
        sql.push(" IN ")
            .bind_list(chunk.iter().map(|k| k.to_string()))
            .push(tail);
        for r in sql.query().fetch_all(&mut *conn).await? {
            each(r)?;
        }
    }
    Ok(())
}

fn found(r: &AnyRow) -> Result<(String, Found), Error> {
    let found = (r.try_get("id")?, r.try_get("name")?, r.try_get("owner_id")?);
    Ok((r.try_get("k")?, found))
}

/// Contacts by e-mail (`by_phone` false) or normalized phone: key → the lowest contact id with it.
pub async fn contacts_by(
    conn: &mut AnyConnection,
    by_phone: bool,
    keys: &[String],
) -> Result<HashMap<String, Found>, Error> {
    let head = if by_phone {
        "SELECT k.phone_norm AS k, c.id, c.name, c.owner_id FROM contact_phones k \
         JOIN contacts c ON c.id = k.contact_id WHERE k.phone_norm"
    } else {
        "SELECT k.email AS k, c.id, c.name, c.owner_id FROM contact_emails k \
         JOIN contacts c ON c.id = k.contact_id WHERE k.email"
    };
    let mut out = HashMap::new();
    in_chunks(conn, keys, (head, ""), |r| {
        let (k, f) = found(&r)?;
        keep_lowest(&mut out, k, f);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Open (not converted) leads by e-mail or normalized phone: key → the lowest lead id with it.
pub async fn open_leads_by(
    conn: &mut AnyConnection,
    by_phone: bool,
    keys: &[String],
) -> Result<HashMap<String, Found>, Error> {
    let head = if by_phone {
        "SELECT phone_norm AS k, id, name, owner_id FROM leads WHERE status <> 'converted' AND phone_norm"
    } else {
        "SELECT email AS k, id, name, owner_id FROM leads WHERE status <> 'converted' AND email"
    };
    let mut out = HashMap::new();
    in_chunks(conn, keys, (head, ""), |r| {
        let (k, f) = found(&r)?;
        keep_lowest(&mut out, k, f);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Companies by domain (`by_name` false) or normalized name: key → the lowest company id with it.
pub async fn companies_by(
    conn: &mut AnyConnection,
    by_name: bool,
    keys: &[String],
) -> Result<HashMap<String, i64>, Error> {
    let head = if by_name {
        "SELECT name_norm AS k, MIN(id) AS id FROM companies WHERE name_norm"
    } else {
        "SELECT domain AS k, MIN(company_id) AS id FROM company_domains WHERE domain"
    };
    let mut out = HashMap::new();
    in_chunks(conn, keys, (head, " GROUP BY k"), |r| {
        out.insert(r.try_get("k")?, r.try_get("id")?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// A contact's row as bulk create writes it.
pub struct ContactRow<'a> {
    pub name: &'a str,
    pub position: Option<&'a str>,
    pub company_id: Option<i64>,
    pub owner_id: i64,
    pub type_id: Option<i64>,
    pub tags: &'a [String],
    pub search: &'a str,
    pub address: Option<&'a str>,
    pub website: Option<&'a str>,
    pub birthday: Option<&'a str>,
}

/// Inserts the contacts with multi-row INSERTs; their ids, in order.
pub async fn insert_contacts(
    conn: &mut AnyConnection,
    rows: &[ContactRow<'_>],
) -> Result<Vec<i64>, Error> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BINDS / 12) {
        let mut sql = Sql::new(
            "INSERT INTO contacts (name, position, company_id, owner_id, type_id, tags, search, address, website, \
             birthday, created_at, updated_at) VALUES ",
        );
        for (i, c) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(c.name.to_string()).push(", ");
            sql.bind(c.position.map(str::to_string)).push(", ");
            sql.bind(c.company_id)
                .push(", ")
                .bind(c.owner_id)
                .push(", ");
            sql.bind(c.type_id).push(", ");
            sql.bind(tags_to_column(c.tags)).push(", ");
            sql.bind(c.search.to_string()).push(", ");
            sql.bind(c.address.map(str::to_string)).push(", ");
            sql.bind(c.website.map(str::to_string)).push(", ");
            sql.bind(c.birthday.map(str::to_string)).push(", ");
            sql.bind(now).push(", ").bind(now).push(")");
        }
        // Both backends return the rows of a multi-row VALUES in their order; the count is checked below.
        sql.push(" RETURNING id");
        let got = sql.query().fetch_all(&mut *conn).await?;
        if got.len() != chunk.len() {
            return Err(Error::internal(
                "a bulk insert returned fewer ids than rows",
            ));
        }
        for r in got {
            ids.push(r.try_get("id")?);
        }
    }
    Ok(ids)
}

/// A company's row as bulk create writes it.
pub struct CompanyRow<'a> {
    pub name: &'a str,
    pub name_norm: &'a str,
    pub owner_id: i64,
    pub search: &'a str,
}

/// Inserts the companies with multi-row INSERTs; their ids, in order.
pub async fn insert_companies(
    conn: &mut AnyConnection,
    rows: &[CompanyRow<'_>],
) -> Result<Vec<i64>, Error> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BINDS / 7) {
        let mut sql = Sql::new(
            "INSERT INTO companies (name, name_norm, owner_id, tags, search, created_at, updated_at) VALUES ",
        );
        for (i, c) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(c.name.to_string()).push(", ");
            sql.bind(c.name_norm.to_string()).push(", ");
            sql.bind(c.owner_id)
                .push(", ")
                .bind(tags_to_column(&[]))
                .push(", ");
            sql.bind(c.search.to_string()).push(", ");
            sql.bind(now).push(", ").bind(now).push(")");
        }
        sql.push(" RETURNING id");
        let got = sql.query().fetch_all(&mut *conn).await?;
        if got.len() != chunk.len() {
            return Err(Error::internal(
                "a bulk insert returned fewer ids than rows",
            ));
        }
        for r in got {
            ids.push(r.try_get("id")?);
        }
    }
    Ok(ids)
}

/// `(company, domain)` rows.
pub async fn insert_company_domains(
    conn: &mut AnyConnection,
    rows: &[(i64, &str)],
) -> Result<(), Error> {
    for chunk in rows.chunks(BINDS / 2) {
        let mut sql = Sql::new("INSERT INTO company_domains (company_id, domain) VALUES ");
        for (i, (id, domain)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(*id).push(", ").bind(domain.to_string()).push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `(contact, e-mail, primary)` rows.
pub async fn insert_emails(
    conn: &mut AnyConnection,
    rows: &[(i64, &str, bool)],
) -> Result<(), Error> {
    for chunk in rows.chunks(BINDS / 3) {
        let mut sql =
            Sql::new("INSERT INTO contact_emails (contact_id, email, is_primary) VALUES ");
        for (i, (id, email, primary)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(*id).push(", ").bind(email.to_string()).push(", ");
            sql.bind(i64::from(*primary)).push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `(contact, phone as entered, normalized)` rows.
pub async fn insert_phones(
    conn: &mut AnyConnection,
    rows: &[(i64, &str, &str)],
) -> Result<(), Error> {
    for chunk in rows.chunks(BINDS / 3) {
        let mut sql =
            Sql::new("INSERT INTO contact_phones (contact_id, phone, phone_norm) VALUES ");
        for (i, (id, raw, norm)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(*id).push(", ").bind(raw.to_string()).push(", ");
            sql.bind(norm.to_string()).push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// `(field, record, text, number)` custom values of records of one kind.
pub async fn insert_custom(
    conn: &mut AnyConnection,
    kind: RecordKind,
    rows: &[(i64, i64, &str, Option<f64>)],
) -> Result<(), Error> {
    for chunk in rows.chunks(BINDS / 5) {
        let mut sql = Sql::new(
            "INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES ",
        );
        for (i, (field, record, text, num)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(*field).push(", ").bind(kind.as_str()).push(", ");
            sql.bind(*record).push(", ").bind(text.to_string());
            // As text through a CAST, as `custom::store::set_value` does: sqlx's Any driver sends f64 in a form
            // PostgreSQL refuses for DOUBLE PRECISION.
            sql.push(", CAST(")
                .bind(num.map(|n| n.to_string()))
                .push(" AS DOUBLE PRECISION))");
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
