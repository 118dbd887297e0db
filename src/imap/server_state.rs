//! What a folder holds on the server, read without bodies: CONDSTORE, the UIDs present, the flags (live folders).

use futures::TryStreamExt;

use super::client::{lost, ImapSession};
use super::store::folders::Flags;
use crate::error::Error;

/// Asks the server to report HIGHESTMODSEQ on EXAMINE (RFC 7162 CONDSTORE), so that a folder whose modseq did not
/// move needs no look at its flags or expunges; true when the server offers it.
pub async fn enable_condstore(session: &mut ImapSession) -> Result<bool, Error> {
    let caps = session.capabilities().await.map_err(lost)?;
    if !(caps.has_str("CONDSTORE") && caps.has_str("ENABLE")) {
        return Ok(false);
    }
    session
        .run_command_and_check_ok("ENABLE CONDSTORE")
        .await
        .map_err(lost)?;
    Ok(true)
}

/// The UIDs in `1:up_to` still in the selected folder (`UID SEARCH`: UIDs only, no bodies).
pub async fn present_uids(
    session: &mut ImapSession,
    up_to: i64,
) -> Result<std::collections::HashSet<u32>, Error> {
    session
        .uid_search(format!("UID 1:{up_to}"))
        .await
        .map_err(lost)
}

/// `(uid, flags)` of these UIDs of the selected folder, or of those among them whose modseq passed `changed_since`.
pub async fn flags(
    session: &mut ImapSession,
    uid_set: &str,
    changed_since: Option<i64>,
) -> Result<Vec<(u32, Flags)>, Error> {
    use async_imap::types::Flag;
    let query = match changed_since {
        Some(modseq) => format!("(UID FLAGS) (CHANGEDSINCE {modseq})"),
        None => "(UID FLAGS)".to_string(),
    };
    session
        .uid_fetch(uid_set, query)
        .await
        .map_err(lost)?
        .try_filter_map(|f| async move {
            Ok(f.uid.map(|uid| {
                let mut flags = Flags::default();
                for flag in f.flags() {
                    match flag {
                        Flag::Seen => flags.seen = true,
                        Flag::Answered => flags.answered = true,
                        Flag::Flagged => flags.flagged = true,
                        _ => {}
                    }
                }
                (uid, flags)
            }))
        })
        .try_collect()
        .await
        .map_err(lost)
}
