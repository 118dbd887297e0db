//! Handlers of follow-up sequences; thin: access in `crm::access` (through `visible`), logic in the module.

use axum::extract::State;
use axum::http::StatusCode;

use super::model::{
    EnrolAnswer, EnrolRequest, EnrolmentList, MergeAnswer, MergeRequest, Report, Sequence,
    SequenceInput, SequenceList,
};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/sequences", tag = "sequences", security(("bearer" = [])),
    description = "The sequences the caller oversees: their own, their team members' (team leads), all (admins).",
    responses((status = 200, body = SequenceList)))]
pub async fn list(State(s): State<AppState>, caller: Caller) -> Result<Json<SequenceList>, Error> {
    Ok(Json(SequenceList {
        items: super::list(&s.db.pool, &caller).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/sequences", tag = "sequences", security(("bearer" = [])),
    description = "A new sequence owned by the caller, sending from a mailbox they may send from.",
    request_body = SequenceInput,
    responses((status = 201, body = Sequence), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<SequenceInput>,
) -> Result<(StatusCode, Json<Sequence>), Error> {
    let now = s.reminders.clock.now_ms();
    let created = super::create(&s.db.pool, &caller, body, now).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/sequences/{id}", tag = "sequences", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Sequence), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Sequence>, Error> {
    Ok(Json(super::get(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/sequences/{id}", tag = "sequences", security(("bearer" = [])),
    description = "Replaces the sequence's settings; enrolments keep their place (step numbers).",
    params(("id" = i64, Path)), request_body = SequenceInput,
    responses((status = 200, body = Sequence), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<SequenceInput>,
) -> Result<Json<Sequence>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        super::update(&s.db.pool, &caller, id, body, now).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/sequences/{id}", tag = "sequences", security(("bearer" = [])),
    description = "Deletes the sequence with its enrolments; nothing more is sent.",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete(&s.db.pool, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/sequences/{id}/enrolments", tag = "sequences", security(("bearer" = [])),
    description = "Enrols chosen contacts the caller may read (`contact_ids`; one they may not: 422), the contacts \
        of a saved view of the caller's (`view_id`) or of a segment (`segment_id`) that the caller may read; exactly \
        one of the three, at most 10 000 contacts. Those without an address, suppressed, whose consent is withdrawn \
        or enrolled already are listed as skipped.",
    params(("id" = i64, Path)), request_body = EnrolRequest,
    responses((status = 200, body = EnrolAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn enrol(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<EnrolRequest>,
) -> Result<Json<EnrolAnswer>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        super::enrol(&s.db.pool, &caller, id, body, now).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sequences/{id}/enrolments", tag = "sequences", security(("bearer" = [])),
    description = "Each enrolment with its letters (step, Message-ID, filed in Sent) and its stop reason.",
    params(("id" = i64, Path)),
    responses((status = 200, body = EnrolmentList), (status = 404, body = ErrorBody)))]
pub async fn enrolments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EnrolmentList>, Error> {
    Ok(Json(EnrolmentList {
        items: super::enrolments(&s.db.pool, &caller, id).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/sequences/{id}/report", tag = "sequences", security(("bearer" = [])),
    description = "Enrolled, active, finished, replied (and the rate), bounced, unsubscribed; letters per step.",
    params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 404, body = ErrorBody)))]
pub async fn report(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Report>, Error> {
    Ok(Json(super::report(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/mail-merge", tag = "sequences", security(("bearer" = [])),
    description = "A personal mail merge: a sequence of kind `merge` with one step due now (inside the window), \
        from a mailbox the caller may send from, one letter to each contact (chosen, a view's or a segment's, as \
        enrolment takes them) with the attachments; follow it as a sequence (its enrolments, its report).",
    request_body = MergeRequest,
    responses((status = 201, body = MergeAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<MergeRequest>,
) -> Result<(StatusCode, Json<MergeAnswer>), Error> {
    let now = s.reminders.clock.now_ms();
    let answer = super::merge(&s.db.pool, &caller, body, now).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}
