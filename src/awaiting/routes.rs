//! Handlers of the reply policies and the "awaiting reply" lists; thin: access in `crm::access`, logic beside.

use axum::extract::State;

use super::model::{AwaitingList, AwaitingQuery, ListScope, PolicyAnswer, ReplyPolicy};
use super::{policy, track, Filter};
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::RecordKind;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/settings/reply-policy", tag = "awaiting", security(("bearer" = [])),
    description = "The reply policy of owners in no team (built in until an admin sets one).",
    responses((status = 200, body = PolicyAnswer)))]
pub async fn get_default(State(s): State<AppState>) -> Result<Json<PolicyAnswer>, Error> {
    Ok(Json(policy::default_policy(&s.db.pool).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/reply-policy", tag = "awaiting", security(("bearer" = [])),
    request_body = ReplyPolicy,
    responses((status = 200, body = PolicyAnswer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_default(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<ReplyPolicy>,
) -> Result<Json<PolicyAnswer>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        policy::set(&s.db.pool, &caller, None, body, now).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/reply-policy", tag = "awaiting", security(("bearer" = [])),
    description = "A team's reply policy (`own: false`: it has none and the default applies). Admins and members.",
    params(("id" = i64, Path)),
    responses((status = 200, body = PolicyAnswer), (status = 404, body = ErrorBody)))]
pub async fn get_team(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PolicyAnswer>, Error> {
    Ok(Json(policy::team_policy(&s.db.pool, &caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/teams/{id}/reply-policy", tag = "awaiting", security(("bearer" = [])),
    description = "Sets a team's reply policy: admins, and the team's leads.",
    params(("id" = i64, Path)), request_body = ReplyPolicy,
    responses((status = 200, body = PolicyAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_team(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReplyPolicy>,
) -> Result<Json<PolicyAnswer>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        policy::set(&s.db.pool, &caller, Some(id), body, now).await?,
    ))
}

/// `contact:12` or `lead:7`.
fn parse_record(text: &str) -> Result<(RecordKind, i64), Error> {
    let bad = || Error::validation("record", "expected contact:<id> or lead:<id>");
    let (kind, id) = text.split_once(':').ok_or_else(bad)?;
    let kind = match kind {
        "contact" => RecordKind::Contact,
        "lead" => RecordKind::Lead,
        _ => return Err(bad()),
    };
    Ok((kind, id.parse().map_err(|_| bad())?))
}

#[utoipa::path(get, path = "/api/v1/awaiting-reply", tag = "awaiting", security(("bearer" = [])),
    description = "Client mail awaiting our reply: the caller's (`scope=mine`), also their team members'
(`team`), everyone's for admins (`all`); or one record's state (`record=contact:12`, for its card).",
    params(AwaitingQuery),
    responses((status = 200, body = AwaitingList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<AwaitingQuery>,
) -> Result<Json<AwaitingList>, Error> {
    let pool = &s.db.pool;
    let filter = match (&q.record, q.scope) {
        (Some(_), Some(_)) => {
            return Err(Error::validation("record", "give either record or scope"))
        }
        (Some(record), None) => {
            let (kind, id) = parse_record(record)?;
            access::require(pool, &caller, kind, id, Op::Read).await?;
            Filter::Record(kind.as_str(), id)
        }
        (None, None | Some(ListScope::Mine)) => Filter::Owner(caller.id),
        (None, Some(ListScope::Team | ListScope::All)) => Filter::Overseen,
    };
    // Mail synced a moment ago shows at once, without waiting for the worker's next pass.
    track::catch_up(pool, 4, None).await?;
    let now = s.reminders.clock.now_ms();
    let items = super::list(pool, &caller, filter, q.overdue, now).await?;
    let overdue = items.iter().filter(|i| i.overdue).count();
    Ok(Json(AwaitingList { items, overdue }))
}
