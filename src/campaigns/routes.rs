//! Thin handlers of templates, segments, campaigns and suppressions (admin and marketing; see the route table).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{
    Campaign, CampaignList, CampaignStatus, NewCampaign, NewSuppression, PreviewRequest,
    RecipientFilter, RecipientList, Relay, RelayInput, RelayList, RelayPatch, Rendered, Segment,
    SegmentCount, SegmentInput, Stats, SuppressionList, Template, TemplateInput, TestSendRequest,
};
use crate::api::extract::{Json, Page, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub items: Vec<Template>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentList {
    pub items: Vec<Segment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub contact_name: String,
    pub address: String,
    #[serde(flatten)]
    pub letter: Rendered,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestSent {
    pub to: String,
}

#[utoipa::path(get, path = "/api/v1/templates", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = TemplateList), (status = 403, body = ErrorBody)))]
pub async fn list_templates(State(s): State<AppState>) -> Result<Json<TemplateList>, Error> {
    let items = super::templates(&s.db.pool).await?;
    Ok(Json(TemplateList { items }))
}

#[utoipa::path(post, path = "/api/v1/templates", tag = "campaigns", security(("bearer" = [])), request_body = TemplateInput,
    responses((status = 201, body = Template), (status = 422, description = "syntax error or unknown field", body = ErrorBody)))]
pub async fn create_template(
    State(s): State<AppState>,
    Json(body): Json<TemplateInput>,
) -> Result<(StatusCode, Json<Template>), Error> {
    let t = super::create_template(&s.db.pool, body).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Template), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Template>, Error> {
    Ok(Json(super::template(&s.db.pool, id).await?))
}

#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = TemplateInput, responses((status = 200, body = Template), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_template(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<TemplateInput>,
) -> Result<Json<Template>, Error> {
    Ok(Json(super::update_template(&s.db.pool, id, body).await?))
}

#[utoipa::path(delete, path = "/api/v1/templates/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody),
              (status = 409, description = "in_use: campaigns not yet finished use it (`details.campaign_ids`)", body = ErrorBody)))]
pub async fn delete_template(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete_template(&s.db.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/templates/{id}/preview", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 422, description = "a field the contact lacks", body = ErrorBody)))]
pub async fn preview(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<PreviewRequest>,
) -> Result<Json<Preview>, Error> {
    let (letter, contact_name, address) =
        super::preview(&s.db.pool, &s.campaigns, id, body.contact_id).await?;
    Ok(Json(Preview {
        contact_name,
        address,
        letter,
    }))
}

#[utoipa::path(post, path = "/api/v1/templates/{id}/test-send", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TestSendRequest,
    responses((status = 200, body = TestSent), (status = 400, description = "smtp_refused: the 5xx reply", body = ErrorBody),
              (status = 422, description = "no such relay, `smtp_url` given, or the letter cannot be built (`field` names the \
                  part, e.g. `contact.name`)", body = ErrorBody),
              (status = 502, description = "smtp_deferred (a 4xx reply), smtp_unreachable (connection, TLS or AUTH failed) or \
                  smtp_no_answer; the message carries the server's reply or the connection error", body = ErrorBody)))]
pub async fn test_send(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<TestSendRequest>,
) -> Result<Json<TestSent>, Error> {
    let to = body.to.clone();
    super::test_send(&s.db.pool, &s.campaigns, id, body).await?;
    Ok(Json(TestSent { to }))
}

#[utoipa::path(get, path = "/api/v1/segments", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = SegmentList)))]
pub async fn list_segments(State(s): State<AppState>) -> Result<Json<SegmentList>, Error> {
    let items = super::segments(&s.db.pool).await?;
    Ok(Json(SegmentList { items }))
}

#[utoipa::path(post, path = "/api/v1/segments", tag = "campaigns", security(("bearer" = [])), request_body = SegmentInput,
    responses((status = 201, body = Segment), (status = 422, body = ErrorBody)))]
pub async fn create_segment(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<SegmentInput>,
) -> Result<(StatusCode, Json<Segment>), Error> {
    let seg = super::create_segment(&s.db.pool, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(seg)))
}

#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Segment), (status = 404, body = ErrorBody)))]
pub async fn get_segment(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Segment>, Error> {
    Ok(Json(super::segment(&s.db.pool, id).await?))
}

#[utoipa::path(put, path = "/api/v1/segments/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = SegmentInput, responses((status = 200, body = Segment), (status = 404, body = ErrorBody)))]
pub async fn update_segment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<SegmentInput>,
) -> Result<Json<Segment>, Error> {
    Ok(Json(
        super::update_segment(&s.db.pool, &caller, id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody),
              (status = 409, description = "in_use: campaigns not yet finished use it (`details.campaign_ids`)", body = ErrorBody)))]
