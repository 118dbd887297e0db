//! Handlers for companies.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{Company, CompanyFilter, CompanyList, CompanyPatch, NewCompany};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::routes::MergeRequest;
use crate::error::{Error, ErrorBody};

crate::record_handlers!(
    Company,
    CompanyFilter,
    CompanyList,
    "companies",
    "/api/v1/companies",
    "/api/v1/companies/{id}"
);

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
