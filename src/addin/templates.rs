//! CRM templates in the compose pane: every signed-in user lists them by name and inserts one rendered for a
//! recipient they may read, a contact or a lead (their name, company, owner fields), with the same rendering
//! campaigns use; and the console editor's live preview for a lead (campaigns preview contacts only).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::extract::{Json, Path};
use crate::app::AppState;
use crate::auth::Caller;
use crate::campaigns;
use crate::campaigns::model::{Rendered, Template, TemplateInput};
use crate::campaigns::render::Compiled;
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
    /// The recipient's contact (found with the lookup); or
    pub contact_id: Option<i64>,
    /// the recipient's lead: its name, e-mail and phone fill `contact.*`, its company name and domain hint
    /// `company.*`, its owner `owner.*`, its own custom values `custom.*`. Exactly one of the two.
    pub lead_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPreview {
    /// The template as it stands in the editor (not saved).
    pub template: TemplateInput,
    pub lead_id: i64,
}

/// A letter rendered for a lead, and to whom it would go.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPreviewed {
    pub contact_name: String,
    /// The lead's e-mail address (empty when it has none).
    pub address: String,
    #[serde(flatten)]
    pub letter: Rendered,
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
              (status = 404, description = "no such template, or a contact or lead the caller may not read", body = ErrorBody),
              (status = 422, description = "a field the recipient lacks (`field`: template)", body = ErrorBody)))]
pub async fn render(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<RenderFor>,
) -> Result<Json<Rendered>, Error> {
    match (body.contact_id, body.lead_id) {
        (Some(contact_id), None) => {
            access::require(
                &s.db.pool,
                &caller,
                RecordKind::Contact,
                contact_id,
                Op::Read,
            )
            .await?;
            let template = campaigns::template(&s.db.pool, id).await?;
            let (letter, _, _) =
                campaigns::render_for(&s.db.pool, &s.campaigns, &template, contact_id).await?;
            Ok(Json(letter))
        }
        (None, Some(lead_id)) => {
            let template = campaigns::template(&s.db.pool, id).await?;
            let (letter, _, _) = render_for_lead(&s, &caller, &template, lead_id).await?;
            Ok(Json(letter))
        }
        _ => Err(Error::validation(
            "contact_id",
            "name the recipient: contact_id or lead_id, one of the two",
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/templates/preview/lead", tag = "campaigns", security(("bearer" = [])),
    request_body = LeadPreview,
    responses((status = 200, body = LeadPreviewed),
              (status = 403, description = "a role that may not read leads", body = ErrorBody),
              (status = 404, description = "no such lead, or one the caller may not read", body = ErrorBody),
              (status = 422, description = "a syntax error, or a field the lead lacks (`field` is `template`)", body = ErrorBody)))]
pub async fn preview_for_lead(
    State(s): State<AppState>,
    caller: Caller,
    Json(body): Json<LeadPreview>,
) -> Result<Json<LeadPreviewed>, Error> {
    let now = OffsetDateTime::now_utc();
    let template = Template {
        id: 0,
        name: body.template.name,
        subject: body.template.subject,
        html: body.template.html,
        text: body.template.text,
        created_at: now,
        updated_at: now,
    };
    let (letter, contact_name, address) =
        render_for_lead(&s, &caller, &template, body.lead_id).await?;
    Ok(Json(LeadPreviewed {
        contact_name,
        address,
        letter,
    }))
}

/// A template rendered for a lead the caller may read: the letter, the lead's name and address.
async fn render_for_lead(
    s: &AppState,
    caller: &Caller,
    template: &Template,
    lead_id: i64,
) -> Result<(Rendered, String, String), Error> {
    let lead = crate::crm::leads::get(&s.db.pool, caller, lead_id).await?;
    let owner = match lead.owner_id {
        Some(id) => Some(crate::auth::service::get_user(&s.db.pool, id).await?),
        None => None,
    };
    let data = lead_context(&lead, owner.as_ref(), &s.campaigns.public_url);
    let letter = Compiled::new(template)
        .and_then(|c| c.render(&data))
        .map_err(|e| Error::validation("template", e))?;
    Ok((letter, lead.name, lead.email.unwrap_or_default()))
}

/// The data a template sees for a lead, in the shape campaigns give a contact's (`contact`, `company`, `owner`,
/// `custom`, `unsubscribe_url`), empty values left out so that strict rendering names what is missing.
fn lead_context(
    lead: &crate::crm::leads::model::Lead,
    owner: Option<&crate::auth::model::UserView>,
    public_url: &str,
) -> Value {
    fn object(fields: &[(&str, Option<&str>)]) -> Option<Value> {
        let map: Map<String, Value> = fields
            .iter()
            .filter_map(|(k, v)| {
                v.filter(|v| !v.trim().is_empty())
                    .map(|v| (k.to_string(), Value::String(v.to_string())))
            })
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    }
    let mut root = Map::new();
    let parts = [
        (
            "contact",
            object(&[
                ("name", Some(lead.name.as_str())),
                ("email", lead.email.as_deref()),
                ("phone", lead.phone.as_deref()),
            ]),
        ),
        (
            "company",
            object(&[
                ("name", lead.company_name.as_deref()),
                ("domain", lead.domain_hint.as_deref()),
            ]),
        ),
        (
            "owner",
            owner.and_then(|o| {
                object(&[
                    ("name", Some(o.name.as_str())),
                    ("email", Some(o.email.as_str())),
                    ("phone", o.phone.as_deref()),
                ])
            }),
        ),
    ];
    for (key, value) in parts {
        if let Some(value) = value {
            root.insert(key.to_string(), value);
        }
    }
    // As for contacts: a multiple choice reads as one comma-separated string.
    let custom: Map<String, Value> = lead
        .custom
        .iter()
        .map(|(k, v)| match v {
            Value::Array(items) => {
                let parts: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
                (k.clone(), Value::String(parts.join(", ")))
            }
            other => (k.clone(), other.clone()),
        })
        .collect();
    if !custom.is_empty() {
        root.insert("custom".into(), Value::Object(custom));
    }
    root.insert(
        "unsubscribe_url".into(),
        Value::String(format!("{public_url}/u/preview")),
    );
    Value::Object(root)
}
