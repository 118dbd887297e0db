//! When a step is due: the previous step's send time plus its delay (working days skip days off and holidays), then
//! moved into the next sending window. The arithmetic is `awaiting::hours`' (one working-time implementation).

use super::model::{Delay, SendWindow};
use crate::awaiting::hours::WorkingTime;
use crate::awaiting::model::ReplyPolicy;
use crate::error::Error;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The window in a time zone, validated (each wrong field answers 422 naming it under `window.`).
pub fn window(w: &SendWindow, time_zone: &str) -> Result<WorkingTime, Error> {
    let policy = ReplyPolicy {
        hours: 1,
        days: w.days.clone(),
        start: w.start.clone(),
        end: w.end.clone(),
        time_zone: time_zone.to_string(),
        holidays: w.holidays.clone(),
    };
    WorkingTime::parse(&policy).map_err(|e| match e {
        Error::Validation { field, message } if field != "time_zone" => Error::Validation {
            field: format!("window.{field}"),
            message,
        },
        other => other,
    })
}

/// When a step with `delay` is due after `from_ms` (the previous step's send, or the enrolment).
pub fn due(window: &WorkingTime, from_ms: i64, delay: Delay) -> i64 {
    let at = match delay {
        Delay::Days(n) => from_ms.saturating_add(i64::from(n) * DAY_MS),
        Delay::WorkingDays(n) => window.add_working_days(from_ms, n),
    };
    window.next_open(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_step_due_at_night_goes_next_morning_and_a_friday_plus_one_working_day_is_monday() {
        let w = window(&SendWindow::default(), "Europe/Moscow").unwrap();
        // Tuesday 23:00 Moscow → Wednesday 09:00 Moscow.
        assert_eq!(
            due(&w, ms("2026-12-01T20:00:00Z"), Delay::Days(0)),
            ms("2026-12-02T06:00:00Z")
        );
        // Friday 10:00 Moscow + 1 working day → Monday 10:00.
        assert_eq!(
            due(&w, ms("2026-12-04T07:00:00Z"), Delay::WorkingDays(1)),
            ms("2026-12-07T07:00:00Z")
        );
        // Friday 10:00 + 1 calendar day = Saturday → Monday 09:00.
        assert_eq!(
            due(&w, ms("2026-12-04T07:00:00Z"), Delay::Days(1)),
            ms("2026-12-07T06:00:00Z")
        );
    }
}
