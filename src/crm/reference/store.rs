//! SQL of pipelines, stages and the simple reference lists.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use super::model::{ListEntry, Stage, StageKind};
use super::RefList;
use crate::db::now_ms;
use crate::error::Error;

pub struct PipelineRow {
    pub id: i64,
    pub name: String,
    pub position: i64,
}

fn stage_from_row(r: &AnyRow) -> Result<Stage, Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Stage {
        id: r.try_get("id")?,
        pipeline_id: r.try_get("pipeline_id")?,
        name: r.try_get("name")?,
        position: r.try_get("position")?,
        probability: r.try_get("probability")?,
        kind: StageKind::parse(&kind),
    })
}

pub async fn pipelines(conn: &mut AnyConnection) -> Result<Vec<PipelineRow>, Error> {
    let rows = sqlx::query("SELECT id, name, position FROM pipelines ORDER BY position, id")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PipelineRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                position: r.try_get("position")?,
            })
        })
        .collect()
}

pub async fn pipeline(conn: &mut AnyConnection, id: i64) -> Result<Option<PipelineRow>, Error> {
    let row = sqlx::query("SELECT id, name, position FROM pipelines WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(PipelineRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            position: r.try_get("position")?,
        })
    })
    .transpose()
}

pub async fn stages_of(conn: &mut AnyConnection, pipeline_id: i64) -> Result<Vec<Stage>, Error> {
    let rows = sqlx::query(
        "SELECT id, pipeline_id, name, position, probability, kind FROM stages WHERE pipeline_id = $1 ORDER BY position, id",
    )
    .bind(pipeline_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(stage_from_row).collect()
}

pub async fn stage(conn: &mut AnyConnection, id: i64) -> Result<Option<Stage>, Error> {
    let row = sqlx::query(
        "SELECT id, pipeline_id, name, position, probability, kind FROM stages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(stage_from_row).transpose()
}

pub async fn insert_pipeline(
    conn: &mut AnyConnection,
    name: &str,
    position: i64,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO pipelines (name, position, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(position)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_pipeline(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    position: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE pipelines SET name = $1, position = $2 WHERE id = $3")
        .bind(name)
        .bind(position)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_pipeline(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM pipelines WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_stage(
    conn: &mut AnyConnection,
    pipeline_id: i64,
    stage: &Stage,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "INSERT INTO stages (pipeline_id, name, position, probability, kind) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(pipeline_id)
    .bind(&stage.name)
    .bind(stage.position)
    .bind(stage.probability)
    .bind(stage.kind.as_str())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_stage(conn: &mut AnyConnection, stage: &Stage) -> Result<(), Error> {
    sqlx::query(
        "UPDATE stages SET name = $1, position = $2, probability = $3, kind = $4 WHERE id = $5",
    )
    .bind(&stage.name)
    .bind(stage.position)
    .bind(stage.probability)
    .bind(stage.kind.as_str())
    .bind(stage.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_stage(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    sqlx::query("DELETE FROM stages WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn deals_in_stage(conn: &mut AnyConnection, stage_id: i64) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM deals WHERE stage_id = $1")
        .bind(stage_id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn deals_in_pipeline(conn: &mut AnyConnection, pipeline_id: i64) -> Result<i64, Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM deals WHERE pipeline_id = $1")
        .bind(pipeline_id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn move_deals(
    conn: &mut AnyConnection,
    from_stage: i64,
    to_stage: i64,
) -> Result<u64, Error> {
    let done = sqlx::query("UPDATE deals SET stage_id = $1, updated_at = $2 WHERE stage_id = $3")
        .bind(to_stage)
        .bind(now_ms())
        .bind(from_stage)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn list_entries(pool: &AnyPool, list: RefList) -> Result<Vec<ListEntry>, Error> {
    let text = format!("SELECT id, name FROM {} ORDER BY name, id", list.table());
    let rows = sqlx::query(AssertSqlSafe(text)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(ListEntry {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

pub async fn entry(
    conn: &mut AnyConnection,
    list: RefList,
    id: i64,
) -> Result<Option<ListEntry>, Error> {
    let text = format!("SELECT id, name FROM {} WHERE id = $1", list.table());
    let row = sqlx::query(AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(ListEntry {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
        })
    })
    .transpose()
}

pub async fn insert_entry(
    conn: &mut AnyConnection,
    list: RefList,
    name: &str,
) -> Result<i64, Error> {
    let text = format!(
        "INSERT INTO {} (name) VALUES ($1) RETURNING id",
        list.table()
    );
    let row = sqlx::query(AssertSqlSafe(text))
        .bind(name)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

pub async fn rename_entry(
    conn: &mut AnyConnection,
    list: RefList,
    id: i64,
    name: &str,
) -> Result<(), Error> {
    let text = format!("UPDATE {} SET name = $1 WHERE id = $2", list.table());
    sqlx::query(AssertSqlSafe(text))
        .bind(name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many records use the entry (leads for a source, contacts for a type).
pub async fn entry_uses(conn: &mut AnyConnection, list: RefList, id: i64) -> Result<i64, Error> {
    let (table, column) = list.used_by();
    let text = format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1");
    let row = sqlx::query(AssertSqlSafe(text))
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn delete_entry(conn: &mut AnyConnection, list: RefList, id: i64) -> Result<(), Error> {
    let text = format!("DELETE FROM {} WHERE id = $1", list.table());
    sqlx::query(AssertSqlSafe(text))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn entry_by_name(
    pool: &AnyPool,
    list: RefList,
    name: &str,
) -> Result<Option<i64>, Error> {
    let text = format!("SELECT id FROM {} WHERE name = $1", list.table());
    let row = sqlx::query(AssertSqlSafe(text))
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}
