//! The indexer's SQL: the shared mail cursor, the dirty queue of records and notes, and writes to the index.

use sqlx::{AnyConnection, AnyPool, Row};

use crate::crm::RecordKind;
use crate::db::sql::Sql;
use crate::db::{Backend, Db};
use crate::error::Error;

/// A message's text, as the indexer reads it.
#[derive(Debug, Default, Clone)]
pub struct MailText {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub people: String,
    pub files: String,
}

/// The text of one document of `search_notes` or `search_records` (`title` empty for notes).
pub struct DocText {
    pub key: i64,
    pub title: String,
    pub body: String,
}

pub async fn cursor(pool: &AnyPool) -> Result<i64, Error> {
    let row = sqlx::query("SELECT last_message_id FROM search_cursor WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Moves the shared cursor forward only (another instance may be further already).
pub async fn advance_cursor(conn: &mut AnyConnection, to: i64) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO search_cursor (id, last_message_id) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET last_message_id = excluded.last_message_id
         WHERE search_cursor.last_message_id < excluded.last_message_id",
    )
    .bind(to)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ids after the cursor, oldest first.
pub async fn ids_after(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<i64>, Error> {
    let rows = sqlx::query("SELECT id FROM messages WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Ids in `(low, high]` the index does not hold: on PostgreSQL a transaction that took a lower id may commit
/// after the cursor passed it (SQLite commits one writer at a time, in id order).
pub async fn missed_ids(db: &Db, low: i64, high: i64) -> Result<Vec<i64>, Error> {
    if db.backend == Backend::Sqlite || high <= low {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT m.id FROM messages m WHERE m.id > $1 AND m.id <= $2
         AND NOT EXISTS (SELECT 1 FROM search_mail s WHERE s.doc_id = m.id) ORDER BY m.id",
    )
    .bind(low)
    .bind(high)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// The indexed text of these messages (ids ascending).
pub async fn mail_texts(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<MailText>, Error> {
    let mut out: Vec<MailText> = Vec::new();
    for run in ids.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new(
            "SELECT id, subject, text_body, from_name, from_address FROM messages WHERE id IN ",
        );
        sql.bind_list(run.to_vec()).push(" ORDER BY id");
        for r in sql.query().fetch_all(&mut *conn).await? {
            let mut people = String::new();
            for col in ["from_name", "from_address"] {
                add_person(&mut people, r.try_get::<Option<String>, _>(col)?.as_deref());
            }
            out.push(MailText {
                id: r.try_get("id")?,
                subject: r
                    .try_get::<Option<String>, _>("subject")?
                    .unwrap_or_default(),
                body: bounded(
                    r.try_get::<Option<String>, _>("text_body")?
                        .unwrap_or_default(),
                ),
                people,
                files: String::new(),
            });
        }
        let mut sql = Sql::new(
            "SELECT message_id, address, name FROM message_addresses WHERE message_id IN ",
        );
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            let id: i64 = r.try_get("message_id")?;
            if let Some(m) = out.iter_mut().find(|m| m.id == id) {
                add_person(
                    &mut m.people,
                    r.try_get::<Option<String>, _>("name")?.as_deref(),
                );
                add_person(&mut m.people, Some(&r.try_get::<String, _>("address")?));
            }
        }
        let mut sql = Sql::new("SELECT message_id, filename FROM attachments WHERE message_id IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            let id: i64 = r.try_get("message_id")?;
            if let (Some(m), Some(name)) = (
                out.iter_mut().find(|m| m.id == id),
                r.try_get::<Option<String>, _>("filename")?,
            ) {
                m.files.push_str(&name);
                m.files.push(' ');
            }
        }
    }
    Ok(out)
}

/// Long bodies are indexed by their first 64 KB (a tsvector holds at most 1 MB; nobody searches page 40 of a log).
fn bounded(mut text: String) -> String {
    const MAX: usize = 64 * 1024;
    if text.len() > MAX {
        let mut cut = MAX;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// A name or address, and an address's parts again (PostgreSQL's parser keeps `ivan@acme.ru` as one token).
fn add_person(people: &mut String, value: Option<&str>) {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return;
    };
    people.push_str(value);
    people.push(' ');
    people.push_str(&address_parts(value));
}

/// The parts of every address or domain in `text` again, space-separated: PostgreSQL's parser keeps
/// `petr@stroy-sever.ru` as one email token, so a search for `petr` or `stroy` would miss it.
fn address_parts(text: &str) -> String {
    let mut out = String::new();
    for token in text.split_whitespace().filter(|t| t.contains(['@', '.'])) {
        out.push_str(&token.replace(['@', '.', '-', '_', '+'], " "));
        out.push(' ');
    }
    out
}

/// Writes (or replaces) index rows of mail, already stemmed for SQLite.
pub async fn write_mail(
    conn: &mut AnyConnection,
    backend: Backend,
    docs: &[MailText],
) -> Result<(), Error> {
    for d in docs {
        let text = match backend {
            Backend::Sqlite => {
                "INSERT OR REPLACE INTO search_mail (rowid, subject, body, people, files) VALUES ($1, $2, $3, $4, $5)"
            }
            Backend::Postgres => {
                "INSERT INTO search_mail (doc_id, tsv) VALUES ($1,
                    setweight(to_tsvector('russian', $2) || to_tsvector('english', $2), 'A')
                    || setweight(to_tsvector('russian', $3) || to_tsvector('english', $3), 'D')
                    || setweight(to_tsvector('russian', $4) || to_tsvector('english', $4), 'B')
                    || setweight(to_tsvector('russian', $5) || to_tsvector('english', $5), 'C'))
                 ON CONFLICT (doc_id) DO UPDATE SET tsv = excluded.tsv"
            }
        };
        sqlx::query(text)
            .bind(d.id)
            .bind(&d.subject)
            .bind(&d.body)
            .bind(&d.people)
            .bind(&d.files)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `(queue row, kind, id)` of the oldest queued changes.
pub async fn dirty(pool: &AnyPool, limit: i64) -> Result<Vec<(i64, String, i64)>, Error> {
    let rows = sqlx::query("SELECT id, kind, doc_id FROM search_dirty ORDER BY id LIMIT $1")
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

pub async fn drop_dirty(conn: &mut AnyConnection, rows: &[i64]) -> Result<(), Error> {
    for run in rows.chunks(crate::db::sql::MAX_BINDS) {
        let mut sql = Sql::new("DELETE FROM search_dirty WHERE id IN ");
        sql.bind_list(run.to_vec());
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// A record's title and text (name, e-mails, phones, company, custom values), or `None` when it is gone.
pub async fn record_text(
    pool: &AnyPool,
    kind: RecordKind,
    id: i64,
) -> Result<Option<(String, String)>, Error> {
    let title = if kind == RecordKind::Deal {
        "title"
    } else {
        "name"
    };
    let text = format!(
        "SELECT {title} AS title, search FROM {} WHERE id = $1",
        kind.table()
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let mut body: String = row.try_get("search")?;
    let parts = address_parts(&body);
    body.push(' ');
    body.push_str(&parts);
    let values = sqlx::query(
        "SELECT value_text FROM custom_values WHERE record_kind = $1 AND record_id = $2",
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_all(pool)
    .await?;
    for v in values {
        body.push(' ');
        body.push_str(&v.try_get::<String, _>(0)?);
    }
    Ok(Some((row.try_get("title")?, body)))
}

pub async fn note_text(pool: &AnyPool, id: i64) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT body FROM notes WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Writes or replaces a note or record document (text stemmed for SQLite). Notes have no title.
pub async fn write_doc(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &'static str,
    doc: &DocText,
) -> Result<(), Error> {
    let notes = table == super::NOTES;
    let text = match (backend, notes) {
        (Backend::Sqlite, true) => "INSERT OR REPLACE INTO search_notes (rowid, body) VALUES ($1, $2)",
        (Backend::Sqlite, false) => {
            "INSERT OR REPLACE INTO search_records (rowid, title, body) VALUES ($1, $2, $3)"
        }
        (Backend::Postgres, true) => {
            "INSERT INTO search_notes (doc_id, tsv) VALUES ($1, to_tsvector('russian', $2) || to_tsvector('english', $2))
             ON CONFLICT (doc_id) DO UPDATE SET tsv = excluded.tsv"
        }
        (Backend::Postgres, false) => {
            "INSERT INTO search_records (doc_id, tsv) VALUES ($1,
                setweight(to_tsvector('russian', $2) || to_tsvector('english', $2), 'A')
                || setweight(to_tsvector('russian', $3) || to_tsvector('english', $3), 'D'))
             ON CONFLICT (doc_id) DO UPDATE SET tsv = excluded.tsv"
        }
    };
    let mut q = sqlx::query(text).bind(doc.key);
    if !notes {
        q = q.bind(&doc.title);
    }
    q.bind(&doc.body).execute(&mut *conn).await?;
    Ok(())
}

pub async fn delete_doc(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &'static str,
    key: i64,
) -> Result<(), Error> {
    let text = match backend {
        Backend::Sqlite => format!("DELETE FROM {table} WHERE rowid = $1"),
        Backend::Postgres => format!("DELETE FROM {table} WHERE doc_id = $1"),
    };
    sqlx::query(sqlx::AssertSqlSafe(text))
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// FTS5's `optimize`: every segment merged into one, deleted rows' terms dropped (SQLite only).
pub async fn optimize(pool: &AnyPool, backend: Backend) -> Result<(), Error> {
    if backend != Backend::Sqlite {
        return Ok(());
    }
    for text in [
        "INSERT INTO search_mail (search_mail) VALUES ('optimize')",
        "INSERT INTO search_notes (search_notes) VALUES ('optimize')",
        "INSERT INTO search_records (search_records) VALUES ('optimize')",
    ] {
        sqlx::query(text).execute(pool).await?;
    }
    Ok(())
}
