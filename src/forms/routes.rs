//! Handlers of `/api/v1/admin/forms` (admins only, route table): the forms, their snippet and submission log.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};

use super::model::{
    NewWebForm, Outcome, OutcomeCounts, Snippet, Submission, SubmissionList, SubmissionQuery,
    WebForm, WebFormList, WebFormPatch,
};
use super::{admin, check, snippet, store};
use crate::api::extract::{Json, Page, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::from_ms;
use crate::error::{Error, ErrorBody};

/// The base of the public URL: the configured one, else the host this request came to.
pub fn base_url(s: &AppState, headers: &HeaderMap) -> String {
    if let Some(public) = &s.public_url {
        return public.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[utoipa::path(get, path = "/api/v1/admin/forms", tag = "integrations", security(("bearer" = [])),
    params(Page), responses((status = 200, body = WebFormList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Json<WebFormList>, Error> {
    let limit = page.limit()?;
    let items = admin::list(&s.db.pool, page.after(), limit, &base_url(&s, &headers)).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|f| f.id))
        .flatten();
    Ok(Json(WebFormList { items, next_after }))
}

#[utoipa::path(post, path = "/api/v1/admin/forms", tag = "integrations", security(("bearer" = [])),
    request_body = NewWebForm,
    responses((status = 201, description = "the form, with its random public key", body = WebForm),
        (status = 422, description = "validation_failed: unknown field, no e-mail or phone field, empty consent text, bad URL or origin, unknown user or team", body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(new): Json<NewWebForm>,
) -> Result<(StatusCode, Json<WebForm>), Error> {
    let form = admin::create(&s.db.pool, &caller, &base_url(&s, &headers), new).await?;
    Ok((StatusCode::CREATED, Json(form)))
}

#[utoipa::path(get, path = "/api/v1/admin/forms/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = WebForm), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<WebForm>, Error> {
    Ok(Json(
        admin::get(&s.db.pool, id, &base_url(&s, &headers)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/admin/forms/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WebFormPatch,
    responses((status = 200, description = "a new consent text bumps consent_version", body = WebForm),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(patch): Json<WebFormPatch>,
) -> Result<Json<WebForm>, Error> {
    let base = base_url(&s, &headers);
    Ok(Json(
        admin::update(&s.db.pool, &caller, id, &base, patch).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/admin/forms/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "removed with its log; its leads and their consents stay"),
        (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    admin::delete(&s.db.pool, &caller, id, &base_url(&s, &headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/admin/forms/{id}/snippet", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "static HTML to paste into a page", body = Snippet), (status = 404, body = ErrorBody)))]
pub async fn get_snippet(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Snippet>, Error> {
    let form = admin::get(&s.db.pool, id, &base_url(&s, &headers)).await?;
    let customs = check::lead_custom_fields(&s.db.pool).await?;
    Ok(Json(Snippet {
        html: snippet::html(&form, &customs),
        action_url: form.action_url,
    }))
}

#[utoipa::path(get, path = "/api/v1/admin/forms/{id}/submissions", tag = "integrations", security(("bearer" = [])),
    params(("id" = i64, Path), SubmissionQuery),
    responses((status = 200, description = "newest first", body = SubmissionList), (status = 404, body = ErrorBody)))]
pub async fn submissions(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<SubmissionQuery>,
) -> Result<Json<SubmissionList>, Error> {
    admin::get(&s.db.pool, id, &base_url(&s, &headers)).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Error::validation("limit", "must be 1 to 500"));
    }
    let before = q.before.unwrap_or(i64::MAX);
    let rows = store::submissions(
        &s.db.pool,
        id,
        before,
        q.outcome.map(Outcome::as_str),
        limit,
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(Submission {
            id: r.id,
            at: from_ms(r.at),
            outcome: Outcome::parse(&r.outcome)
                .ok_or_else(|| Error::internal("unknown outcome"))?,
            record_kind: r.record_kind,
            record_id: r.record_id,
            detail: r.detail,
            client_addr: r.client_addr,
            page: r.page,
        });
    }
    let next_before = (items.len() as i64 == limit)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    let mut counts = OutcomeCounts::default();
    for (outcome, n) in store::outcome_counts(&s.db.pool, id).await? {
        match Outcome::parse(&outcome) {
            Some(Outcome::Created) => counts.created = n,
            Some(Outcome::Duplicate) => counts.duplicate = n,
            Some(Outcome::Honeypot) => counts.honeypot = n,
            Some(Outcome::Rejected) => counts.rejected = n,
            None => {}
        }
    }
    Ok(Json(SubmissionList {
        items,
        next_before,
        counts,
    }))
}
