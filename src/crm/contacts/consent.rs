//! Consent to marketing mail (152-FZ / GDPR): decisions recorded by users, withdrawn by the addressee through an
//! unsubscribe link, or given through a web form (on a lead or a contact, with the words agreed to), each audited.

use serde_json::json;
use sqlx::{AnyConnection, AnyPool};

use super::model::{Consent, ConsentInput, Contact};
use super::{consent_store, load, store, KIND};
use crate::auth::Caller;
use crate::crm::access::{self, Op};
use crate::crm::audit;
use crate::crm::normalize::required;
use crate::crm::RecordKind;
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
    consent_store::insert_consent(&mut tx, id, input.granted, &basis, &source, caller.id).await?;
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
    let n =
        consent_store::insert_consent_for_email(&mut tx, &address, false, basis, source).await?;
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
    consent_store::consent_history(&mut *pool.acquire().await?, id).await
}

/// A consent a visitor gave through a web form.
pub struct WebConsent<'a> {
    pub legal_basis: &'a str,
    pub source: &'a str,
    pub text_version: i64,
    /// The words agreed to, kept with the consent: the form's text may change later.
    pub text: &'a str,
    pub client_addr: &'a str,
    pub page: Option<&'a str>,
}

/// Records a web form's consent on a lead or a contact in the caller's transaction, audited on the record; `by`
/// is the form's service user.
pub async fn record_web_consent(
    conn: &mut AnyConnection,
    by: i64,
    (kind, id): (RecordKind, i64),
    c: &WebConsent<'_>,
) -> Result<(), Error> {
    let (contact_id, lead_id) = match kind {
        RecordKind::Contact => (Some(id), None),
        RecordKind::Lead => (None, Some(id)),
        _ => return Err(Error::internal("consent is for contacts and leads")),
    };
    let row = consent_store::WebConsentRow {
        contact_id,
        lead_id,
        legal_basis: c.legal_basis,
        source: c.source,
        by,
        text_version: c.text_version,
        text: c.text,
        client_addr: c.client_addr,
        page: c.page,
    };
    let consent_id = consent_store::insert_web_consent(&mut *conn, &row).await?;
    let to = json!({
        "id": consent_id, "granted": true, "legal_basis": c.legal_basis, "source": c.source,
        "text_version": c.text_version, "client_addr": c.client_addr, "page": c.page,
    });
    audit::event(conn, by, "consent", (kind, id), "consent", json!(null), to).await?;
    if kind == RecordKind::Contact {
        crate::campaigns::changes::audience_changed();
    }
    Ok(())
}

/// The consents given on a lead (web forms), newest first.
pub async fn lead_consent_history(
    pool: &AnyPool,
    caller: &Caller,
    lead_id: i64,
) -> Result<Vec<Consent>, Error> {
    access::require(pool, caller, RecordKind::Lead, lead_id, Op::Read).await?;
    consent_store::lead_consent_history(&mut *pool.acquire().await?, lead_id).await
}

/// On conversion: the lead's consents become the contact's (marketing mail then finds them).
pub async fn adopt_lead_consent(
    conn: &mut AnyConnection,
    lead_id: i64,
    contact_id: i64,
) -> Result<(), Error> {
    if consent_store::adopt_lead_consent(conn, lead_id, contact_id).await? > 0 {
        crate::campaigns::changes::audience_changed();
    }
    Ok(())
}

/// On a lead merge: the consents of lead `from` become lead `to`'s.
pub async fn repoint_lead_consent(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> Result<(), Error> {
    consent_store::repoint_lead_consent(conn, from, to).await
}
