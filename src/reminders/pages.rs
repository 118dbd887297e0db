//! The pages a reminder letter's links open, with no sign-in (the signed token is the authority): GET shows what
//! the link will do and changes nothing (mail scanners follow links), the form's POST does it. A forged, expired
//! or outdated link gets a page that says so.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::links::{self, Action, Link, Refusal};
use crate::api::extract::Path;
use crate::app::AppState;
use crate::auth::Caller;
use crate::crm::activity::{self, model::Task, model::TaskPatch};
use crate::error::{Error, ErrorBody};

const PAGE: &str = include_str!("../../templates/reminders/link.html.tera");

struct Page<'a> {
    status: StatusCode,
    heading: &'a str,
    message: String,
    task: Option<&'a str>,
    /// The button of the confirmation form.
    confirm: Option<&'a str>,
    token: &'a str,
}

fn render(p: Page) -> Result<Response, Error> {
    let mut context = tera::Context::new();
    context.insert("heading", p.heading);
    context.insert("message", &p.message);
    context.insert("task", &p.task);
    context.insert("confirm", &p.confirm);
    context.insert("token", p.token);
    let html = tera::Tera::one_off(PAGE, &context, true).map_err(Error::internal)?;
    Ok((p.status, Html(html)).into_response())
}

fn refused(status: StatusCode, heading: &str, message: &str) -> Result<Response, Error> {
    render(Page {
        status,
        heading,
        message: message.into(),
        task: None,
        confirm: None,
        token: "",
    })
}

/// The task a valid link names, as its assignee sees it; or the page that explains why not.
async fn open(s: &AppState, token: &str) -> Result<Result<(Link, Caller, Task), Response>, Error> {
    let now = s.reminders.clock.now_ms();
    let link = match links::verify(&s.reminders.link_key, token, now) {
        Ok(link) => link,
        Err(Refusal::Forged) => {
            let why = "This link is not valid: it was changed or is not one of ours. Open the task in Mailroom instead.";
            return refused(StatusCode::BAD_REQUEST, "Invalid link", why).map(Err);
        }
        Err(Refusal::Expired) => {
            let why = "This link has expired (links in a reminder work for 7 days). Open the task in Mailroom instead.";
            return refused(StatusCode::GONE, "Link expired", why).map(Err);
        }
    };
    let gone = || {
        refused(
            StatusCode::NOT_FOUND,
            "Task not found",
            "This task no longer exists.",
        )
    };
    let user = match crate::auth::service::get_user(&s.db.pool, link.user_id).await {
        Ok(user) if user.active => user,
        Ok(_) | Err(Error::NotFound(_)) => return gone().map(Err),
        Err(e) => return Err(e),
    };
    let caller = Caller {
        id: user.id,
        role: user.role,
        email: user.email,
    };
    let task = match activity::get_task(&s.db.pool, &caller, link.task_id).await {
        Ok(task) => task,
        Err(Error::NotFound(_) | Error::Forbidden) => return gone().map(Err),
        Err(e) => return Err(e),
    };
    if task.assignee_id != Some(caller.id) {
        let why = "This task was handed to someone else since the reminder was sent.";
        return refused(StatusCode::CONFLICT, "Not your task any more", why).map(Err);
    }
    Ok(Ok((link, caller, task)))
}

#[utoipa::path(get, path = "/r/{token}", tag = "reminders", params(("token" = String, Path)),
    description = "A reminder letter's link: shows what it will do (mark done, snooze) and changes nothing.",
    responses((status = 200, description = "confirmation page", content_type = "text/html"),
              (status = 400, description = "forged link page", content_type = "text/html"),
              (status = 404, description = "the task is gone", content_type = "text/html"),
              (status = 409, description = "the task has another assignee now", content_type = "text/html"),
              (status = 410, description = "expired link page", content_type = "text/html"),
              (status = 500, body = ErrorBody)))]
pub async fn confirm(
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, Error> {
    let (link, _, task) = match open(&s, &token).await? {
        Ok(opened) => opened,
        Err(page) => return Ok(page),
    };
    let message = match (link.action, task.done) {
        (Action::Done, true) => "This task is already done.".to_string(),
        (Action::Done, false) => "Mark this task done?".to_string(),
        (_, _) => "Snooze this reminder?".to_string(),
    };
    render(Page {
        status: StatusCode::OK,
        heading: link.action.label(),
        message,
        task: Some(&task.title),
        confirm: Some(link.action.label()),
        token: &token,
    })
}

#[utoipa::path(post, path = "/r/{token}", tag = "reminders", params(("token" = String, Path)),
    description = "Does what the reminder link says: marks the task done, or moves its reminder 1 hour or 1 day on.",
    responses((status = 200, description = "done page", content_type = "text/html"),
              (status = 400, description = "forged link page", content_type = "text/html"),
              (status = 404, description = "the task is gone", content_type = "text/html"),
              (status = 409, description = "the task has another assignee now", content_type = "text/html"),
              (status = 410, description = "expired link page", content_type = "text/html"),
              (status = 500, body = ErrorBody)))]
pub async fn act(State(s): State<AppState>, Path(token): Path<String>) -> Result<Response, Error> {
    let (link, caller, task) = match open(&s, &token).await? {
        Ok(opened) => opened,
        Err(page) => return Ok(page),
    };
    let (patch, heading, message) = match link.action.snooze_ms() {
        None => (
            TaskPatch {
                done: Some(true),
                ..Default::default()
            },
            "Task done",
            "The task is marked done.".to_string(),
        ),
        Some(ms) => {
            let at = crate::db::from_ms(s.reminders.clock.now_ms() + ms);
            let when = at
                .format(&time::format_description::well_known::Rfc2822)
                .map_err(Error::internal)?;
            (
                TaskPatch {
                    remind_at: Some(Some(at)),
                    ..Default::default()
                },
                "Reminder snoozed",
                format!("You will be reminded again at {when} (UTC)."),
            )
        }
    };
    activity::update_task(&s.db.pool, &caller, task.id, patch).await?;
    tracing::info!(task = task.id, user = caller.id, action = ?link.action, "reminder link used");
    render(Page {
        status: StatusCode::OK,
        heading,
        message,
        task: Some(&task.title),
        confirm: None,
        token: &token,
    })
}
