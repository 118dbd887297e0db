//! The one record skeleton the four kinds share: load (with custom values), get, list (filters, custom filters,
//! sort, scope, keyset pages), delete (with notes, tasks, shares, custom values and mail links) and the common
//! handlers. Each kind declares its table, sortable fields, filters and what its own delete removes.

use std::future::Future;

use serde::Serialize;
use sqlx::{AnyConnection, AnyPool};

use super::access::{self, Op};
use super::custom::{self, model::CustomValues};
use super::listing::{self, store::PageQuery, Cursor, ListParams, SortField};
use super::{audit, store, RecordKind};
use crate::auth::Caller;
use crate::db::sql::Sql;
use crate::error::Error;

/// What a record kind declares to the skeleton.
pub trait Record: Serialize + Send + Sync + Sized + 'static {
    const KIND: RecordKind;
    /// The FROM clause of its lists, the table as `r` (plus joins its filters use).
    const FROM: &'static str;
    /// Fields `?sort=` accepts besides its custom fields.
    const SORTS: &'static [SortField];
    type Filter: Send + Sync;

    fn id(&self) -> i64;
    fn set_custom(&mut self, custom: CustomValues);
    /// Items per page the filter asks for.
    fn limit(f: &Self::Filter) -> Option<i64>;
    /// Refuses a malformed filter (422) before any query.
    fn check_filter(_f: &Self::Filter) -> Result<(), Error> {
        Ok(())
    }
    /// Appends ` AND …` conditions over `r` for the filter.
    fn push_filter(sql: &mut Sql, f: &Self::Filter);
    /// Records by id, in any order, without custom values.
    fn fetch(
        conn: &mut AnyConnection,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<Self>, Error>> + Send;
    /// Deletes the record's own rows (its table and what only it holds); the skeleton removes the rest.
    fn remove(conn: &mut AnyConnection, id: i64) -> impl Future<Output = Result<(), Error>> + Send;
}

/// One page of a list.
pub struct Page<T> {
    pub items: Vec<T>,
    /// The last item's id, for `after` under the default sort (null under another sort).
    pub next_after: Option<i64>,
    /// For `after` under any sort; null on the last page.
    pub next_cursor: Option<String>,
}

/// Records by id in the order given, with their custom values.
pub async fn load_many<R: Record>(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<R>, Error> {
    let mut found = R::fetch(&mut *conn, ids).await?;
    let mut custom = custom::values_for(&mut *conn, R::KIND, ids).await?;
    for r in &mut found {
        r.set_custom(custom.remove(&r.id()).unwrap_or_default());
    }
    let mut out = Vec::with_capacity(found.len());
    for id in ids {
        if let Some(pos) = found.iter().position(|r| r.id() == *id) {
            out.push(found.swap_remove(pos));
        }
    }
    Ok(out)
}

pub async fn load<R: Record>(conn: &mut AnyConnection, id: i64) -> Result<R, Error> {
    load_many::<R>(conn, &[id])
        .await?
        .pop()
        .ok_or(Error::NotFound(R::KIND.noun()))
}

pub async fn get<R: Record>(pool: &AnyPool, caller: &Caller, id: i64) -> Result<R, Error> {
    access::require(pool, caller, R::KIND, id, Op::Read).await?;
    load(&mut *pool.acquire().await?, id).await
}

/// A page of the records the caller sees, filtered, sorted and scoped.
pub async fn list<R: Record>(
    pool: &AnyPool,
    caller: &Caller,
    filter: &R::Filter,
    params: ListParams,
    raw_query: Option<&str>,
) -> Result<Page<R>, Error> {
    let visible = access::require_role(caller, R::KIND, Op::Read)?;
    let limit = crate::api::extract::Page {
        after: None,
        limit: R::limit(filter),
    }
    .limit()?;
    R::check_filter(filter)?;
    let mut conn = pool.acquire().await?;
    let sortable = custom::sortable(&mut conn, R::KIND).await?;
    let sort = listing::parse_sort(params.sort.as_deref(), R::SORTS, &sortable)?;
    let after = match params
        .after
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(raw) => Some(Cursor::parse(raw, &sort)?),
        None => None,
    };
    let custom_filters = custom::list_filters(&mut conn, R::KIND, raw_query).await?;
    let q = PageQuery {
        kind: R::KIND,
        from: R::FROM,
        visible,
        scope: params.scope.unwrap_or_default(),
        caller_id: caller.id,
        sort: &sort,
        after: after.as_ref(),
        custom: &custom_filters,
        limit,
    };
    let rows = listing::store::page(&mut conn, &q, &|sql| R::push_filter(sql, filter)).await?;
    let full = rows.len() as i64 == limit;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let items = load_many::<R>(&mut conn, &ids).await?;
    let last = rows.into_iter().last().filter(|_| full);
    Ok(Page {
        items,
        next_after: last.as_ref().filter(|_| sort.is_empty()).map(|(id, _)| *id),
        next_cursor: last.map(|(id, keys)| Cursor { keys, id }.encode()),
    })
}

