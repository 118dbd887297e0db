//! The edge of the sequences API: a sequence as written is checked field by field (422 naming the field) before
//! anything is stored.

use super::model::{SendWindow, SequenceInput, Step};
use crate::error::Error;

const MAX_STEPS: usize = 20;
const MAX_DELAY_DAYS: u32 = 365;

/// A checked sequence, ready to store: its steps and window as JSON, its time zone trimmed.
pub struct Checked {
    pub name: String,
    pub mailbox_id: i64,
    pub steps: Vec<Step>,
    pub window: SendWindow,
    pub time_zone: Option<String>,
    pub stop_on_company_reply: bool,
    pub sending: super::options::SendingOptions,
}

pub fn sequence(input: SequenceInput) -> Result<Checked, Error> {
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation("name", "1 to 200 characters"));
    }
    if input.steps.is_empty() || input.steps.len() > MAX_STEPS {
        return Err(Error::validation("steps", "1 to 20 steps"));
    }
    for (i, step) in input.steps.iter().enumerate() {
        check_step(i, step)?;
    }
    let window = input.window.unwrap_or_default();
    let time_zone = input
        .time_zone
        .map(|z| z.trim().to_string())
        .filter(|z| !z.is_empty());
    // The window and zone parse now so that a bad one is refused here, not at sending time.
    super::timing::window(&window, time_zone.as_deref().unwrap_or("UTC"))?;
    Ok(Checked {
        name,
        mailbox_id: input.mailbox_id,
        steps: input.steps,
        window,
        time_zone,
        stop_on_company_reply: input.stop_on_company_reply,
        sending: input.sending.checked()?,
    })
}

fn check_step(i: usize, step: &Step) -> Result<(), Error> {
    let field = |f: &str| format!("steps[{i}].{f}");
    let text = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    match (step.template_id, text(&step.subject), text(&step.body)) {
        (Some(_), false, false) => {}
        (Some(_), _, _) => {
            return Err(Error::validation(
                field("template_id"),
                "a template or a subject and body, not both",
            ))
        }
        (None, true, true) => {}
        // A reply takes "Re: " and the previous step's subject.
        (None, false, true) if step.as_reply => {}
        (None, false, _) => return Err(Error::validation(field("subject"), "is required")),
        (None, true, false) => return Err(Error::validation(field("body"), "is required")),
    }
    let days = match step.delay {
        super::model::Delay::Days(n) | super::model::Delay::WorkingDays(n) => n,
    };
    if days > MAX_DELAY_DAYS {
        return Err(Error::validation(field("delay"), "at most 365 days"));
    }
    // Handlebars that does not compile is refused now, not at sending time.
    let inline = crate::campaigns::model::Template {
        id: 0,
        name: String::new(),
        subject: step.subject.clone().unwrap_or_default(),
        html: String::new(),
        text: step.body.clone(),
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    if let Err(e) = crate::campaigns::render::Compiled::new(&inline) {
        let part = if e.starts_with("subject") {
            "subject"
        } else {
            "body"
        };
        return Err(Error::validation(field(part), e));
    }
    if i == 0 && step.as_reply {
        return Err(Error::validation(
            field("as_reply"),
            "the first step has no letter to reply to",
        ));
    }
    Ok(())
}
