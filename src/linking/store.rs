//! SQL of classification, message links, domain lists, bounces and lead claims. Lookups of contacts, leads and
//! companies by address and domain read the CRM tables directly: linking is the join between mail and records.

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use crate::crm::RecordKind;
use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

pub async fn set_class(
    conn: &mut AnyConnection,
    message_id: i64,
    class: &str,
    reason: &str,
    direction: &str,
    mailbox_id: Option<i64>,
    manual: bool,
) -> Result<(), Error> {
    sqlx::query("UPDATE messages SET class = $1, class_reason = $2, direction = $3, mailbox_id = COALESCE($4, mailbox_id), class_manual = $5 WHERE id = $6")
        .bind(class)
        .bind(reason)
        .bind(direction)
        .bind(mailbox_id)
        .bind(i64::from(manual))
        .bind(message_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `(class, reason, direction, manual, mailbox_id)`
pub async fn class_of(
    conn: &mut AnyConnection,
    message_id: i64,
) -> Result<Option<(String, Option<String>, String, bool, Option<i64>)>, Error> {
    let row = sqlx::query("SELECT class, class_reason, direction, class_manual, mailbox_id FROM messages WHERE id = $1")
        .bind(message_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("class")?,
            r.try_get("class_reason")?,
            r.try_get("direction")?,
            r.try_get::<i64, _>("class_manual")? != 0,
            r.try_get("mailbox_id")?,
        ))
    })
    .transpose()
}

/// `(address, status, kind, original_message_id, verified)` of recorded bounces, newest first.
pub async fn bounces(
    pool: &AnyPool,
    address: Option<&str>,
) -> Result<Vec<(String, String, String, Option<String>, bool)>, Error> {
    let mut sql =
        Sql::new("SELECT address, status, CASE WHEN hard = 1 THEN 'hard' ELSE 'soft' END AS kind, original_message_id, verified FROM bounces WHERE 1 = 1");
    if let Some(a) = address {
        sql.push(" AND address = ").bind(a.to_lowercase());
    }
    sql.push(" ORDER BY id DESC LIMIT 500");
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("address")?,
                r.try_get("status")?,
                r.try_get("kind")?,
                r.try_get("original_message_id")?,
                r.try_get::<i64, _>("verified")? != 0,
            ))
        })
        .collect()
}

/// Whether mail with this Message-ID, found in a Sent folder (where nobody outside can put it), went to `address`.
pub async fn sent_mail_to(pool: &AnyPool, message_id: &str, address: &str) -> Result<bool, Error> {
    let row = sqlx::query(
        "SELECT 1 AS found FROM messages m
         JOIN message_locations l ON l.message_id = m.id
         JOIN mail_folders f ON f.id = l.folder_id AND f.role = 'sent'
         JOIN message_addresses a ON a.message_id = m.id AND a.role IN ('to', 'cc', 'bcc')
         WHERE m.message_id = $1 AND a.address = $2 LIMIT 1",
    )
    .bind(message_id)
    .bind(address)
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// `(matched value, record id)` of records of `kind` matching the addresses (contacts, open leads) or domains (companies).
pub async fn records_for(
    conn: &mut AnyConnection,
    kind: RecordKind,
    values: &[String],
) -> Result<Vec<(String, i64)>, Error> {
    let head = match kind {
        RecordKind::Contact => {
            "SELECT email AS v, contact_id AS id FROM contact_emails WHERE email IN "
        }
        RecordKind::Lead => {
            "SELECT email AS v, id FROM leads WHERE status <> 'converted' AND email IN "
        }
        RecordKind::Company => {
            "SELECT domain AS v, company_id AS id FROM company_domains WHERE domain IN "
        }
        RecordKind::Deal => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for run in values.chunks(MAX_BINDS) {
        let mut sql = Sql::new(head);
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push((r.try_get("v")?, r.try_get("id")?));
        }
    }
    Ok(out)
}

/// A user's decision: linked (`removed` false) or unlinked, which later automatic runs never override.
pub async fn set_manual_link(
    conn: &mut AnyConnection,
    message_id: i64,
    kind: RecordKind,
    id: i64,
    removed: bool,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) VALUES ($1, $2, $3, 'manual', $4, $5)
         ON CONFLICT (message_id, record_kind, record_id) DO UPDATE SET source = 'manual', removed = $4",
    )
    .bind(message_id)
    .bind(kind.as_str())
    .bind(id)
    .bind(i64::from(removed))
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the message is linked (and not unlinked by hand) to this record.
pub async fn is_linked(
    pool: &AnyPool,
    message_id: i64,
    kind: RecordKind,
    record_id: i64,
) -> Result<bool, Error> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM message_links
         WHERE message_id = $1 AND record_kind = $2 AND record_id = $3 AND removed = 0",
    )
    .bind(message_id)
    .bind(kind.as_str())
    .bind(record_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

/// `(kind, id, source, removed)`
pub async fn links_of(
    conn: &mut AnyConnection,
    message_id: i64,
) -> Result<Vec<(String, i64, String, bool)>, Error> {
    let rows = sqlx::query("SELECT record_kind, record_id, source, removed FROM message_links WHERE message_id = $1 ORDER BY record_kind, record_id")
        .bind(message_id)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("record_kind")?,
                r.try_get("record_id")?,
                r.try_get("source")?,
                r.try_get::<i64, _>("removed")? != 0,
            ))
        })
        .collect()
}

