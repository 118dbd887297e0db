//! Attachments of sequence steps and mail merges: uploaded once by a salesperson (bytes stored once per content
//! hash), named by the steps that carry them, and attached to every letter of those steps.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::model::{Attachment, Step};
use super::store::attachments as store;
use crate::auth::Caller;
use crate::crm::access;
use crate::error::Error;
use crate::imap::outbox::LetterFile;

/// Largest file one upload takes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Files one step carries, and their total size: what mail servers take in one letter.
const MAX_PER_STEP: usize = 10;
const MAX_STEP_BYTES: i64 = 25 * 1024 * 1024;

pub fn too_large() -> Error {
    Error::Unprocessable {
        code: "attachment_too_large",
        message: format!(
            "an attachment may be at most {} MB",
            MAX_BYTES / 1024 / 1024
        ),
        details: serde_json::json!({ "max_bytes": MAX_BYTES }),
    }
}

/// Stores an upload of the caller's.
pub async fn upload(
    pool: &AnyPool,
    caller: &Caller,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    now: i64,
) -> Result<Attachment, Error> {
    super::require_sales(caller)?;
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    if bytes.is_empty() {
        return Err(Error::validation("file", "the file is empty"));
    }
    let name: String = crate::text::single_line(name)
        .trim()
        .chars()
        .take(200)
        .collect();
    let name = if name.is_empty() {
        "attachment".into()
    } else {
        name
    };
    // A type that does not parse as one would make a broken letter: such files go as plain bytes.
    let content_type = content_type.trim().to_ascii_lowercase();
    let content_type = if lettre::message::header::ContentType::parse(&content_type).is_ok()
        && content_type.len() <= 100
    {
        content_type
    } else {
        "application/octet-stream".to_string()
    };
    let hash = crate::mail::parse::hash(&bytes);
    let mut conn = pool.acquire().await?;
    let id = store::insert(
        &mut conn,
        (caller.id, &name, &content_type),
        &hash,
        bytes,
        now,
    )
    .await?;
    drop(conn);
    Ok(mine(pool, caller, id).await?.info)
}

/// The caller's own upload; anyone else's is as absent as one that never was.
async fn mine(pool: &AnyPool, caller: &Caller, id: i64) -> Result<store::AttachmentRow, Error> {
    store::get(pool, id)
        .await?
        .filter(|a| access::may_use_upload(caller, a.owner_id))
        .ok_or(Error::NotFound("attachment"))
}

/// Deletes an upload of the caller's that no step carries (409 `in_use` naming the sequences otherwise).
pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    mine(pool, caller, id).await?;
    let users = store::users_of(pool, id).await?;
    if !users.is_empty() {
        return Err(Error::InUse {
            message: "the attachment is on a step of a sequence: take it off first (or delete the sequence)"
                .into(),
            details: serde_json::json!({ "sequence_ids": users }),
        });
    }
    store::delete(&mut *pool.acquire().await?, id).await
}

/// Checks each step's `attachment_ids`: the caller's own uploads (or ones the sequence carries already, so that
/// a team lead's edit keeps the owner's), at most 10 and 25 MB per step. Answers `(step, ids)` to store.
pub async fn check_steps(
    pool: &AnyPool,
    caller: &Caller,
    sequence: Option<i64>,
    steps: &[Step],
    field: impl Fn(usize) -> String,
) -> Result<Vec<(i64, Vec<i64>)>, Error> {
    let carried: Vec<i64> = match sequence {
        Some(s) => store::of_sequence(pool, s)
            .await?
            .into_iter()
            .map(|(_, a)| a.id)
            .collect(),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let ids = step.attachment_ids.clone();
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        if distinct.len() != ids.len() || ids.len() > MAX_PER_STEP {
            return Err(Error::validation(
                field(i),
                "at most 10 attachments, each once",
            ));
        }
        let found = store::many(pool, &ids).await?;
        for id in &ids {
            let ok = found.iter().any(|a| {
                a.info.id == *id
                    && (access::may_use_upload(caller, a.owner_id) || carried.contains(id))
            });
            if !ok {
                return Err(Error::validation(
                    field(i),
                    format!("no attachment {id} of yours"),
                ));
            }
        }
        if found.iter().map(|a| a.info.size).sum::<i64>() > MAX_STEP_BYTES {
            return Err(Error::validation(
                field(i),
                "at most 25 MB of attachments per letter",
            ));
        }
        if !ids.is_empty() {
            out.push((i as i64, ids));
        }
    }
    Ok(out)
}

/// The attachments of each step of a sequence (steps from 0).
pub async fn by_step(
    pool: &AnyPool,
    sequence: i64,
) -> Result<HashMap<i64, Vec<Attachment>>, Error> {
    let mut out: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for (step, a) in store::of_sequence(pool, sequence).await? {
        out.entry(step).or_default().push(a);
    }
    Ok(out)
}

/// The files of a step (from 0) as its letters carry them.
pub async fn for_step(pool: &AnyPool, sequence: i64, step: i64) -> Result<Vec<LetterFile>, Error> {
    Ok(store::files_of_step(pool, sequence, step)
        .await?
        .into_iter()
        .map(|(name, content_type, bytes)| LetterFile {
            name,
            content_type,
            bytes,
        })
        .collect())
}
