//! Entries about records that outlive a person's erasure (their deals): every text value in the changes goes
//! through the caller's rewrite, so the history (amounts, stages, who and when) stays and the person leaves it.

use serde_json::Value;
use sqlx::AnyConnection;

use super::store;
use crate::error::Error;

/// Rewrites the text values of the entries about these records; answers how many entries changed.
pub async fn rewrite_about(
    conn: &mut AnyConnection,
    kind: &str,
    records: &[i64],
    rewrite: &(dyn Fn(&str) -> String + Sync),
) -> Result<u64, Error> {
    let ids = store::ids_of_records(&mut *conn, kind, records).await?;
    let mut n = 0;
    for (row, _, _) in store::entries_by_ids(&mut *conn, &ids).await? {
        let Ok(mut changes) = serde_json::from_str::<Value>(&row.changes) else {
            continue;
        };
        if walk(&mut changes, rewrite) {
            let text = serde_json::to_string(&changes).map_err(Error::internal)?;
            store::set_changes(&mut *conn, row.id, &text).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Rewrites every string inside; answers whether one changed.
fn walk(v: &mut Value, rewrite: &dyn Fn(&str) -> String) -> bool {
    match v {
        Value::String(s) => {
            let new = rewrite(s);
            let changed = new != *s;
            *s = new;
            changed
        }
        Value::Array(items) => items.iter_mut().fold(false, |c, i| walk(i, rewrite) | c),
        Value::Object(map) => map.values_mut().fold(false, |c, i| walk(i, rewrite) | c),
        _ => false,
    }
}
