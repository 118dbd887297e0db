//! The SQL of record visibility: owners, shares, the open lead pool and team leads.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::Scope;
use crate::crm::kind::RecordKind;
use crate::db::sql::Sql;
use crate::error::Error;

/// ` IN (…)` of the users in teams that `user_id` leads.
fn push_led_users(sql: &mut Sql, user_id: i64) {
    sql.push(
        " IN (SELECT tm.user_id FROM team_members tm JOIN team_members tl ON tl.team_id = tm.team_id
              WHERE tl.is_lead = 1 AND tl.user_id = ",
    )
    .bind(user_id)
    .push(")");
}

/// Appends ` AND <alias>.id is visible under scope` to a query over `kind`'s table.
pub fn push_visible(sql: &mut Sql, scope: Scope, kind: RecordKind, alias: &str) {
    if let Scope::Own { user_id, open_pool } = scope {
        sql.push(" AND (")
            .push(alias)
            .push(".owner_id = ")
            .bind(user_id);
        if open_pool {
            sql.push(" OR ").push(alias).push(".owner_id IS NULL");
        }
        sql.push(" OR ").push(alias).push(".owner_id");
        push_led_users(sql, user_id);
        sql.push(" OR EXISTS (SELECT 1 FROM shares s WHERE s.record_kind = ")
            .bind(kind.as_str())
            .push(" AND s.record_id = ")
            .push(alias)
            .push(".id AND s.user_id = ")
            .bind(user_id)
            .push("))");
    }
}

/// Appends ` AND <alias>.owner_id` is one whose figures the scope counts: the user and the members of teams they
/// lead (reports count what people own; shares and the open lead pool are not the caller's figures).
pub fn push_owned(sql: &mut Sql, scope: Scope, alias: &str) {
    if let Scope::Own { user_id, .. } = scope {
        push_overseen(sql, user_id, &format!("{alias}.owner_id"));
    }
}

pub async fn is_visible(
    conn: &mut AnyConnection,
    scope: Scope,
    kind: RecordKind,
    id: i64,
) -> Result<bool, Error> {
    let mut sql = Sql::new("SELECT 1 AS one FROM ");
    sql.push(kind.table()).push(" r WHERE r.id = ").bind(id);
    push_visible(&mut sql, scope, kind, "r");
    Ok(sql.query().fetch_optional(conn).await?.is_some())
}

pub async fn visible_among(
    conn: &mut AnyConnection,
    scope: Scope,
    kind: RecordKind,
    ids: &[i64],
) -> Result<Vec<i64>, Error> {
    let mut out = Vec::new();
    for run in ids.chunks(crate::db::sql::MAX_BINDS - 4) {
        let mut sql = Sql::new("SELECT r.id FROM ");
        sql.push(kind.table())
            .push(" r WHERE r.id IN ")
            .bind_list(run.to_vec());
        push_visible(&mut sql, scope, kind, "r");
        for row in sql.query().fetch_all(&mut *conn).await? {
            out.push(row.try_get("id")?);
        }
    }
    Ok(out)
}

pub async fn owner_of(
    conn: &mut AnyConnection,
    kind: RecordKind,
    id: i64,
) -> Result<Option<i64>, Error> {
    let text = format!("SELECT owner_id FROM {} WHERE id = $1", kind.table());
    let row = sqlx::query(AssertSqlSafe(text))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>, _>("owner_id"))
        .transpose()?
        .flatten())
}

/// Appends ` AND (<column> = user_id OR <column> is a member of a team user_id leads)` (things users started,
/// such as imports, seen by whom they belong to and their team leads).
pub fn push_overseen(sql: &mut Sql, user_id: i64, column: &str) {
    sql.push(" AND (").push(column).push(" = ").bind(user_id);
    sql.push(" OR ").push(column);
    push_led_users(sql, user_id);
    sql.push(")");
}

/// Does `lead` lead a team that `user` belongs to?
pub async fn leads_user(conn: &mut AnyConnection, lead: i64, user: i64) -> Result<bool, Error> {
    let mut sql = Sql::new("SELECT 1 AS one FROM users u WHERE u.id = ");
    sql.bind(user).push(" AND u.id");
    push_led_users(&mut sql, lead);
    Ok(sql.query().fetch_optional(conn).await?.is_some())
}
