//! SQL of a folder's changes on the server: which stored locations are still there, their flags, and how far the
//! folder was last reconciled (HIGHESTMODSEQ and the last UID whose flags were read).

use sqlx::{AnyPool, Row};

use crate::db::now_ms;
use crate::db::sql::{Sql, MAX_BINDS};
use crate::error::Error;

/// The flags Mailroom keeps per location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    pub seen: bool,
    pub answered: bool,
    pub flagged: bool,
}

/// How far a folder's flags and expunges were reconciled.
pub struct ChangeState {
    pub id: i64,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub changes_modseq: Option<i64>,
    pub flags_uid: i64,
}

pub async fn change_state(
    pool: &AnyPool,
    mailbox_id: i64,
    name: &str,
) -> Result<Option<ChangeState>, Error> {
    let row = sqlx::query(
        "SELECT id, uidvalidity, last_uid, changes_modseq, flags_uid FROM mail_folders WHERE mailbox_id = $1 AND name = $2",
    )
    .bind(mailbox_id)
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(ChangeState {
            id: r.try_get("id")?,
            uidvalidity: r.try_get("uidvalidity")?,
            last_uid: r.try_get("last_uid")?,
            changes_modseq: r.try_get("changes_modseq")?,
            flags_uid: r.try_get("flags_uid")?,
        })
    })
    .transpose()
}

/// `(uid, flags)` of the folder's locations still on the server, in UID order.
pub async fn present(
    pool: &AnyPool,
    folder_id: i64,
    uidvalidity: i64,
) -> Result<Vec<(i64, Flags)>, Error> {
    let rows = sqlx::query(
        "SELECT uid, seen, answered, flagged FROM message_locations
         WHERE folder_id = $1 AND uidvalidity = $2 AND gone_at IS NULL ORDER BY uid",
    )
    .bind(folder_id)
    .bind(uidvalidity)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("uid")?,
                Flags {
                    seen: r.try_get::<i64, _>("seen")? != 0,
                    answered: r.try_get::<i64, _>("answered")? != 0,
                    flagged: r.try_get::<i64, _>("flagged")? != 0,
                },
            ))
        })
        .collect()
}

/// Marks these locations gone from the server (expunged, or moved to another folder).
pub async fn mark_gone(
    pool: &AnyPool,
    folder_id: i64,
    uidvalidity: i64,
    uids: &[i64],
) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    for run in uids.chunks(MAX_BINDS) {
        let mut sql = Sql::new("UPDATE message_locations SET gone_at = ");
        sql.bind(now_ms())
            .push(" WHERE folder_id = ")
            .bind(folder_id)
            .push(" AND uidvalidity = ")
            .bind(uidvalidity)
            .push(" AND gone_at IS NULL AND uid IN ")
            .bind_list(run.to_vec());
        sql.query().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets the flags of these locations: one statement per flag combination and run of UIDs.
pub async fn set_flags(
    pool: &AnyPool,
    folder_id: i64,
    uidvalidity: i64,
    changed: &[(i64, Flags)],
) -> Result<(), Error> {
    let mut by_flags: std::collections::HashMap<Flags, Vec<i64>> = Default::default();
    for (uid, flags) in changed {
        by_flags.entry(*flags).or_default().push(*uid);
    }
    let mut tx = crate::db::begin(pool).await?;
    for (flags, uids) in &by_flags {
        for run in uids.chunks(MAX_BINDS) {
            let mut sql = Sql::new("UPDATE message_locations SET seen = ");
            sql.bind(i64::from(flags.seen))
                .push(", answered = ")
                .bind(i64::from(flags.answered))
                .push(", flagged = ")
                .bind(i64::from(flags.flagged))
                .push(" WHERE folder_id = ")
                .bind(folder_id)
                .push(" AND uidvalidity = ")
                .bind(uidvalidity)
                .push(" AND uid IN ")
                .bind_list(run.to_vec());
            sql.query().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Records that flags and expunges are current up to this HIGHESTMODSEQ and UID.
pub async fn reconciled(
    pool: &AnyPool,
    folder_id: i64,
    modseq: Option<i64>,
    flags_uid: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE mail_folders SET changes_modseq = $1, flags_uid = $2 WHERE id = $3")
        .bind(modseq)
        .bind(flags_uid)
        .bind(folder_id)
        .execute(pool)
        .await?;
    Ok(())
}
