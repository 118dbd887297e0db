//! SQL of linking a batch of ingested mail at once: multi-row statements of at most `MAX_BINDS` values.

use sqlx::{AnyConnection, Row};

use crate::crm::RecordKind;
use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// Automatic links for many messages at once; an existing link (or a manual removal) for a pair stays as it is.
pub async fn add_auto_links(
    conn: &mut AnyConnection,
    rows: &[(i64, RecordKind, i64)],
) -> Result<(), Error> {
    let now = now_ms();
    for run in rows.chunks(MAX_BINDS / 4) {
        let mut sql = Sql::new(
            "INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) VALUES ",
        );
        for (i, (message_id, kind, id)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*message_id)
                .push(", ")
                .bind(kind.as_str())
                .push(", ")
                .bind(*id)
                .push(", 'auto', 0, ")
                .bind(now)
                .push(")");
        }
        sql.push(" ON CONFLICT (message_id, record_kind, record_id) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which of these addresses any lead (open or converted) has.
pub async fn lead_emails(
    conn: &mut AnyConnection,
    addresses: &[String],
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for run in addresses.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT DISTINCT email FROM leads WHERE email IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get("email")?);
        }
    }
    Ok(out)
}

/// `link_earlier_mail` for many records of one kind at once: `(record id, address or domain)` pairs.
pub async fn link_earlier_mail_many(
    conn: &mut AnyConnection,
    kind: RecordKind,
    pairs: &[(i64, String)],
) -> Result<(), Error> {
    let column = if kind == RecordKind::Company {
        "domain"
    } else {
        "address"
    };
    for run in pairs.chunks(MAX_BINDS / 2) {
        let mut sql = Sql::new("WITH v (id, value) AS (VALUES ");
        for (i, (id, value)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(value.clone())
                .push(")");
        }
        sql.push(") INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) SELECT DISTINCT a.message_id, ")
            .bind(kind.as_str())
            .push(", v.id, 'auto', 0, ")
            .bind(now_ms())
            .push(" FROM message_addresses a JOIN v ON a.")
            .push(column)
            .push(" = v.value WHERE a.role IN ('from', 'sender', 'reply_to', 'to', 'cc')");
        sql.push(" ON CONFLICT (message_id, record_kind, record_id) DO NOTHING");
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Claims the right to create the automatic leads of these addresses; returns those claimed (others are held by
/// another ingest, or by a lead made before).
pub async fn claim_leads(
    conn: &mut AnyConnection,
    emails: &[String],
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for run in emails.chunks(MAX_BINDS) {
        let mut sql = Sql::new("INSERT INTO lead_claims (email, lead_id) VALUES ");
        for (i, email) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(email.clone())
                .push(", 0)");
        }
        sql.push(" ON CONFLICT (email) DO NOTHING RETURNING email");
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get("email")?);
        }
    }
    Ok(out)
}

pub async fn confirm_claims(conn: &mut AnyConnection, made: &[(i64, String)]) -> Result<(), Error> {
    for run in made.chunks(MAX_BINDS / 2) {
        let mut sql = Sql::new("WITH v (id, email) AS (VALUES ");
        for (i, (id, email)) in run.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(email.clone())
                .push(")");
        }
        sql.push(
            ") UPDATE lead_claims SET lead_id = (SELECT v.id FROM v WHERE v.email = lead_claims.email)
             WHERE email IN (SELECT v.email FROM v)",
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
