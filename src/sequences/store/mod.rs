//! All SQL of sequences, one text for both backends: sequences, enrolments and the stop rules here; letters
//! (claimed before SMTP sees them; the unique (enrolment, step) key makes each step go once) and the report in
//! `letters`.

pub mod attachments;
pub mod away;
pub mod bounces;
pub mod enrol;
pub mod letters;
pub mod limits;
pub mod views;
pub mod zones;

use sqlx::{AnyConnection, AnyPool, Row};

use crate::auth::Caller;
use crate::db::sql::Sql;
use crate::error::Error;

/// Human mail from the enrolled address (or, with the option, from a domain of the contact's company) stored
/// after the enrolment: the client replied. Auto-replies and bounces are classified otherwise by linking.
pub(super) const REPLIED: &str = "EXISTS (SELECT 1 FROM message_addresses a JOIN messages m ON m.id = a.message_id
     WHERE a.role = 'from' AND a.message_id > sequence_enrolments.after_message_id
       AND m.direction = 'incoming' AND m.class = 'human'
       AND (a.address = sequence_enrolments.address
            OR (EXISTS (SELECT 1 FROM sequences q WHERE q.id = sequence_enrolments.sequence_id
                        AND q.stop_on_company_reply = 1)
                AND a.domain IN (SELECT d.domain FROM contacts c JOIN company_domains d ON d.company_id = c.company_id
                                 WHERE c.id = sequence_enrolments.contact_id))))";
/// The contact's latest consent decision, if any, is not a withdrawal.
pub(super) const CONSENT_KEPT: &str = "COALESCE((SELECT ce.granted FROM consent_events ce
     WHERE ce.contact_id = sequence_enrolments.contact_id ORDER BY ce.id DESC LIMIT 1), 1) = 1";
pub(super) const NOT_SUPPRESSED: &str =
    "NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.address = sequence_enrolments.address)";

pub struct SequenceRow {
    pub id: i64,
    /// `sequence` or `merge`.
    pub kind: String,
    pub owner_id: i64,
    pub name: String,
    pub mailbox_id: i64,
    pub steps: String,
    pub send_window: String,
    pub time_zone: Option<String>,
    pub stop_on_company_reply: bool,
    /// The sending options' JSON (`options::SendingOptions`).
    pub sending: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A sequence as stored: its steps and window as the JSON the edge validated.
pub struct NewSequence<'a> {
    pub name: &'a str,
    pub mailbox_id: i64,
    pub steps: String,
    pub send_window: String,
    pub time_zone: Option<&'a str>,
    pub stop_on_company_reply: bool,
    pub sending: String,
}

const SEQUENCE_COLUMNS: &str =
    "SELECT id, kind, owner_id, name, mailbox_id, steps, send_window, time_zone,
     stop_on_company_reply, sending, created_at, updated_at FROM sequences";

fn sequence_row(r: &sqlx::any::AnyRow) -> Result<SequenceRow, Error> {
    Ok(SequenceRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        owner_id: r.try_get("owner_id")?,
        name: r.try_get("name")?,
        mailbox_id: r.try_get("mailbox_id")?,
        steps: r.try_get("steps")?,
        send_window: r.try_get("send_window")?,
        time_zone: r.try_get("time_zone")?,
        stop_on_company_reply: r.try_get::<i64, _>("stop_on_company_reply")? == 1,
        sending: r.try_get("sending")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    (owner, kind): (i64, &str),
    s: &NewSequence<'_>,
    now: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO sequences (owner_id, name, mailbox_id, steps, send_window, time_zone, stop_on_company_reply,
             created_at, updated_at, sending, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING id",
    )
    .bind(owner)
    .bind(s.name)
    .bind(s.mailbox_id)
    .bind(s.steps.clone())
    .bind(s.send_window.clone())
    .bind(s.time_zone)
    .bind(i64::from(s.stop_on_company_reply))
    .bind(now)
    .bind(s.sending.clone())
    .bind(kind)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    s: &NewSequence<'_>,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE sequences SET name = $1, mailbox_id = $2, steps = $3, send_window = $4, time_zone = $5,
             stop_on_company_reply = $6, updated_at = $7, sending = $9 WHERE id = $8",
    )
    .bind(s.name)
    .bind(s.mailbox_id)
    .bind(s.steps.clone())
    .bind(s.send_window.clone())
    .bind(s.time_zone)
    .bind(i64::from(s.stop_on_company_reply))
    .bind(now)
    .bind(id)
    .bind(s.sending.clone())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM sequences WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<SequenceRow>, Error> {
    let mut sql = Sql::new(SEQUENCE_COLUMNS);
    sql.push(" WHERE id = ").bind(id);
    sql.query()
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(sequence_row)
        .transpose()
}

/// The sequences the caller oversees (their own, their team members', everyone's for admins), newest first.
pub async fn list(pool: &AnyPool, caller: &Caller) -> Result<Vec<SequenceRow>, Error> {
    let mut sql = Sql::new(SEQUENCE_COLUMNS);
    sql.push(" WHERE 1 = 1");
    crate::crm::access::push_overseen(&mut sql, caller, "owner_id");
    sql.push(" ORDER BY id DESC LIMIT 500");
    sql.query()
        .fetch_all(pool)
        .await?
        .iter()
        .map(sequence_row)
        .collect()
}

/// The owner's digest time zone, if they set one.
pub async fn owner_time_zone(pool: &AnyPool, owner: i64) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT time_zone FROM digest_settings WHERE user_id = $1")
        .bind(owner)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("time_zone")).transpose()?)
}

/// Stops active enrolments whose client replied, or whose address is suppressed (hard bounce, unsubscribe,
/// manual) or whose contact withdrew consent. Returns how many stopped.
pub async fn stop_finished_conversations(pool: &AnyPool, now: i64) -> Result<u64, Error> {
    let stop = |reason: &str, condition: &str| {
        let mut sql = Sql::new(
            "UPDATE sequence_enrolments SET state = 'stopped', next_due_at = NULL, stopped_at = ",
        );
        sql.bind(now).push(", stop_reason = ").push(reason);
        sql.push(" WHERE state = 'active' AND ").push(condition);
        sql
    };
    let mut n = 0;
    let suppressed = format!("NOT {NOT_SUPPRESSED}");
    let consent = format!("NOT {CONSENT_KEPT}");
    let why = "(SELECT CASE s.reason WHEN 'hard_bounce' THEN 'bounced' WHEN 'unsubscribed' THEN 'unsubscribed'
         ELSE 'suppressed' END FROM suppressions s WHERE s.address = sequence_enrolments.address)";
    for sql in [
        stop("'replied'", REPLIED),
        stop(why, &suppressed),
        stop("'consent_withdrawn'", &consent),
    ] {
        n += sql.query().execute(pool).await?.rows_affected();
    }
    Ok(n)
}

pub struct Due {
    pub enrolment_id: i64,
    pub sequence_id: i64,
    pub contact_id: i64,
    pub address: String,
    pub step: i64,
}

pub async fn due(pool: &AnyPool, now: i64, limit: i64) -> Result<Vec<Due>, Error> {
    let rows = sqlx::query(
        "SELECT id, sequence_id, contact_id, address, next_step FROM sequence_enrolments
         WHERE state = 'active' AND next_due_at <= $1 ORDER BY next_due_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                enrolment_id: r.try_get("id")?,
                sequence_id: r.try_get("sequence_id")?,
                contact_id: r.try_get("contact_id")?,
                address: r.try_get("address")?,
                step: r.try_get("next_step")?,
            })
        })
        .collect()
}
