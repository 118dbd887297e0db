//! Reading the event sources after a cursor: audit entries of records, linked mail, finished campaigns. Read-only
//! queries over other domains' tables, kept here so that those domains' write paths stay untouched.

use sqlx::{AnyConnection, Row};

use crate::db::sql::Sql;
use crate::error::Error;

pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub kind: String,
    pub record_id: i64,
    pub changes: String,
}

pub async fn audit_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, action, record_kind, record_id, changes FROM audit_log \
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_id: r.try_get("actor_id")?,
                action: r.try_get("action")?,
                kind: r.try_get("record_kind")?,
                record_id: r.try_get("record_id")?,
                changes: r.try_get("changes")?,
            })
        })
        .collect()
}

pub struct MessageRow {
    pub id: i64,
    pub created_at: i64,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub sent_at: Option<i64>,
    /// (record kind, record id) of its links.
    pub links: Vec<(String, i64)>,
}

pub async fn messages_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<MessageRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, created_at, message_id, subject, from_address, from_name, sent_at FROM messages \
         WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut messages = rows
        .iter()
        .map(|r| {
            Ok(MessageRow {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                message_id: r.try_get("message_id")?,
                subject: r.try_get("subject")?,
                from_address: r.try_get("from_address")?,
                from_name: r.try_get("from_name")?,
                sent_at: r.try_get("sent_at")?,
                links: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    if messages.is_empty() {
        return Ok(messages);
    }
    let mut sql = Sql::new(
        "SELECT message_id, record_kind, record_id FROM message_links WHERE removed = 0 AND message_id IN ",
    );
    sql.bind_list(messages.iter().map(|m| m.id));
    sql.push(" ORDER BY message_id, record_kind, record_id");
    for row in sql.query().fetch_all(conn).await? {
        let id: i64 = row.try_get("message_id")?;
        if let Some(m) = messages.iter_mut().find(|m| m.id == id) {
            m.links
                .push((row.try_get("record_kind")?, row.try_get("record_id")?));
        }
    }
    Ok(messages)
}

pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub finished_at: i64,
    /// Letters by state (sent, failed, skipped …).
    pub letters: Vec<(String, i64)>,
}

/// Campaigns that finished sending (`done`) in `(after, to]`.
pub async fn campaigns_finished(
    conn: &mut AnyConnection,
    after: i64,
    to: i64,
) -> Result<Vec<CampaignRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, name, finished_at FROM campaigns WHERE status = 'done' AND finished_at > $1 \
         AND finished_at <= $2 ORDER BY finished_at, id LIMIT 200",
    )
    .bind(after)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut campaigns = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let counts = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = $1 GROUP BY state ORDER BY state",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let letters = counts
            .iter()
            .map(|c| Ok((c.try_get("state")?, c.try_get("n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        campaigns.push(CampaignRow {
            id,
            name: r.try_get("name")?,
            finished_at: r.try_get("finished_at")?,
            letters,
        });
    }
    Ok(campaigns)
}
