//! SQL of data subject requests: finding a person's rows across the CRM and mail (read-only, by address and
//! record id), the traces that no record skeleton removes (duplicate keys, lead claims, suppressions, bounces,
//! campaign recipients, webhook payloads, import undo data), and the requests' own tombstones.

use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

async fn ids(conn: &mut AnyConnection, head: &str, values: &[String]) -> Result<Vec<i64>, Error> {
    let mut out = Vec::new();
    for run in values.chunks(MAX_BINDS) {
        let mut sql = Sql::new(head);
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

async fn strings(
    conn: &mut AnyConnection,
    head: &str,
    of: &[i64],
    tail: &str,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for run in of.chunks(MAX_BINDS) {
        let mut sql = Sql::new(head);
        sql.bind_list(run.to_vec()).push(tail);
        for r in sql.query().fetch_all(&mut *conn).await? {
            for i in 0..r.len() {
                if let Some(v) = r.try_get::<Option<String>, _>(i)? {
                    out.push(v);
                }
            }
        }
    }
    Ok(out)
}

pub async fn existing_contacts(conn: &mut AnyConnection, of: &[i64]) -> Result<Vec<i64>, Error> {
    let mut out = Vec::new();
    for run in of.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT id FROM contacts WHERE id IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

pub async fn contacts_by_email(conn: &mut AnyConnection, a: &[String]) -> Result<Vec<i64>, Error> {
    ids(
        conn,
        "SELECT contact_id FROM contact_emails WHERE email IN ",
        a,
    )
    .await
}

pub async fn leads_by_email(conn: &mut AnyConnection, a: &[String]) -> Result<Vec<i64>, Error> {
    ids(conn, "SELECT id FROM leads WHERE email IN ", a).await
}

pub async fn leads_of_contacts(conn: &mut AnyConnection, of: &[i64]) -> Result<Vec<i64>, Error> {
    let mut out = Vec::new();
    for run in of.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT id FROM leads WHERE contact_id IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

pub async fn contact_emails(conn: &mut AnyConnection, of: &[i64]) -> Result<Vec<String>, Error> {
    strings(
        conn,
        "SELECT email FROM contact_emails WHERE contact_id IN ",
        of,
        "",
    )
    .await
}

pub async fn lead_emails(conn: &mut AnyConnection, of: &[i64]) -> Result<Vec<String>, Error> {
    strings(conn, "SELECT email FROM leads WHERE id IN ", of, "").await
}

/// Names and phones (as written and normalized) of these contacts and leads.
pub async fn words(
    conn: &mut AnyConnection,
    contacts: &[i64],
    leads: &[i64],
) -> Result<Vec<String>, Error> {
    let mut out = strings(
        &mut *conn,
        "SELECT name FROM contacts WHERE id IN ",
        contacts,
        "",
    )
    .await?;
    out.extend(
        strings(
            &mut *conn,
            "SELECT phone, phone_norm FROM contact_phones WHERE contact_id IN ",
            contacts,
            "",
        )
        .await?,
    );
    out.extend(
        strings(
            &mut *conn,
            "SELECT name, phone, phone_norm FROM leads WHERE id IN ",
            leads,
            "",
        )
        .await?,
    );
    Ok(out)
}

/// Messages where one of the addresses takes part in any role.
pub async fn messages_with(conn: &mut AnyConnection, a: &[String]) -> Result<Vec<i64>, Error> {
    ids(
        conn,
        "SELECT message_id FROM message_addresses WHERE address IN ",
        a,
    )
    .await
}

/// Every participant address of a message, lower-case.
pub async fn participant_addresses(
    conn: &mut AnyConnection,
    message: i64,
) -> Result<Vec<String>, Error> {
    let rows = sqlx::query("SELECT address FROM message_addresses WHERE message_id = $1")
        .bind(message)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?.to_lowercase()))
        .collect()
}

/// Our users' and mailboxes' addresses, lower-case: internal participants.
pub async fn internal_addresses(conn: &mut AnyConnection) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for text in ["SELECT email FROM users", "SELECT username FROM mailboxes"] {
        for r in sqlx::query(text).fetch_all(&mut *conn).await? {
            out.push(r.try_get::<String, _>(0)?.to_lowercase());
        }
    }
    Ok(out)
}

pub async fn raw_of(conn: &mut AnyConnection, message: i64) -> Result<Option<Vec<u8>>, Error> {
    let row = sqlx::query(
        "SELECT r.bytes FROM raw_messages r JOIN messages m ON m.hash = r.hash WHERE m.id = $1",
    )
    .bind(message)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Consent decisions of these contacts and leads (a web form's, with the words agreed to, the client address and
/// the page), oldest first.
pub async fn consent(
    conn: &mut AnyConnection,
    contacts: &[i64],
    leads: &[i64],
) -> Result<Vec<Value>, Error> {
    let mut found = std::collections::BTreeMap::new();
    for (column, ids) in [("contact_id", contacts), ("lead_id", leads)] {
        for run in ids.chunks(MAX_BINDS) {
            let mut sql = Sql::new(&format!(
                "SELECT id, contact_id, granted, legal_basis, source, recorded_by, at, lead_id, text_version, \
                 consent_text, client_addr, page FROM consent_events WHERE {column} IN "
            ));
            sql.bind_list(run.to_vec());
            for r in sql.query().fetch_all(&mut *conn).await? {
                let id: i64 = r.try_get(0)?;
                found.insert(
                    id,
                    json!({
                        "id": id,
                        "contact_id": r.try_get::<Option<i64>, _>(1)?,
                        "granted": r.try_get::<i64, _>(2)? != 0,
                        "legal_basis": r.try_get::<String, _>(3)?,
                        "source": r.try_get::<String, _>(4)?,
                        "recorded_by": r.try_get::<Option<i64>, _>(5)?,
                        "at": rfc3339(r.try_get(6)?),
                        "lead_id": r.try_get::<Option<i64>, _>(7)?,
                        "text_version": r.try_get::<Option<i64>, _>(8)?,
                        "consent_text": r.try_get::<Option<String>, _>(9)?,
                        "client_addr": r.try_get::<Option<String>, _>(10)?,
                        "page": r.try_get::<Option<String>, _>(11)?,
                    }),
                );
            }
        }
    }
    Ok(found.into_values().collect())
}

fn rfc3339(ms: i64) -> String {
    crate::db::from_ms(ms)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Notes on one record, oldest first.
pub async fn notes(conn: &mut AnyConnection, kind: &str, id: i64) -> Result<Vec<Value>, Error> {
    let rows = sqlx::query(
        "SELECT id, body, author_id, created_at FROM notes WHERE record_kind = $1 AND record_id = $2 ORDER BY id",
    )
    .bind(kind.to_string())
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({ "id": r.try_get::<i64, _>(0)?, "body": r.try_get::<String, _>(1)?,
                "author_id": r.try_get::<Option<i64>, _>(2)?, "created_at": rfc3339(r.try_get(3)?) }))
        })
        .collect()
}

pub async fn note_ids(conn: &mut AnyConnection, kind: &str, id: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query("SELECT id FROM notes WHERE record_kind = $1 AND record_id = $2")
        .bind(kind.to_string())
        .bind(id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Tasks on one record, oldest first.
pub async fn tasks(conn: &mut AnyConnection, kind: &str, id: i64) -> Result<Vec<Value>, Error> {
    let rows = sqlx::query(
        "SELECT id, title, due_at, done, assignee_id, created_at FROM tasks WHERE record_kind = $1 AND record_id = $2 ORDER BY id",
    )
    .bind(kind.to_string())
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({ "id": r.try_get::<i64, _>(0)?, "title": r.try_get::<String, _>(1)?,
                "due_at": r.try_get::<Option<i64>, _>(2)?.map(rfc3339), "done": r.try_get::<i64, _>(3)? != 0,
                "assignee_id": r.try_get::<Option<i64>, _>(4)?, "created_at": rfc3339(r.try_get(5)?) }))
        })
        .collect()
}

