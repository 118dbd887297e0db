//! Handlers for companies.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Company, CompanyFilter, CompanyList, CompanyPatch, NewCompany};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::routes::MergeRequest;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/companies", tag = "companies", security(("bearer" = [])), params(CompanyFilter),
    responses((status = 200, body = CompanyList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(f): Query<CompanyFilter>,
) -> Result<Json<CompanyList>, Error> {
    Ok(Json(super::list(&s.db.pool, &caller, f).await?))
}

#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", security(("bearer" = [])), request_body = NewCompany,
    responses((status = 201, body = Company), (status = 409, description = "same domain or name exists", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewCompany>,
) -> Result<(StatusCode, Json<Company>), Error> {
    check_domains(&s, &body.domains).await?;
    Ok((
        StatusCode::CREATED,
        Json(super::create(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/companies/{id}", tag = "companies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Company), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Company>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/companies/{id}", tag = "companies", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = CompanyPatch, responses((status = 200, body = Company), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<CompanyPatch>,
) -> Result<Json<Company>, Error> {
    if let Some(domains) = &body.domains {
        check_domains(&s, domains).await?;
    }
    Ok(Json(super::update(&s.db.pool, &caller, id, body).await?))
}

/// Our own and free-mail domains never make a company (it would gather everyone's mail): 422.
async fn check_domains(s: &AppState, raw: &[String]) -> Result<(), Error> {
    let domains = super::domains(raw)?;
    crate::linking::check_company_domains(&mut *s.db.pool.acquire().await?, &domains).await
}

#[utoipa::path(delete, path = "/api/v1/companies/{id}", tag = "companies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/companies/{id}/merge", tag = "companies", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = MergeRequest, responses((status = 200, description = "the kept company", body = Company), (status = 404, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<MergeRequest>,
) -> Result<Json<Company>, Error> {
    Ok(Json(
        super::merge(&s.db.pool, &caller, id, body.other_id).await?,
    ))
}
