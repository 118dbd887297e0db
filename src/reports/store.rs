//! The SQL of reports: aggregates over deals, their stage history and leads, one text for both backends
//! (sums cast to BIGINT, since PostgreSQL's SUM of a BIGINT is NUMERIC).

pub mod activity;
pub mod campaigns;
pub mod quality;
pub mod quality_records;
pub mod summary;

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
/// `by_id`: the query walks the cohort in id order (`deals_cohort`, migration 0028), so the range is written
/// `+d.created_at`, which SQLite cannot serve from an index: otherwise its planner prefers a skip-scan of
/// `deals_stage_amounts` in stage order, and the stage history is then read in random order and grouped with a sort.
/// (PostgreSQL reads `+x` as x.)
fn push_cohort(sql: &mut Sql, s: &Slice, pipeline: i64, by_id: bool) {
    let created = if by_id {
        " AND +d.created_at "
    } else {
        " AND d.created_at "
    };
    sql.push(" AND d.pipeline_id = ")
        .bind(pipeline)
        .push(created)
        .push(">= ")
        .bind(s.from)
        .push(created)
        .push("< ")
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
    // Read in stage order from `deals_stage_amounts` (a skip-scan over the few stages): no sort.
    push_cohort(&mut sql, s, pipeline, false);
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

/// How many of the cohort's deals got at most as far as each position (over the pipeline's stages that are not
/// lost, by their stage history): (position, deals).
pub async fn furthest_positions(
    conn: &mut AnyConnection,
    s: &Slice,
    pipeline: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    // `deals_cohort` gives the cohort in id order and `stage_changes_history` each deal's moves (migration 0028),
    // both from the index alone, so the GROUP BY d.id needs no sort.
    let mut sql = Sql::new(
        "SELECT t.furthest, COUNT(*) AS n FROM (SELECT d.id, MAX(st.position) AS furthest FROM deals d
         JOIN stage_changes c ON c.deal_id = d.id JOIN stages st ON st.id = c.to_stage_id
         WHERE st.kind <> 'lost' AND st.pipeline_id = ",
    );
    sql.bind(pipeline);
    push_cohort(&mut sql, s, pipeline, true);
    sql.push(" GROUP BY d.id) t GROUP BY t.furthest");
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
    // A stay ends at the deal's next move (the next id): one step along `stage_changes_history` per move. The LIMIT
    // keeps SQLite from merging `t` into the outer query, which would look the next move up twice (in the WHERE and
    // in the SUM). Measured on 124 000 moves (sqlite3 3.40): 42–48 ms, against 65–69 ms for LEAD() OVER (PARTITION
    // BY deal) and ≈ 115 ms for the MIN(id) subquery joined back by id.
    let mut sql = Sql::new(
        "SELECT t.stage_id, COUNT(*) AS n, CAST(SUM(t.next_at - t.at) AS BIGINT) AS total
         FROM (SELECT c.to_stage_id AS stage_id, c.at,
                      (SELECT nx.at FROM stage_changes nx WHERE nx.deal_id = c.deal_id AND nx.id > c.id
                       ORDER BY nx.id LIMIT 1) AS next_at
               FROM deals d JOIN stage_changes c ON c.deal_id = d.id WHERE 1 = 1",
    );
    push_cohort(&mut sql, s, pipeline, true);
    sql.push(" LIMIT ")
        .bind(i64::MAX)
        .push(") t WHERE t.next_at IS NOT NULL GROUP BY t.stage_id");
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
