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

pub async fn managers(
    pool: &AnyPool,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<ManagerActivity, Error> {
    let s = super::slice(caller, RecordKind::Deal, q)?;
    // Whatever was linked, unlinked or answered since the last report is in the summaries before they are read.
    super::summary::activity(pool).await?;
    let mut conn = pool.acquire().await?;
    let people = store::people(&mut conn, &s).await?;
    let mails = by_user(store::mail_counts(&mut conn, &s).await?);
    let tasks = by_user(store::task_counts(&mut conn, &s, now_ms()).await?);
    let won = by_user(store::won_deals(&mut conn, &s).await?);
    // Per owner: (minutes waited, threads) of the answered threads, and the unanswered ones.
    let mut waits: HashMap<i64, (Vec<(f64, i64)>, i64)> = HashMap::new();
    for w in store::waits(&mut conn, &s).await? {
        let entry = waits.entry(w.owner_id).or_default();
        match w.minutes {
            Some(minutes) => entry.0.push((minutes as f64, w.threads)),
            None => entry.1 += w.threads,
        }
    }
    let mut rows = Vec::new();
    for p in people {
        let (received, sent) = mails.get(&p.id).copied().unwrap_or_default();
        let (done, overdue) = tasks.get(&p.id).copied().unwrap_or_default();
        let (deals_won, won_minor) = won.get(&p.id).copied().unwrap_or_default();
        let (mut minutes, unanswered) = waits.remove(&p.id).unwrap_or_default();
        minutes.sort_by(|a, b| a.0.total_cmp(&b.0));
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

/// The `p` quantile (0..1) of values given sorted with how often each occurs, interpolating between the two nearest
/// ranks (as PostgreSQL's `percentile_cont`): the median of 10 and 30 is 20, their 90th percentile 28.
fn percentile(sorted: &[(f64, i64)], p: f64) -> Option<f64> {
    let total: i64 = sorted.iter().map(|(_, n)| n).sum();
    let last = total.checked_sub(1).filter(|l| *l >= 0)?;
    let rank = p * last as f64;
    let (lo, hi) = (rank.floor() as i64, rank.ceil() as i64);
    let (a, b) = (nth(sorted, lo)?, nth(sorted, hi)?);
    Some(a + (b - a) * (rank - lo as f64))
}

/// The `k`-th (from 0) of the values counted in `sorted`.
fn nth(sorted: &[(f64, i64)], k: i64) -> Option<f64> {
    let mut seen = 0;
    for (value, n) in sorted {
        seen += n;
        if k < seen {
            return Some(*value);
        }
    }
    None
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::percentile;

    fn once(values: &[f64]) -> Vec<(f64, i64)> {
        values.iter().map(|v| (*v, 1)).collect()
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&once(&[7.0]), 0.9), Some(7.0));
        assert_eq!(percentile(&once(&[10.0, 30.0]), 0.5), Some(20.0));
        assert_eq!(percentile(&once(&[10.0, 30.0]), 0.9), Some(28.0));
        let v = once(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(percentile(&v, 0.5), Some(3.0));
        let p90 = percentile(&v, 0.9).unwrap();
        assert!((p90 - 61.6).abs() < 1e-9, "{p90}");
    }

    #[test]
    fn counted_values_give_the_percentiles_of_the_values_repeated() {
        // 1, 1, 1, 5, 9, 9: median between the 3rd and 4th (1 and 5), p90 at rank 4.5 (9).
        let v = [(1.0, 3), (5.0, 1), (9.0, 2)];
        assert_eq!(percentile(&v, 0.5), Some(3.0));
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&[(4.0, 0)], 0.5), None);
        assert_eq!(percentile(&[(2.0, 4)], 0.9), Some(2.0));
    }
}
