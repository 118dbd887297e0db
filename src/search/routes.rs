//! The search route: a thin handler over `search::search`.

use axum::extract::State;

use super::model::{SearchQuery, SearchResults};
use crate::api::extract::{Json, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, description = "hits the caller may read, best first, with plain-text snippets and highlight ranges", body = SearchResults),
        (status = 422, description = "`search_query_too_short`, `invalid_cursor`, `validation_failed` (limit, q over 200 characters)", body = ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResults>, Error> {
    Ok(Json(super::search(&s.db, &caller, q).await?))
}
