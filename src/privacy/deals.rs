//! The person's deals outlive them: a deal is the company's business (revenue, pipeline reports), so an erasure
//! keeps it and unlinks the contact (the foreign key does that), but its title, lost reason and notes often name
//! the person ("Поставка для Сидорова"). Those, and the deal's notes, tasks and audit history, are pseudonymized
//! like shared mail, in the erasure's transaction.

use sqlx::{AnyConnection, Row};

use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;
use crate::mail::Pseudonym;

/// What was rewritten: the deals and the changed notes (for the search index), and how many rows changed.
pub struct Rewritten {
    pub deals: Vec<i64>,
    pub notes: Vec<i64>,
    pub rows: u64,
}

/// Rewrites the deals of these contacts with their notes, tasks and audit entries.
pub async fn pseudonymize(
    conn: &mut AnyConnection,
    contacts: &[i64],
    p: &Pseudonym,
) -> Result<Rewritten, Error> {
    let mut deals = Vec::new();
    for run in contacts.chunks(MAX_BINDS) {
        let mut sql = Sql::new("SELECT id, title, lost_reason FROM deals WHERE contact_id IN ");
        sql.bind_list(run.to_vec());
        for r in sql.query().fetch_all(&mut *conn).await? {
            let (id, title, lost): (i64, String, Option<String>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            deals.push((id, title, lost));
        }
    }
    let mut changed = 0;
    let mut notes = Vec::new();
    for (id, title, lost) in &deals {
        let new_title = p.text(title);
        let new_lost = lost.as_deref().map(|l| p.text(l));
        if new_title != *title || new_lost != *lost {
            sqlx::query("UPDATE deals SET title = $1, lost_reason = $2, search = $3 WHERE id = $4")
                .bind(new_title.clone())
                .bind(new_lost)
                .bind(new_title.to_lowercase())
                .bind(*id)
                .execute(&mut *conn)
                .await?;
            changed += 1;
        }
        let rewritten = rewrite_attached(&mut *conn, "notes", "body", *id, p).await?;
        changed += rewritten.len() as u64;
        notes.extend(rewritten);
        changed += rewrite_attached(&mut *conn, "tasks", "title", *id, p)
            .await?
            .len() as u64;
    }
    let ids: Vec<i64> = deals.iter().map(|d| d.0).collect();
    changed += crate::audit::rewrite_about(&mut *conn, "deal", &ids, &|s| p.text(s)).await?;
    Ok(Rewritten {
        deals: ids,
        notes,
        rows: changed,
    })
}

/// One text column of the notes or tasks on a deal, rewritten where it names the person; answers the rows' ids.
async fn rewrite_attached(
    conn: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
    deal: i64,
    p: &Pseudonym,
) -> Result<Vec<i64>, Error> {
    let select =
        format!("SELECT id, {column} FROM {table} WHERE record_kind = 'deal' AND record_id = $1");
    let rows = sqlx::query(sqlx::AssertSqlSafe(select))
        .bind(deal)
        .fetch_all(&mut *conn)
        .await?;
    let mut changed = Vec::new();
    for r in rows {
        let (id, text): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
        let new = p.text(&text);
        if new != text {
            let update = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
            sqlx::query(sqlx::AssertSqlSafe(update))
                .bind(new)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            changed.push(id);
        }
    }
    Ok(changed)
}
