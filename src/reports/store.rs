//! The SQL of reports: aggregates over deals, their stage history and leads, one text for both backends
//! (sums cast to BIGINT, since PostgreSQL's SUM of a BIGINT is NUMERIC).

use sqlx::{AnyConnection, Row};

use crate::crm::access::{push_owned, Scope};
use crate::db::sql::Sql;
use crate::error::Error;

/// Whose records a report counts and over which time range (UTC milliseconds, `from` inclusive, `to` exclusive).
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    pub scope: Scope,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    pub from: i64,
    pub to: i64,
}

/// ` AND` the owner of `alias` is one the slice counts.
fn push_owners(sql: &mut Sql, s: &Slice, alias: &str) {
    push_owned(sql, s.scope, alias);
    if let Some(user) = s.user_id {
        sql.push(" AND ")
            .push(alias)
            .push(".owner_id = ")
            .bind(user);
    }
    if let Some(team) = s.team_id {
        sql.push(" AND ")
            .push(alias)
            .push(".owner_id IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id = ")
            .bind(team)
            .push(")");
    }
}

/// ` AND d.pipeline_id = … AND d.created_at in the range` and the owners: the deals a funnel counts.
fn push_cohort(sql: &mut Sql, s: &Slice, pipeline: i64) {
    sql.push(" AND d.pipeline_id = ")
        .bind(pipeline)
        .push(" AND d.created_at >= ")
        .bind(s.from)
        .push(" AND d.created_at < ")
        .bind(s.to);
    push_owners(sql, s, "d");
}

/// Per stage: the cohort's deals now in it and their amount.
pub async fn deals_by_stage(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: i64,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    let mut sql = Sql::new(
        "SELECT d.stage_id, COUNT(*) AS n, CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount
         FROM deals d WHERE 1 = 1",
    );
    push_cohort(&mut sql, s, pipeline);
    sql.push(" GROUP BY d.stage_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("stage_id")?,
                r.try_get("n")?,
                r.try_get("amount")?,
            ))
        })
        .collect()
}

/// ` AND c.deal_id IN (the cohort's deals)`: a funnel's stage history, read in deal order from
/// `stage_changes_history` for the deals found in `deals_cohort` (migration 0028).
fn push_cohort_changes(sql: &mut Sql, s: &Slice, pipeline: i64) {
    sql.push(" AND c.deal_id IN (SELECT d.id FROM deals d WHERE 1 = 1");
    push_cohort(sql, s, pipeline);
    sql.push(")");
}

/// How many of the cohort's deals got at most as far as each position (over the pipeline's stages that are not
/// lost, by their stage history): (position, deals).
pub async fn furthest_positions(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    // Grouped by c.deal_id, which the history index delivers in order: no sort of the cohort's moves.
    let mut sql = Sql::new(
        "SELECT t.furthest, COUNT(*) AS n FROM (SELECT c.deal_id, MAX(st.position) AS furthest
         FROM stage_changes c JOIN stages st ON st.id = c.to_stage_id
         WHERE st.kind <> 'lost' AND st.pipeline_id = ",
    );
    sql.bind(pipeline);
    push_cohort_changes(&mut sql, s, pipeline);
    sql.push(" GROUP BY c.deal_id) t GROUP BY t.furthest");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("furthest")?, r.try_get("n")?)))
        .collect()
}

