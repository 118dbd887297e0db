//! SQL of enrolment: what decides whether a contact may be enrolled (address, suppression, consent), many at once.

use sqlx::{AnyConnection, Row};

use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// What enrolment needs to know of one contact.
pub struct Facts {
    pub contact_id: i64,
    /// The primary address (else the first), lower-case.
    pub address: Option<String>,
    pub suppressed: bool,
    /// The latest consent decision, if any.
    pub consent: Option<bool>,
}

const ADDRESS: &str = "(SELECT LOWER(e.email) FROM contact_emails e WHERE e.contact_id = c.id
     ORDER BY e.is_primary DESC, e.email LIMIT 1)";

/// The facts of `ids` (those that exist), in any order.
pub async fn facts(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Facts>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for run in ids.chunks(MAX_BINDS - 4) {
        let mut sql = Sql::new("SELECT c.id, ");
        sql.push(ADDRESS)
            .push(" AS address, CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.address = ");
        sql.push(ADDRESS).push(
            ") THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS suppressed,
             (SELECT ce.granted FROM consent_events ce WHERE ce.contact_id = c.id ORDER BY ce.id DESC LIMIT 1)
             AS consent FROM contacts c WHERE c.id IN ",
        );
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(Facts {
                contact_id: r.try_get("id")?,
                address: r.try_get("address")?,
                suppressed: r.try_get::<i64, _>("suppressed")? != 0,
                consent: r.try_get::<Option<i64>, _>("consent")?.map(|g| g != 0),
            });
        }
    }
    Ok(out)
}

/// Enrols `(contact, address)` pairs, many per statement; a contact enrolled already keeps its enrolment. Answers
/// `(contact, enrolment id)` of the new ones. Mail stored from now on (ids above the highest now) may be a reply.
pub async fn enrol_many(
    conn: &mut AnyConnection,
    sequence: i64,
    rows: &[(i64, String, i64)],
    now: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    let after: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM messages")
        .fetch_one(&mut *conn)
        .await?
        .try_get("m")?;
    let mut out = Vec::with_capacity(rows.len());
    for run in rows.chunks((MAX_BINDS - 3) / 3) {
        let mut sql = Sql::new(
            "INSERT INTO sequence_enrolments (sequence_id, contact_id, address, state, next_step, next_due_at,
                 after_message_id, enrolled_at)
             SELECT k.sequence_id, v.column1, v.column2, 'active', 0, v.column3, k.after_id, k.at_ms FROM (SELECT ",
        );
        sql.bind(sequence).push(" AS sequence_id, ").bind(after);
        sql.push(" AS after_id, ");
        sql.bind(now).push(" AS at_ms) k, (VALUES ");
        for (i, (contact, address, due)) in run.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(").bind(*contact).push(", ");
            sql.bind(address.clone()).push(", ").bind(*due).push(")");
        }
        sql.push(
            ") v WHERE 1 = 1 ON CONFLICT (sequence_id, contact_id) DO NOTHING RETURNING id, contact_id",
        );
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push((r.try_get("contact_id")?, r.try_get("id")?));
        }
    }
    Ok(out)
}
