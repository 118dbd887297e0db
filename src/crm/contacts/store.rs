//! SQL of contacts, their e-mails and phones (consent history: `consent_store`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{Consent, Contact, ContactFilter};
use crate::crm::normalize::{tags_from_column, tags_to_column};
use crate::db::sql::Sql;
use crate::db::{from_ms, now_ms};
use crate::error::Error;

const COLUMNS: &str =
    "c.id, c.name, c.position, c.company_id, c.owner_id, c.type_id, c.tags, c.address, c.website,
    c.birthday, c.created_at, c.updated_at";

fn from_row(r: &AnyRow) -> Result<Contact, Error> {
    Ok(Contact {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        emails: Vec::new(),
        primary_email: None,
        phones: Vec::new(),
        position: r.try_get("position")?,
        company_id: r.try_get("company_id")?,
        owner_id: r.try_get("owner_id")?,
        type_id: r.try_get("type_id")?,
        tags: tags_from_column(&r.try_get::<String, _>("tags")?),
        address: r.try_get("address")?,
        website: r.try_get("website")?,
        birthday: r.try_get("birthday")?,
        consent: None,
        custom: Default::default(),
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

pub(super) fn consent_from_row(r: &AnyRow) -> Result<Consent, Error> {
    Ok(Consent {
        id: r.try_get("id")?,
        granted: r.try_get::<i64, _>("granted")? != 0,
        legal_basis: r.try_get("legal_basis")?,
        source: r.try_get("source")?,
        recorded_by: r.try_get("recorded_by")?,
        at: from_ms(r.try_get("at")?),
        lead_id: r.try_get("lead_id")?,
        text_version: r.try_get("text_version")?,
        consent_text: r.try_get("consent_text")?,
        client_addr: r.try_get("client_addr")?,
        page: r.try_get("page")?,
    })
}

/// Fills e-mails, phones and the latest consent of each contact.
async fn complete(
    conn: &mut AnyConnection,
    mut contacts: Vec<Contact>,
) -> Result<Vec<Contact>, Error> {
    if contacts.is_empty() {
        return Ok(contacts);
    }
    let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
    let mut sql =
        Sql::new("SELECT contact_id, email, is_primary FROM contact_emails WHERE contact_id IN ");
    sql.bind_list(ids.clone())
        .push(" ORDER BY is_primary DESC, email");
    for row in sql.query().fetch_all(&mut *conn).await? {
        let id: i64 = row.try_get("contact_id")?;
        let c = contacts
            .iter_mut()
            .find(|c| c.id == id)
            .expect("row of a listed contact");
        let email: String = row.try_get("email")?;
        if row.try_get::<i64, _>("is_primary")? != 0 {
            c.primary_email = Some(email.clone());
        }
        c.emails.push(email);
    }
    let mut sql = Sql::new("SELECT contact_id, phone FROM contact_phones WHERE contact_id IN ");
    sql.bind_list(ids.clone()).push(" ORDER BY phone");
    for row in sql.query().fetch_all(&mut *conn).await? {
        let id: i64 = row.try_get("contact_id")?;
        let c = contacts
            .iter_mut()
            .find(|c| c.id == id)
            .expect("row of a listed contact");
        c.phones.push(row.try_get("phone")?);
    }
    let mut sql = Sql::new(
        "SELECT e.id, e.contact_id, e.granted, e.legal_basis, e.source, e.recorded_by, e.at, e.lead_id, e.text_version, \
         e.consent_text, e.client_addr, e.page FROM consent_events e
         WHERE e.id IN (SELECT MAX(id) FROM consent_events WHERE contact_id IN ",
    );
    sql.bind_list(ids).push(" GROUP BY contact_id)");
    for row in sql.query().fetch_all(&mut *conn).await? {
        let id: i64 = row.try_get("contact_id")?;
        let c = contacts
            .iter_mut()
            .find(|c| c.id == id)
            .expect("row of a listed contact");
        c.consent = Some(consent_from_row(&row)?);
    }
    Ok(contacts)
}

/// Contacts by id (any order), with e-mails, phones and consent.
pub async fn get_many(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Contact>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for run in ids.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new("SELECT ");
        sql.push(COLUMNS)
            .push(" FROM contacts c WHERE c.id IN ")
            .bind_list(run.to_vec());
        let rows = sql.query().fetch_all(&mut *conn).await?;
        let found = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        out.extend(complete(&mut *conn, found).await?);
    }
    Ok(out)
}

/// The list filter over `r` (contacts); `phone_norm` is the filter's phone, normalized.
pub fn push_filter(sql: &mut Sql, f: &ContactFilter, phone_norm: Option<String>) {
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        sql.push(" AND r.search LIKE ")
            .bind(format!("%{}%", q.trim().to_lowercase()));
    }
    if let Some(email) = &f.email {
        sql.push(" AND r.id IN (SELECT contact_id FROM contact_emails WHERE email = ")
            .bind(email.trim().to_lowercase())
            .push(")");
    }
    if let Some(phone) = phone_norm {
        sql.push(" AND r.id IN (SELECT contact_id FROM contact_phones WHERE phone_norm = ")
            .bind(phone)
            .push(")");
    }
    if let Some(tag) = &f.tag {
        sql.push(" AND r.tags LIKE ")
            .bind(format!("%,{},%", tag.trim().to_lowercase()));
    }
    if let Some(month) = f.birthday_month {
        sql.push(" AND substr(r.birthday, 6, 2) = ")
            .bind(format!("{month:02}"));
    }
    for (column, value) in [
        ("r.owner_id", f.owner_id),
        ("r.company_id", f.company_id),
        ("r.type_id", f.type_id),
    ] {
        if let Some(v) = value {
            sql.push(" AND ").push(column).push(" = ").bind(v);
        }
    }
}

pub struct Write<'a> {
    pub name: &'a str,
    pub position: Option<&'a str>,
    pub company_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub type_id: Option<i64>,
    pub tags: &'a [String],
    pub search: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, w: &Write<'_>) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO contacts (name, position, company_id, owner_id, type_id, tags, search, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(w.name)
    .bind(w.position)
    .bind(w.company_id)
    .bind(w.owner_id)
    .bind(w.type_id)
    .bind(tags_to_column(w.tags))
    .bind(w.search)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(conn: &mut AnyConnection, id: i64, w: &Write<'_>) -> Result<(), Error> {
    sqlx::query(
        "UPDATE contacts SET name = $1, position = $2, company_id = $3, owner_id = $4, type_id = $5, tags = $6,
                search = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(w.name)
    .bind(w.position)
    .bind(w.company_id)
    .bind(w.owner_id)
    .bind(w.type_id)
    .bind(tags_to_column(w.tags))
    .bind(w.search)
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The standard fields beyond name, position and links.
pub struct Details<'a> {
    pub address: Option<&'a str>,
    pub website: Option<&'a str>,
    pub birthday: Option<&'a str>,
}

pub async fn set_details(conn: &mut AnyConnection, id: i64, d: &Details<'_>) -> Result<(), Error> {
    sqlx::query("UPDATE contacts SET address = $1, website = $2, birthday = $3 WHERE id = $4")
        .bind(d.address)
        .bind(d.website)
        .bind(d.birthday)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces e-mails (first = primary) and phones (`(as entered, normalized)`).
pub async fn set_addresses(
    conn: &mut AnyConnection,
    id: i64,
    emails: &[String],
    phones: &[(String, String)],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM contact_emails WHERE contact_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, email) in emails.iter().enumerate() {
        sqlx::query(
            "INSERT INTO contact_emails (contact_id, email, is_primary) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(email)
        .bind(i64::from(i == 0))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (raw, norm) in phones {
        sqlx::query(
            "INSERT INTO contact_phones (contact_id, phone, phone_norm) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(raw)
        .bind(norm)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A contact other than `except` having one of the e-mails or normalized phones.
pub async fn find_duplicate(
    conn: &mut AnyConnection,
    emails: &[String],
    phones: &[String],
    except: Option<i64>,
) -> Result<Option<(i64, String, Option<i64>)>, Error> {
    let mut sql = Sql::new("SELECT c.id, c.name, c.owner_id FROM contacts c WHERE c.id <> ");
    sql.bind(except.unwrap_or(0))
        .push(" AND (c.id IN (SELECT contact_id FROM contact_emails WHERE email IN ")
        .bind_list(emails.to_vec())
        .push(") OR c.id IN (SELECT contact_id FROM contact_phones WHERE phone_norm IN ")
        .bind_list(phones.to_vec())
        .push(")) ORDER BY c.id LIMIT 1");
    let row = sql.query().fetch_optional(conn).await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("owner_id")?)))
        .transpose()
}

pub async fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<i64>, Error> {
    let row = sqlx::query(
        "SELECT contact_id FROM contact_emails WHERE email = $1 ORDER BY contact_id LIMIT 1",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("contact_id")).transpose()?)
}

/// Every contact with this address (lower-case), by id.
pub async fn ids_by_email(conn: &mut AnyConnection, email: &str) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT contact_id FROM contact_emails WHERE email = $1 ORDER BY contact_id",
    )
    .bind(email)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get("contact_id").map_err(Error::from))
        .collect()
}

/// The contact's own rows (e-mails, phones and consent go with it by cascade).
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Points deals, leads and consent history of contact `from` at contact `to` (merge).
pub async fn repoint(conn: &mut AnyConnection, from: i64, to: i64) -> Result<(), Error> {
    for text in [
        "UPDATE deals SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE leads SET contact_id = $1 WHERE contact_id = $2",
        "UPDATE consent_events SET contact_id = $1 WHERE contact_id = $2",
    ] {
        sqlx::query(text)
            .bind(to)
            .bind(from)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Contacts of these companies (timeline roll-up).
pub async fn ids_of_companies(
    conn: &mut AnyConnection,
    companies: &[i64],
) -> Result<Vec<i64>, Error> {
    let mut sql = Sql::new("SELECT id FROM contacts WHERE company_id IN ");
    sql.bind_list(companies.to_vec());
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::from))
        .collect()
}

/// Every contact with this normalized (E.164) phone, by id.
pub async fn ids_by_phone(conn: &mut AnyConnection, phone_norm: &str) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT contact_id FROM contact_phones WHERE phone_norm = $1 ORDER BY contact_id",
    )
    .bind(phone_norm)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get("contact_id").map_err(Error::from))
        .collect()
}
