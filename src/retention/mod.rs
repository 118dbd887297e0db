//! Retention policies (152-FZ/GDPR storage limitation; issue 20.1): mail older than N months leaves a mailbox (and
//! is deleted in full once no mailbox holds it and nobody logged it to a record), and leads never converted are
//! deleted N months after they came in, their audit history redacted to a tombstone. A pass runs in one
//! instance at a time, hourly, or when an admin asks.

pub mod model;
pub mod routes;
mod store;
pub mod worker;

use serde_json::{json, Value};
use time::{Date, Month, OffsetDateTime};

use crate::auth::Caller;
use crate::crm::leads::model::Lead;
use crate::crm::skeleton;
use crate::db::Db;
use crate::error::Error;
use model::{MailboxRetention, RetentionCounts, RetentionPolicy, RetentionUpdate, MAX_MONTHS};

/// The policies and the last pass.
pub async fn policy(db: &Db) -> Result<RetentionPolicy, Error> {
    let p = store::policy(&db.pool).await?;
    let mut conn = db.pool.acquire().await?;
    let mailboxes = store::mailboxes(&mut conn)
        .await?
        .into_iter()
        .map(|(id, name, mail_months)| MailboxRetention {
            id,
            name,
            mail_months,
        })
        .collect();
    Ok(RetentionPolicy {
        leads_months: p.leads_months,
        mailboxes,
        last_run_at: p.last_run_at.map(crate::db::from_ms),
        // Not before now: a pass already due runs within the minute.
        next_run_at: crate::db::from_ms(p.next_run_at.max(crate::db::now_ms())),
        last_counts: p
            .last_counts
            .and_then(|text| serde_json::from_str(&text).ok()),
    })
}

fn check_months(field: &str, months: Option<i64>) -> Result<(), Error> {
    match months {
        Some(m) if !(1..=MAX_MONTHS).contains(&m) => Err(Error::validation(
            field,
            format!("a number of months from 1 to {MAX_MONTHS}, or null to keep for ever"),
        )),
        _ => Ok(()),
    }
}

/// Sets the leads' policy and the listed mailboxes' (admin audit, kind `retention`).
pub async fn update(
    db: &Db,
    caller: &Caller,
    req: RetentionUpdate,
) -> Result<RetentionPolicy, Error> {
    check_months("leads_months", req.leads_months)?;
    for m in &req.mailboxes {
        check_months("mailboxes.mail_months", m.mail_months)?;
    }
    let before = policy(db).await?;
    let mut tx = crate::db::begin(&db.pool).await?;
    store::set_leads(&mut tx, req.leads_months).await?;
    for m in &req.mailboxes {
        if !store::set_mailbox(&mut tx, m.id, m.mail_months).await? {
            return Err(Error::NotFound("mailbox"));
        }
    }
    let after_mailboxes = store::mailboxes(&mut tx).await?;
    let shown = |leads: Option<i64>, mailboxes: Vec<(i64, Option<i64>)>| -> Value {
        let mailboxes: serde_json::Map<String, Value> = mailboxes
            .into_iter()
            .map(|(id, months)| (format!("mailbox_{id}"), json!(months)))
            .collect();
        json!({ "leads_months": leads, "mail_months": mailboxes })
    };
    let old = shown(
        before.leads_months,
        before
            .mailboxes
            .iter()
            .map(|m| (m.id, m.mail_months))
            .collect(),
    );
    let new = shown(
        req.leads_months,
        after_mailboxes.iter().map(|(id, _, m)| (*id, *m)).collect(),
    );
    crate::audit::change_event(
        &mut tx,
        Some(caller.id),
        "update",
        ("retention", 1),
        &old,
        &new,
    )
    .await?;
    tx.commit().await?;
    policy(db).await
}

