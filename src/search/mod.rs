//! Full-text search over mail, notes and records (issue 19): the index (FTS5 over Rust-stemmed text on SQLite,
//! tsvector on PostgreSQL) kept by a worker per instance, and `GET /api/v1/search` under the access model.

pub mod index;
pub mod model;
pub mod query;
pub mod routes;
pub mod snippet;
pub mod stem;
mod store;
pub mod worker;

use model::{Hit, HitKind, HitLink, SearchKind, SearchQuery, SearchResults};
use stem::Stemmers;
use store::find::{self, Window};

use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::db::{from_ms, Db};
use crate::error::Error;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 50;
/// Pages deeper than this are refused: nobody reads them, and every page costs the ones before it.
const MAX_OFFSET: i64 = 1000;

fn bad_cursor() -> Error {
    Error::Unprocessable {
        code: "invalid_cursor",
        message: "cursor is not one this search returned".into(),
        details: serde_json::json!({}),
    }
}

/// The cursor is the offset of the next page (`o40`), opaque to clients.
fn offset(cursor: Option<&str>) -> Result<i64, Error> {
    let Some(c) = cursor else { return Ok(0) };
    let n: i64 = c
        .strip_prefix('o')
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad_cursor)?;
    if !(0..=MAX_OFFSET).contains(&n) {
        return Err(bad_cursor());
    }
    Ok(n)
}

fn hit_kind(kind: RecordKind) -> HitKind {
    match kind {
        RecordKind::Contact => HitKind::Contact,
        RecordKind::Company => HitKind::Company,
        RecordKind::Lead => HitKind::Lead,
        RecordKind::Deal => HitKind::Deal,
    }
}

pub async fn search(db: &Db, caller: &Caller, q: SearchQuery) -> Result<SearchResults, Error> {
    let stemmers = Stemmers::default();
    let parsed = query::parse(&q.q, &stemmers)?;
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(n @ 1..=MAX_LIMIT) => n,
        Some(_) => {
            return Err(Error::validation(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ))
        }
    };
    let offset = offset(q.cursor.as_deref())?;
    let kind = q.kind.unwrap_or_default();
    // One more than a page tells whether there is a next one.
    let w = Window {
        limit: limit + 1,
        offset,
    };
    let mut items = Vec::new();
    let mut more = false;
    if matches!(kind, SearchKind::Records | SearchKind::All) {
        let mut rows = find::records(db, caller, &parsed, w).await?;
        more |= rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        for r in rows {
            items.push(Hit {
                kind: hit_kind(r.kind),
                id: r.id,
                title: snippet::whole(&r.title, &parsed, &stemmers),
                date: from_ms(r.at),
                link: HitLink {
                    thread_id: None,
                    message_id: None,
                    record_kind: Some(r.kind.as_str()),
                    record_id: Some(r.id),
                },
                snippet: snippet::around(&r.body, &parsed, &stemmers),
            });
        }
    }
    if matches!(kind, SearchKind::Mail | SearchKind::All) {
        let mut rows = find::mail(db, caller, &parsed, w).await?;
        more |= rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let bodies = find::mail_bodies(&db.pool, &ids).await?;
        for r in rows {
            let body = bodies
                .iter()
                .find(|(id, _)| *id == r.id)
                .map_or("", |(_, b)| b.as_str());
            items.push(Hit {
                kind: HitKind::Mail,
                id: r.id,
                title: snippet::whole(r.subject.as_deref().unwrap_or(""), &parsed, &stemmers),
                date: from_ms(r.at),
                link: HitLink {
                    thread_id: r.thread_id,
                    message_id: Some(r.id),
                    record_kind: None,
                    record_id: None,
                },
                snippet: snippet::around(body, &parsed, &stemmers),
            });
        }
    }
    if matches!(kind, SearchKind::Notes | SearchKind::All) {
        let mut rows = find::notes(db, caller, &parsed, w).await?;
        more |= rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        for r in rows {
            let title = find::record_title(&db.pool, r.record_kind, r.record_id).await?;
            items.push(Hit {
                kind: HitKind::Note,
                id: r.id,
                title: snippet::whole(&title, &parsed, &stemmers),
                date: from_ms(r.at),
                link: HitLink {
                    thread_id: None,
                    message_id: None,
                    record_kind: Some(r.record_kind.as_str()),
                    record_id: Some(r.record_id),
                },
                snippet: snippet::around(&r.body, &parsed, &stemmers),
            });
        }
    }
    let next = offset + limit;
    Ok(SearchResults {
        items,
        next_cursor: (more && next <= MAX_OFFSET).then(|| format!("o{next}")),
    })
}
