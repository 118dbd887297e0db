//! Reports a head of sales runs (issue 17): the funnel by stage, deal dynamics with a forecast, lead sources,
//! manager activity, campaign results and data quality, each counting the caller's figures (own, their led teams',
//! or everyone's) as JSON, CSV or .xlsx.

mod activity;
mod campaigns;
pub mod model;
mod quality;
pub mod routes;
mod store;
mod summary;
mod table;

pub use activity::managers;
pub use campaigns::campaigns;
pub use quality::data_quality;

use std::collections::HashMap;

use sqlx::AnyPool;
use time::{Date, Duration};

use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::reference::{self, model::StageKind};
use crate::crm::RecordKind;
use crate::error::Error;
use model::{
    money, DealDynamics, DealPeriod, Funnel, FunnelStage, LeadSources, Period, ReportQuery,
    SourceRow,
};
use store::Slice;

const DAY_MS: i64 = 86_400_000;
/// Enough weeks for ten years; a longer range is refused rather than answered with a huge table.
const MAX_PERIODS: usize = 530;

fn day(field: &str, raw: Option<&str>) -> Result<Option<Date>, Error> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format)
        .map(Some)
        .map_err(|_| Error::validation(field, format!("'{raw}' is not a date (YYYY-MM-DD)")))
}

fn day_ms(d: Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
}

/// The caller's figures for records of `kind`, narrowed by the query's owner filters and range.
fn slice(caller: &Caller, kind: RecordKind, q: &ReportQuery) -> Result<Slice, Error> {
    let scope = access::require_role(caller, kind, Op::Read)?;
    let (from, to) = range(q)?;
    Ok(Slice {
        scope,
        team_id: q.team_id,
        user_id: q.user_id,
        from,
        to,
    })
}

/// The query's days as UTC milliseconds, `from` inclusive and `to` exclusive (the day after the last); unbounded
/// ends are `i64::MIN` and `i64::MAX`.
fn range(q: &ReportQuery) -> Result<(i64, i64), Error> {
    let from = day("from", q.from.as_deref())?;
    let to = day("to", q.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(Error::validation("to", "is before 'from'"));
        }
    }
    Ok((
        from.map(day_ms).unwrap_or(i64::MIN),
        to.map(|t| day_ms(t) + DAY_MS).unwrap_or(i64::MAX),
    ))
}

/// The given pipeline, or the first one.
async fn pipeline_of(pool: &AnyPool, id: Option<i64>) -> Result<reference::model::Pipeline, Error> {
    let Some(id) = id else {
        return reference::list_pipelines(pool)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::validation("pipeline_id", "there is no pipeline"));
    };
    match reference::get_pipeline(pool, id).await {
        Err(Error::NotFound(_)) => Err(Error::validation(
            "pipeline_id",
            format!("no pipeline with id {id}"),
        )),
        other => other,
    }
}

pub async fn funnel(pool: &AnyPool, caller: &Caller, q: &ReportQuery) -> Result<Funnel, Error> {
    let s = slice(caller, RecordKind::Deal, q)?;
    let pipeline = pipeline_of(pool, q.pipeline_id).await?;
    let mut conn = pool.acquire().await?;
    let now: HashMap<i64, (i64, i64)> = store::deals_by_stage(&mut conn, &s, pipeline.id)
        .await?
        .into_iter()
        .map(|(stage, n, amount)| (stage, (n, amount)))
        .collect();
    let furthest = store::furthest_positions(&mut conn, &s, pipeline.id).await?;
    let stays: HashMap<i64, (i64, i64)> = store::ended_stays(&mut conn, &s, pipeline.id)
        .await?
        .into_iter()
        .map(|(stage, n, total)| (stage, (n, total)))
        .collect();
    let reached_at = |position: i64| -> i64 {
        furthest
            .iter()
            .filter(|(p, _)| *p >= position)
            .map(|(_, n)| n)
            .sum()
    };
    let (mut ahead, lost): (Vec<_>, Vec<_>) = pipeline
        .stages
        .into_iter()
        .partition(|st| st.kind != StageKind::Lost);
    ahead.sort_by_key(|st| (st.position, st.id));
    let mut stages = Vec::new();
    for (i, st) in ahead.iter().enumerate() {
        let (deals, amount) = now.get(&st.id).copied().unwrap_or((0, 0));
        let reached = reached_at(st.position);
        let conversion = ahead
            .get(i + 1)
            .filter(|_| reached > 0)
            .map(|next| ratio(reached_at(next.position), reached));
        let avg_days = stays
            .get(&st.id)
            .filter(|(n, _)| *n > 0 && st.kind == StageKind::Open)
            .map(|(n, total)| round2(*total as f64 / *n as f64 / DAY_MS as f64));
        stages.push(FunnelStage {
            stage_id: st.id,
            name: st.name.clone(),
            kind: st.kind,
            probability: st.probability,
            deals,
            amount: money(amount),
            reached,
            conversion,
            avg_days_in_stage: avg_days,
        });
    }
    for st in lost {
        let (deals, amount) = now.get(&st.id).copied().unwrap_or((0, 0));
        stages.push(FunnelStage {
            stage_id: st.id,
            name: st.name,
            kind: st.kind,
            probability: st.probability,
            deals,
            amount: money(amount),
            reached: deals,
            conversion: None,
            avg_days_in_stage: None,
        });
    }
    Ok(Funnel {
        pipeline_id: pipeline.id,
        stages,
    })
}