/// Deletes a record with its notes, tasks, shares, custom values and mail links; audited.
pub async fn delete<R: Record>(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    access::require(pool, caller, R::KIND, id, Op::Manage).await?;
    let mut tx = crate::db::begin(pool).await?;
    let before: R = load(&mut tx, id).await?;
    remove_in::<R>(&mut tx, id).await?;
    audit::deleted(&mut tx, caller.id, R::KIND, id, &before).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a record and what hangs on it inside a caller's transaction (delete, and the merged-away side of a merge
/// once its attachments have moved).
pub async fn remove_in<R: Record>(conn: &mut AnyConnection, id: i64) -> Result<(), Error> {
    store::remove_attachments(&mut *conn, R::KIND, id).await?;
    custom::remove(&mut *conn, R::KIND, id).await?;
    R::remove(conn, id).await
}

/// A kind's list page type (`ContactList` …) as the API answers it, made from a skeleton `Page`.
#[macro_export]
macro_rules! record_list {
    ($list:ident, $record:ty) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $list {
            pub items: Vec<$record>,
            /// The last id, for `after` under the default sort (null under another sort).
            pub next_after: Option<i64>,
            /// For `after` under any sort; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl From<$crate::crm::skeleton::Page<$record>> for $list {
            fn from(p: $crate::crm::skeleton::Page<$record>) -> Self {
                $list {
                    items: p.items,
                    next_after: p.next_after,
                    next_cursor: p.next_cursor,
                }
            }
        }
    };
}

/// The members of `Record` that are the same for every kind: id, custom values, the filter's `limit`, and fetching
/// and removing through the kind's `store::get_many` and `store::remove`. Used inside `impl Record for …`.
#[macro_export]
macro_rules! record_common {
    ($filter:ty) => {
        type Filter = $filter;

        fn id(&self) -> i64 {
            self.id
        }
        fn set_custom(&mut self, custom: $crate::crm::custom::model::CustomValues) {
            self.custom = custom;
        }
        fn limit(f: &$filter) -> Option<i64> {
            f.limit
        }
        async fn fetch(
            conn: &mut sqlx::AnyConnection,
            ids: &[i64],
        ) -> Result<Vec<Self>, $crate::error::Error> {
            store::get_many(conn, ids).await
        }
        async fn remove(
            conn: &mut sqlx::AnyConnection,
            id: i64,
        ) -> Result<(), $crate::error::Error> {
            store::remove(conn, id).await
        }
    };
}

/// Handlers every kind has: list (with sort, scope and custom filters), get and delete, documented per kind.
#[macro_export]
macro_rules! record_handlers {
    ($record:ty, $filter:ty, $list:ty, $tag:literal, $path:literal, $item_path:literal) => {
        #[utoipa::path(get, path = $path, tag = $tag, security(("bearer" = [])), params($filter, $crate::crm::listing::ListParams),
            responses((status = 200, body = $list), (status = 403, body = $crate::error::ErrorBody),
                (status = 422, description = "invalid_sort, invalid_custom_value, unknown_custom_field", body = $crate::error::ErrorBody)))]
        pub async fn list(
            axum::extract::State(s): axum::extract::State<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            $crate::api::extract::Query(f): $crate::api::extract::Query<$filter>,
            $crate::api::extract::Query(p): $crate::api::extract::Query<$crate::crm::listing::ListParams>,
            axum::extract::RawQuery(raw): axum::extract::RawQuery,
        ) -> Result<$crate::api::extract::Json<$list>, $crate::error::Error> {
            let page = $crate::crm::skeleton::list::<$record>(&s.db.pool, &caller, &f, p, raw.as_deref()).await?;
            Ok($crate::api::extract::Json(page.into()))
        }

        #[utoipa::path(get, path = $item_path, tag = $tag, security(("bearer" = [])), params(("id" = i64, Path)),
            responses((status = 200, body = $record), (status = 404, body = $crate::error::ErrorBody)))]
        pub async fn get(
            axum::extract::State(s): axum::extract::State<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            $crate::api::extract::Path(id): $crate::api::extract::Path<i64>,
        ) -> Result<$crate::api::extract::Json<$record>, $crate::error::Error> {
            Ok($crate::api::extract::Json($crate::crm::skeleton::get::<$record>(&s.db.pool, &caller, id).await?))
        }

        #[utoipa::path(delete, path = $item_path, tag = $tag, security(("bearer" = [])), params(("id" = i64, Path)),
            responses((status = 204, description = "deleted with its notes, tasks, shares, custom values and mail links"),
                (status = 404, body = $crate::error::ErrorBody)))]
        pub async fn delete(
            axum::extract::State(s): axum::extract::State<$crate::app::AppState>,
            caller: $crate::auth::Caller,
            $crate::api::extract::Path(id): $crate::api::extract::Path<i64>,
        ) -> Result<axum::http::StatusCode, $crate::error::Error> {
            $crate::crm::skeleton::delete::<$record>(&s.db.pool, &caller, id).await?;
            Ok(axum::http::StatusCode::NO_CONTENT)
        }
    };
}
