//! Follow-up sequences (issue 18): steps of letters sent from a salesperson's own mailbox, stopped by the client's
//! reply, a bounce or an unsubscribe. Above `awaiting` (whose working-time arithmetic it reuses), below `reminders`.

mod attachments;
mod away;
mod bounces;
mod enrol;
pub mod limit_routes;
pub mod limits;
mod merge;
pub mod model;
pub mod options;
mod returns;
pub mod routes;
mod send;
mod store;
mod timing;
pub mod upload;
mod validate;
pub mod worker;
mod zones;

use sqlx::AnyPool;

use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::RecordKind;
use crate::error::Error;
pub use merge::merge;
use model::{
    EnrolAnswer, EnrolRequest, Enrolment, Report, Sequence, SequenceInput, SequenceKind, Step,
    StepCount, StepLetter,
};
use store::SequenceRow;

fn ts(ms: i64) -> time::OffsetDateTime {
    crate::db::from_ms(ms)
}

async fn view(pool: &AnyPool, r: SequenceRow) -> Result<Sequence, Error> {
    let mut steps: Vec<Step> = serde_json::from_str(&r.steps).map_err(Error::internal)?;
    let mut files = attachments::by_step(pool, r.id).await?;
    for (i, step) in steps.iter_mut().enumerate() {
        step.attachments = files.remove(&(i as i64)).unwrap_or_default();
        step.attachment_ids = step.attachments.iter().map(|a| a.id).collect();
    }
    Ok(Sequence {
        id: r.id,
        kind: if r.kind == "merge" {
            SequenceKind::Merge
        } else {
            SequenceKind::Sequence
        },
        owner_id: r.owner_id,
        name: r.name,
        mailbox_id: r.mailbox_id,
        steps,
        window: serde_json::from_str(&r.send_window).map_err(Error::internal)?,
        time_zone: r.time_zone,
        stop_on_company_reply: r.stop_on_company_reply,
        sending: options::SendingOptions::from_stored(&r.sending),
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
    })
}

/// A sequence the caller oversees (its owner, the owner's team lead, an admin); anyone else: not found.
async fn visible(pool: &AnyPool, caller: &Caller, id: i64) -> Result<SequenceRow, Error> {
    let row = store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("sequence"))?;
    if !access::oversees(&mut *pool.acquire().await?, caller, row.owner_id).await? {
        return Err(Error::NotFound("sequence"));
    }
    Ok(row)
}

/// Checks what the edge cannot alone: the mailbox sends and the owner may send from it, templates exist.
async fn check_refs(
    pool: &AnyPool,
    caller: &Caller,
    owner: i64,
    c: &validate::Checked,
) -> Result<(), Error> {
    let mailbox = match crate::imap::get(pool, c.mailbox_id).await {
        Err(Error::NotFound(_)) => None,
        other => Some(other?),
    };
    let Some(mailbox) = mailbox.filter(|m| {
        let personal = m
            .owner_id
            .filter(|_| m.kind == crate::imap::model::MailboxKind::Personal);
        access::may_send_as(caller, owner, personal, &m.member_ids)
    }) else {
        return Err(Error::validation(
            "mailbox_id",
            "no such mailbox you may send from",
        ));
    };
    if mailbox.smtp.is_none() {
        return Err(Error::validation(
            "mailbox_id",
            "the mailbox has no SMTP settings: it does not send",
        ));
    }
    for (i, step) in c.steps.iter().enumerate() {
        if let Some(t) = step.template_id {
            if let Err(Error::NotFound(_)) = crate::campaigns::template(pool, t).await {
                return Err(Error::validation(
                    format!("steps[{i}].template_id"),
                    "no such template",
                ));
            }
        }
    }
    Ok(())
}

/// The sequence as its row holds it: the steps' attachments live in their own table.
fn stored(c: &validate::Checked) -> Result<store::NewSequence<'_>, Error> {
    let mut steps = c.steps.clone();
    for step in &mut steps {
        step.attachment_ids.clear();
        step.attachments.clear();
    }
    Ok(store::NewSequence {
        name: &c.name,
        mailbox_id: c.mailbox_id,
        steps: serde_json::to_string(&steps).map_err(Error::internal)?,
        send_window: serde_json::to_string(&c.window).map_err(Error::internal)?,
        time_zone: c.time_zone.as_deref(),
        stop_on_company_reply: c.stop_on_company_reply,
        sending: c.sending.to_stored()?,
    })
}

