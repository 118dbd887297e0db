//! SQL of attachments: the bytes once per content hash (`sequence_files`), each upload with its owner, and which
//! steps of which sequences carry it.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;
use crate::sequences::model::Attachment;

pub struct AttachmentRow {
    pub owner_id: i64,
    pub info: Attachment,
}

fn info(r: &sqlx::any::AnyRow) -> Result<Attachment, Error> {
    Ok(Attachment {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        size: r.try_get("size")?,
        content_type: r.try_get("content_type")?,
    })
}

/// Stores an upload; its bytes only if no upload had the same content before.
pub async fn insert(
    conn: &mut AnyConnection,
    (owner, name, content_type): (i64, &str, &str),
    hash: &str,
    bytes: Vec<u8>,
    now: i64,
) -> Result<i64, Error> {
    let size = bytes.len() as i64;
    sqlx::query(
        "INSERT INTO sequence_files (hash, bytes) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(hash)
    .bind(bytes)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "INSERT INTO sequence_attachments (owner_id, name, content_type, size, hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(owner)
    .bind(name)
    .bind(content_type)
    .bind(size)
    .bind(hash)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<AttachmentRow>, Error> {
    let row = sqlx::query(
        "SELECT id, owner_id, name, size, content_type FROM sequence_attachments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(AttachmentRow {
            owner_id: r.try_get("owner_id")?,
            info: info(&r)?,
        })
    })
    .transpose()
}

/// Of `ids`, the attachments that exist, with their owners.
pub async fn many(pool: &AnyPool, ids: &[i64]) -> Result<Vec<AttachmentRow>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(MAX_BINDS - 4) {
        let mut sql = Sql::new(
            "SELECT id, owner_id, name, size, content_type FROM sequence_attachments WHERE id IN ",
        );
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(pool).await? {
            out.push(AttachmentRow {
                owner_id: r.try_get("owner_id")?,
                info: info(&r)?,
            });
        }
    }
    Ok(out)
}

/// The sequences whose steps carry the attachment.
pub async fn users_of(pool: &AnyPool, id: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT sequence_id FROM sequence_step_attachments WHERE attachment_id = $1 ORDER BY sequence_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("sequence_id")?)).collect()
}

/// Deletes an upload, and its bytes when no other upload has the same content.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    let row = sqlx::query("DELETE FROM sequence_attachments WHERE id = $1 RETURNING hash")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = row {
        let hash: String = row.try_get("hash")?;
        sqlx::query(
            "DELETE FROM sequence_files WHERE hash = $1
             AND NOT EXISTS (SELECT 1 FROM sequence_attachments a WHERE a.hash = $1)",
        )
        .bind(hash)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Replaces the attachments of a sequence's steps: `(step from 0, attachment ids in order)`.
pub async fn set_for_sequence(
    conn: &mut AnyConnection,
    sequence: i64,
    steps: &[(i64, Vec<i64>)],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM sequence_step_attachments WHERE sequence_id = $1")
        .bind(sequence)
        .execute(&mut *conn)
        .await?;
    for (step, ids) in steps {
        for (position, id) in ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO sequence_step_attachments (sequence_id, step, position, attachment_id)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(sequence)
            .bind(*step)
            .bind(position as i64)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// `(step, attachment)` of a sequence, by step and position.
pub async fn of_sequence(pool: &AnyPool, sequence: i64) -> Result<Vec<(i64, Attachment)>, Error> {
    let rows = sqlx::query(
        "SELECT s.step, a.id, a.name, a.size, a.content_type FROM sequence_step_attachments s
         JOIN sequence_attachments a ON a.id = s.attachment_id WHERE s.sequence_id = $1
         ORDER BY s.step, s.position",
    )
    .bind(sequence)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("step")?, info(r)?)))
        .collect()
}

/// The files of one step with their bytes, in order: `(name, content type, bytes)`.
pub async fn files_of_step(
    pool: &AnyPool,
    sequence: i64,
    step: i64,
) -> Result<Vec<(String, String, Vec<u8>)>, Error> {
    let rows = sqlx::query(
        "SELECT a.name, a.content_type, f.bytes FROM sequence_step_attachments s
         JOIN sequence_attachments a ON a.id = s.attachment_id JOIN sequence_files f ON f.hash = a.hash
         WHERE s.sequence_id = $1 AND s.step = $2 ORDER BY s.position",
    )
    .bind(sequence)
    .bind(step)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("name")?,
                r.try_get("content_type")?,
                r.try_get("bytes")?,
            ))
        })
        .collect()
}
