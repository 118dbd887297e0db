//! Unit tests of the working-hours arithmetic: evenings, weekends, holidays, DST, more hours than a day holds.

use super::WorkingTime;
use crate::awaiting::model::ReplyPolicy;

fn policy(hours: u32, zone: &str, holidays: &[&str]) -> WorkingTime {
    WorkingTime::parse(&ReplyPolicy {
        hours,
        days: vec![1, 2, 3, 4, 5],
        start: "09:00".into(),
        end: "18:00".into(),
        time_zone: zone.into(),
        holidays: holidays.iter().map(|h| h.to_string()).collect(),
    })
    .expect("a valid policy")
}

fn ms(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .expect("a timestamp")
        .as_millisecond()
}

#[test]
fn friday_evening_mail_is_due_on_monday_morning() {
    // Moscow is UTC+3 all year: Friday 2026-11-27 20:00 local, 2 working hours → Monday 11:00 local.
    let w = policy(2, "Europe/Moscow", &[]);
    assert_eq!(
        w.due_at(ms("2026-11-27T17:00:00Z")),
        ms("2026-11-30T08:00:00Z")
    );
}

#[test]
fn friday_afternoon_mail_carries_its_rest_over_the_weekend() {
    // Friday 17:00 local, 3 hours: one hour on Friday, two on Monday → Monday 11:00.
    let w = policy(3, "Europe/Moscow", &[]);
    assert_eq!(
        w.due_at(ms("2026-11-27T14:00:00Z")),
        ms("2026-11-30T08:00:00Z")
    );
}

#[test]
fn a_holiday_is_skipped() {
    // Thursday 2026-12-31 17:00 local, 2 hours, 2027-01-01 (Friday) a holiday → Monday 2027-01-04 10:00.
    let w = policy(2, "Europe/Moscow", &["2027-01-01"]);
    assert_eq!(
        w.due_at(ms("2026-12-31T14:00:00Z")),
        ms("2027-01-04T07:00:00Z")
    );
}

#[test]
fn the_dst_change_moves_the_window_in_utc() {
    // Berlin goes to summer time on Sunday 2026-03-29: Friday 17:00 CET (16:00 UTC), 2 hours: one on Friday, one
    // on Monday from 09:00 CEST (07:00 UTC) → 08:00 UTC, not 09:00 as in winter.
    let w = policy(2, "Europe/Berlin", &[]);
    assert_eq!(
        w.due_at(ms("2026-03-27T16:00:00Z")),
        ms("2026-03-30T08:00:00Z")
    );
}

#[test]
fn a_window_across_the_dst_gap_holds_one_hour_less() {
    // Every day 01:00–05:00 in New York; on 2026-03-08 clocks jump from 02:00 to 03:00, so that window is 3 real
    // hours: 4 hours from its start end at 01:00 the next day + 1 h = 2026-03-09 02:00 EDT (06:00 UTC).
    let w = WorkingTime::parse(&ReplyPolicy {
        hours: 4,
        days: vec![1, 2, 3, 4, 5, 6, 7],
        start: "01:00".into(),
        end: "05:00".into(),
        time_zone: "America/New_York".into(),
        holidays: vec![],
    })
    .unwrap();
    assert_eq!(
        w.due_at(ms("2026-03-08T06:00:00Z")),
        ms("2026-03-09T06:00:00Z")
    );
}

#[test]
fn more_hours_than_a_day_holds_spill_into_the_next_days() {
    // Monday 10:00 UTC, 20 working hours of 9 a day: 8 on Monday, 9 on Tuesday, 3 on Wednesday → Wednesday 12:00.
    let w = policy(20, "UTC", &[]);
    assert_eq!(
        w.due_at(ms("2026-11-30T10:00:00Z")),
        ms("2026-12-02T12:00:00Z")
    );
}

#[test]
fn mail_before_opening_counts_from_the_opening() {
    let w = policy(1, "UTC", &[]);
    assert_eq!(
        w.due_at(ms("2026-11-30T06:30:00Z")),
        ms("2026-11-30T10:00:00Z")
    );
}

#[test]
fn a_window_to_midnight_is_allowed() {
    let w = WorkingTime::parse(&ReplyPolicy {
        hours: 2,
        days: vec![1, 2, 3, 4, 5, 6, 7],
        start: "20:00".into(),
        end: "24:00".into(),
        time_zone: "UTC".into(),
        holidays: vec![],
    })
    .unwrap();
    assert_eq!(
        w.due_at(ms("2026-11-30T23:00:00Z")),
        ms("2026-12-01T21:00:00Z")
    );
}

#[test]
fn wrong_fields_are_named() {
    let good = ReplyPolicy::default();
    let field = |p: ReplyPolicy| match WorkingTime::parse(&p) {
        Err(crate::error::Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    assert_eq!(
        field(ReplyPolicy {
            hours: 0,
            ..good.clone()
        }),
        "hours"
    );
    assert_eq!(
        field(ReplyPolicy {
            days: vec![],
            ..good.clone()
        }),
        "days"
    );
    assert_eq!(
        field(ReplyPolicy {
            days: vec![8],
            ..good.clone()
        }),
        "days"
    );
    assert_eq!(
        field(ReplyPolicy {
            start: "9".into(),
            ..good.clone()
        }),
        "start"
    );
    assert_eq!(
        field(ReplyPolicy {
            end: "08:00".into(),
            ..good.clone()
        }),
        "end"
    );
    assert_eq!(
        field(ReplyPolicy {
            time_zone: "Mars/Base".into(),
            ..good.clone()
        }),
        "time_zone"
    );
    assert_eq!(
        field(ReplyPolicy {
            holidays: vec!["31.12.2026".into()],
            ..good
        }),
        "holidays"
    );
}