/// Salespeople and admins own sequences; marketing has campaigns.
pub(crate) fn require_sales(caller: &Caller) -> Result<(), Error> {
    access::require_role(caller, RecordKind::Contact, Op::Write).map(|_| ())
}

pub async fn create(
    pool: &AnyPool,
    caller: &Caller,
    input: SequenceInput,
    now: i64,
) -> Result<Sequence, Error> {
    require_sales(caller)?;
    let checked = validate::sequence(input)?;
    check_refs(pool, caller, caller.id, &checked).await?;
    let files = step_files(pool, caller, None, &checked).await?;
    let mut tx = crate::db::begin(pool).await?;
    let owner = (caller.id, SequenceKind::Sequence.as_str());
    let id = store::insert(&mut tx, owner, &stored(&checked)?, now).await?;
    store::attachments::set_for_sequence(&mut tx, id, &files).await?;
    tx.commit().await?;
    get(pool, caller, id).await
}

/// The steps' attachments, checked (the caller's own, or carried by the sequence already).
async fn step_files(
    pool: &AnyPool,
    caller: &Caller,
    sequence: Option<i64>,
    c: &validate::Checked,
) -> Result<Vec<(i64, Vec<i64>)>, Error> {
    attachments::check_steps(pool, caller, sequence, &c.steps, |i| {
        format!("steps[{i}].attachment_ids")
    })
    .await
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Sequence, Error> {
    view(pool, visible(pool, caller, id).await?).await
}

pub async fn list(pool: &AnyPool, caller: &Caller) -> Result<Vec<Sequence>, Error> {
    let mut out = Vec::new();
    for row in store::list(pool, caller).await? {
        out.push(view(pool, row).await?);
    }
    Ok(out)
}

pub async fn update(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    input: SequenceInput,
    now: i64,
) -> Result<Sequence, Error> {
    let current = visible(pool, caller, id).await?;
    let checked = validate::sequence(input)?;
    check_refs(pool, caller, current.owner_id, &checked).await?;
    let files = step_files(pool, caller, Some(id), &checked).await?;
    let mut tx = crate::db::begin(pool).await?;
    store::update(&mut tx, id, &stored(&checked)?, now).await?;
    store::attachments::set_for_sequence(&mut tx, id, &files).await?;
    tx.commit().await?;
    get(pool, caller, id).await
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    visible(pool, caller, id).await?;
    store::delete(pool, id).await
}

/// Enrols the contacts of a request's source that the caller may read; the first step is due after its delay,
/// inside the window.
pub async fn enrol(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    request: EnrolRequest,
    now: i64,
) -> Result<EnrolAnswer, Error> {
    let s = visible(pool, caller, id).await?;
    let source = enrol::Source::parse(request)?;
    let contacts = enrol::contacts(pool, caller, source).await?;
    let (enrolled, skipped) = enrol_into(pool, &s, &contacts, now).await?;
    Ok(EnrolAnswer {
        enrolled: enrolments_of(pool, id, Some(&enrolled)).await?,
        skipped,
    })
}

/// Enrols checked contacts into a sequence, its first step due after its delay.
async fn enrol_into(
    pool: &AnyPool,
    s: &SequenceRow,
    contacts: &[i64],
    now: i64,
) -> Result<(Vec<i64>, Vec<model::Skipped>), Error> {
    let steps: Vec<Step> = serde_json::from_str(&s.steps).map_err(Error::internal)?;
    let first = steps
        .first()
        .ok_or_else(|| Error::internal("a sequence without steps"))?;
    // One due time for all unless each recipient's own time zone decides it (a few queries per contact then).
    let options = options::SendingOptions::from_stored(&s.sending);
    let mut dues = std::collections::HashMap::new();
    if options.recipient_time_zone_field.is_none() {
        let window = zones::window_for(pool, s, &options, 0).await?; // no field: no contact is read
        let due = timing::due(&window.window, now, first.delay);
        dues.extend(contacts.iter().map(|&c| (c, due)));
    } else {
        for &c in contacts {
            dues.insert(c, zones::first_due(pool, s, c, now, first.delay).await?);
        }
    }
    enrol::enrol_all(pool, s.id, contacts, &dues, now).await
}

pub async fn enrolments(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Vec<Enrolment>, Error> {
    visible(pool, caller, id).await?;
    enrolments_of(pool, id, None).await
}

async fn enrolments_of(
    pool: &AnyPool,
    id: i64,
    only: Option<&[i64]>,
) -> Result<Vec<Enrolment>, Error> {
    let rows = store::views::enrolments(pool, id, only).await?;
    let mut letters: std::collections::HashMap<i64, Vec<store::views::LetterRow>> =
        Default::default();
    for l in store::views::letters(pool, id).await? {
        letters.entry(l.enrolment_id).or_default().push(l);
    }
    Ok(rows
        .into_iter()
        .map(|e| Enrolment {
            letters: letters
                .remove(&e.id)
                .unwrap_or_default()
                .into_iter()
                .map(|l| StepLetter {
                    step: l.step + 1,
                    state: l.state,
                    sent_at: l.sent_at.map(ts),
                    message_id: l.message_id,
                    subject: l.subject,
                    filed_in_sent: l.filed_in_sent,
                    error: l.error,
                    bounce_status: l.bounce_status,
                    bounce_diagnostic: l.bounce_diagnostic,
                })
                .collect(),
            id: e.id,
            sequence_id: e.sequence_id,
            contact_id: e.contact_id,
            address: e.address,
            next_step: (e.state == "active").then_some(e.next_step + 1),
            state: e.state,
            stop_reason: e.stop_reason,
            next_due_at: e.next_due_at.map(ts),
            enrolled_at: ts(e.enrolled_at),
            stopped_at: e.stopped_at.map(ts),
        })
        .collect())
}

pub async fn report(pool: &AnyPool, caller: &Caller, id: i64) -> Result<Report, Error> {
    let s = visible(pool, caller, id).await?;
    let steps: Vec<Step> = serde_json::from_str(&s.steps).map_err(Error::internal)?;
    let mut r = Report {
        enrolled: 0,
        active: 0,
        finished: 0,
        replied: 0,
        reply_rate: 0.0,
        bounced: 0,
        unsubscribed: 0,
        steps: (1..=steps.len() as i64)
            .map(|step| StepCount {
                step,
                sent: 0,
                uncertain: 0,
                failed: 0,
                replied: 0,
                bounced: 0,
                unsubscribed: 0,
            })
            .collect(),
    };
    for (state, reason, n) in store::views::enrolment_counts(pool, id).await? {
        r.enrolled += n;
        match (state.as_str(), reason.as_deref()) {
            ("active", _) => r.active += n,
            ("finished", _) => r.finished += n,
            (_, Some("replied")) => r.replied += n,
            (_, Some("bounced")) => r.bounced += n,
            (_, Some("unsubscribed" | "suppressed" | "consent_withdrawn")) => r.unsubscribed += n,
            _ => {}
        }
    }
    if r.enrolled > 0 {
        r.reply_rate = r.replied as f64 / r.enrolled as f64;
    }
    for (step, state, n) in store::views::letter_counts(pool, id).await? {
        let Some(c) = r.steps.iter_mut().find(|c| c.step == step + 1) else {
            continue;
        };
        match state.as_str() {
            "sent" => c.sent += n,
            "uncertain" => c.uncertain += n,
            "failed" => c.failed += n,
            _ => {}
        }
    }
    for (step, reason, n) in store::views::stops_after_step(pool, id).await? {
        let Some(c) = step.and_then(|s| r.steps.iter_mut().find(|c| c.step == s + 1)) else {
            continue;
        };
        match reason.as_str() {
            "replied" => c.replied += n,
            "bounced" => c.bounced += n,
            "unsubscribed" | "suppressed" | "consent_withdrawn" => c.unsubscribed += n,
            _ => {}
        }
    }
    Ok(r)
}
