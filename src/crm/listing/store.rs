//! The SQL of a record list page: visibility, scope, the kind's own filters, custom-field filters, the sort and
//! the keyset condition, one text for both backends.

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
    filters: &(dyn Fn(&mut Sql) + Sync),
) -> Result<Vec<(i64, Vec<KeyValue>)>, Error> {
    let exprs: Vec<String> = q.sort.iter().enumerate().map(|(i, t)| expr(i, t)).collect();
    let mut sql = Sql::new("SELECT r.id AS id");
    for (i, e) in exprs.iter().enumerate() {
        sql.push(", ").push(e).push(&format!(" AS k{i}"));
    }
    sql.push(" FROM ").push(q.from);
    for (i, term) in q.sort.iter().enumerate() {
        if let SortExpr::Custom { field_id, .. } = term.expr {
            sql.push(&format!(
                " LEFT JOIN custom_values cv{i} ON cv{i}.field_id = "
            ))
            .bind(field_id)
            .push(&format!(" AND cv{i}.record_id = r.id"));
        }
    }
    sql.push(" WHERE 1 = 1");
    push_visible(&mut sql, q.visible, q.kind, "r");
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
    filters(&mut sql);
    for f in q.custom {
        push_custom_filter(&mut sql, f);
    }
    if let Some(after) = q.after {
        push_after(&mut sql, q.sort, &exprs, after);
    }
    sql.push(" ORDER BY ");
    for (term, e) in q.sort.iter().zip(&exprs) {
        sql.push(e)
            .push(if term.descending { " DESC, " } else { " ASC, " });
    }
    sql.push("r.id ASC LIMIT ").bind(q.limit);
    let rows = sql.query().fetch_all(conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut keys = Vec::with_capacity(q.sort.len());
        for (i, term) in q.sort.iter().enumerate() {
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

/// Rows after the cursor in the sort's order: `(k0 > v0) OR (k0 = v0 AND k1 < v1) OR … OR (all equal AND id > v)`.
fn push_after(sql: &mut Sql, sort: &[SortTerm], exprs: &[String], after: &Cursor) {
    // The OR below implies `k0 >= v0` (`<=` descending); said outright, it is a range the planner walks in the
    // index's order and stops after the page, instead of taking every row past the cursor and sorting them.
    if let (Some(first), Some(e), Some(key)) = (sort.first(), exprs.first(), after.keys.first()) {
        sql.push(" AND ")
            .push(e)
            .push(if first.descending { " <= " } else { " >= " });
        bind_key(sql, key);
    }
    sql.push(" AND (");
    for i in 0..=sort.len() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for (e, key) in exprs.iter().zip(&after.keys).take(i) {
            sql.push(e).push(" = ");
            bind_key(sql, key);
            sql.push(" AND ");
        }
        if i == sort.len() {
            sql.push("r.id > ").bind(after.id);
        } else {
            sql.push(&exprs[i])
                .push(if sort[i].descending { " < " } else { " > " });
            bind_key(sql, &after.keys[i]);
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