/// `now` minus `months` calendar months (the day clamped to the month's end: 31 March less one month is 28 or
/// 29 February), in UTC milliseconds.
pub fn months_before(now_ms: i64, months: i64) -> i64 {
    let now = crate::db::from_ms(now_ms);
    let total = now.year() as i64 * 12 + (now.month() as i64 - 1) - months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).expect("a month number from 1 to 12");
    let Ok(year) = i32::try_from(year) else {
        return i64::MIN;
    };
    let day = now.day().min(month.length(year));
    let Ok(date) = Date::from_calendar_date(year, month, day) else {
        return i64::MIN;
    };
    let then: OffsetDateTime = now.replace_date(date);
    (then.unix_timestamp_nanos() / 1_000_000) as i64
}

/// One pass at `now`: every mailbox's policy, then the leads'. Each batch is its own transaction, so a pass
/// stopped half-way keeps what it did and the next goes on. Recorded (and audited) when it deleted anything.
pub async fn run(db: &Db, now: i64) -> Result<RetentionCounts, Error> {
    let mut counts = RetentionCounts::default();
    let mailboxes = {
        let mut conn = db.pool.acquire().await?;
        store::mailboxes(&mut conn).await?
    };
    for (mailbox, _, months) in mailboxes {
        let Some(months) = months else { continue };
        let cutoff = months_before(now, months);
        loop {
            let ids = store::old_in_mailbox(&db.pool, mailbox, cutoff).await?;
            if ids.is_empty() {
                break;
            }
            let mut tx = crate::db::begin(&db.pool).await?;
            counts.locations_removed += store::remove_locations(&mut tx, mailbox, &ids).await?;
            let unheld = store::unheld(&mut tx, &ids).await?;
            counts.messages_deleted += crate::mail::purge_messages(&mut tx, &unheld).await?;
            tx.commit().await?;
        }
    }
    if let Some(months) = store::policy(&db.pool).await?.leads_months {
        let cutoff = months_before(now, months);
        loop {
            let ids = store::stale_leads(&db.pool, cutoff).await?;
            if ids.is_empty() {
                break;
            }
            let mut tx = crate::db::begin(&db.pool).await?;
            // Found before the leads go: their entries are found by record.
            let audit = crate::audit::ids_about(&mut tx, &[("lead", ids.clone())], &[]).await?;
            for &id in &ids {
                skeleton::remove_in::<Lead>(&mut tx, id).await?;
            }
            counts.leads_deleted += ids.len() as u64;
            let tombstone = json!({ "erased": true, "retention": "leads", "months": months });
            counts.audit_entries_redacted +=
                crate::audit::redact(&mut tx, &audit, &tombstone).await?;
            tx.commit().await?;
        }
    }
    let text = serde_json::to_string(&counts).map_err(Error::internal)?;
    let mut tx = crate::db::begin(&db.pool).await?;
    store::record_run(&mut tx, crate::db::now_ms(), &text).await?;
    if !counts.is_empty() {
        let after = serde_json::to_value(&counts).map_err(Error::internal)?;
        crate::audit::change_event(
            &mut tx,
            None,
            "retention_pass",
            ("retention", 1),
            &Value::Null,
            &after,
        )
        .await?;
    }
    tx.commit().await?;
    if counts.messages_deleted > 0 || counts.leads_deleted > 0 {
        db.scrub().await?;
        tracing::info!(
            messages = counts.messages_deleted,
            leads = counts.leads_deleted,
            "retention pass deleted"
        );
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::months_before;

    fn ms(y: i32, m: u8, d: u8) -> i64 {
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        (date.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64
    }

    #[test]
    fn months_count_on_the_calendar_and_clamp_to_the_months_end() {
        assert_eq!(months_before(ms(2026, 12, 2), 12), ms(2025, 12, 2));
        assert_eq!(months_before(ms(2026, 3, 31), 1), ms(2026, 2, 28));
        assert_eq!(months_before(ms(2024, 3, 31), 1), ms(2024, 2, 29));
        assert_eq!(months_before(ms(2026, 1, 15), 13), ms(2024, 12, 15));
        assert_eq!(months_before(ms(2026, 1, 15), 1200), ms(1926, 1, 15));
    }
}
