//! Handlers for pipelines, stages, lead sources and contact types. Writes are admin-only (see the route table).

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{
    ListEntry, ListEntryInput, NewPipeline, NewStage, Pipeline, PipelinePatch, Stage, StageDelete,
    StagePatch,
};
use super::RefList;
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/pipelines", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<Pipeline>)))]
pub async fn list_pipelines(State(s): State<AppState>) -> Result<Json<Vec<Pipeline>>, Error> {
    Ok(Json(super::list_pipelines(&s.db.pool).await?))
}

#[utoipa::path(post, path = "/api/v1/pipelines", tag = "reference", security(("bearer" = [])), request_body = NewPipeline,
    responses((status = 201, body = Pipeline), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_pipeline(
    State(s): State<AppState>,
    Json(body): Json<NewPipeline>,
) -> Result<(StatusCode, Json<Pipeline>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::create_pipeline(&s.db.pool, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Pipeline), (status = 404, body = ErrorBody)))]
pub async fn get_pipeline(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Pipeline>, Error> {
    Ok(Json(super::get_pipeline(&s.db.pool, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PipelinePatch, responses((status = 200, body = Pipeline), (status = 404, body = ErrorBody)))]
pub async fn update_pipeline(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<PipelinePatch>,
) -> Result<Json<Pipeline>, Error> {
    Ok(Json(super::update_pipeline(&s.db.pool, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "deals are in the pipeline", body = ErrorBody)))]
pub async fn delete_pipeline(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete_pipeline(&s.db.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/pipelines/{id}/stages", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = NewStage, responses((status = 201, body = Stage), (status = 422, body = ErrorBody)))]
pub async fn add_stage(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<NewStage>,
) -> Result<(StatusCode, Json<Stage>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::add_stage(&s.db.pool, id, body).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/stages/{id}", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = StagePatch, responses((status = 200, body = Stage), (status = 404, body = ErrorBody)))]
pub async fn update_stage(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<StagePatch>,
) -> Result<Json<Stage>, Error> {
    Ok(Json(super::update_stage(&s.db.pool, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/stages/{id}", tag = "reference", security(("bearer" = [])), params(("id" = i64, Path), StageDelete),
    responses((status = 204), (status = 409, description = "deals are in the stage and no move_to was given", body = ErrorBody)))]
pub async fn delete_stage(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<StageDelete>,
) -> Result<StatusCode, Error> {
    super::delete_stage(&s.db.pool, id, q.move_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! list_routes {
    ($list:expr, $path:literal, $item_path:literal, $tag:literal, $get:ident, $add:ident, $rename:ident, $delete:ident) => {
        #[utoipa::path(get, path = $path, tag = $tag, security(("bearer" = [])), responses((status = 200, body = Vec<ListEntry>)))]
        pub async fn $get(State(s): State<AppState>) -> Result<Json<Vec<ListEntry>>, Error> {
            Ok(Json(super::list_entries(&s.db.pool, $list).await?))
        }

        #[utoipa::path(post, path = $path, tag = $tag, security(("bearer" = [])), request_body = ListEntryInput,
            responses((status = 201, body = ListEntry), (status = 409, body = ErrorBody)))]
        pub async fn $add(State(s): State<AppState>, Json(body): Json<ListEntryInput>) -> Result<(StatusCode, Json<ListEntry>), Error> {
            Ok((StatusCode::CREATED, Json(super::add_entry(&s.db.pool, $list, &body.name).await?)))
        }

        #[utoipa::path(patch, path = $item_path, tag = $tag, security(("bearer" = [])), params(("id" = i64, Path)),
            request_body = ListEntryInput, responses((status = 200, body = ListEntry), (status = 404, body = ErrorBody)))]
        pub async fn $rename(State(s): State<AppState>, Path(id): Path<i64>, Json(body): Json<ListEntryInput>) -> Result<Json<ListEntry>, Error> {
            Ok(Json(super::rename_entry(&s.db.pool, $list, id, &body.name).await?))
        }

        #[utoipa::path(delete, path = $item_path, tag = $tag, security(("bearer" = [])), params(("id" = i64, Path)),
            responses((status = 204), (status = 409, description = "in use", body = ErrorBody)))]
        pub async fn $delete(State(s): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, Error> {
            super::delete_entry(&s.db.pool, $list, id).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

list_routes!(
    RefList::LeadSources,
    "/api/v1/lead-sources",
    "/api/v1/lead-sources/{id}",
    "reference",
    list_lead_sources,
    add_lead_source,
    rename_lead_source,
    delete_lead_source
);
list_routes!(
    RefList::ContactTypes,
    "/api/v1/contact-types",
    "/api/v1/contact-types/{id}",
    "reference",
    list_contact_types,
    add_contact_type,
    rename_contact_type,
    delete_contact_type
);
list_routes!(
    RefList::CompanyTypes,
    "/api/v1/company-types",
    "/api/v1/company-types/{id}",
    "reference",
    list_company_types,
    add_company_type,
    rename_company_type,
    delete_company_type
);
