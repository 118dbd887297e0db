//! One pass of the sequence sender: read bounces and auto-replies back, stop the enrolments whose client replied (or
//! bounced, unsubscribed), mark the claims of dead senders uncertain, then claim each due step inside the
//! recipient's window and the mailbox's and sequence's limits, send it from the sequence's mailbox (as a reply in
//! the thread where the step says so), and file it in the mailbox's Sent folder.

use sqlx::AnyPool;

use super::limits::{self, DAY_MS};
use super::model::Step;
use super::options::SendingOptions;
use super::store::letters::{self, Claim, Earlier, Fate};
use super::store::limits as limits_store;
use super::store::{self, Due, SequenceRow};
use super::{timing, zones};
use crate::awaiting::hours::WorkingTime;
use crate::campaigns::model::{Rendered, Template};
use crate::error::Error;
use crate::imap::outbox;

/// Steps claimed per pass.
const BATCH: i64 = 20;
/// A claim this old (real time) whose letter was never recorded belongs to a sender that died.
pub const LEASE_MS: i64 = 10 * 60 * 1000;
/// A step that could not be handed over (no connection, 4xx) is tried again this much later.
const RETRY_MS: i64 = 10 * 60 * 1000;

/// What a pass needs: the database, the mailbox secrets, the template settings, who claims, and the time.
pub struct Sender {
    pub pool: AnyPool,
    pub secrets: crate::secrets::SecretBox,
    pub campaigns: std::sync::Arc<crate::campaigns::Settings>,
    pub worker_id: String,
}

