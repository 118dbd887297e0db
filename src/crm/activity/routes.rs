//! Handlers for notes, tasks and timelines.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{
    NewNote, NewTask, Note, NotePatch, Task, TaskFilter, TaskList, TaskPatch, Timeline,
    TimelinePage,
};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::RecordKind;
use crate::error::{Error, ErrorBody};

#[utoipa::path(post, path = "/api/v1/notes", tag = "activity", security(("bearer" = [])), request_body = NewNote,
    responses((status = 201, body = Note), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewNote>,
) -> Result<(StatusCode, Json<Note>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::add_note(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Note), (status = 404, body = ErrorBody)))]
pub async fn get_note(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Note>, Error> {
    Ok(Json(super::get_note(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = NotePatch, responses((status = 200, body = Note), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit_note(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<NotePatch>,
) -> Result<Json<Note>, Error> {
    Ok(Json(
        super::edit_note(&s.db.pool, &caller, id, &body.body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_note(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete_note(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "activity", security(("bearer" = [])), params(TaskFilter),
    responses((status = 200, body = TaskList)))]
pub async fn list_tasks(
    State(s): State<AppState>,
    caller: Caller,
    Query(f): Query<TaskFilter>,
) -> Result<Json<TaskList>, Error> {
    Ok(Json(super::list_tasks(&s.db.pool, &caller, f).await?))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "activity", security(("bearer" = [])), request_body = NewTask,
    responses((status = 201, body = Task), (status = 422, body = ErrorBody)))]
pub async fn add_task(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewTask>,
) -> Result<(StatusCode, Json<Task>), Error> {
    Ok((
        StatusCode::CREATED,
        Json(super::add_task(&s.db.pool, &caller, body).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn get_task(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Task>, Error> {
    Ok(Json(super::get_task(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = TaskPatch, responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
pub async fn update_task(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<TaskPatch>,
) -> Result<Json<Task>, Error> {
    Ok(Json(
        super::update_task(&s.db.pool, &caller, id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "activity", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_task(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete_task(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! timeline_route {
    ($name:ident, $kind:expr, $path:literal) => {
        #[utoipa::path(get, path = $path, tag = "activity", security(("bearer" = [])), params(("id" = i64, Path), TimelinePage),
            responses((status = 200, body = Timeline), (status = 404, body = ErrorBody)))]
        pub async fn $name(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>, Query(page): Query<TimelinePage>) -> Result<Json<Timeline>, Error> {
            Ok(Json(super::timeline(&s.db.pool, &caller, $kind, id, page).await?))
        }
    };
}

timeline_route!(
    contact_timeline,
    RecordKind::Contact,
    "/api/v1/contacts/{id}/timeline"
);
timeline_route!(
    company_timeline,
    RecordKind::Company,
    "/api/v1/companies/{id}/timeline"
);
timeline_route!(
    lead_timeline,
    RecordKind::Lead,
    "/api/v1/leads/{id}/timeline"
);
timeline_route!(
    deal_timeline,
    RecordKind::Deal,
    "/api/v1/deals/{id}/timeline"
);
