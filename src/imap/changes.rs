//! After a folder's new mail is stored: expunges and flag changes on the server brought into the store, without
//! fetching a body. A folder whose HIGHESTMODSEQ did not move (CONDSTORE) is left alone; else the stored UIDs are
//! compared with `UID SEARCH` (async-imap has no QRESYNC SELECT, so no VANISHED), and flags come from
//! `FETCH (FLAGS) (CHANGEDSINCE modseq)` where CONDSTORE is on, else `FETCH (FLAGS)` over every stored UID in runs.
//! A message moved to another synced folder is the same stored message there (same bytes, same hash): its old
//! location is gone, its new one is added by that folder's sync, so it is never doubled nor lost.

use std::collections::HashMap;

use sqlx::AnyPool;

use super::client::{self, ImapSession};
use super::model::SyncReport;
use super::store::folders::{self, Flags};
use super::sync::uid_set;
use crate::error::Error;

/// UIDs per `FETCH (FLAGS)` when every stored flag is read.
const FLAG_RUN: usize = 2_000;

/// Brings the folder's expunges and flags up to date; the folder's new mail must have been stored first.
pub async fn reconcile(
    pool: &AnyPool,
    session: &mut ImapSession,
    mailbox_id: i64,
    folder: &client::Folder,
    report: &mut SyncReport,
) -> Result<(), Error> {
    let Some(state) = folders::change_state(pool, mailbox_id, &folder.name).await? else {
        return Ok(());
    };
    let selected = client::examine(session, &folder.name).await?;
    let uidvalidity = i64::from(selected.uid_validity.unwrap_or(0));
    if state.uidvalidity != Some(uidvalidity) {
        // Changed since the folder was read: its next sync reads it again from the start.
        return Ok(());
    }
    let modseq = selected.highest_modseq.and_then(|m| i64::try_from(m).ok());
    if modseq.is_some() && modseq == state.changes_modseq && state.flags_uid >= state.last_uid {
        return Ok(());
    }
    let stored: Vec<(i64, Flags)> = folders::present(pool, state.id, uidvalidity)
        .await?
        .into_iter()
        .filter(|(uid, _)| *uid <= state.last_uid)
        .collect();
    let stored = if stored.is_empty() {
        stored
    } else {
        drop_gone(
            pool,
            session,
            &state,
            uidvalidity,
            selected.exists,
            stored,
            report,
        )
        .await?
    };
    let known: HashMap<i64, Flags> = stored.into_iter().collect();
    let on_server = read_flags(session, &state, modseq, &known).await?;
    let changed: Vec<(i64, Flags)> = on_server
        .into_iter()
        .map(|(uid, flags)| (i64::from(uid), flags))
        .filter(|(uid, flags)| known.get(uid).is_some_and(|old| old != flags))
        .collect();
    report.flags_changed += changed.len() as i64;
    folders::set_flags(pool, state.id, uidvalidity, &changed).await?;
    folders::reconciled(pool, state.id, modseq, state.last_uid).await?;
    Ok(())
}

/// Marks the stored locations the folder no longer holds as gone; returns those still there.
async fn drop_gone(
    pool: &AnyPool,
    session: &mut ImapSession,
    state: &folders::ChangeState,
    uidvalidity: i64,
    exists: u32,
    stored: Vec<(i64, Flags)>,
    report: &mut SyncReport,
) -> Result<Vec<(i64, Flags)>, Error> {
    let present = if exists == 0 {
        Default::default()
    } else {
        client::present_uids(session, state.last_uid).await?
    };
    let (kept, gone): (Vec<_>, Vec<_>) = stored
        .into_iter()
        .partition(|(uid, _)| u32::try_from(*uid).is_ok_and(|u| present.contains(&u)));
    if !gone.is_empty() {
        let uids: Vec<i64> = gone.iter().map(|(uid, _)| *uid).collect();
        folders::mark_gone(pool, state.id, uidvalidity, &uids).await?;
        report.gone += uids.len() as i64;
    }
    Ok(kept)
}

/// The server's flags of stored UIDs: those changed since the last reconcile plus those stored since, or all.
async fn read_flags(
    session: &mut ImapSession,
    state: &folders::ChangeState,
    modseq: Option<i64>,
    known: &HashMap<i64, Flags>,
) -> Result<Vec<(u32, Flags)>, Error> {
    if known.is_empty() {
        return Ok(Vec::new());
    }
    if let (Some(_), Some(since)) = (modseq, state.changes_modseq) {
        let mut out = client::flags(session, &format!("1:{}", state.last_uid), Some(since)).await?;
        if state.flags_uid < state.last_uid {
            let fresh = format!("{}:{}", state.flags_uid + 1, state.last_uid);
            out.extend(client::flags(session, &fresh, None).await?);
        }
        return Ok(out);
    }
    let mut uids: Vec<u32> = known
        .keys()
        .filter_map(|uid| u32::try_from(*uid).ok())
        .collect();
    uids.sort_unstable();
    let mut out = Vec::with_capacity(uids.len());
    for run in uids.chunks(FLAG_RUN) {
        out.extend(client::flags(session, &uid_set(run), None).await?);
    }
    Ok(out)
}
