//! All SQL of campaigns: templates, segments, campaigns and suppressions here; the per-recipient send queue in
//! `queue`, segment resolution in `audience`.

pub mod audience;
pub mod queue;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::model::{
    Campaign, CampaignRow, CampaignStatus, NewCampaign, Segment, SegmentFilter, Stats, Suppression,
    Template, TemplateInput,
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
    let rows = sqlx::query("SELECT * FROM mail_templates ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(template_from_row).collect()
}

pub async fn template(pool: &AnyPool, id: i64) -> Result<Option<Template>, Error> {
    let row = sqlx::query("SELECT * FROM mail_templates WHERE id = $1")
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
        "UPDATE mail_templates SET name = $1, subject = $2, html = $3, text = $4, updated_at = $5 WHERE id = $6",
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
    let rows = sqlx::query("SELECT * FROM segments ORDER BY id")
        .fetch_all(pool)
        .await?;
    rows.iter().map(segment_from_row).collect()
}

pub async fn segment(pool: &AnyPool, id: i64) -> Result<Option<Segment>, Error> {
    let row = sqlx::query("SELECT * FROM segments WHERE id = $1")
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
        sqlx::query("UPDATE segments SET name = $1, filter = $2, updated_at = $3 WHERE id = $4")
            .bind(name)
            .bind(serde_json::to_string(f).map_err(Error::internal)?)
            .bind(now_ms())
            .bind(id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

fn campaign_from_row(r: &AnyRow) -> Result<CampaignRow, Error> {
    let status: String = r.try_get("status")?;
    let smtp_url: Option<String> = r.try_get("smtp_url")?;
    let view = Campaign {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        template_id: r.try_get("template_id")?,
        segment_id: r.try_get("segment_id")?,
        marketing: r.try_get::<i64, _>("marketing")? != 0,
        from_address: r.try_get("from_address")?,
        own_smtp: smtp_url.is_some(),
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
    Ok(CampaignRow { view, smtp_url })
}

pub async fn campaign(pool: &AnyPool, id: i64) -> Result<Option<CampaignRow>, Error> {
    let row = sqlx::query("SELECT * FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(campaign_from_row).transpose()
}

pub async fn campaigns(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<CampaignRow>, Error> {
    let rows = sqlx::query("SELECT * FROM campaigns WHERE id > $1 ORDER BY id LIMIT $2")
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
    created_by: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO campaigns (name, template_id, segment_id, marketing, from_address, smtp_url, per_second,
                per_hour, concurrency, max_failures_in_row, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $12) RETURNING id",
    )
    .bind(&c.name)
    .bind(c.template_id)
    .bind(c.segment_id)
    .bind(flag(c.marketing))
    .bind(from_address)
    .bind(&c.smtp_url)
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

pub async fn reset_failures(pool: &AnyPool, id: i64) -> Result<(), Error> {
    sqlx::query("UPDATE campaigns SET failures_in_row = 0 WHERE id = $1 AND failures_in_row <> 0")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

fn suppression_from_row(r: &AnyRow) -> Result<Suppression, Error> {
    Ok(Suppression {
        address: r.try_get("address")?,
        reason: r.try_get("reason")?,
        campaign_id: r.try_get("campaign_id")?,
        detail: r.try_get("detail")?,
        at: from_ms(r.try_get("at")?),
    })
}

pub async fn suppressions(pool: &AnyPool) -> Result<Vec<Suppression>, Error> {
    let rows = sqlx::query("SELECT * FROM suppressions ORDER BY at, address")
        .fetch_all(pool)
        .await?;
    rows.iter().map(suppression_from_row).collect()
}

/// Adds an address to the suppression list; the first reason recorded stays.
pub async fn suppress(
    pool: &AnyPool,
    address: &str,
    reason: &str,
    campaign_recipient: Option<(i64, i64)>,
    detail: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO suppressions (address, reason, campaign_id, recipient_id, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (address) DO NOTHING",
    )
    .bind(address)
    .bind(reason)
    .bind(campaign_recipient.map(|c| c.0))
    .bind(campaign_recipient.map(|c| c.1))
    .bind(detail)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a bounce and returns how many soft bounces the address has had.
pub async fn insert_bounce(
    pool: &AnyPool,
    address: &str,
    hard: bool,
    status: &str,
    diagnostic: &str,
    campaign_recipient: Option<(i64, i64)>,
    mail: Option<(i64, Option<&str>)>,
) -> Result<i64, Error> {
    sqlx::query(
        "INSERT INTO bounces (address, hard, status, diagnostic, campaign_id, recipient_id, at, message_id, original_message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(address)
    .bind(flag(hard))
    .bind(status)
    .bind(diagnostic)
    .bind(campaign_recipient.map(|c| c.0))
    .bind(campaign_recipient.map(|c| c.1))
    .bind(now_ms())
    .bind(mail.map(|m| m.0))
    .bind(mail.and_then(|m| m.1))
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT COUNT(*) AS n FROM bounces WHERE address = $1 AND hard = 0")
        .bind(address)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("n")?)
}
