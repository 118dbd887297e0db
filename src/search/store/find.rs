//! The search queries: matches in one index, joined to their sources, left to what the caller may read (the
//! access module's SQL pushers decide), best first.

use sqlx::{AnyPool, Row};

use super::{Fts, MAIL, NOTES, RECORDS};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::db::Db;
use crate::error::Error;
use crate::search::index::kind_code;
use crate::search::query::Parsed;

const KINDS: [RecordKind; 4] = [
    RecordKind::Contact,
    RecordKind::Company,
    RecordKind::Lead,
    RecordKind::Deal,
];

pub struct MailRow {
    pub id: i64,
    pub subject: Option<String>,
    pub thread_id: Option<i64>,
    pub at: i64,
}

pub struct NoteRow {
    pub id: i64,
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub body: String,
    pub at: i64,
}

pub struct RecordRow {
    pub kind: RecordKind,
    pub id: i64,
    pub title: String,
    pub body: String,
    pub at: i64,
}

/// `limit` and `offset` of a page.
#[derive(Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

fn push_window(sql: &mut Sql, w: Window) {
    sql.push(" LIMIT ")
        .bind(w.limit)
        .push(" OFFSET ")
        .bind(w.offset);
}

/// An admin's common word can match most of the mail: ranking is then among its newest this many matches, which
/// bounds the work per search (bm25 / ts_rank of every match would grow with the store). bm25 costs ≈ 3–5 µs a
/// row beyond a fixed count of the term's matches: on 1 M messages, a word in 1 of 5 took 26.6 ms at 5 000 and
/// 19.7 ms at 2 000 (FTS5 of SQLite 3.51, the search benchmark's database).
pub const ADMIN_CANDIDATES: i64 = 2000;
/// Everyone else ranks among the newest this many matches in the mail they may see. Fewer than the admin's: to
/// find them FTS5 walks the matches newest first and checks each against the caller's candidate list, and each
/// ranked row then gets its access level.
pub const USER_CANDIDATES: i64 = 500;