fn ratio(part: i64, whole: i64) -> f64 {
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The first day of the week (Monday) or month holding `d`.
fn period_start(period: Period, d: Date) -> Date {
    match period {
        Period::Week => d - Duration::days(d.weekday().number_days_from_monday().into()),
        Period::Month => d.replace_day(1).expect("every month has a first day"),
    }
}

fn next_period(period: Period, start: Date) -> Option<Date> {
    match period {
        Period::Week => start.checked_add(Duration::days(7)),
        Period::Month => {
            let (y, m) = match start.month() {
                time::Month::December => (start.year() + 1, time::Month::January),
                m => (start.year(), m.next()),
            };
            Date::from_calendar_date(y, m, 1).ok()
        }
    }
}

pub async fn deals(
    pool: &AnyPool,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<DealDynamics, Error> {
    let s = slice(caller, RecordKind::Deal, q)?;
    if let Some(id) = q.pipeline_id {
        // Every pipeline when none is given; an unknown one is a 422 as in the funnel, not an empty report.
        pipeline_of(pool, Some(id)).await?;
    }
    let period = q.period.unwrap_or_default();
    let mut conn = pool.acquire().await?;
    let closed = store::closed_deals(&mut conn, &s, q.pipeline_id).await?;
    let (weighted, open) = store::open_totals(&mut conn, &s, q.pipeline_id).await?;
    let date_of = |ms: i64| crate::db::from_ms(ms).date();
    let mut buckets: HashMap<Date, Counting> = HashMap::new();
    for c in &closed {
        let start = period_start(period, date_of(c.closed_at));
        let b = buckets.entry(start).or_insert_with(|| empty_period(start));
        if c.won {
            b.won += c.deals;
            b.won_minor += c.amount_minor;
        } else {
            b.lost += c.deals;
            b.lost_minor += c.amount_minor;
        }
    }
    let first = day("from", q.from.as_deref())?
        .or_else(|| buckets.keys().min().copied())
        .map(|d| period_start(period, d));
    let last = day("to", q.to.as_deref())?
        .or_else(|| buckets.keys().max().copied())
        .map(|d| period_start(period, d));
    let mut periods = Vec::new();
    if let (Some(mut at), Some(last)) = (first, last) {
        while at <= last {
            if periods.len() == MAX_PERIODS {
                return Err(Error::validation(
                    "from",
                    format!("the range holds more than {MAX_PERIODS} periods"),
                ));
            }
            periods.push(buckets.remove(&at).unwrap_or_else(|| empty_period(at)));
            match next_period(period, at) {
                Some(next) => at = next,
                None => break,
            }
        }
    }
    Ok(DealDynamics {
        period,
        periods: periods.into_iter().map(DealPeriod::from).collect(),
        forecast: money((weighted as f64 / 100.0).round() as i64),
        open_amount: money(open),
    })
}

/// A period being counted (amounts in minor units until the answer).
struct Counting {
    start: Date,
    won: i64,
    won_minor: i64,
    lost: i64,
    lost_minor: i64,
}
fn empty_period(start: Date) -> Counting {
    Counting {
        start,
        won: 0,
        won_minor: 0,
        lost: 0,
        lost_minor: 0,
    }
}

impl From<Counting> for DealPeriod {
    fn from(c: Counting) -> Self {
        DealPeriod {
            start: c.start.to_string(),
            won: c.won,
            won_amount: money(c.won_minor),
            lost: c.lost,
            lost_amount: money(c.lost_minor),
        }
    }
}

pub async fn lead_sources(
    pool: &AnyPool,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<LeadSources, Error> {
    let s = slice(caller, RecordKind::Lead, q)?;
    let mut conn = pool.acquire().await?;
    let mut rows = store::lead_sources(&mut conn, &s).await?;
    // Most leads first; leads without a source last among equals (NULL order differs between backends).
    rows.sort_by(|a, b| {
        b.leads
            .cmp(&a.leads)
            .then(a.source_id.is_none().cmp(&b.source_id.is_none()))
            .then(a.source_id.cmp(&b.source_id))
    });
    Ok(LeadSources {
        sources: rows
            .into_iter()
            .map(|r| SourceRow {
                source_id: r.source_id,
                source: r.source,
                leads: r.leads,
                converted: r.converted,
                won_amount: money(r.won_minor),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_start_on_monday_or_the_first_and_roll_over_the_year() {
        assert_eq!(
            period_start(Period::Week, date!(2026 - 11 - 03)),
            date!(2026 - 11 - 02)
        );
        assert_eq!(
            period_start(Period::Week, date!(2026 - 11 - 02)),
            date!(2026 - 11 - 02)
        );
        assert_eq!(
            period_start(Period::Month, date!(2026 - 11 - 30)),
            date!(2026 - 11 - 01)
        );
        assert_eq!(
            next_period(Period::Month, date!(2026 - 12 - 01)),
            Some(date!(2027 - 01 - 01))
        );
        assert_eq!(
            next_period(Period::Week, date!(2026 - 12 - 28)),
            Some(date!(2027 - 01 - 04))
        );
    }
}
