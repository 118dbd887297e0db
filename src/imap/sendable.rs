//! The mailboxes a user may send their own letters from (sequences, mail merge): a picker's list, no settings.

use sqlx::AnyPool;

use super::model::{MailboxKind, SendableMailbox};
use crate::auth::Caller;
use crate::error::Error;

/// The mailboxes `caller` may send their own letters from, as `crm::access::may_send_as` decides for a sequence.
pub async fn sendable(pool: &AnyPool, caller: &Caller) -> Result<Vec<SendableMailbox>, Error> {
    Ok(super::list(pool)
        .await?
        .into_iter()
        .filter(|m| m.enabled)
        .filter_map(|m| {
            let smtp = m.smtp.as_ref()?;
            let personal = m.owner_id.filter(|_| m.kind == MailboxKind::Personal);
            crate::crm::access::may_send_as(caller, caller.id, personal, &m.member_ids).then(|| {
                SendableMailbox {
                    id: m.id,
                    address: smtp.address.clone().unwrap_or_else(|| m.username.clone()),
                    name: m.name,
                    kind: m.kind,
                }
            })
        })
        .collect())
}
