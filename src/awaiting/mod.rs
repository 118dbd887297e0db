//! Unanswered-mail alerts ("awaiting reply"): human mail from a contact or lead that none of our mailboxes answered
//! in its thread within the owner's team's working hours is flagged — on the card, in the owner's and team lead's
//! list, in the daily digest. Above `campaigns` (its layer), below `reminders` (whose digest lists it).

pub mod hours;
pub mod model;
pub mod policy;
pub mod routes;
mod store;
pub mod track;
pub mod worker;

use sqlx::AnyPool;

use crate::auth::Caller;
use crate::error::Error;
use model::{Awaiting, AwaitingRecord};
pub use store::Filter;

fn ts(ms: i64) -> time::OffsetDateTime {
    crate::db::from_ms(ms)
}

/// Open waits under `filter` as the caller may see them (subject and sender only where their mail access allows),
/// each marked overdue by `now` (the app's clock).
pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    filter: Filter,
    overdue: Option<bool>,
    now: i64,
) -> Result<Vec<Awaiting>, Error> {
    let rows = store::list(pool, caller, filter, overdue, now).await?;
    Ok(rows
        .into_iter()
        .map(|r| Awaiting {
            id: r.id,
            thread_id: r.thread_id,
            message_id: r.message_id,
            record: AwaitingRecord {
                kind: r.kind,
                id: r.record_id,
                name: r.name,
                owner_id: r.owner_id,
            },
            subject: r.subject.filter(|_| r.mail_level >= 2),
            from: r.from_address.filter(|_| r.mail_level >= 1),
            from_name: r.from_name.filter(|_| r.mail_level >= 1),
            received_at: ts(r.received_at),
            due_at: ts(r.due_at),
            overdue: r.due_at <= now,
        })
        .collect())
}

/// The overdue waits of records `user` owns (the daily digest's section), after catching up with new mail.
pub async fn overdue_for(pool: &AnyPool, user: &Caller, now: i64) -> Result<Vec<Awaiting>, Error> {
    track::catch_up(pool, 4, None).await?;
    list(pool, user, Filter::Owner(user.id), Some(true), now).await
}