/// Per stage: the number of the cohort's stays in it that ended (the deal moved on) and their total length in ms.
pub async fn ended_stays(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: i64,
) -> Result<Vec<(i64, i64, i64)>, Error> {
    // A stay ends at the deal's next move (the next id): LEAD over the deal's moves in id order, one pass, instead of
    // a lookup of the next move per move.
    let mut sql = Sql::new(
        "SELECT t.stage_id, COUNT(*) AS n, CAST(SUM(t.next_at - t.at) AS BIGINT) AS total
         FROM (SELECT c.to_stage_id AS stage_id, c.at,
                      LEAD(c.at) OVER (PARTITION BY c.deal_id ORDER BY c.id) AS next_at
               FROM stage_changes c WHERE 1 = 1",
    );
    push_cohort_changes(&mut sql, s, pipeline);
    sql.push(") t WHERE t.next_at IS NOT NULL GROUP BY t.stage_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("stage_id")?, r.try_get("n")?, r.try_get("total")?)))
        .collect()
}

/// The deals closed in the range on one UTC day, won or lost.
pub struct Closed {
    /// The first closing of the day (its date is the day's).
    pub closed_at: i64,
    pub won: bool,
    pub deals: i64,
    pub amount_minor: i64,
}

/// Won and lost deals closed in the range, per UTC day: a few hundred rows over years instead of one per deal.
pub async fn closed_deals(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: Option<i64>,
) -> Result<Vec<Closed>, Error> {
    // The day is floor(closed_at / day) for negative stamps too (`/` and `%` truncate toward zero on both backends).
    let mut sql = Sql::new(
        "SELECT MIN(d.closed_at) AS closed_at, s.kind, COUNT(*) AS n,
                CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount
         FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.kind IN ('won', 'lost') AND d.closed_at >= ",
    );
    sql.bind(s.from).push(" AND d.closed_at < ").bind(s.to);
    if let Some(p) = pipeline {
        sql.push(" AND d.pipeline_id = ").bind(p);
    }
    push_owners(&mut sql, s, "d");
    sql.push(" GROUP BY d.closed_at - ((d.closed_at % 86400000) + 86400000) % 86400000, s.kind");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Closed {
                closed_at: r.try_get("closed_at")?,
                won: r.try_get::<String, _>("kind")? == "won",
                deals: r.try_get("n")?,
                amount_minor: r.try_get("amount")?,
            })
        })
        .collect()
}

/// Open deals now: (Σ amount × probability in minor units × 100, Σ amount).
pub async fn open_totals(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: Option<i64>,
) -> Result<(i64, i64), Error> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(d.amount_minor * s.probability), 0) AS BIGINT) AS weighted,
                CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount
         FROM deals d JOIN stages s ON s.id = d.stage_id WHERE s.kind = 'open'",
    );
    if let Some(p) = pipeline {
        sql.push(" AND d.pipeline_id = ").bind(p);
    }
    push_owners(&mut sql, s, "d");
    let row = sql.query().fetch_one(conn).await?;
    Ok((row.try_get("weighted")?, row.try_get("amount")?))
}

/// One source's leads of the range.
pub struct SourceCounts {
    pub source_id: Option<i64>,
    pub source: Option<String>,
    pub leads: i64,
    pub converted: i64,
    pub won_minor: i64,
}

pub async fn lead_sources(conn: &mut AnyConnection, s: &Slice) -> Result<Vec<SourceCounts>, Error> {
    // Grouped by source inside, in the order of `leads_sources` (migration 0028): no sort of the leads; the few
    // groups get their names after.
    let mut sql = Sql::new(
        "SELECT t.source_id, ls.name AS source, t.leads, t.converted, t.won FROM (
         SELECT l.source_id, COUNT(*) AS leads,
                CAST(COALESCE(SUM(CASE WHEN l.status = 'converted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS converted,
                CAST(COALESCE(SUM(CASE WHEN s.kind = 'won' THEN d.amount_minor ELSE 0 END), 0) AS BIGINT) AS won
         FROM leads l LEFT JOIN deals d ON d.id = l.deal_id LEFT JOIN stages s ON s.id = d.stage_id
         WHERE l.created_at >= ",
    );
    sql.bind(s.from).push(" AND l.created_at < ").bind(s.to);
    push_owners(&mut sql, s, "l");
    sql.push(" GROUP BY l.source_id) t LEFT JOIN lead_sources ls ON ls.id = t.source_id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(SourceCounts {
                source_id: r.try_get("source_id")?,
                source: r.try_get("source")?,
                leads: r.try_get("leads")?,
                converted: r.try_get("converted")?,
                won_minor: r.try_get("won")?,
            })
        })
        .collect()
}
