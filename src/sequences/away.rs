//! Out-of-office replies read back (issue 18.3): an auto-reply is not a reply (linking classifies it), but where it
//! names a return date and the sequence waits for returns, the next step is not due before that day's window opens
//! in the recipient's time zone. A reply that names no date changes nothing.

use std::collections::hash_map::{Entry, HashMap};

use jiff::Timestamp;
use sqlx::AnyPool;

use super::options::SendingOptions;
use super::store::away as store;
use super::store::bounces::{cursor, set_cursor};
use crate::error::Error;

const LAG: i64 = 50;
const CURSOR: &str = "auto_replies";

/// The instant the recipient is back: the opening of the sending window on or after that local day.
fn opening(window: &super::zones::RecipientWindow, date: jiff::civil::Date) -> Option<i64> {
    let tz = jiff::tz::TimeZone::get(&window.zone).ok()?;
    let midnight = date.to_zoned(tz).ok()?.timestamp().as_millisecond();
    Some(window.window.next_open(midnight))
}

/// Reads auto-replies stored since the last pass; answers how many enrolments now wait for a return.
pub async fn read_back(pool: &AnyPool) -> Result<usize, Error> {
    let from = (cursor(pool, CURSOR).await? - LAG).max(0);
    let top = store::top(pool).await?;
    if top <= from {
        return Ok(0);
    }
    let mut sequences = HashMap::new();
    let mut waiting = 0;
    for reply in store::auto_replies(pool, from, top).await? {
        if let Entry::Vacant(slot) = sequences.entry(reply.sequence_id) {
            slot.insert(super::store::get(pool, reply.sequence_id).await?);
        }
        let Some(Some(s)) = sequences.get(&reply.sequence_id) else {
            continue;
        };
        let options = SendingOptions::from_stored(&s.sending);
        if !options.wait_for_return {
            continue;
        }
        let window = super::zones::window_for(pool, s, &options, reply.contact_id).await?;
        let text = match (&reply.text, &reply.html) {
            (Some(t), _) if !t.trim().is_empty() => t.clone(),
            (_, Some(h)) => crate::campaigns::render::html_to_text(h),
            _ => String::new(),
        };
        let text = format!("{}\n{text}", reply.subject.as_deref().unwrap_or_default());
        let Ok(written) = Timestamp::from_millisecond(reply.written_at) else {
            continue;
        };
        let Ok(tz) = jiff::tz::TimeZone::get(&window.zone) else {
            continue;
        };
        let today = written.to_zoned(tz).date();
        let Some(back) = super::returns::return_date(&text, today) else {
            continue;
        };
        let Some(at) = opening(&window, back) else {
            continue;
        };
        if store::wait_for_return(pool, reply.enrolment_id, reply.message_id, at).await? {
            tracing::info!(enrolment = reply.enrolment_id, %back, "sequence waits for the recipient's return");
            waiting += 1;
        }
    }
    set_cursor(pool, CURSOR, top).await?;
    Ok(waiting)
}
