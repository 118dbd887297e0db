//! SQL of web forms, their submission log and their round-robin cursor.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::now_ms;
use crate::error::Error;

/// A form as stored (JSON columns still text).
pub struct FormRow {
    pub id: i64,
    pub name: String,
    pub public_key: String,
    pub fields: String,
    pub consent_text: String,
    pub consent_version: i64,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub source_id: Option<i64>,
    pub redirect_url: Option<String>,
    pub allowed_origins: String,
    pub enabled: bool,
    pub user_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, name, public_key, fields, consent_text, consent_version, owner_id, team_id, \
    source_id, redirect_url, allowed_origins, enabled, user_id, created_at, updated_at";

fn form_row(r: &AnyRow) -> Result<FormRow, Error> {
    Ok(FormRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        public_key: r.try_get("public_key")?,
        fields: r.try_get("fields")?,
        consent_text: r.try_get("consent_text")?,
        consent_version: r.try_get("consent_version")?,
        owner_id: r.try_get("owner_id")?,
        team_id: r.try_get("team_id")?,
        source_id: r.try_get("source_id")?,
        redirect_url: r.try_get("redirect_url")?,
        allowed_origins: r.try_get("allowed_origins")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        user_id: r.try_get("user_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The columns an admin sets (the key, service user and cursor are set once or by submissions).
pub struct Write<'a> {
    pub name: &'a str,
    pub fields: &'a str,
    pub consent_text: &'a str,
    pub consent_version: i64,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub source_id: Option<i64>,
    pub redirect_url: Option<&'a str>,
    pub allowed_origins: &'a str,
    pub enabled: bool,
}

pub async fn insert(
    conn: &mut AnyConnection,
    w: &Write<'_>,
    public_key: &str,
    user_id: i64,
    created_by: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO web_forms (name, public_key, fields, consent_text, consent_version, owner_id, team_id, \
         source_id, redirect_url, allowed_origins, enabled, user_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
    )
    .bind(w.name)
    .bind(public_key)
    .bind(w.fields)
    .bind(w.consent_text)
    .bind(w.consent_version)
    .bind(w.owner_id)
    .bind(w.team_id)
    .bind(w.source_id)
    .bind(w.redirect_url)
    .bind(w.allowed_origins)
    .bind(i64::from(w.enabled))
    .bind(user_id)
    .bind(created_by)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(conn: &mut AnyConnection, id: i64, w: &Write<'_>) -> Result<(), Error> {
    sqlx::query(
        "UPDATE web_forms SET name = $1, fields = $2, consent_text = $3, consent_version = $4, owner_id = $5, \
         team_id = $6, source_id = $7, redirect_url = $8, allowed_origins = $9, enabled = $10, updated_at = $11 \
         WHERE id = $12",
    )
    .bind(w.name)
    .bind(w.fields)
    .bind(w.consent_text)
    .bind(w.consent_version)
    .bind(w.owner_id)
    .bind(w.team_id)
    .bind(w.source_id)
    .bind(w.redirect_url)
    .bind(w.allowed_origins)
    .bind(i64::from(w.enabled))
    .bind(now_ms())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<FormRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM web_forms WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(form_row).transpose()
}

pub async fn by_key(pool: &AnyPool, key: &str) -> Result<Option<FormRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM web_forms WHERE public_key = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(form_row).transpose()
}

pub async fn list(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<FormRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM web_forms WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(form_row).collect()
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM web_forms WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the form's turn: the row is written first, so that a second instance's submission waits for this
/// transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE already serializes), and the member who got the last lead
/// is read after the wait.
pub async fn take_turn(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, Error> {
    let row = sqlx::query(
        "UPDATE web_forms SET turns = turns + 1 WHERE id = $1 RETURNING last_assigned_id",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("last_assigned_id")?)
}

pub async fn set_last_assigned(conn: &mut AnyConnection, id: i64, user: i64) -> Result<(), Error> {
    sqlx::query("UPDATE web_forms SET last_assigned_id = $1 WHERE id = $2")
        .bind(user)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub struct NewSubmission<'a> {
    pub form_id: i64,
    pub client_addr: &'a str,
    pub outcome: &'a str,
    pub record: Option<(&'a str, i64)>,
    pub detail: Option<&'a str>,
    pub page: Option<&'a str>,
}

pub async fn insert_submission(
    conn: &mut AnyConnection,
    s: &NewSubmission<'_>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO web_form_submissions (form_id, at, client_addr, outcome, record_kind, record_id, detail, page) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(s.form_id)
    .bind(now_ms())
    .bind(s.client_addr)
    .bind(s.outcome)
    .bind(s.record.map(|r| r.0))
    .bind(s.record.map(|r| r.1))
    .bind(s.detail)
    .bind(s.page)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct SubmissionRow {
    pub id: i64,
    pub at: i64,
    pub outcome: String,
    pub record_kind: Option<String>,
    pub record_id: Option<i64>,
    pub detail: Option<String>,
    pub client_addr: String,
    pub page: Option<String>,
}

/// Newest first, older than `before`, optionally of one outcome.
pub async fn submissions(
    pool: &AnyPool,
    form_id: i64,
    before: i64,
    outcome: Option<&str>,
    limit: i64,
) -> Result<Vec<SubmissionRow>, Error> {
    let only = if outcome.is_some() {
        "AND outcome = $4"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, at, outcome, record_kind, record_id, detail, client_addr, page FROM web_form_submissions \
         WHERE form_id = $1 AND id < $2 {only} ORDER BY id DESC LIMIT $3"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(form_id)
        .bind(before)
        .bind(limit);
    if let Some(o) = outcome {
        query = query.bind(o);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(SubmissionRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                outcome: r.try_get("outcome")?,
                record_kind: r.try_get("record_kind")?,
                record_id: r.try_get("record_id")?,
                detail: r.try_get("detail")?,
                client_addr: r.try_get("client_addr")?,
                page: r.try_get("page")?,
            })
        })
        .collect()
}

/// How many submissions of each outcome the form had.
pub async fn outcome_counts(pool: &AnyPool, form_id: i64) -> Result<Vec<(String, i64)>, Error> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM web_form_submissions WHERE form_id = $1 GROUP BY outcome",
    )
    .bind(form_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("outcome")?, r.try_get("n")?)))
        .collect()
}

/// Submissions from one address since `since` (any form), and the time of the oldest of them.
pub async fn recent_from(
    pool: &AnyPool,
    client_addr: &str,
    since: i64,
) -> Result<(i64, Option<i64>), Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM web_form_submissions WHERE client_addr = $1 AND at > $2",
    )
    .bind(client_addr)
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok((row.try_get("n")?, row.try_get("oldest")?))
}
