//! What the console's marketing pages show while the user types and while a campaign runs: an unsaved template
//! rendered for a chosen contact, the count of an unsaved segment filter, and letters sent per time step.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::model::{SegmentCount, SegmentFilter, Template, TemplateInput};
use super::routes::Preview;
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::db::from_ms;
use crate::error::{Error, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftPreview {
    /// The template as it stands in the editor (not saved).
    pub template: TemplateInput,
    /// Whose data fills it.
    pub contact_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftCount {
    #[serde(default)]
    pub filter: SegmentFilter,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateQuery {
    /// Seconds per step, 1 to 3600; 60 when absent.
    pub step: Option<i64>,
}

/// Letters sent in one step.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatePoint {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub sent: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateSeries {
    pub step_seconds: i64,
    /// Oldest first, with a zero for every step between the first and the last letter.
    pub points: Vec<RatePoint>,
}

#[utoipa::path(post, path = "/api/v1/templates/preview", tag = "campaigns", security(("bearer" = [])),
    request_body = DraftPreview,
    responses((status = 200, body = Preview),
              (status = 404, description = "no such contact with an e-mail address", body = ErrorBody),
              (status = 422, description = "a syntax error, or a field the contact lacks (`field` is `template`)", body = ErrorBody)))]
pub async fn preview_draft(
    State(s): State<AppState>,
    Json(body): Json<DraftPreview>,
) -> Result<Json<Preview>, Error> {
    let now = OffsetDateTime::now_utc();
    let t = Template {
        id: 0,
        name: body.template.name,
        subject: body.template.subject,
        html: body.template.html,
        text: body.template.text,
        created_at: now,
        updated_at: now,
    };
    let (letter, contact_name, address) =
        super::render_for(&s.db.pool, &s.campaigns, &t, body.contact_id).await?;
    Ok(Json(Preview {
        contact_name,
        address,
        letter,
    }))
}

#[utoipa::path(post, path = "/api/v1/segments/count", tag = "campaigns", security(("bearer" = [])),
    request_body = DraftCount,
    responses((status = 200, description = "how many an unsaved filter reaches now", body = SegmentCount),
              (status = 422, description = "a bad filter, or marketing filtering by deals or leads", body = ErrorBody)))]
pub async fn count_draft(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<DraftCount>,
) -> Result<Json<SegmentCount>, Error> {
    Ok(Json(
        super::segments::count_filter(&s.db.pool, &caller, &body.filter).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/rate", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path), RateQuery),
    responses((status = 200, description = "letters sent per step, for a chart", body = RateSeries),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<RateQuery>,
) -> Result<Json<RateSeries>, Error> {
    let step = q.step.unwrap_or(60);
    if !(1..=3600).contains(&step) {
        return Err(Error::validation("step", "must be 1 to 3600 seconds"));
    }
    super::campaign(&s.db.pool, id).await?;
    let steps = super::store::series::sent_per_step(&s.db.pool, id, step * 1000).await?;
    Ok(Json(RateSeries {
        step_seconds: step,
        points: fill_gaps(&steps, step),
    }))
}

/// A point for every step from the first to the last, so that a pause shows as zeros.
fn fill_gaps(steps: &[(i64, i64)], step_seconds: i64) -> Vec<RatePoint> {
    let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
        return Vec::new();
    };
    // Bounded: a chart of more than a day of steps keeps only the latest.
    let from = first.0.max(last.0 - 1440);
    let mut sent = steps.iter().peekable();
    (from..=last.0)
        .map(|index| {
            let mut n = 0;
            while let Some((i, count)) = sent.peek() {
                if *i > index {
                    break;
                }
                if *i == index {
                    n = *count;
                }
                sent.next();
            }
            RatePoint {
                at: from_ms(index * step_seconds * 1000),
                sent: n,
            }
        })
        .collect()
}