pub async fn delete_segment(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::delete_segment(&s.db.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/segments/{id}/count", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SegmentCount), (status = 404, body = ErrorBody)))]
pub async fn count_segment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SegmentCount>, Error> {
    Ok(Json(super::count_segment(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])), params(Page),
    responses((status = 200, body = CampaignList)))]
pub async fn list_campaigns(
    State(s): State<AppState>,
    Query(page): Query<Page>,
) -> Result<Json<CampaignList>, Error> {
    let limit = page.limit()?;
    let items = super::campaigns(&s.db.pool, page.after(), limit).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|c| c.id))
        .flatten();
    Ok(Json(CampaignList { items, next_after }))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])), request_body = NewCampaign,
    responses((status = 201, body = Campaign), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<NewCampaign>,
) -> Result<(StatusCode, Json<Campaign>), Error> {
    super::require_segment_use(&s.db.pool, &caller, body.segment_id).await?;
    let c = super::create_campaign(&s.db.pool, &s.campaigns, caller.id, body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "the campaign with its stats", body = Campaign), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, Error> {
    Ok(Json(super::campaign(&s.db.pool, id).await?))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/progress", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Stats), (status = 404, body = ErrorBody)))]
pub async fn progress(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Stats>, Error> {
    Ok(Json(super::campaign(&s.db.pool, id).await?.stats))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/start", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Campaign), (status = 409, body = ErrorBody),
              (status = 422, description = "recipients_invalid: `details` lists them; nothing was sent", body = ErrorBody)))]
pub async fn start(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, Error> {
    let segment_id = super::campaign(&s.db.pool, id).await?.segment_id;
    super::require_segment_use(&s.db.pool, &caller, segment_id).await?;
    Ok(Json(super::start(&s.db.pool, id).await?))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Campaign), (status = 409, body = ErrorBody)))]
pub async fn pause(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, Error> {
    Ok(Json(
        super::set_status(&s.db.pool, id, CampaignStatus::Paused).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Campaign), (status = 409, body = ErrorBody)))]
pub async fn resume(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, Error> {
    Ok(Json(
        super::set_status(&s.db.pool, id, CampaignStatus::Sending).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Campaign), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Campaign>, Error> {
    Ok(Json(
        super::set_status(&s.db.pool, id, CampaignStatus::Cancelled).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/recipients", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path), RecipientFilter), responses((status = 200, body = RecipientList), (status = 404, body = ErrorBody)))]
pub async fn recipients(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(f): Query<RecipientFilter>,
) -> Result<Json<RecipientList>, Error> {
    let limit = Page {
        after: None,
        limit: f.limit,
    }
    .limit()?;
    let items = super::recipients(&s.db.pool, id, &f, limit).await?;
    let next_after = (items.len() as i64 == limit)
        .then(|| items.last().map(|r| r.id))
        .flatten();
    Ok(Json(RecipientList { items, next_after }))
}

#[utoipa::path(get, path = "/api/v1/suppressions", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = SuppressionList)))]
pub async fn list_suppressions(State(s): State<AppState>) -> Result<Json<SuppressionList>, Error> {
    let items = super::suppressions(&s.db.pool).await?;
    Ok(Json(SuppressionList { items }))
}

#[utoipa::path(post, path = "/api/v1/suppressions", tag = "campaigns", security(("bearer" = [])),
    request_body = NewSuppression, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn add_suppression(
    State(s): State<AppState>,
    Json(body): Json<NewSuppression>,
) -> Result<StatusCode, Error> {
    super::suppress(&s.db.pool, &body.address, &body.detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/relays", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, description = "the built-in `default` (when MAILROOM_SMTP_URL is set) first", body = RelayList),
              (status = 403, body = ErrorBody)))]
pub async fn list_relays(State(s): State<AppState>) -> Result<Json<RelayList>, Error> {
    let items = super::relays::list(&s.db.pool, &s.campaigns).await?;
    Ok(Json(RelayList { items }))
}

#[utoipa::path(post, path = "/api/v1/relays", tag = "campaigns", security(("bearer" = [])), request_body = RelayInput,
    responses((status = 201, body = Relay), (status = 403, description = "admins only", body = ErrorBody),
              (status = 409, description = "the name is taken", body = ErrorBody),
              (status = 422, description = "a bad name or URL", body = ErrorBody)))]
pub async fn create_relay(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<RelayInput>,
) -> Result<(StatusCode, Json<Relay>), Error> {
    let r = super::relays::create(&s.db.pool, &s.campaigns, caller.id, body).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[utoipa::path(get, path = "/api/v1/relays/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Relay), (status = 404, body = ErrorBody)))]
pub async fn get_relay(
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Relay>, Error> {
    Ok(Json(
        super::relays::get(&s.db.pool, &s.campaigns, id).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/relays/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = RelayPatch,
    responses((status = 200, body = Relay), (status = 403, description = "admins only", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_relay(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RelayPatch>,
) -> Result<Json<Relay>, Error> {
    Ok(Json(
        super::relays::update(&s.db.pool, &s.campaigns, caller.id, id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/relays/{id}", tag = "campaigns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, description = "admins only", body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "in_use: campaigns not yet finished use it (`details.campaign_ids`)", body = ErrorBody)))]
pub async fn delete_relay(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, Error> {
    super::relays::delete(&s.db.pool, &s.campaigns, caller.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
