//! Working-hours arithmetic, pure: a policy parsed into `WorkingTime`, and the due time of a reply — received plus
//! N working hours, skipping nights, days off and holidays in the policy's time zone (DST included: a working hour
//! is an hour of real time inside the local working window).

use std::collections::BTreeSet;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::model::ReplyPolicy;
use crate::error::Error;

/// At most this many holidays per policy (keeps the day-by-day walk short).
const MAX_HOLIDAYS: usize = 1000;
/// The walk gives up after this many local days (never reached by a valid policy).
const MAX_DAYS: usize = 20 * 366;
const HOUR_MS: i64 = 3_600_000;

/// A validated policy, ready for arithmetic.
#[derive(Debug, Clone)]
pub struct WorkingTime {
    hours: u32,
    /// Index 0 = Monday.
    days: [bool; 7],
    start: Time,
    /// None: the window ends at midnight ("24:00").
    end: Option<Time>,
    zone: TimeZone,
    holidays: BTreeSet<Date>,
}

/// "HH:MM" (00:00–23:59), or "24:00" when `midnight` is allowed (answers None then).
fn parse_time(field: &str, value: &str, midnight: bool) -> Result<Option<Time>, Error> {
    let bad = || Error::validation(field, format!("'{value}' is not a time HH:MM"));
    if midnight && value == "24:00" {
        return Ok(None);
    }
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::new(h, m, 0, 0).map(Some).map_err(|_| bad())
}

impl WorkingTime {
    /// Parses at the edge: each wrong field answers 422 naming it.
    pub fn parse(p: &ReplyPolicy) -> Result<WorkingTime, Error> {
        if !(1..=1000).contains(&p.hours) {
            return Err(Error::validation("hours", "must be 1 to 1000"));
        }
        let mut days = [false; 7];
        for &d in &p.days {
            if !(1..=7).contains(&d) || days[usize::from(d - 1)] {
                return Err(Error::validation(
                    "days",
                    "ISO weekdays 1 (Monday) to 7 (Sunday), each once",
                ));
            }
            days[usize::from(d - 1)] = true;
        }
        if !days.contains(&true) {
            return Err(Error::validation("days", "at least one working day"));
        }
        let start = parse_time("start", p.start.trim(), false)?.expect("no midnight for start");
        let end = parse_time("end", p.end.trim(), true)?;
        if end.is_some_and(|e| e <= start) {
            return Err(Error::validation("end", "must be after start"));
        }
        let name = p.time_zone.trim();
        let zone = TimeZone::get(name).map_err(|_| {
            Error::validation(
                "time_zone",
                format!("unknown time zone '{name}' (e.g. Europe/Moscow)"),
            )
        })?;
        if p.holidays.len() > MAX_HOLIDAYS {
            return Err(Error::validation("holidays", "at most 1000 dates"));
        }
        let mut holidays = BTreeSet::new();
        for h in &p.holidays {
            let date: Date = h.trim().parse().map_err(|_| {
                Error::validation("holidays", format!("'{h}' is not a date YYYY-MM-DD"))
            })?;
            holidays.insert(date);
        }
        Ok(WorkingTime {
            hours: p.hours,
            days,
            start,
            end,
            zone,
            holidays,
        })
    }

    fn works_on(&self, date: Date) -> bool {
        let weekday = usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.days[weekday] && !self.holidays.contains(&date)
    }

    /// The working window of a local day in UTC milliseconds (a start in a DST gap moves to after it).
    fn window(&self, date: Date) -> Option<(i64, i64)> {
        let at = |d: Date, t: Time| {
            d.to_datetime(t)
                .to_zoned(self.zone.clone())
                .ok()
                .map(|z| z.timestamp().as_millisecond())
        };
        let start = at(date, self.start)?;
        let end = match self.end {
            Some(end) => at(date, end)?,
            None => at(date.tomorrow().ok()?, Time::midnight())?,
        };
        Some((start, end))
    }

    /// When a reply to mail received at `received_ms` is due: `hours` of working time later. Mail received out of
    /// hours starts counting at the next working window.
    pub fn due_at(&self, received_ms: i64) -> i64 {
        let mut remaining = i64::from(self.hours) * HOUR_MS;
        let Ok(received) = Timestamp::from_millisecond(received_ms) else {
            return received_ms.saturating_add(remaining);
        };
        let mut date = received.to_zoned(self.zone.clone()).date();
        for _ in 0..MAX_DAYS {
            if self.works_on(date) {
                if let Some((start, end)) = self.window(date) {
                    let from = start.max(received_ms);
                    if from < end {
                        if remaining <= end - from {
                            return from + remaining;
                        }
                        remaining -= end - from;
                    }
                }
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        received_ms.saturating_add(i64::from(self.hours) * HOUR_MS)
    }

    /// The first instant at or after `at_ms` inside a working window (a sequence's sending window).
    pub fn next_open(&self, at_ms: i64) -> i64 {
        let Ok(at) = Timestamp::from_millisecond(at_ms) else {
            return at_ms;
        };
        let mut date = at.to_zoned(self.zone.clone()).date();
        for _ in 0..MAX_DAYS {
            if self.works_on(date) {
                if let Some((start, end)) = self.window(date) {
                    if at_ms < end {
                        return start.max(at_ms);
                    }
                }
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        at_ms
    }

    /// `days` working days after `from_ms`: the same local time on the `days`-th following working day (days off
    /// and holidays skipped, so a Friday plus one is the Monday).
    pub fn add_working_days(&self, from_ms: i64, days: u32) -> i64 {
        let Ok(from) = Timestamp::from_millisecond(from_ms) else {
            return from_ms;
        };
        let local = from.to_zoned(self.zone.clone());
        let (mut date, time) = (local.date(), local.time());
        let mut left = days;
        for _ in 0..MAX_DAYS {
            if left == 0 {
                break;
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
            if self.works_on(date) {
                left -= 1;
            }
        }
        date.to_datetime(time)
            .to_zoned(self.zone.clone())
            .map_or(from_ms, |z| z.timestamp().as_millisecond())
    }
}

#[cfg(test)]
#[path = "hours_tests.rs"]
mod tests;
