//! SQL of a mailbox's own SMTP settings (columns of `mailboxes`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::super::model::Security;
use super::super::smtp_settings::{SmtpAuth, SmtpView, SmtpWrite};
use crate::error::Error;

/// The settings of a row read with the mailbox's columns; none without a host.
pub fn view(r: &AnyRow) -> Result<Option<SmtpView>, Error> {
    let Some(host) = r.try_get::<Option<String>, _>("smtp_host")? else {
        return Ok(None);
    };
    Ok(Some(SmtpView {
        host,
        port: r.try_get::<Option<i64>, _>("smtp_port")?.unwrap_or(587),
        security: Security::parse(
            &r.try_get::<Option<String>, _>("smtp_security")?
                .unwrap_or_default(),
        ),
        auth: SmtpAuth::from_column(
            &r.try_get::<Option<String>, _>("smtp_auth")?
                .unwrap_or_default(),
        ),
        username: r.try_get("smtp_username")?,
        address: r.try_get("smtp_address")?,
        password_set: r
            .try_get::<Option<String>, _>("smtp_password_enc")?
            .is_some(),
    }))
}

/// Stores the settings (none: the mailbox does not send).
pub async fn set(conn: &mut AnyConnection, id: i64, w: Option<&SmtpWrite>) -> Result<(), Error> {
    let v = w.map(|w| &w.view);
    sqlx::query(
        "UPDATE mailboxes SET smtp_host = $1, smtp_port = $2, smtp_security = $3, smtp_auth = $4, smtp_username = $5,
                smtp_password_enc = $6, smtp_address = $7 WHERE id = $8",
    )
    .bind(v.map(|v| v.host.clone()))
    .bind(v.map(|v| v.port))
    .bind(v.map(|v| v.security.as_str()))
    .bind(v.map(|v| v.auth.as_str()))
    .bind(v.and_then(|v| v.username.clone()))
    .bind(w.and_then(|w| w.password_enc.clone()))
    .bind(v.and_then(|v| v.address.clone()))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
