//! All SQL of search. The index tables differ by backend (FTS5 over stemmed text on SQLite, tsvector + GIN on
//! PostgreSQL), so the few texts that touch them sit side by side in `Fts`; everything else is one text.

mod expand;
pub mod find;
pub mod index;

use super::query::Parsed;
use crate::db::sql::Sql;
use crate::db::Backend;

/// One index table on one backend.
#[derive(Clone, Copy)]
pub struct Fts {
    pub backend: Backend,
    pub table: &'static str,
}

pub const MAIL: &str = "search_mail";
pub const NOTES: &str = "search_notes";
pub const RECORDS: &str = "search_records";

impl Fts {
    pub fn new(backend: Backend, table: &'static str) -> Self {
        Fts { backend, table }
    }

    /// The column holding the source's id.
    pub fn key(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("{}.rowid", self.table),
            Backend::Postgres => format!("{}.doc_id", self.table),
        }
    }

    /// The key as a filter that must not drive the plan: on SQLite `+rowid`, so FTS5 walks its matches newest
    /// first and checks each against a list, instead of one index lookup per listed id (measured on 1 M messages
    /// and 10 000 candidates: 240 ms per lookup-driven query, 20–50 ms walking 200 000 matches).
    pub fn filter_key(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("+{}", self.key()),
            Backend::Postgres => self.key(),
        }
    }

    fn push_tsquery(&self, sql: &mut Sql, q: &Parsed) {
        let text = q.tsquery();
        sql.push("(to_tsquery('russian', ")
            .bind(text.clone())
            .push(") || to_tsquery('english', ")
            .bind(text)
            .push("))");
    }

    /// `<the table matches q>`
    pub fn push_match(&self, sql: &mut Sql, q: &Parsed) {
        match self.backend {
            Backend::Sqlite => {
                sql.push(self.table).push(" MATCH ").bind(q.fts5());
            }
            Backend::Postgres => {
                sql.push(self.table).push(".tsv @@ ");
                self.push_tsquery(sql, q);
            }
        }
    }

    /// A score, lower is better: bm25 with column weights on SQLite (subject/title first), minus ts_rank (A > B >
    /// C > D weights set at index time) on PostgreSQL.
    pub fn push_score(&self, sql: &mut Sql, q: &Parsed) {
        match self.backend {
            Backend::Sqlite => {
                let weights = match self.table {
                    MAIL => "10.0, 1.0, 3.0, 2.0",
                    RECORDS => "10.0, 2.0",
                    _ => "1.0",
                };
                sql.push("bm25(")
                    .push(self.table)
                    .push(", ")
                    .push(weights)
                    .push(")");
            }
            Backend::Postgres => {
                sql.push("-ts_rank(").push(self.table).push(".tsv, ");
                self.push_tsquery(sql, q);
                sql.push(")");
            }
        }
    }
}
