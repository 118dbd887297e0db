//! Handlers of a mailbox's sending limits (issue 18.4), admins only (the route table says so); thin: the logic is
//! in `limits`.

use axum::extract::State;

use super::limits::{SendingLimits, SendingLimitsInput};
use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}/sending-limits", tag = "sequences", security(("bearer" = [])),
    description = "The limits sequence letters from this mailbox keep to: its provider's preset (by the SMTP host) \
        unless an admin set its own, and how many went in the last minute, hour and 24 hours.",
    params(("id" = i64, Path)),
    responses((status = 200, body = SendingLimits), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SendingLimits>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        super::limits::get(&s.db.pool, &caller, id, now).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/mailboxes/{id}/sending-limits", tag = "sequences", security(("bearer" = [])),
    description = "Sets the mailbox's own limits, which replace the preset (`{\"custom\": {\"per_minute\": 2}}`: a \
        limit left out is none), or goes back to the preset (`{\"custom\": null}`).",
    params(("id" = i64, Path)), request_body = SendingLimitsInput,
    responses((status = 200, body = SendingLimits), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<SendingLimitsInput>,
) -> Result<Json<SendingLimits>, Error> {
    let now = s.reminders.clock.now_ms();
    Ok(Json(
        super::limits::set(&s.db.pool, &caller, id, body, now).await?,
    ))
}
