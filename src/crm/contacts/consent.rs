//! Consent to marketing mail (152-FZ / GDPR): decisions recorded by users or withdrawn by the addressee through an
//! unsubscribe link, each audited on the contact.

use serde_json::json;
use sqlx::AnyPool;

use super::model::{Consent, ConsentInput, Contact};
use super::{load, store, KIND};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::audit;
use crate::crm::normalize::required;
use crate::error::Error;

/// Records a consent decision. Sales, marketing and admins who can see the contact may record one.
pub async fn record_consent(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    input: ConsentInput,
) -> Result<Contact, Error> {
    access::require(pool, caller, KIND, id, Op::Read).await?;
    let basis = required("legal_basis", &input.legal_basis, 300)?;
    let source = required("source", &input.source, 300)?;
    let mut tx = crate::db::begin(pool).await?;
    let before = load(&mut tx, id).await?;
    store::insert_consent(&mut tx, id, input.granted, &basis, &source, caller.id).await?;
    let after = load(&mut tx, id).await?;
    let from = before
        .consent
        .map(|c| json!(c.granted))
        .unwrap_or(json!(null));
    audit::event(
        &mut tx,
        caller.id,
        "consent",
        (KIND, id),
        "consent",
        from,
        json!({ "granted": input.granted, "legal_basis": basis, "source": source }),
    )
    .await?;
    tx.commit().await?;
    crate::campaigns::changes::audience_changed();
    Ok(after)
}

/// The addressee withdrew marketing consent themselves (one-click unsubscribe): recorded on every contact with the
/// address, so the contact's consent history shows it. Returns how many contacts.
pub async fn withdraw_consent_by_address(
    pool: &AnyPool,
    address: &str,
    source: &str,
) -> Result<u64, Error> {
    let address = address.to_lowercase();
    let basis = "withdrawn by the addressee";
    let mut tx = crate::db::begin(pool).await?;
    let mut before = Vec::new();
    for id in store::ids_by_email(&mut tx, &address).await? {
        before.push((id, load(&mut tx, id).await?.consent));
    }
    let n = store::insert_consent_for_email(&mut tx, &address, false, basis, source).await?;
    for (id, consent) in before {
        let from = consent.map(|c| json!(c.granted)).unwrap_or(json!(null));
        let to = json!({ "granted": false, "legal_basis": basis, "source": source });
        let by = "recipient via unsubscribe link";
        audit::event_without_user(&mut tx, by, "consent", (KIND, id), "consent", from, to).await?;
    }
    tx.commit().await?;
    crate::campaigns::changes::audience_changed();
    Ok(n)
}

pub async fn consent_history(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
) -> Result<Vec<Consent>, Error> {
    access::require(pool, caller, KIND, id, Op::Read).await?;
    store::consent_history(&mut *pool.acquire().await?, id).await
}
