//! The SQL of a record list page: visibility, scope, the kind's own filters, custom-field filters, the sort and
//! the keyset condition, one text for both backends.
//!
//! A list sorted first by a custom field is served in two segments, the records with a value (driven from the
//! `custom_values (field_id, value_…)` index in key order) and the records without one (which sort lowest: first
//! ascending, last descending), so that no page sorts every record of the kind.

use sqlx::{AnyConnection, Row};

use super::{Cursor, CustomFilter, CustomTest, KeyType, KeyValue, ListScope, SortExpr, SortTerm};
use crate::crm::access::{push_visible, Scope};
use crate::crm::kind::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

/// Everything a page query needs besides the kind's own filters.
pub struct PageQuery<'a> {
    pub kind: RecordKind,
    /// The FROM clause with the record table as `r` (and any join the kind's filters use).
    pub from: &'a str,
    pub visible: Scope,
    pub scope: ListScope,
    pub caller_id: i64,
    pub sort: &'a [SortTerm],
    pub after: Option<&'a Cursor>,
    pub custom: &'a [CustomFilter],
    pub limit: i64,
}

/// Which records one query of a page reads, as far as the leading custom sort field goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Segment {
    /// Every record (the sort does not start with a custom field).
    All,
    /// The records holding a value of the leading custom field.
    Valued { field_id: i64, numeric: bool },
    /// The records without one.
    Missing { field_id: i64, numeric: bool },
}

type Filters<'f> = &'f (dyn Fn(&mut Sql) + Sync);

fn expr(i: usize, term: &SortTerm) -> String {
    match &term.expr {
        SortExpr::Column(e) => e.to_string(),
        SortExpr::Custom { numeric: true, .. } => format!("COALESCE(cv{i}.value_num, -1.0e300)"),
        SortExpr::Custom { numeric: false, .. } => format!("COALESCE(cv{i}.value_text, '')"),
    }
}

fn bind_key(sql: &mut Sql, key: &KeyValue) {
    match key {
        KeyValue::Int(v) => sql.bind(*v),
        KeyValue::Num(v) => bind_num(sql, *v),
        KeyValue::Text(v) => sql.bind(v.clone()),
        // Never compared: a missing value selects the segment, it is not a bound of the keyset condition.
        KeyValue::Null => sql.push("NULL"),
    };
}

/// A number as text through a CAST: sqlx's Any driver sends f64 parameters in a form PostgreSQL refuses for
/// DOUBLE PRECISION. Rust prints an f64 as the shortest text that reads back to the same value.
fn bind_num(sql: &mut Sql, v: f64) -> &mut Sql {
    sql.push("CAST(")
        .bind(v.to_string())
        .push(" AS DOUBLE PRECISION)")
}

/// `(id, sort keys)` of one page, in order.
pub async fn page(
    conn: &mut AnyConnection,
    q: &PageQuery<'_>,
    filters: Filters<'_>,
) -> Result<Vec<(i64, Vec<KeyValue>)>, Error> {
    let Some((lead, SortExpr::Custom { field_id, numeric })) = q.sort.first().map(|t| (t, &t.expr))
    else {
        return segment(conn, q, filters, Segment::All, q.after, q.limit).await;
    };
    let (field_id, numeric) = (*field_id, *numeric);
    let valued = Segment::Valued { field_id, numeric };
    let missing = Segment::Missing { field_id, numeric };
    // Records without a value sort lowest, as they did when the key was COALESCEd to the type's minimum.
    let order = if lead.descending {
        [valued, missing]
    } else {
        [missing, valued]
    };
    let start = match q.after.and_then(|c| c.keys.first()) {
        None => 0,
        Some(KeyValue::Null) => order.iter().position(|s| *s == missing).unwrap_or(0),
        Some(_) => order.iter().position(|s| *s == valued).unwrap_or(0),
    };
    let mut out = Vec::new();
    for (n, seg) in order.iter().enumerate().skip(start) {
        let after = if n == start { q.after } else { None };
        let left = q.limit - out.len() as i64;
        out.extend(segment(conn, q, filters, *seg, after, left).await?);
        if out.len() as i64 >= q.limit {
            break;
        }
    }
    Ok(out)
}

