//! Handlers for message links, classification, the domain lists and bounces.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Bounce, ClassRequest, ClassView, EntryRequest, Link, LinkRequest};
use super::List;
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/messages/{id}/links", tag = "linking", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Link>), (status = 404, body = ErrorBody)))]
pub async fn links(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Link>>, Error> {
    Ok(Json(super::links(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/messages/{id}/links", tag = "linking", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = LinkRequest, responses((status = 200, body = Vec<Link>), (status = 404, body = ErrorBody)))]
pub async fn add_link(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LinkRequest>,
) -> Result<Json<Vec<Link>>, Error> {
    Ok(Json(
        super::set_link(
            &s.db.pool,
            &caller,
            id,
            body.record_kind,
            body.record_id,
            true,
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/messages/{id}/links/{kind}/{record_id}", tag = "linking", security(("bearer" = [])),
    params(("id" = i64, Path), ("kind" = String, Path, description = "contact, company, lead or deal"), ("record_id" = i64, Path)),
    responses((status = 200, body = Vec<Link>), (status = 404, body = ErrorBody)))]
pub async fn remove_link(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, kind, record)): Path<(i64, String, i64)>,
) -> Result<Json<Vec<Link>>, Error> {
    let kind: RecordKind = kind.parse().map_err(|m| Error::BadRequest {
        code: "invalid_path",
        message: m,
    })?;
    Ok(Json(
        super::set_link(&s.db.pool, &caller, id, kind, record, false).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/messages/{id}/classification", tag = "linking", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ClassView), (status = 404, body = ErrorBody)))]
pub async fn classification(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ClassView>, Error> {
    super::require_read(&s.db.pool, &caller, id).await?;
    Ok(Json(super::class_view(&s.db.pool, id).await?))
}

#[utoipa::path(put, path = "/api/v1/messages/{id}/classification", tag = "linking", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ClassRequest, responses((status = 200, body = ClassView), (status = 404, body = ErrorBody)))]
pub async fn reclassify(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ClassRequest>,
) -> Result<Json<ClassView>, Error> {
    let raw = crate::mail::raw(&s.db.pool, &caller, id).await?;
    let parsed = tokio::task::spawn_blocking(move || crate::mail::parse::parse(&raw))
        .await
        .map_err(Error::internal)?;
    Ok(Json(
        super::reclassify(&s.db.pool, &caller, id, body.class, parsed).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/bounces", tag = "linking", security(("bearer" = [])),
    responses((status = 200, description = "newest first", body = Vec<Bounce>)))]
pub async fn bounces(State(s): State<AppState>) -> Result<Json<Vec<Bounce>>, Error> {
    Ok(Json(super::bounces(&s.db.pool, None).await?))
}

macro_rules! list_routes {
    ($list:expr, $path:literal, $item:literal, $get:ident, $add:ident, $remove:ident) => {
        #[utoipa::path(get, path = $path, tag = "settings", security(("bearer" = [])), responses((status = 200, body = Vec<String>)))]
        pub async fn $get(State(s): State<AppState>) -> Result<Json<Vec<String>>, Error> {
            Ok(Json(super::list_entries(&s.db.pool, $list).await?))
        }

        #[utoipa::path(post, path = $path, tag = "settings", security(("bearer" = [])), request_body = EntryRequest,
            responses((status = 200, body = Vec<String>), (status = 422, body = ErrorBody)))]
        pub async fn $add(State(s): State<AppState>, Json(body): Json<EntryRequest>) -> Result<Json<Vec<String>>, Error> {
            Ok(Json(super::add_entry(&s.db.pool, $list, &body.value).await?))
        }

        #[utoipa::path(delete, path = $item, tag = "settings", security(("bearer" = [])), params(("value" = String, Path)),
            responses((status = 204), (status = 404, body = ErrorBody)))]
        pub async fn $remove(State(s): State<AppState>, Path(value): Path<String>) -> Result<StatusCode, Error> {
            super::remove_entry(&s.db.pool, $list, &value).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

list_routes!(
    List::OwnDomains,
    "/api/v1/settings/own-domains",
    "/api/v1/settings/own-domains/{value}",
    own_domains,
    add_own_domain,
    remove_own_domain
);
list_routes!(
    List::FreemailDomains,
    "/api/v1/settings/freemail-domains",
    "/api/v1/settings/freemail-domains/{value}",
    freemail_domains,
    add_freemail_domain,
    remove_freemail_domain
);
list_routes!(
    List::NeverLog,
    "/api/v1/settings/never-log",
    "/api/v1/settings/never-log/{value}",
    never_log,
    add_never_log,
    remove_never_log
);
