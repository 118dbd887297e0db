//! The sending window in the recipient's time zone (issue 18.1): an IANA zone in a text custom field the sequence
//! names, on the contact, else on its company; else the sequence's zone (its own, else its owner's, else UTC).
//! An IANA name rather than a city table: a field admins fill (or import) once, exact for every city, DST included.

use sqlx::AnyPool;

use super::options::SendingOptions;
use super::store::SequenceRow;
use crate::awaiting::hours::WorkingTime;
use crate::crm::RecordKind;
use crate::error::Error;

/// A recipient's window and the zone it is in.
pub struct RecipientWindow {
    pub zone: String,
    pub window: WorkingTime,
}

/// The zone of a custom value, when it names a real IANA zone.
fn zone_of(value: Option<&serde_json::Value>) -> Option<String> {
    let name = value?.as_str()?.trim();
    jiff::tz::TimeZone::get(name).ok().map(|_| name.to_string())
}

/// The recipient's zone from the sequence's field, if set and filled with a real zone.
async fn recipient_zone(
    pool: &AnyPool,
    field: &str,
    contact: i64,
) -> Result<Option<String>, Error> {
    let mut conn = pool.acquire().await?;
    let mine = crate::crm::custom::values_for(&mut conn, RecordKind::Contact, &[contact]).await?;
    if let Some(zone) = zone_of(mine.get(&contact).and_then(|v| v.get(field))) {
        return Ok(Some(zone));
    }
    let Some(company) = super::store::zones::company_of(&mut conn, contact).await? else {
        return Ok(None);
    };
    let theirs = crate::crm::custom::values_for(&mut conn, RecordKind::Company, &[company]).await?;
    Ok(zone_of(theirs.get(&company).and_then(|v| v.get(field))))
}

/// The sender's zone: the sequence's own, else its owner's digest time zone, else UTC.
pub async fn sender_zone(pool: &AnyPool, s: &SequenceRow) -> Result<String, Error> {
    Ok(match &s.time_zone {
        Some(z) => z.clone(),
        None => super::store::owner_time_zone(pool, s.owner_id)
            .await?
            .unwrap_or_else(|| "UTC".into()),
    })
}

/// The window a letter of `s` to `contact` goes in.
pub async fn window_for(
    pool: &AnyPool,
    s: &SequenceRow,
    options: &SendingOptions,
    contact: i64,
) -> Result<RecipientWindow, Error> {
    let own = match &options.recipient_time_zone_field {
        Some(field) => recipient_zone(pool, field, contact).await?,
        None => None,
    };
    let zone = match own {
        Some(z) => z,
        None => sender_zone(pool, s).await?,
    };
    let window = serde_json::from_str(&s.send_window).map_err(Error::internal)?;
    Ok(RecipientWindow {
        window: super::timing::window(&window, &zone)?,
        zone,
    })
}

/// When the first step of `s` is due for `contact` enrolled at `now`: its delay, then the recipient's window.
pub async fn first_due(
    pool: &AnyPool,
    s: &SequenceRow,
    contact: i64,
    now: i64,
    delay: super::model::Delay,
) -> Result<i64, Error> {
    let options = SendingOptions::from_stored(&s.sending);
    let window = window_for(pool, s, &options, contact).await?;
    Ok(super::timing::due(&window.window, now, delay))
}
