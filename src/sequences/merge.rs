//! Personal mail merge: a salesperson's one letter (with attachments) to each of their contacts, from their own
//! mailbox, sent at once inside the window. It is a sequence of kind `merge` with one step, so it is claimed, sent,
//! filed in Sent, stopped and reported exactly as a sequence's step is.

use sqlx::AnyPool;

use super::enrol::{self, Source};
use super::model::{
    Delay, EnrolRequest, MergeAnswer, MergeRequest, SequenceInput, SequenceKind, Step,
};
use super::{attachments, check_refs, enrol_into, require_sales, store, stored, validate};
use crate::auth::Caller;
use crate::error::Error;

/// The merge's fields are named as the request names them, not as the sequence it becomes.
fn renamed(e: Error) -> Error {
    match e {
        Error::Validation { field, message } => {
            let field = match field.strip_prefix("steps[0].") {
                Some(f) => f.to_string(),
                None => match field.strip_prefix("window.") {
                    Some(f) => format!("send_window.{f}"),
                    None => field,
                },
            };
            Error::Validation { field, message }
        }
        other => other,
    }
}

pub async fn merge(
    pool: &AnyPool,
    caller: &Caller,
    req: MergeRequest,
    now: i64,
) -> Result<MergeAnswer, Error> {
    require_sales(caller)?;
    let source = Source::parse(EnrolRequest {
        contact_ids: req.contact_ids,
        view_id: req.view_id,
        segment_id: req.segment_id,
    })?;
    let subject = crate::text::single_line(&req.subject);
    let name = req
        .name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            format!("Mail merge: {}", subject.trim())
                .chars()
                .take(200)
                .collect()
        });
    let input = SequenceInput {
        name,
        mailbox_id: req.mailbox_id,
        steps: vec![Step {
            template_id: None,
            subject: Some(subject),
            body: Some(req.body),
            delay: Delay::Days(0),
            as_reply: false,
            attachment_ids: req.attachment_ids,
            attachments: Vec::new(),
        }],
        window: req.send_window,
        time_zone: None,
        stop_on_company_reply: false,
        sending: Default::default(),
    };
    let checked = validate::sequence(input).map_err(renamed)?;
    check_refs(pool, caller, caller.id, &checked).await?;
    let files = attachments::check_steps(pool, caller, None, &checked.steps, |_| {
        "attachment_ids".into()
    })
    .await?;
    let contacts = enrol::contacts(pool, caller, source).await?;
    let mut tx = crate::db::begin(pool).await?;
    let owner = (caller.id, SequenceKind::Merge.as_str());
    let id = store::insert(&mut tx, owner, &stored(&checked)?, now).await?;
    store::attachments::set_for_sequence(&mut tx, id, &files).await?;
    tx.commit().await?;
    let row = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("sequence"))?;
    let (enrolled, skipped) = enrol_into(pool, &row, &contacts, now).await?;
    Ok(MergeAnswer {
        sequence_id: id,
        enrolled: enrolled.len() as i64,
        skipped,
    })
}