/// Mail the caller reads in full (search matches bodies, so subject- or metadata-level mail is left out).
pub async fn mail(db: &Db, caller: &Caller, q: &Parsed, w: Window) -> Result<Vec<MailRow>, Error> {
    let fts = Fts::new(db.backend, MAIL);
    let mut conn = db.pool.acquire().await?;
    let q = &fts.expand(&mut conn, q).await?;
    let key = fts.key();
    let mut sql = Sql::new("SELECT m.id, m.subject, m.thread_id, COALESCE(m.sent_at, m.received_at) AS at, f.score FROM (SELECT ");
    sql.push(&key).push(" AS doc, ");
    fts.push_score(&mut sql, q);
    sql.push(" AS score FROM ").push(MAIL).push(" WHERE ");
    fts.push_match(&mut sql, q);
    let window = if caller.is_admin() {
        ADMIN_CANDIDATES
    } else {
        // Within the caller's candidate mail before ranking: ranking every match and then filtering took 34 s for
        // a word in 1 of 5 of 1 M messages.
        access::push_in_mail_candidates(&mut sql, caller, &fts.filter_key());
        USER_CANDIDATES
    };
    sql.push(" ORDER BY ")
        .push(&key)
        .push(" DESC LIMIT ")
        .bind(window);
    sql.push(") f JOIN messages m ON m.id = f.doc WHERE 1 = 1");
    if !caller.is_admin() {
        sql.push(" AND ");
        access::push_mail_level(&mut sql, caller, "m");
        sql.push(" = 3");
    }
    sql.push(" ORDER BY f.score, m.id DESC");
    push_window(&mut sql, w);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(MailRow {
                id: r.try_get("id")?,
                subject: r.try_get("subject")?,
                thread_id: r.try_get("thread_id")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// ` AND (<the note's record is one the caller sees>)`
fn push_note_visible(sql: &mut Sql, caller: &Caller) {
    sql.push(" AND (1 = 0");
    for kind in KINDS {
        if !access::role_may(caller.role, kind, Op::Read) {
            continue;
        }
        sql.push(" OR (n.record_kind = ")
            .bind(kind.as_str())
            .push(" AND EXISTS (SELECT 1 FROM ")
            .push(kind.table())
            .push(" ar WHERE ar.id = n.record_id");
        access::push_visible(sql, access::scope(caller, kind), kind, "ar");
        sql.push("))");
    }
    sql.push(")");
}

/// Notes on records the caller sees.
pub async fn notes(db: &Db, caller: &Caller, q: &Parsed, w: Window) -> Result<Vec<NoteRow>, Error> {
    let fts = Fts::new(db.backend, NOTES);
    let mut conn = db.pool.acquire().await?;
    let q = &fts.expand(&mut conn, q).await?;
    let mut sql = Sql::new("SELECT n.id, n.record_kind, n.record_id, n.body, n.updated_at AS at, ");
    fts.push_score(&mut sql, q);
    sql.push(" AS score FROM ")
        .push(NOTES)
        .push(" JOIN notes n ON n.id = ")
        .push(&fts.key())
        .push(" WHERE ");
    fts.push_match(&mut sql, q);
    push_note_visible(&mut sql, caller);
    sql.push(" ORDER BY score, n.id DESC");
    push_window(&mut sql, w);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut out = Vec::new();
    for r in rows {
        let Ok(record_kind) = r.try_get::<String, _>("record_kind")?.parse() else {
            continue;
        };
        out.push(NoteRow {
            id: r.try_get("id")?,
            record_kind,
            record_id: r.try_get("record_id")?,
            body: r.try_get("body")?,
            at: r.try_get("at")?,
        });
    }
    Ok(out)
}

fn title_column(kind: RecordKind) -> &'static str {
    if kind == RecordKind::Deal {
        "title"
    } else {
        "name"
    }
}

/// Contacts, companies, leads and deals the caller sees, ranked together.
pub async fn records(
    db: &Db,
    caller: &Caller,
    q: &Parsed,
    w: Window,
) -> Result<Vec<RecordRow>, Error> {
    let fts = Fts::new(db.backend, RECORDS);
    let mut conn = db.pool.acquire().await?;
    let q = &fts.expand(&mut conn, q).await?;
    let key = fts.key();
    let mut sql = Sql::new("SELECT kind, id, title, body, at FROM (");
    let mut first = true;
    for kind in KINDS {
        if !access::role_may(caller.role, kind, Op::Read) {
            continue;
        }
        if !first {
            sql.push(" UNION ALL ");
        }
        first = false;
        sql.push("SELECT ")
            .bind(kind.as_str())
            .push(" AS kind, r.id, r.")
            .push(title_column(kind))
            .push(" AS title, r.search AS body, r.updated_at AS at, ");
        fts.push_score(&mut sql, q);
        sql.push(" AS score FROM ")
            .push(RECORDS)
            .push(" JOIN ")
            .push(kind.table())
            .push(" r ON r.id = ")
            .push(&key)
            .push(" / 4 WHERE ");
        fts.push_match(&mut sql, q);
        sql.push(" AND ")
            .push(&key)
            .push(" % 4 = ")
            .push(&kind_code(kind).to_string());
        access::push_visible(&mut sql, access::scope(caller, kind), kind, "r");
    }
    if first {
        return Ok(Vec::new());
    }
    sql.push(") u ORDER BY score, id DESC");
    push_window(&mut sql, w);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut out = Vec::new();
    for r in rows {
        let Ok(kind) = r.try_get::<String, _>("kind")?.parse() else {
            continue;
        };
        out.push(RecordRow {
            kind,
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            at: r.try_get("at")?,
        });
    }
    Ok(out)
}

/// The text bodies of these messages, for snippets.
pub async fn mail_bodies(pool: &AnyPool, ids: &[i64]) -> Result<Vec<(i64, String)>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id, text_body FROM messages WHERE id IN ");
    sql.bind_list(ids.to_vec());
    let rows = sql.query().fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get::<Option<String>, _>("text_body")?
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

/// A record's name (the title of a note's hit).
pub async fn record_title(pool: &AnyPool, kind: RecordKind, id: i64) -> Result<String, Error> {
    let text = format!(
        "SELECT {} AS title FROM {} WHERE id = $1",
        title_column(kind),
        kind.table()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row
        .map(|r| r.try_get::<String, _>("title"))
        .transpose()?
        .unwrap_or_default())
}