/// Removes what the person leaves outside their records and mail; returns how many rows. `values` are their
/// addresses, names and phones; `records` their `(kind, id)`s.
pub async fn erase_traces(
    conn: &mut AnyConnection,
    addresses: &[String],
    values: &[String],
    records: &[(&str, i64)],
    pseudonym: &str,
) -> Result<u64, Error> {
    let mut n = 0;
    for run in addresses.chunks(MAX_BINDS) {
        for text in [
            "DELETE FROM lead_claims WHERE email IN ",
            "DELETE FROM suppressions WHERE address IN ",
            "DELETE FROM bounces WHERE address IN ",
        ] {
            let mut sql = Sql::new(text);
            sql.bind_list(run.to_vec());
            n += sql.query().execute(&mut *conn).await?.rows_affected();
        }
        // A recipient row is the campaign's history (counts, states): kept, without the address.
        let mut sql = Sql::new("UPDATE campaign_recipients SET address = ");
        sql.bind(pseudonym.to_string())
            .push(" || '.' || CAST(id AS TEXT), error = NULL WHERE address IN ")
            .bind_list(run.to_vec());
        n += sql.query().execute(&mut *conn).await?.rows_affected();
    }
    // Duplicate counters of deleted records drop to zero, but the row keeps the value.
    for run in values.chunks(MAX_BINDS) {
        let mut sql = Sql::new("DELETE FROM duplicate_keys WHERE n <= 0 AND value IN ");
        sql.bind_list(run.to_vec());
        n += sql.query().execute(&mut *conn).await?.rows_affected();
    }
    for &(kind, id) in records {
        let q = sqlx::query("DELETE FROM import_records WHERE record_kind = $1 AND record_id = $2")
            .bind(kind.to_string())
            .bind(id);
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    for v in values
        .iter()
        .chain(addresses)
        .filter(|v| v.trim().chars().count() >= 3)
    {
        let escaped = v
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let q = sqlx::query(
            "UPDATE webhook_deliveries SET payload = '{\"erased\":true}' WHERE payload LIKE $1 ESCAPE '\\'",
        )
        .bind(format!("%{escaped}%"));
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// The install's salt of subject hashes, made on first use.
pub async fn salt(conn: &mut AnyConnection) -> Result<String, Error> {
    use rand::Rng;
    let fresh: String = (0..32)
        .map(|_| format!("{:02x}", rand::thread_rng().gen::<u8>()))
        .collect();
    sqlx::query("INSERT INTO privacy_salt (id, salt) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
        .bind(fresh)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT salt FROM privacy_salt WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn insert_request(
    conn: &mut AnyConnection,
    kind: &str,
    by: i64,
    reason: Option<&str>,
    subject_hash: &str,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO privacy_requests (kind, requested_by, at, reason, subject_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(kind.to_string())
    .bind(by)
    .bind(now_ms())
    .bind(reason.map(str::to_string))
    .bind(subject_hash.to_string())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

pub async fn set_counts(conn: &mut AnyConnection, id: i64, counts: &Value) -> Result<(), Error> {
    sqlx::query("UPDATE privacy_requests SET counts = $1 WHERE id = $2")
        .bind(counts.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Earlier requests about the same subject hash: `(id, kind)`, oldest first.
pub async fn earlier(
    conn: &mut AnyConnection,
    subject_hash: &str,
) -> Result<Vec<(i64, String)>, Error> {
    let rows =
        sqlx::query("SELECT id, kind FROM privacy_requests WHERE subject_hash = $1 ORDER BY id")
            .bind(subject_hash.to_string())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Deletes the consent history of these contacts and leads (it would go by cascade with them; deleted first to
/// count it).
pub async fn delete_consent(
    conn: &mut AnyConnection,
    contacts: &[i64],
    leads: &[i64],
) -> Result<u64, Error> {
    let mut n = 0;
    for (column, ids) in [("contact_id", contacts), ("lead_id", leads)] {
        for run in ids.chunks(MAX_BINDS) {
            let mut sql = Sql::new(&format!("DELETE FROM consent_events WHERE {column} IN "));
            sql.bind_list(run.to_vec());
            n += sql.query().execute(&mut *conn).await?.rows_affected();
        }
    }
    Ok(n)
}
