//! Mail-merge campaigns: handlebars templates, saved segments, a crash-safe send queue over SMTP with rate limits,
//! one-click unsubscribe and bounce handling. Routes are thin; the rules live here and in the named modules.

mod bearer;
pub mod bounces;
pub mod changes;
mod connection;
mod letter;
mod limiter;
pub mod live;
pub mod model;
mod prepare;
mod recorder;
pub mod relays;
pub mod render;
pub mod routes;
mod run;
pub mod segment;
mod segments;
pub mod send;
mod server;
mod store;
pub mod unsubscribe;
mod validate;
pub mod verp;

use std::sync::Arc;

use serde_json::json;
use sqlx::AnyPool;

use crate::error::Error;
use crate::smtp::Outcome;
use model::{
    Campaign, CampaignStatus, NewCampaign, Rendered, Stats, Suppression, Template, TemplateInput,
    TestSendRequest,
};
use render::Compiled;
pub use segments::{
    count_segment, create_segment, require_segment_use, segment, segments, update_segment,
};
/// Letters of one connection in doubt (`unknown`) at most after a crash.
pub const IN_DOUBT_PER_CONNECTION: usize = 2 * run::CHUNK;
pub use send::{Sender, Settings};
pub use server::ServerLimits;

/// `custom_keys`: the contacts' custom field keys a template may name as `custom.<key>`.
fn check_template(t: &TemplateInput, custom_keys: &[String]) -> Result<(), Error> {
    if t.name.trim().is_empty() {
        return Err(Error::validation("name", "must not be empty"));
    }
    let template = Template {
        id: 0,
        name: t.name.clone(),
        subject: t.subject.clone(),
        html: t.html.clone(),
        text: t.text.clone(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    Compiled::new(&template)
        .and_then(|c| c.check_fields_with(custom_keys))
        .map_err(|e| Error::validation("template", e))
}

pub async fn templates(pool: &AnyPool) -> Result<Vec<Template>, Error> {
    store::templates(pool).await
}

pub async fn template(pool: &AnyPool, id: i64) -> Result<Template, Error> {
    store::template(pool, id)
        .await?
        .ok_or(Error::NotFound("template"))
}

pub async fn create_template(pool: &AnyPool, mut t: TemplateInput) -> Result<Template, Error> {
    // A subject is a header: one line, whatever was pasted into it.
    t.subject = crate::text::single_line(&t.subject);
    check_template(&t, &crate::crm::custom::template_keys(pool).await?)?;
    let id = store::insert_template(pool, &t).await?;
    template(pool, id).await
}

pub async fn update_template(
    pool: &AnyPool,
    id: i64,
    mut t: TemplateInput,
) -> Result<Template, Error> {
    // A subject is a header: one line, whatever was pasted into it.
    t.subject = crate::text::single_line(&t.subject);
    check_template(&t, &crate::crm::custom::template_keys(pool).await?)?;
    if !store::update_template(pool, id, &t).await? {
        return Err(Error::NotFound("template"));
    }
    template(pool, id).await
}

/// Deletes a template or segment that no unfinished campaign uses; finished campaigns keep naming it.
async fn delete_part(pool: &AnyPool, part: store::Part, id: i64) -> Result<(), Error> {
    let what = match part {
        store::Part::Template => "template",
        store::Part::Segment => "segment",
    };
    match store::delete_unused(pool, part, id).await? {
        None => Err(Error::NotFound(what)),
        Some(users) if users.is_empty() => Ok(()),
        Some(users) => Err(Error::InUse {
            message: format!(
                "the {what} is used by {} campaign(s) not yet finished; cancel them or let them finish first",
                users.len()
            ),
            details: json!({ "campaign_ids": users }),
        }),
    }
}

pub async fn delete_template(pool: &AnyPool, id: i64) -> Result<(), Error> {
    delete_part(pool, store::Part::Template, id).await
}

pub async fn delete_segment(pool: &AnyPool, id: i64) -> Result<(), Error> {
    delete_part(pool, store::Part::Segment, id).await
}

/// Renders a template for one contact, as their letter would read.
pub async fn preview(
    pool: &AnyPool,
    settings: &Settings,
    template_id: i64,
    contact_id: i64,
) -> Result<(Rendered, String, String), Error> {
    let t = template(pool, template_id).await?;
    render_for(pool, settings, &t, contact_id).await
}

/// A template (saved or as it stands in the editor) rendered for one contact: the letter, their name and address.
pub async fn render_for(
    pool: &AnyPool,
    settings: &Settings,
    t: &model::Template,
    contact_id: i64,
) -> Result<(Rendered, String, String), Error> {
    let member = store::audience::member(pool, contact_id)
        .await?
        .ok_or(Error::NotFound("contact with an e-mail address"))?;
    let url = format!("{}/u/preview", settings.public_url);
    let rendered = Compiled::new(t)
        .and_then(|c| c.render(&segment::context(&member, &member.email, &url)))
        .map_err(|e| Error::validation("template", e))?;
    Ok((rendered, member.name, member.email))
}

/// Mails one rendered copy to `to` (not to the contact), without unsubscribe headers.
pub async fn test_send(
    pool: &AnyPool,
    settings: &Settings,
    template_id: i64,
    req: TestSendRequest,
) -> Result<(), Error> {
    relays::refuse_smtp_url(&req.smtp_url)?;
    let (rendered, name, _) = preview(pool, settings, template_id, req.contact_id).await?;
    let from = req.from.unwrap_or_else(|| settings.mail_from.clone());
    let letter = letter::build(
        &letter::Addressing {
            from: &from,
            to_name: &name,
            to: req.to.trim(),
            bounce_base: &settings.bounce_base(&from),
            verp_key: &store::key(pool, "verp").await?,
            campaign_id: 0,
            recipient_id: 0,
            unsubscribe_url: None,
        },
        &rendered,
    )
    .map_err(|e| Error::validation(e.field, e.message))?;
    let relay = relays::resolve(pool, settings, req.relay.as_deref()).await?;
    let spec = relays::spec(pool, settings, relay)
        .await
        .map_err(|e| Error::validation("relay", e))?;
    let mut conn = None;
    match server::deliver(&spec, &mut conn, &letter.envelope, &letter.bytes).await {
        Outcome::Accepted(_) => Ok(()),
        Outcome::Refused(_, text) => Err(Error::BadRequest {
            code: "smtp_refused",
            message: text,
        }),
        Outcome::Deferred(_, text) => Err(Error::Upstream {
            code: "smtp_deferred",
            message: format!("the SMTP server deferred the letter: {text}"),
        }),
        Outcome::Retry(text) => Err(Error::Upstream {
            code: "smtp_unreachable",
            message: format!("the SMTP server could not be reached: {text}"),
        }),
        Outcome::Unknown(text) => Err(Error::Upstream {
            code: "smtp_no_answer",
            message: format!("the SMTP server did not answer after the letter was sent: {text}"),
        }),
    }
}

pub async fn campaign(pool: &AnyPool, id: i64) -> Result<Campaign, Error> {
    let mut c = store::campaign(pool, id)
        .await?
        .ok_or(Error::NotFound("campaign"))?
        .view;
    c.stats = stats(pool, id).await?;
    Ok(c)
}

pub async fn stats(pool: &AnyPool, id: i64) -> Result<Stats, Error> {
    store::queue::stats(pool, id).await
}

pub async fn campaigns(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<Campaign>, Error> {
    let mut out = Vec::new();
    for row in store::campaigns(pool, after, limit).await? {
        let mut c = row.view;
        c.stats = stats(pool, c.id).await?;
        out.push(c);
    }
    Ok(out)
}

pub async fn create_campaign(
    pool: &AnyPool,
    settings: &Settings,
    created_by: i64,
    c: NewCampaign,
) -> Result<Campaign, Error> {
    if c.name.trim().is_empty() {
        return Err(Error::validation("name", "must not be empty"));
    }
    template(pool, c.template_id)
        .await
        .map_err(|_| Error::validation("template_id", "no such template"))?;
    segment(pool, c.segment_id)
        .await
        .map_err(|_| Error::validation("segment_id", "no such segment"))?;
    let from = c.from_address.clone().unwrap_or(settings.mail_from.clone());
    from.parse::<lettre::message::Mailbox>()
        .map_err(|e| Error::validation("from_address", e.to_string()))?;
    relays::refuse_smtp_url(&c.smtp_url)?;
    let relay_id = relays::resolve(pool, settings, c.relay.as_deref()).await?;
    for (field, value) in [
        ("concurrency", c.concurrency),
        ("per_second", c.per_second),
        ("per_hour", c.per_hour),
        ("max_failures_in_row", c.max_failures_in_row),
    ] {
        if value.is_some_and(|v| v < 1) {
            return Err(Error::validation(field, "must be at least 1"));
        }
    }
    let id = store::insert_campaign(pool, &c, &from, relay_id, created_by).await?;
    campaign(pool, id).await
}

/// Renders every recipient first; if any fails, nothing is queued and the error lists them. Otherwise queues one
/// letter per address and marks the campaign sending (the worker picks it up).
pub async fn start(pool: &AnyPool, id: i64) -> Result<Campaign, Error> {
    let c = campaign(pool, id).await?;
    if c.status != CampaignStatus::Draft {
        return Err(Error::Conflict {
            message: format!("the campaign is {}; only a draft starts", c.status.as_str()),
        });
    }
    let t = template(pool, c.template_id).await?;
    let compiled = Compiled::new(&t).map_err(|e| Error::validation("template", e))?;
    let seg = segment(pool, c.segment_id).await?;
    let members = Arc::new(segment::recipients(pool, &seg.filter, c.marketing).await?);
    let problems = validate::problems(compiled, members.clone()).await?;
    if !problems.is_empty() {
        return Err(Error::Unprocessable {
            code: "recipients_invalid",
            message: format!(
                "{} of {} recipients cannot be mailed; nothing was sent",
                problems.len(),
                members.len()
            ),
            details: json!(problems),
        });
    }
    let rows: Vec<(i64, String)> = members
        .iter()
        .map(|m| (m.contact_id, m.email.clone()))
        .collect();
    if !store::queue::start(pool, id, &rows).await? {
        return Err(Error::Conflict {
            message: "the campaign was started meanwhile".into(),
        });
    }
    send::wake_worker();
    tracing::info!(campaign = id, recipients = rows.len(), "campaign started");
    campaign(pool, id).await
}

/// Pause, resume or cancel.
pub async fn set_status(pool: &AnyPool, id: i64, to: CampaignStatus) -> Result<Campaign, Error> {
    use CampaignStatus::*;
    let from: &[CampaignStatus] = match to {
        Paused => &[Sending],
        Sending => &[Paused],
        Cancelled => &[Draft, Sending, Paused],
        _ => &[],
    };
    let reason = (to == Paused).then_some("paused by a user");
    if !store::transition(pool, id, from, to, reason).await? {
        let c = campaign(pool, id).await?;
        return Err(Error::Conflict {
            message: format!("the campaign is {}", c.status.as_str()),
        });
    }
    if to == Sending {
        send::wake_worker();
    }
    campaign(pool, id).await
}

pub async fn recipients(
    pool: &AnyPool,
    id: i64,
    f: &model::RecipientFilter,
    limit: i64,
) -> Result<Vec<model::Recipient>, Error> {
    campaign(pool, id).await?;
    store::queue::recipients(pool, id, f, limit).await
}

pub async fn suppressions(pool: &AnyPool) -> Result<Vec<Suppression>, Error> {
    store::suppressions(pool).await
}

pub async fn suppress(pool: &AnyPool, address: &str, detail: &str) -> Result<(), Error> {
    let address = crate::email_address::EmailAddress::parse(address)
        .map_err(|e| Error::validation("address", e))?;
    store::suppress(pool, &address.to_string(), "manual", None, detail).await
}
