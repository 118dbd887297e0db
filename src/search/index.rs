//! The indexer: one pass reads the messages stored after the shared cursor (and, on PostgreSQL, ones committed
//! late below it) and the queued record and note changes, and writes their documents. Passes are idempotent (rows
//! are replaced), so instances running them side by side cost work, never correctness. Nothing of this runs in
//! ingest: mail becomes searchable a pass after it is stored.

use super::stem::Stemmers;
use super::store::index::{self as store, DocText, MailText};
use super::store::{NOTES, RECORDS};
use crate::crm::RecordKind;
use crate::db::{Backend, Db};
use crate::error::Error;

/// Messages (and queued changes) per pass.
pub const BATCH: i64 = 500;
/// Ids below the cursor looked at again for late commits (PostgreSQL).
const LOOKBACK_IDS: i64 = 2000;

/// The index key of a record: its id * 4 + its kind.
pub fn record_key(kind: RecordKind, id: i64) -> i64 {
    id * 4 + kind_code(kind)
}

pub fn kind_code(kind: RecordKind) -> i64 {
    match kind {
        RecordKind::Contact => 0,
        RecordKind::Company => 1,
        RecordKind::Lead => 2,
        RecordKind::Deal => 3,
    }
}

/// One pass; answers how many messages and queued changes it read (BATCH of either: there may be more).
pub async fn pass(db: &Db) -> Result<usize, Error> {
    let mail = index_mail(db).await?;
    let dirty = index_dirty(db).await?;
    Ok(mail.max(dirty))
}

/// Passes until both the cursor and the queue are at the end (at most `max` passes).
pub async fn catch_up(db: &Db, max: usize) -> Result<(), Error> {
    for _ in 0..max {
        if pass(db).await? < BATCH as usize {
            break;
        }
    }
    Ok(())
}

async fn index_mail(db: &Db) -> Result<usize, Error> {
    let cursor = store::cursor(&db.pool).await?;
    let fresh = store::ids_after(&db.pool, cursor, BATCH).await?;
    let mut ids = store::missed_ids(db, cursor - LOOKBACK_IDS, cursor).await?;
    ids.extend(&fresh);
    if ids.is_empty() {
        return Ok(0);
    }
    let texts = store::mail_texts(&mut *db.pool.acquire().await?, &ids).await?;
    let docs = if db.backend == Backend::Sqlite {
        tokio::task::spawn_blocking(move || stem_mail(texts))
            .await
            .map_err(Error::internal)?
    } else {
        texts
    };
    let mut tx = crate::db::begin(&db.pool).await?;
    store::write_mail(&mut tx, db.backend, &docs).await?;
    if let Some(last) = fresh.last() {
        store::advance_cursor(&mut tx, *last).await?;
    }
    tx.commit().await?;
    Ok(fresh.len())
}

fn stem_mail(texts: Vec<MailText>) -> Vec<MailText> {
    let s = Stemmers::default();
    texts
        .into_iter()
        .map(|t| MailText {
            id: t.id,
            subject: s.stemmed(&t.subject),
            body: s.stemmed(&t.body),
            people: s.stemmed(&t.people),
            files: s.stemmed(&t.files),
        })
        .collect()
}

/// A queued change, read: the document to write, or `None` when its source is gone.
struct Change {
    table: &'static str,
    key: i64,
    doc: Option<(String, String)>,
}

async fn index_dirty(db: &Db) -> Result<usize, Error> {
    let rows = store::dirty(&db.pool, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut changes = Vec::new();
    for (_, kind, id) in &rows {
        if !seen.insert((kind.clone(), *id)) {
            continue;
        }
        if kind == "note" {
            let doc = store::note_text(&db.pool, *id).await?;
            changes.push(Change {
                table: NOTES,
                key: *id,
                doc: doc.map(|body| (String::new(), body)),
            });
        } else if let Ok(kind) = kind.parse::<RecordKind>() {
            let doc = store::record_text(&db.pool, kind, *id).await?;
            changes.push(Change {
                table: RECORDS,
                key: record_key(kind, *id),
                doc,
            });
        }
    }
    let stem = db.backend == Backend::Sqlite;
    let changes = tokio::task::spawn_blocking(move || {
        let s = Stemmers::default();
        for c in changes.iter_mut().filter(|_| stem) {
            if let Some((title, body)) = &mut c.doc {
                *title = s.stemmed(title);
                *body = s.stemmed(body);
            }
        }
        changes
    })
    .await
    .map_err(Error::internal)?;
    let mut tx = crate::db::begin(&db.pool).await?;
    for c in &changes {
        match &c.doc {
            Some((title, body)) => {
                let doc = DocText {
                    key: c.key,
                    title: title.clone(),
                    body: body.clone(),
                };
                store::write_doc(&mut tx, db.backend, c.table, &doc).await?;
            }
            None => store::delete_doc(&mut tx, db.backend, c.table, c.key).await?,
        }
    }
    let read: Vec<i64> = rows.iter().map(|(row, _, _)| *row).collect();
    store::drop_dirty(&mut tx, &read).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Drops the documents of these records, notes and messages now, in the caller's transaction (an erasure cannot
/// wait for the queue's next pass).
pub async fn forget(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    records: &[(RecordKind, i64)],
    notes: &[i64],
    messages: &[i64],
) -> Result<(), Error> {
    for &(kind, id) in records {
        store::delete_doc(&mut *conn, backend, RECORDS, record_key(kind, id)).await?;
    }
    for &id in notes {
        store::delete_doc(&mut *conn, backend, NOTES, id).await?;
    }
    for &id in messages {
        store::delete_doc(&mut *conn, backend, super::store::MAIL, id).await?;
    }
    Ok(())
}

/// Indexes these messages again in the caller's transaction (their text changed there, so a crash cannot leave
/// the old text indexed nor the message unindexed).
pub async fn reindex_mail(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let texts = store::mail_texts(&mut *conn, ids).await?;
    let docs = if backend == Backend::Sqlite {
        tokio::task::spawn_blocking(move || stem_mail(texts))
            .await
            .map_err(Error::internal)?
    } else {
        texts
    };
    store::write_mail(conn, backend, &docs).await
}

/// Merges the index so that deleted documents' terms leave storage too: FTS5 keeps a deleted row's terms in its
/// segments until they are merged. PostgreSQL's deleted rows are gone from every query already (VACUUM reclaims).
pub async fn compact(db: &Db) -> Result<(), Error> {
    store::optimize(&db.pool, db.backend).await
}
