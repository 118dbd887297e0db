//! Manager activity: per user in the caller's figures, the mail linked to what they own, how fast their threads
//! got a first answer, their tasks and their won deals over the range.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::model::{money, ManagerActivity, ManagerRow, ReportQuery};
use super::store::activity as store;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::db::now_ms;
use crate::error::Error;

const MINUTE_MS: f64 = 60_000.0;

pub async fn managers(
    pool: &AnyPool,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<ManagerActivity, Error> {
    let s = super::slice(caller, RecordKind::Deal, q)?;
    let mut conn = pool.acquire().await?;
    let people = store::people(&mut conn, &s).await?;
    let mails = by_user(store::mail_counts(&mut conn, &s).await?);
    let tasks = by_user(store::task_counts(&mut conn, &s, now_ms()).await?);
    let won = by_user(store::won_deals(&mut conn, &s).await?);
    let mut waits: HashMap<i64, (Vec<f64>, i64)> = HashMap::new();
    for f in store::first_responses(&mut conn, &s).await? {
        let entry = waits.entry(f.owner_id).or_default();
        match f.answered_at {
            Some(at) => entry.0.push((at - f.first_in) as f64 / MINUTE_MS),
            None => entry.1 += 1,
        }
    }
    let mut rows = Vec::new();
    for p in people {
        let (received, sent) = mails.get(&p.id).copied().unwrap_or_default();
        let (done, overdue) = tasks.get(&p.id).copied().unwrap_or_default();
        let (deals_won, won_minor) = won.get(&p.id).copied().unwrap_or_default();
        let (mut minutes, unanswered) = waits.remove(&p.id).unwrap_or_default();
        minutes.sort_by(f64::total_cmp);
        let idle = received + sent + done + overdue + deals_won + unanswered == 0;
        // A deactivated user stays in the report for the periods they worked, not for the ones after.
        if !p.active && idle {
            continue;
        }
        rows.push(ManagerRow {
            user_id: p.id,
            name: p.name,
            mails_received: received,
            mails_sent: sent,
            first_response_median_minutes: percentile(&minutes, 0.5).map(round1),
            first_response_p90_minutes: percentile(&minutes, 0.9).map(round1),
            unanswered,
            tasks_done: done,
            tasks_overdue: overdue,
            deals_won,
            won_amount: money(won_minor),
        });
    }
    Ok(ManagerActivity { rows })
}

fn by_user(rows: Vec<(i64, i64, i64)>) -> HashMap<i64, (i64, i64)> {
    rows.into_iter().map(|(u, a, b)| (u, (a, b))).collect()
}

/// The `p` quantile (0..1) of sorted values, interpolating between the two nearest ranks (as PostgreSQL's
/// `percentile_cont`): the median of 10 and 30 is 20, their 90th percentile 28.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = p * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[10.0, 30.0], 0.5), Some(20.0));
        assert_eq!(percentile(&[10.0, 30.0], 0.9), Some(28.0));
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(percentile(&v, 0.5), Some(3.0));
        let p90 = percentile(&v, 0.9).unwrap();
        assert!((p90 - 61.6).abs() < 1e-9, "{p90}");
    }
}
