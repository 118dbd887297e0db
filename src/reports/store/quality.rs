//! The SQL of data quality: contacts' missing fields and role addresses and records untouched since a cutoff, from
//! the per-record rows kept in `quality_records`, and likely duplicate pairs from the repeated values counted in
//! `duplicate_keys`.

use sqlx::{AnyConnection, Row};

use super::{push_owners, Slice};
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

pub struct ContactCounts {
    pub contacts: i64,
    pub without_email: i64,
    pub without_phone: i64,
    pub without_company: i64,
    pub role_addresses: i64,
}

/// The characters a role part may hold (lowercase letters, digits, '-': `quality::ROLE_PARTS`, which a test checks).
const LOCAL_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789-";

/// `EXISTS (an e-mail of contact `alias` whose local part is one of `parts`)`; the list must not be empty.
pub fn push_role_address(sql: &mut Sql, alias: &str, parts: &[&str]) {
    // The local part is what ltrim strips of the characters a role part may hold; it is a role address when the
    // rest begins with '@' and the stripped part is in the list: one IN look-up per address instead of a LIKE per
    // role part (SQLite: 190 → 70 ms over 110 000 addresses). ltrim/substr/length mean the same on both backends.
    sql.push("EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = ")
        .push(alias)
        .push(".id AND substr(e.email, 1, length(e.email) - length(ltrim(e.email, ")
        .bind(LOCAL_CHARS)
        .push("))) IN ")
        .bind_list(parts.iter().map(|p| p.to_string()).collect::<Vec<_>>())
        .push(" AND substr(ltrim(e.email, ")
        .bind(LOCAL_CHARS)
        .push("), 1, 1) = '@')");
}

/// The slice's contacts and their missing fields, summed over the per-record rows (`store::quality_records`,
/// refreshed before the report): one covering index range instead of three look-ups per contact.
pub async fn contacts(conn: &mut AnyConnection, s: &Slice) -> Result<ContactCounts, Error> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) AS contacts,
            CAST(COALESCE(SUM(c.no_email), 0) AS BIGINT) AS without_email,
            CAST(COALESCE(SUM(c.no_phone), 0) AS BIGINT) AS without_phone,
            CAST(COALESCE(SUM(c.no_company), 0) AS BIGINT) AS without_company,
            CAST(COALESCE(SUM(c.role_address), 0) AS BIGINT) AS role_addresses
         FROM quality_records c WHERE c.record_kind = 'contact'",
    );
    push_owners(&mut sql, s, "c");
    let r = sql.query().fetch_one(conn).await?;
    Ok(ContactCounts {
        contacts: r.try_get("contacts")?,
        without_email: r.try_get("without_email")?,
        without_phone: r.try_get("without_phone")?,
        without_company: r.try_get("without_company")?,
        role_addresses: r.try_get("role_addresses")?,
    })
}

/// Per kind (contacts, companies, leads, deals): records in the slice with no change, note, task change or linked
/// human mail since `cutoff`; leads only while new or in work, deals only while in an open stage. Each record's
/// latest touch is kept in `quality_records`, so this is an index range per kind instead of a set difference
/// over the notes, tasks and mail of 90 days (0.4 s of CPU for the admin on the benchmark's database, SQLite).
pub async fn untouched(
    conn: &mut AnyConnection,
    s: &Slice,
    cutoff: i64,
) -> Result<[i64; 4], Error> {
    let kinds = [
        RecordKind::Contact,
        RecordKind::Company,
        RecordKind::Lead,
        RecordKind::Deal,
    ];
    let mut sql = Sql::new(
        "SELECT r.record_kind AS kind, COUNT(*) AS n FROM quality_records r
         WHERE r.record_kind IN ('contact', 'company', 'lead', 'deal') AND r.open = 1 AND r.touched_at < ",
    );
    sql.bind(cutoff);
    push_owners(&mut sql, s, "r");
    sql.push(" GROUP BY r.record_kind");
    let mut out = [0; 4];
    for r in sql.query().fetch_all(conn).await? {
        let kind: String = r.try_get("kind")?;
        if let Some(i) = kinds.iter().position(|k| k.as_str() == kind) {
            out[i] = r.try_get("n")?;
        }
    }
    Ok(out)
}

/// Likely duplicate pairs of `kind` (the duplicates list's rules: a shared e-mail, phone, domain or normalized
/// name; converted leads left out), each pair once however many values its two records share, both in the slice.
pub async fn duplicate_pairs(
    conn: &mut AnyConnection,
    s: &Slice,
    kind: RecordKind,
) -> Result<i64, Error> {
    let pairs = match kind {
        RecordKind::Contact => {
            "SELECT a.contact_id AS a, b.contact_id AS b
               FROM duplicate_keys d JOIN contact_emails a ON a.email = d.value
               JOIN contact_emails b ON b.email = d.value AND a.contact_id < b.contact_id
              WHERE d.kind = 'contact' AND d.reason = 'email' AND d.n > 1
             UNION SELECT a.contact_id, b.contact_id
               FROM duplicate_keys d JOIN contact_phones a ON a.phone_norm = d.value
               JOIN contact_phones b ON b.phone_norm = d.value AND a.contact_id < b.contact_id
              WHERE d.kind = 'contact' AND d.reason = 'phone' AND d.n > 1"
        }
        RecordKind::Company => {
            "SELECT a.company_id AS a, b.company_id AS b
               FROM duplicate_keys d JOIN company_domains a ON a.domain = d.value
               JOIN company_domains b ON b.domain = d.value AND a.company_id < b.company_id
              WHERE d.kind = 'company' AND d.reason = 'domain' AND d.n > 1
             UNION SELECT a.id, b.id
               FROM duplicate_keys d JOIN companies a ON a.name_norm = d.value
               JOIN companies b ON b.name_norm = d.value AND a.id < b.id
              WHERE d.kind = 'company' AND d.reason = 'name' AND d.n > 1"
        }
        RecordKind::Lead => {
            "SELECT a.id AS a, b.id AS b
               FROM duplicate_keys d JOIN leads a ON a.email = d.value
               JOIN leads b ON b.email = d.value AND a.id < b.id
              WHERE d.kind = 'lead' AND d.reason = 'email' AND d.n > 1
                AND a.status <> 'converted' AND b.status <> 'converted'
             UNION SELECT a.id, b.id
               FROM duplicate_keys d JOIN leads a ON a.phone_norm = d.value
               JOIN leads b ON b.phone_norm = d.value AND a.id < b.id
              WHERE d.kind = 'lead' AND d.reason = 'phone' AND d.n > 1
                AND a.status <> 'converted' AND b.status <> 'converted'"
        }
        RecordKind::Deal => return Ok(0),
    };
    // UNION (not UNION ALL) already keeps each (a, b) once.
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM (");
    sql.push(pairs)
        .push(") x JOIN ")
        .push(kind.table())
        .push(" ra ON ra.id = x.a JOIN ")
        .push(kind.table())
        .push(" rb ON rb.id = x.b WHERE 1 = 1");
    push_owners(&mut sql, s, "ra");
    push_owners(&mut sql, s, "rb");
    Ok(sql.query().fetch_one(conn).await?.try_get("n")?)
}
