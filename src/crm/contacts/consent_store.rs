//! SQL of consent history: a contact's consents and withdrawals, and consents given through web forms on a lead
//! or a contact (with the words, their version, the client address and the page); a converted lead's consents
//! passed to its contact.

use sqlx::{AnyConnection, Row};

use super::model::Consent;
use super::store::consent_from_row;
use crate::db::now_ms;
use crate::error::Error;

pub async fn lead_consent_history(
    conn: &mut AnyConnection,
    lead_id: i64,
) -> Result<Vec<Consent>, Error> {
    let sql =
        format!("SELECT {CONSENT_COLUMNS} FROM consent_events WHERE lead_id = $1 ORDER BY id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(lead_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(consent_from_row).collect()
}

/// A consent given through a web form, on a contact or on a lead (`record`: which column gets the id).
pub struct WebConsentRow<'a> {
    pub contact_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub legal_basis: &'a str,
    pub source: &'a str,
    pub by: i64,
    pub text_version: i64,
    pub text: &'a str,
    pub client_addr: &'a str,
    pub page: Option<&'a str>,
}

pub async fn insert_web_consent(
    conn: &mut AnyConnection,
    c: &WebConsentRow<'_>,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO consent_events (contact_id, lead_id, granted, legal_basis, source, recorded_by, at, \
         text_version, consent_text, client_addr, page) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(c.contact_id)
    .bind(c.lead_id)
    .bind(c.legal_basis)
    .bind(c.source)
    .bind(c.by)
    .bind(now_ms())
    .bind(c.text_version)
    .bind(c.text)
    .bind(c.client_addr)
    .bind(c.page)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A converted lead's consents become its contact's too (the lead keeps them in its history).
pub async fn adopt_lead_consent(
    conn: &mut AnyConnection,
    lead_id: i64,
    contact_id: i64,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "UPDATE consent_events SET contact_id = $1 WHERE lead_id = $2 AND contact_id IS NULL",
    )
    .bind(contact_id)
    .bind(lead_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A merged lead's consents go to the lead it is merged into (before it is deleted, which would drop them).
pub async fn repoint_lead_consent(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE consent_events SET lead_id = $1 WHERE lead_id = $2")
        .bind(to)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_consent(
    conn: &mut AnyConnection,
    id: i64,
    granted: bool,
    basis: &str,
    source: &str,
    by: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO consent_events (contact_id, granted, legal_basis, source, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(i64::from(granted))
    .bind(basis)
    .bind(source)
    .bind(by)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a decision taken by the addressee themselves (no user) on every contact with this address.
pub async fn insert_consent_for_email(
    conn: &mut AnyConnection,
    email: &str,
    granted: bool,
    basis: &str,
    source: &str,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "INSERT INTO consent_events (contact_id, granted, legal_basis, source, recorded_by, at)
         SELECT contact_id, $1, $2, $3, NULL, $4 FROM contact_emails WHERE email = $5",
    )
    .bind(i64::from(granted))
    .bind(basis)
    .bind(source)
    .bind(now_ms())
    .bind(email)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub(super) const CONSENT_COLUMNS: &str =
    "id, granted, legal_basis, source, recorded_by, at, lead_id, text_version, consent_text, client_addr, page";

pub async fn consent_history(conn: &mut AnyConnection, id: i64) -> Result<Vec<Consent>, Error> {
    let sql = format!(
        "SELECT {CONSENT_COLUMNS} FROM consent_events WHERE contact_id = $1 ORDER BY id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(consent_from_row).collect()
}