/// One query: the rows of a segment after the cursor, in order.
async fn segment(
    conn: &mut AnyConnection,
    q: &PageQuery<'_>,
    filters: Filters<'_>,
    seg: Segment,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<(i64, Vec<KeyValue>)>, Error> {
    // The sort terms this query orders by, with their SQL: the leading custom field is the indexed column itself
    // in the valued segment and absent (constant) in the missing one.
    let mut terms: Vec<(usize, &SortTerm, String)> = Vec::new();
    for (i, term) in q.sort.iter().enumerate() {
        match (i, seg) {
            (0, Segment::Valued { numeric: true, .. }) => {
                terms.push((i, term, "cv0.value_num".into()))
            }
            (0, Segment::Valued { numeric: false, .. }) => {
                terms.push((i, term, "cv0.value_text".into()))
            }
            (0, Segment::Missing { .. }) => {}
            _ => terms.push((i, term, expr(i, term))),
        }
    }
    let mut sql = Sql::new("SELECT r.id AS id");
    for (i, _, e) in &terms {
        sql.push(", ").push(e).push(&format!(" AS k{i}"));
    }
    sql.push(" FROM ");
    if let Segment::Valued { .. } = seg {
        // CROSS JOIN keeps the value index as SQLite's outer loop; PostgreSQL plans it as any join.
        sql.push("custom_values cv0 CROSS JOIN ");
    }
    sql.push(q.from);
    for (i, term, _) in &terms {
        if let (SortExpr::Custom { field_id, .. }, false) =
            (&term.expr, *i == 0 && seg != Segment::All)
        {
            sql.push(&format!(
                " LEFT JOIN custom_values cv{i} ON cv{i}.field_id = "
            ))
            .bind(*field_id)
            .push(&format!(" AND cv{i}.record_id = r.id"));
        }
    }
    sql.push(" WHERE 1 = 1");
    match seg {
        Segment::All => {}
        Segment::Valued { field_id, numeric } => {
            sql.push(" AND cv0.field_id = ")
                .bind(field_id)
                .push(" AND cv0.record_id = r.id");
            if numeric {
                sql.push(" AND cv0.value_num IS NOT NULL");
            }
        }
        Segment::Missing { field_id, numeric } => {
            sql.push(" AND NOT EXISTS (SELECT 1 FROM custom_values cv0 WHERE cv0.field_id = ")
                .bind(field_id)
                .push(" AND cv0.record_id = r.id");
            if numeric {
                sql.push(" AND cv0.value_num IS NOT NULL");
            }
            sql.push(")");
        }
    }
    push_where(&mut sql, q, filters);
    if let Some(after) = after {
        let skip = usize::from(matches!(seg, Segment::Missing { .. }));
        let keys = after.keys.get(skip..).unwrap_or_default();
        push_after(&mut sql, &terms, keys, after.id);
    }
    sql.push(" ORDER BY ");
    for (_, term, e) in &terms {
        sql.push(e)
            .push(if term.descending { " DESC, " } else { " ASC, " });
    }
    sql.push("r.id ASC LIMIT ").bind(limit);
    let rows = sql.query().fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut keys = Vec::with_capacity(q.sort.len());
        if let Segment::Missing { .. } = seg {
            keys.push(KeyValue::Null);
        }
        for (i, term, _) in &terms {
            let col = format!("k{i}");
            keys.push(match term.key {
                KeyType::Int => KeyValue::Int(row.try_get(col.as_str())?),
                KeyType::Num => KeyValue::Num(row.try_get(col.as_str())?),
                KeyType::Text => KeyValue::Text(row.try_get(col.as_str())?),
            });
        }
        out.push((row.try_get("id")?, keys));
    }
    Ok(out)
}

/// Visibility, scope, the kind's filters and the custom-field filters.
fn push_where(sql: &mut Sql, q: &PageQuery<'_>, filters: Filters<'_>) {
    push_visible(sql, q.visible, q.kind, "r");
    match q.scope {
        ListScope::All => {}
        ListScope::Mine => {
            sql.push(" AND r.owner_id = ").bind(q.caller_id);
        }
        ListScope::Team => {
            sql.push(
                " AND r.owner_id IN (SELECT tm.user_id FROM team_members tm
                  JOIN team_members me ON me.team_id = tm.team_id WHERE me.user_id = ",
            )
            .bind(q.caller_id)
            .push(")");
        }
    }
    filters(sql);
    for f in q.custom {
        push_custom_filter(sql, f);
    }
}

/// Rows after the cursor in the sort's order: `(k0 > v0) OR (k0 = v0 AND k1 < v1) OR … OR (all equal AND id > v)`.
fn push_after(sql: &mut Sql, terms: &[(usize, &SortTerm, String)], keys: &[KeyValue], id: i64) {
    // The OR below implies `k0 >= v0` (`<=` descending); said outright, it is a range the planner walks in the
    // index's order and stops after the page, instead of taking every row past the cursor and sorting them.
    if let (Some((_, first, e)), Some(key)) = (terms.first(), keys.first()) {
        sql.push(" AND ")
            .push(e)
            .push(if first.descending { " <= " } else { " >= " });
        bind_key(sql, key);
    }
    sql.push(" AND (");
    for i in 0..=terms.len() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for ((_, _, e), key) in terms.iter().zip(keys).take(i) {
            sql.push(e).push(" = ");
            bind_key(sql, key);
            sql.push(" AND ");
        }
        match (terms.get(i), keys.get(i)) {
            (Some((_, term, e)), Some(key)) => {
                sql.push(e)
                    .push(if term.descending { " < " } else { " > " });
                bind_key(sql, key);
            }
            _ => {
                sql.push("r.id > ").bind(id);
            }
        }
        sql.push(")");
    }
    sql.push(")");
}

fn push_custom_filter(sql: &mut Sql, f: &CustomFilter) {
    sql.push(" AND EXISTS (SELECT 1 FROM custom_values cf WHERE cf.field_id = ")
        .bind(f.field_id)
        .push(" AND cf.record_id = r.id AND ");
    match &f.test {
        CustomTest::TextEq(v) => sql.push("cf.value_text = ").bind(v.clone()),
        CustomTest::NumEq(v) => bind_num(sql.push("cf.value_num = "), *v),
        CustomTest::HasOption(v) => sql
            .push("cf.value_text LIKE ")
            .bind(format!("%\n{}\n%", like_escape(v)))
            .push(" ESCAPE '\\'"),
        CustomTest::TextAtLeast(v) => sql.push("cf.value_text >= ").bind(v.clone()),
        CustomTest::TextAtMost(v) => sql.push("cf.value_text <= ").bind(v.clone()),
        CustomTest::NumAtLeast(v) => bind_num(sql.push("cf.value_num >= "), *v),
        CustomTest::NumAtMost(v) => bind_num(sql.push("cf.value_num <= "), *v),
    };
    sql.push(")");
}

fn like_escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
