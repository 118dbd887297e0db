//! SQL of the recipient's time zone: the company a contact works for (its own zone field may be empty).

use sqlx::{AnyConnection, Row};

use crate::error::Error;

pub async fn company_of(conn: &mut AnyConnection, contact: i64) -> Result<Option<i64>, Error> {
    let row = sqlx::query("SELECT company_id FROM contacts WHERE id = $1")
        .bind(contact)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>("company_id"))
        .transpose()?
        .flatten())
}
