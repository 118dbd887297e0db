//! The part of a merge every record kind shares: the rights (write the kept record, manage the merged-away one),
//! moving notes, tasks, shares, mail links and custom values, deleting the merged-away record, and the audit entry.
//! Each kind only combines its own fields between `begin` and `finish`.

use sqlx::{Any, AnyPool, Transaction};

use super::access::{self, Op};
use super::skeleton::{self, Record};
use super::{audit, custom, store};
use crate::auth::Caller;
use crate::error::Error;

/// A merge under way: its transaction and both records as they were.
pub struct Merge<R> {
    pub tx: Transaction<'static, Any>,
    pub keep: R,
    pub gone: R,
    id: i64,
    other: i64,
    with_shares: bool,
}

/// Checks the rights and loads both records.
pub async fn begin<R: Record>(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    other: i64,
) -> Result<Merge<R>, Error> {
    if id == other {
        return Err(Error::validation(
            "other_id",
            format!("cannot merge a {} into itself", R::KIND),
        ));
    }
    access::require(pool, caller, R::KIND, id, Op::Write).await?;
    access::require(pool, caller, R::KIND, other, Op::Manage).await?;
    // Shares of the merged-away record carry over only where the caller may share the one that stays.
    let with_shares = access::require(pool, caller, R::KIND, id, Op::Manage)
        .await
        .is_ok();
    let mut tx = crate::db::begin(pool).await?;
    let keep = skeleton::load(&mut tx, id).await?;
    let gone = skeleton::load(&mut tx, other).await?;
    Ok(Merge {
        tx,
        keep,
        gone,
        id,
        other,
        with_shares,
    })
}

impl<R: Record> Merge<R> {
    /// Moves what hangs on the merged-away record to the kept one (custom values only where the kept one has none)
    /// and deletes it. The kind repoints its own references (deals, leads…) before.
    pub async fn absorb(&mut self) -> Result<(), Error> {
        let (from, to) = ((R::KIND, self.other), (R::KIND, self.id));
        store::move_attachments(&mut self.tx, from, to, self.with_shares).await?;
        crate::linking::move_links(&mut self.tx, from, to).await?;
        custom::merge(&mut self.tx, R::KIND, self.other, self.id).await?;
        skeleton::remove_in::<R>(&mut self.tx, self.other).await
    }

    /// Audits the merge and commits; the kept record as it is now.
    pub async fn finish(mut self, caller: &Caller) -> Result<R, Error> {
        let after: R = skeleton::load(&mut self.tx, self.id).await?;
        let ids = (self.id, self.other);
        let sides = (&self.keep, &after);
        audit::merged(&mut self.tx, caller.id, R::KIND, ids, &self.gone, sides).await?;
        self.tx.commit().await?;
        Ok(after)
    }
}

/// `a` followed by the items of `b` it lacks (e-mails, domains, tags of a merge).
pub fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    out.extend(b.iter().filter(|x| !a.contains(x)).cloned());
    out
}