impl Sender {
    /// One pass at app time `now`; answers how many steps it sent.
    pub async fn pass(&self, now: i64) -> Result<usize, Error> {
        let pool = &self.pool;
        // Bounces and auto-replies first: what they stop or delay must not be claimed in this pass.
        super::bounces::read_back(pool, now).await?;
        super::away::read_back(pool).await?;
        store::stop_finished_conversations(pool, now).await?;
        limits_store::prune(pool, now - 2 * DAY_MS).await?;
        for (enrolment, step, sequence, contact) in
            letters::orphans_to_uncertain(pool, crate::db::now_ms() - LEASE_MS).await?
        {
            tracing::warn!(
                enrolment,
                step,
                "sequence letter uncertain: its sender stopped mid-send"
            );
            if let Some(s) = store::get(pool, sequence).await? {
                let options = SendingOptions::from_stored(&s.sending);
                let window = zones::window_for(pool, &s, &options, contact).await?;
                let next = next_due(pool, &s, &window.window, enrolment, step, now).await?;
                letters::advance(&mut *pool.acquire().await?, enrolment, step, next).await?;
            }
        }
        let mut sent = 0;
        for due in store::due(pool, now, BATCH).await? {
            if self.step(&due, now).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// Claims and sends one due step; false when another instance has it, it may not go (yet), or any more.
    async fn step(&self, due: &Due, now: i64) -> Result<bool, Error> {
        let pool = &self.pool;
        let Some(s) = store::get(pool, due.sequence_id).await? else {
            return Ok(false);
        };
        let steps: Vec<Step> = serde_json::from_str(&s.steps).map_err(Error::internal)?;
        let Some(step) = usize::try_from(due.step).ok().and_then(|i| steps.get(i)) else {
            // The sequence lost steps since: nothing more to send.
            letters::advance(
                &mut *pool.acquire().await?,
                due.enrolment_id,
                due.step,
                None,
            )
            .await?;
            return Ok(false);
        };
        let options = SendingOptions::from_stored(&s.sending);
        // The recipient's window: a step due (by the sender's clock) while they sleep waits for their morning.
        let window = zones::window_for(pool, &s, &options, due.contact_id).await?;
        let open = window.window.next_open(now);
        if open > now {
            letters::defer(pool, due.enrolment_id, due.step, open).await?;
            return Ok(false);
        }
        let mailbox = crate::imap::get(pool, s.mailbox_id).await?;
        let from = mailbox
            .smtp
            .as_ref()
            .and_then(|m| m.address.clone())
            .unwrap_or_else(|| mailbox.username.clone());
        let domain = from.rsplit_once('@').map_or("mailroom.invalid", |(_, d)| d);
        let message_id = format!(
            "seq{}.{}.{:016x}@{domain}",
            due.enrolment_id,
            due.step + 1,
            rand::random::<u64>()
        );
        let budget = limits::budget(pool, &mailbox, s.id, &options).await?;
        let real_now = crate::db::now_ms();
        let claimed = letters::claim(
            pool,
            due.enrolment_id,
            due.step,
            &self.worker_id,
            &message_id,
            now,
            real_now,
            &budget,
        )
        .await?;
        let letter = match claimed {
            Claim::Letter(letter) => letter,
            Claim::Taken => return Ok(false),
            Claim::Waits { until } => {
                // Over a limit: due again when the window frees (inside the sending window), never failed.
                let at = window.window.next_open(until);
                letters::defer(pool, due.enrolment_id, due.step, at).await?;
                return Ok(false);
            }
        };
        let mail = match self.letter(step, due, message_id).await {
            Ok(mail) => mail,
            Err(e) => {
                let error = e.to_string();
                let fate = Fate::Failed {
                    error: &error,
                    at: now,
                };
                letters::settle(
                    pool,
                    letter,
                    &self.worker_id,
                    due.enrolment_id,
                    due.step,
                    fate,
                )
                .await?;
                return Ok(false);
            }
        };
        let outcome = outbox::send(pool, &self.secrets, s.mailbox_id, &mail).await;
        let fate_error;
        let fate = match &outcome {
            Ok(_) => Fate::Sent {
                subject: &mail.subject,
                sent_at: now,
                next_due: next_due(pool, &s, &window.window, due.enrolment_id, due.step, now)
                    .await?,
            },
            Err(Error::Upstream {
                code: "smtp_rejected",
                message,
            }) => {
                fate_error = message.clone();
                Fate::Failed {
                    error: &fate_error,
                    at: now,
                }
            }
            Err(Error::Upstream {
                code: "smtp_no_answer",
                message,
            }) => {
                // Handed over without an answer: maybe delivered, so never resent (as a dead sender's claim).
                tracing::warn!(letter, %message, "sequence letter uncertain");
                return Ok(false);
            }
            Err(Error::Validation { field, message }) => {
                fate_error = format!("{field}: {message}");
                Fate::Failed {
                    error: &fate_error,
                    at: now,
                }
            }
            Err(error) => {
                tracing::warn!(letter, %error, "sequence letter not handed over; tried again later");
                Fate::Retry {
                    retry_at: now + RETRY_MS,
                }
            }
        };
        letters::settle(
            pool,
            letter,
            &self.worker_id,
            due.enrolment_id,
            due.step,
            fate,
        )
        .await?;
        let Ok(sent) = outcome else { return Ok(false) };
        match outbox::file_in_sent(pool, &self.secrets, s.mailbox_id, &sent.raw).await {
            Ok(true) => letters::mark_filed(pool, letter).await?,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(letter, %error, "sequence letter sent but not filed in Sent")
            }
        }
        Ok(true)
    }

    /// The step's letter to the enrolled contact, built in this one place: rendered, addressed, threaded.
    async fn letter(
        &self,
        step: &Step,
        due: &Due,
        message_id: String,
    ) -> Result<outbox::Letter, Error> {
        let rendered = self.render(step, due.contact_id).await?;
        let mut mail = outbox::Letter {
            to: vec![due.address.clone()],
            subject: rendered.subject,
            text: rendered.text,
            message_id: Some(message_id),
            attachments: super::attachments::for_step(&self.pool, due.sequence_id, due.step)
                .await?,
            ..outbox::Letter::default()
        };
        if step.as_reply {
            thread_on(
                &mut mail,
                &letters::earlier(&self.pool, due.enrolment_id).await?,
            );
        }
        Ok(mail)
    }

    /// The step's letter for the contact: its template's, or its own subject and body (handlebars either way).
    async fn render(&self, step: &Step, contact: i64) -> Result<Rendered, Error> {
        let template = match step.template_id {
            Some(id) => crate::campaigns::template(&self.pool, id).await?,
            None => Template {
                id: 0,
                name: String::new(),
                subject: step.subject.clone().unwrap_or_default(),
                html: String::new(),
                text: step.body.clone(),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            },
        };
        let (rendered, _, _) =
            crate::campaigns::render_for(&self.pool, &self.campaigns, &template, contact).await?;
        Ok(rendered)
    }
}

/// A reply in the thread of the earlier steps: In-Reply-To the last, References all, "Re: " the last subject.
fn thread_on(mail: &mut outbox::Letter, earlier: &[Earlier]) {
    let Some(last) = earlier.iter().max_by_key(|e| e.step) else {
        return;
    };
    mail.in_reply_to = Some(last.message_id.clone());
    mail.references = earlier.iter().map(|e| e.message_id.clone()).collect();
    let base = last.subject.clone().unwrap_or_else(|| mail.subject.clone());
    let base = base.trim();
    mail.subject = if base.to_ascii_lowercase().starts_with("re:") {
        base.to_string()
    } else {
        format!("Re: {base}")
    };
}

/// When the step after `step` is due, counted from `sent_at` in the recipient's window, and not before a return
/// date an auto-reply named; None: `step` was the last.
async fn next_due(
    pool: &AnyPool,
    s: &SequenceRow,
    window: &WorkingTime,
    enrolment: i64,
    step: i64,
    sent_at: i64,
) -> Result<Option<i64>, Error> {
    let steps: Vec<Step> = serde_json::from_str(&s.steps).map_err(Error::internal)?;
    let Some(next) = usize::try_from(step + 1).ok().and_then(|i| steps.get(i)) else {
        return Ok(None);
    };
    let due = timing::due(window, sent_at, next.delay);
    let back = super::store::away::returns_at(pool, enrolment).await?;
    Ok(Some(back.map_or(due, |back| due.max(back))))
}
