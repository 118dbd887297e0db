//! All SQL of campaigns: templates, segments, campaigns and keys here; the per-recipient send queue in `queue`,
//! batched claims in `claims`, segment resolution in `audience`, suppressions and bounces in `bounces`.

pub mod audience;
mod bounces;
pub mod claims;
pub mod queue;
pub mod relays;
pub mod series;

pub use bounces::{insert_bounce, letter_sent_to, suppress, suppressions, verify_bounce};

use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::model::{
    Campaign, CampaignRow, CampaignStatus, NewCampaign, Segment, SegmentFilter, Stats, Template,
    TemplateInput,
};
use crate::db::sql::Sql;
use crate::db::{flag, from_ms, now_ms};
use crate::error::Error;

fn template_from_row(r: &AnyRow) -> Result<Template, Error> {
    Ok(Template {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        subject: r.try_get("subject")?,
        html: r.try_get("html")?,
        text: r.try_get("text")?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

pub async fn templates(pool: &AnyPool) -> Result<Vec<Template>, Error> {
    let rows = sqlx::query("SELECT * FROM mail_templates WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(template_from_row).collect()
}

pub async fn template(pool: &AnyPool, id: i64) -> Result<Option<Template>, Error> {
    let row = sqlx::query("SELECT * FROM mail_templates WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(template_from_row).transpose()
}

pub async fn insert_template(pool: &AnyPool, t: &TemplateInput) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO mail_templates (name, subject, html, text, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&t.name)
    .bind(&t.subject)
    .bind(&t.html)
    .bind(&t.text)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_template(pool: &AnyPool, id: i64, t: &TemplateInput) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE mail_templates SET name = $1, subject = $2, html = $3, text = $4, updated_at = $5 WHERE id = $6 AND deleted_at IS NULL",
    )
    .bind(&t.name)
    .bind(&t.subject)
    .bind(&t.html)
    .bind(&t.text)
    .bind(now_ms())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a template or segment is, for `delete_unused`.
#[derive(Clone, Copy)]
pub enum Part {
    Template,
    Segment,
}

/// Hides a template or segment unless a campaign that is not finished uses it. Ok(None): no such one;
/// Ok(Some(ids)) non-empty: refused, these campaigns use it; Ok(Some(empty)): deleted.
pub async fn delete_unused(pool: &AnyPool, part: Part, id: i64) -> Result<Option<Vec<i64>>, Error> {
    let (table, column) = match part {
        Part::Template => ("mail_templates", "template_id"),
        Part::Segment => ("segments", "segment_id"),
    };
    let mut tx = crate::db::begin(pool).await?;
    let users = sqlx::query(AssertSqlSafe(format!(
        "SELECT id FROM campaigns WHERE {column} = $1 AND status IN ('draft', 'sending', 'paused') ORDER BY id"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<Vec<i64>, _>>()?;
    if !users.is_empty() {
        return Ok(Some(users));
    }
    let done = sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET deleted_at = $1, name = name || ' (deleted ' || CAST(id AS TEXT) || ')'
         WHERE id = $2 AND deleted_at IS NULL"
    )))
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((done.rows_affected() == 1).then(Vec::new))
}

fn segment_from_row(r: &AnyRow) -> Result<Segment, Error> {
    let filter: String = r.try_get("filter")?;
    Ok(Segment {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        filter: serde_json::from_str(&filter).map_err(Error::internal)?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

pub async fn segments(pool: &AnyPool) -> Result<Vec<Segment>, Error> {
    let rows = sqlx::query("SELECT * FROM segments WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(segment_from_row).collect()
}

pub async fn segment(pool: &AnyPool, id: i64) -> Result<Option<Segment>, Error> {
    let row = sqlx::query("SELECT * FROM segments WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(segment_from_row).transpose()
}

pub async fn insert_segment(pool: &AnyPool, name: &str, f: &SegmentFilter) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO segments (name, filter, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(name)
    .bind(serde_json::to_string(f).map_err(Error::internal)?)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_segment(
    pool: &AnyPool,
    id: i64,
    name: &str,
    f: &SegmentFilter,
) -> Result<bool, Error> {
    let done =
        sqlx::query("UPDATE segments SET name = $1, filter = $2, updated_at = $3 WHERE id = $4 AND deleted_at IS NULL")
            .bind(name)
            .bind(serde_json::to_string(f).map_err(Error::internal)?)
            .bind(now_ms())
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A campaign with its relay's name (NULL: the built-in `default`).
const CAMPAIGN_SELECT: &str = "SELECT c.*, r.name AS relay_name FROM campaigns c
     LEFT JOIN smtp_relays r ON r.id = c.relay_id";

fn campaign_from_row(r: &AnyRow) -> Result<CampaignRow, Error> {
    let status: String = r.try_get("status")?;
    let relay_id: Option<i64> = r.try_get("relay_id")?;
    let view = Campaign {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        template_id: r.try_get("template_id")?,
        segment_id: r.try_get("segment_id")?,
        marketing: r.try_get::<i64, _>("marketing")? != 0,
        from_address: r.try_get("from_address")?,
        relay: r
            .try_get::<Option<String>, _>("relay_name")?
            .unwrap_or_else(|| super::relays::DEFAULT.to_string()),
        per_second: r.try_get("per_second")?,
        per_hour: r.try_get("per_hour")?,
        concurrency: r.try_get("concurrency")?,
        max_failures_in_row: r.try_get("max_failures_in_row")?,
        status: CampaignStatus::parse(&status).ok_or_else(|| Error::internal("bad status"))?,
        pause_reason: r.try_get("pause_reason")?,
        stats: Stats::default(),
        created_at: from_ms(r.try_get("created_at")?),
        started_at: r.try_get::<Option<i64>, _>("started_at")?.map(from_ms),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(from_ms),
    };
    Ok(CampaignRow { view, relay_id })
}

pub async fn campaign(pool: &AnyPool, id: i64) -> Result<Option<CampaignRow>, Error> {
    let row = sqlx::query(AssertSqlSafe(format!("{CAMPAIGN_SELECT} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(campaign_from_row).transpose()
}

pub async fn campaigns(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<CampaignRow>, Error> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(campaign_from_row).collect()
}

/// Campaigns a worker should be sending now.
pub async fn sending_campaigns(pool: &AnyPool) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query("SELECT id FROM campaigns WHERE status = 'sending' ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::from))
        .collect()
}

pub async fn insert_campaign(
    pool: &AnyPool,
    c: &NewCampaign,
    from_address: &str,
    relay_id: Option<i64>,
    created_by: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO campaigns (name, template_id, segment_id, marketing, from_address, relay_id, per_second,
                per_hour, concurrency, max_failures_in_row, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $12) RETURNING id",
    )
    .bind(&c.name)
    .bind(c.template_id)
    .bind(c.segment_id)
    .bind(flag(c.marketing))
    .bind(from_address)
    .bind(relay_id)
    .bind(c.per_second)
    .bind(c.per_hour)
    .bind(c.concurrency.unwrap_or(2))
    .bind(c.max_failures_in_row.unwrap_or(10))
    .bind(created_by)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    Ok(row.try_get("id")?)
}

/// Moves a campaign from one of `from` to `to`; false when it was in no such state.
pub async fn transition(
    pool: &AnyPool,
    id: i64,
    from: &[CampaignStatus],
    to: CampaignStatus,
    reason: Option<&str>,
) -> Result<bool, Error> {
    let now = now_ms();
    let mut sql = Sql::new("UPDATE campaigns SET status = ");
    sql.bind(to.as_str())
        .push(", pause_reason = ")
        .bind(reason.map(str::to_string))
        .push(", updated_at = ")
        .bind(now);
    match to {
        CampaignStatus::Sending => {
            sql.push(", failures_in_row = 0, started_at = COALESCE(started_at, ")
                .bind(now)
                .push(")");
        }
        CampaignStatus::Done | CampaignStatus::Cancelled => {
            sql.push(", finished_at = ").bind(now);
        }
        _ => {}
    }
    sql.push(" WHERE id = ").bind(id).push(" AND status IN ");
    sql.bind_list(
        from.iter()
            .map(|s| s.as_str().to_string())
            .collect::<Vec<_>>(),
    );
    Ok(sql.query().execute(pool).await?.rows_affected() == 1)
}

/// Counts a failure in a row; pauses the campaign when there were too many. Returns true when it paused.
pub async fn count_failure(pool: &AnyPool, id: i64) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE campaigns SET failures_in_row = failures_in_row + 1,
                status = CASE WHEN failures_in_row + 1 >= max_failures_in_row AND status = 'sending'
                              THEN 'paused' ELSE status END,
                pause_reason = CASE WHEN failures_in_row + 1 >= max_failures_in_row AND status = 'sending'
                              THEN 'too many failures in a row' ELSE pause_reason END
         WHERE id = $1 AND failures_in_row + 1 >= max_failures_in_row AND status = 'sending'",
    )
    .bind(id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    sqlx::query("UPDATE campaigns SET failures_in_row = failures_in_row + 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(false)
}

/// The key kept for `purpose`, made (random) on first use; concurrent first uses agree on the stored one.
pub async fn key(pool: &AnyPool, purpose: &str) -> Result<Vec<u8>, Error> {
    let fresh: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    sqlx::query(
        "INSERT INTO campaign_keys (purpose, secret, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (purpose) DO NOTHING",
    )
    .bind(purpose)
    .bind(fresh)
    .bind(now_ms())
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT secret FROM campaign_keys WHERE purpose = $1")
        .bind(purpose)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<String, _>("secret")?.into_bytes())
}