/// Links earlier mail to a record created or changed later: mail with these addresses (or company domains).
pub async fn link_earlier_mail(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
    values: &[String],
) -> Result<(), Error> {
    let column = if kind == RecordKind::Company {
        "domain"
    } else {
        "address"
    };
    let mut sql = Sql::new("INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) SELECT DISTINCT a.message_id, ");
    sql.bind(kind.as_str())
        .push(", ")
        .bind(id)
        .push(", 'auto', 0, ")
        .bind(now_ms());
    sql.push(" FROM message_addresses a WHERE a.role IN ('from', 'sender', 'reply_to', 'to', 'cc') AND a.").push(column).push(" IN ");
    sql.bind_list(values.to_vec());
    // The filters ingest applies: mail among ourselves and never-logged people stay unlinked.
    sql.push(
        " AND a.message_id IN (SELECT id FROM messages WHERE class <> 'internal')
         AND NOT EXISTS (SELECT 1 FROM message_addresses n JOIN never_log x ON x.entry = n.address OR x.entry = n.domain
                         WHERE n.message_id = a.message_id)",
    );
    sql.push(" ON CONFLICT (message_id, record_kind, record_id) DO NOTHING");
    sql.query().execute(conn).await?;
    Ok(())
}

/// The addresses (or, for companies, domains) among `values` that occur in any message (`link_records` links only
/// those records).
pub async fn values_in_mail(
    conn: &mut AnyConnection,
    kind: RecordKind,
    values: &[String],
) -> Result<std::collections::HashSet<String>, Error> {
    let column = if kind == RecordKind::Company {
        "domain"
    } else {
        "address"
    };
    let mut found = std::collections::HashSet::new();
    for chunk in values.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT DISTINCT ");
        sql.push(column)
            .push(" AS v FROM message_addresses WHERE ")
            .push(column)
            .push(" IN ")
            .bind_list(chunk.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            found.insert(r.try_get("v")?);
        }
    }
    Ok(found)
}

/// Moves a record's links to another record (lead conversion, merges); a decision on the target wins.
pub async fn move_links(
    conn: &mut AnyConnection,
    from: (RecordKind, i64),
    to: (RecordKind, i64),
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at)
         SELECT message_id, $1, $2, source, removed, created_at FROM message_links WHERE record_kind = $3 AND record_id = $4
         ON CONFLICT (message_id, record_kind, record_id) DO NOTHING",
    )
    .bind(to.0.as_str())
    .bind(to.1)
    .bind(from.0.as_str())
    .bind(from.1)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM message_links WHERE record_kind = $1 AND record_id = $2")
        .bind(from.0.as_str())
        .bind(from.1)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes over a claim whose lead was since deleted; false when the claim is live (another ingest's, or a lead's).
pub async fn reclaim_lead(conn: &mut AnyConnection, email: &str) -> Result<bool, Error> {
    // A claim whose lead was since deleted may be taken again.
    let stale = sqlx::query("UPDATE lead_claims SET lead_id = 0 WHERE email = $1 AND lead_id <> 0 AND lead_id NOT IN (SELECT id FROM leads)")
        .bind(email)
        .execute(conn)
        .await?;
    Ok(stale.rows_affected() == 1)
}

/// The list tables an admin edits: `own_domains`, `freemail_domains`, `never_log`.
#[derive(Debug, Clone, Copy)]
pub enum List {
    OwnDomains,
    FreemailDomains,
    NeverLog,
}

impl List {
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            List::OwnDomains => ("own_domains", "domain"),
            List::FreemailDomains => ("freemail_domains", "domain"),
            List::NeverLog => ("never_log", "entry"),
        }
    }
}

pub async fn list<'c, E>(db: E, list: List) -> Result<Vec<String>, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let (table, column) = list.sql();
    let text = format!("SELECT {column} AS v FROM {table} ORDER BY {column}");
    let rows = sqlx::query(AssertSqlSafe(text)).fetch_all(db).await?;
    rows.iter()
        .map(|r| r.try_get("v").map_err(Error::from))
        .collect()
}

pub async fn add(pool: &AnyPool, list: List, value: &str) -> Result<(), Error> {
    let (table, column) = list.sql();
    let text =
        format!("INSERT INTO {table} ({column}) VALUES ($1) ON CONFLICT ({column}) DO NOTHING");
    sqlx::query(AssertSqlSafe(text))
        .bind(value)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn remove(pool: &AnyPool, list: List, value: &str) -> Result<bool, Error> {
    let (table, column) = list.sql();
    let text = format!("DELETE FROM {table} WHERE {column} = $1");
    Ok(sqlx::query(AssertSqlSafe(text))
        .bind(value)
        .execute(pool)
        .await?
        .rows_affected()
        > 0)
}

/// Domains of the connected mailboxes' addresses (their user names).
pub async fn mailbox_usernames<'c, E>(db: E) -> Result<Vec<String>, Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT username FROM mailboxes")
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| r.try_get("username").map_err(Error::from))
        .collect()
}

/// `(lead owner, leads from outgoing mail)` of a mailbox.
pub async fn mailbox_rules(pool: &AnyPool, mailbox_id: i64) -> Result<(Option<i64>, bool), Error> {
    let row = sqlx::query("SELECT lead_owner_id, leads_from_outgoing FROM mailboxes WHERE id = $1")
        .bind(mailbox_id)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(r) => Ok((
            r.try_get("lead_owner_id")?,
            r.try_get::<i64, _>("leads_from_outgoing")? != 0,
        )),
        None => Ok((None, false)),
    }
}
