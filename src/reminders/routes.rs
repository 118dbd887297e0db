//! Handlers of the notification feed (each user's own) and of the reminder settings (admins).

use axum::extract::State;

use super::model::{DigestSettings, Feed, FeedPage, MarkedRead, ReminderSettings, Unread};
use super::store;
use crate::api::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{Error, ErrorBody};

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(FeedPage),
    responses((status = 200, body = Feed), (status = 422, body = ErrorBody)))]
pub async fn feed(
    State(s): State<AppState>,
    caller: Caller,
    Query(page): Query<FeedPage>,
) -> Result<Json<Feed>, Error> {
    let limit = page.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::validation("limit", "must be 1 to 200"));
    }
    let before = page.before.unwrap_or(i64::MAX);
    let items = store::feed(&s.db.pool, caller.id, before, limit).await?;
    let next_before = match items.last() {
        Some(last) if items.len() as i64 == limit => Some(last.id),
        _ => None,
    };
    Ok(Json(Feed {
        unread: store::unread(&s.db.pool, caller.id).await?,
        items,
        next_before,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "notifications", security(("bearer" = [])),
    description = "The caller's unread count alone (the console's bell, the Outlook pane).",
    responses((status = 200, body = Unread)))]
pub async fn unread(State(s): State<AppState>, caller: Caller) -> Result<Json<Unread>, Error> {
    Ok(Json(Unread {
        unread: store::unread(&s.db.pool, caller.id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = MarkedRead), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MarkedRead>, Error> {
    let unread_before = store::unread(&s.db.pool, caller.id).await?;
    let now = s.reminders.clock.now_ms();
    // Another user's entry is answered like a missing one.
    if !store::mark_read(&s.db.pool, caller.id, id, now).await? {
        return Err(Error::NotFound("notification"));
    }
    let unread = store::unread(&s.db.pool, caller.id).await?;
    Ok(Json(MarkedRead {
        marked: unread_before - unread,
        unread,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = MarkedRead)))]
pub async fn read_all(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<MarkedRead>, Error> {
    let now = s.reminders.clock.now_ms();
    let marked = store::mark_all_read(&s.db.pool, caller.id, now).await?;
    Ok(Json(MarkedRead {
        marked,
        unread: store::unread(&s.db.pool, caller.id).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/settings/reminders", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = ReminderSettings), (status = 403, body = ErrorBody)))]
pub async fn settings(State(s): State<AppState>) -> Result<Json<ReminderSettings>, Error> {
    Ok(Json(ReminderSettings {
        relay: super::relay(&s.db.pool).await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/settings/reminders", tag = "notifications", security(("bearer" = [])),
    request_body = ReminderSettings,
    responses((status = 200, body = ReminderSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_settings(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<ReminderSettings>,
) -> Result<Json<ReminderSettings>, Error> {
    let relay = super::set_relay(&s.db.pool, &s.campaigns, &caller, body.relay.as_deref()).await?;
    Ok(Json(ReminderSettings { relay }))
}

#[utoipa::path(get, path = "/api/v1/me/digest", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = DigestSettings)))]
pub async fn digest(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<DigestSettings>, Error> {
    Ok(Json(super::digest::settings(&s.db.pool, caller.id).await?))
}

#[utoipa::path(put, path = "/api/v1/me/digest", tag = "notifications", security(("bearer" = [])),
    request_body = DigestSettings,
    responses((status = 200, body = DigestSettings), (status = 422, body = ErrorBody)))]
pub async fn set_digest(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<DigestSettings>,
) -> Result<Json<DigestSettings>, Error> {
    Ok(Json(super::digest::set(&s.db.pool, caller.id, body).await?))
}
