//! Renders letters ahead of the SMTP connections: a page of due letters and their contacts comes from two queries,
//! and the CPU work (handlebars, text part, MIME) runs off the async runtime while the connections send.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::letter::{self, Addressing, Letter};
use super::run::Run;
use super::segment;
use super::store::audience::{self, Member};
use super::store::queue::{self, Due};
use crate::error::Error;

/// Due letters read per page.
pub const PAGE: i64 = 256;

/// A rendered letter, not yet claimed.
pub struct Prepared {
    pub due: Due,
    pub letter: Letter,
}

/// Renders every due letter of the campaign into `out`, page by page; letters that cannot be sent end here.
/// Returns how many due letters it saw (0: nothing was due).
pub async fn produce(run: Arc<Run>, out: mpsc::Sender<Prepared>) -> Result<usize, Error> {
    let pool = run.sender.db.pool.clone();
    let mut after = 0;
    let mut seen = 0;
    while !run.halted() {
        let page = queue::due(&pool, run.campaign_id, after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        seen += page.len();
        let ids: Vec<i64> = page.iter().map(|d| d.contact_id).collect();
        let members: HashMap<i64, Member> = audience::members_of(&pool, &ids)
            .await?
            .into_iter()
            .map(|m| (m.contact_id, m))
            .collect();
        let r = run.clone();
        let rendered = tokio::task::spawn_blocking(move || {
            page.into_iter()
                .map(|due| {
                    let member = members.get(&due.contact_id);
                    match prepare(&r, &due, member) {
                        Ok(letter) => Ok(Prepared { due, letter }),
                        Err((state, error)) => Err((due.id, state, error)),
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(Error::internal)?;
        for item in rendered {
            match item {
                Ok(prepared) => {
                    if out.send(prepared).await.is_err() {
                        return Ok(seen);
                    }
                }
                Err((id, state, error)) => queue::close_pending(&pool, id, state, &error).await?,
            }
        }
    }
    Ok(seen)
}

/// The letter of one recipient, or the state it ends in without one (and why).
fn prepare(
    run: &Run,
    due: &Due,
    member: Option<&Member>,
) -> Result<Letter, (&'static str, String)> {
    let Some(member) = member else {
        return Err(("failed", "the contact no longer exists".into()));
    };
    if run.marketing && member.consent != Some(true) {
        // Consent withdrawn in the CRM after the campaign started.
        return Err(("skipped", "no marketing consent".into()));
    }
    let settings = &run.sender.settings;
    let url = settings.unsubscribe_url(run.campaign_id, due.id, &due.address);
    let rendered = run
        .compiled
        .render(&segment::context(member, &due.address, &url))
        .map_err(|e| ("failed", e))?;
    letter::build(
        &Addressing {
            from: &run.from,
            to_name: &member.name,
            to: &due.address,
            bounce_base: &run.bounce_base,
            verp_key: &run.verp_key,
            campaign_id: run.campaign_id,
            recipient_id: due.id,
            unsubscribe_url: Some(&url),
        },
        &rendered,
    )
    .map_err(|e| ("failed", format!("the letter cannot be built: {e}")))
}
