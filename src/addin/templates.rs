//! CRM templates in the compose pane: every signed-in user lists them by name and inserts one rendered for a
//! recipient they may read (their name, company, owner fields), the same rendering campaigns use.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::campaigns;
use crate::campaigns::model::Rendered;
use crate::crm::access::{self, Op};
use crate::crm::RecordKind;
use crate::error::{Error, ErrorBody};

/// A template as the pane offers it: no HTML until it is rendered for someone.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaneTemplate {
    pub id: i64,
    pub name: String,
    pub subject: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaneTemplateList {
    pub items: Vec<PaneTemplate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderFor {
    /// The recipient's contact (found with the lookup).
    pub contact_id: i64,
}

#[utoipa::path(get, path = "/api/v1/addin/templates", tag = "addin", security(("bearer" = [])),
    responses((status = 200, description = "the CRM's templates by name, for the compose pane", body = PaneTemplateList)))]
pub async fn list(State(s): State<AppState>) -> Result<Json<PaneTemplateList>, Error> {
    let items = campaigns::templates(&s.db.pool)
        .await?
        .into_iter()
        .map(|t| PaneTemplate {
            id: t.id,
            name: t.name,
            subject: t.subject,
        })
        .collect();
    Ok(Json(PaneTemplateList { items }))
}

#[utoipa::path(post, path = "/api/v1/addin/templates/{id}/render", tag = "addin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RenderFor,
    responses((status = 200, description = "subject, HTML and text filled in for the recipient", body = Rendered),
              (status = 404, description = "no such template, or a contact the caller may not read", body = ErrorBody),
              (status = 422, description = "a field the recipient lacks (`field`: template)", body = ErrorBody)))]
pub async fn render(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RenderFor>,
) -> Result<Json<Rendered>, Error> {
    access::require(
        &s.db.pool,
        &caller,
        RecordKind::Contact,
        body.contact_id,
        Op::Read,
    )
    .await?;
    let template = campaigns::template(&s.db.pool, id).await?;
    let (letter, _, _) =
        campaigns::render_for(&s.db.pool, &s.campaigns, &template, body.contact_id).await?;
    Ok(Json(letter))
}
