//! An admin's changes to identity providers after they were added (rename, switch on or off, just-in-time
//! creation and its role, a new client secret, the add-in's settings) and their removal, each audited with the
//! fields that changed (a secret only as "replaced" or "removed", never its value).

use serde_json::Value;
use sqlx::{AnyConnection, AnyPool};

use super::model::{ProviderPatch, ProviderView};
use super::providers::{check_name, clean_list, get, view};
use super::store::{self, Provider};
use crate::audit::{self, FieldChange};
use crate::error::Error;
use crate::secrets::SecretBox;

/// The audit log's name for identity providers.
pub const AUDIT_KIND: &str = "identity_provider";

fn audit_view(p: Option<&Provider>) -> Result<Value, Error> {
    p.map(|p| serde_json::to_value(view(p.clone())).map_err(Error::internal))
        .unwrap_or(Ok(Value::Null))
}

/// One entry for a creation (`before` None), a change or a deletion (`after` None); nothing when nothing changed.
pub async fn audit(
    conn: &mut AnyConnection,
    actor_id: i64,
    action: &str,
    (before, after): (Option<&Provider>, Option<&Provider>),
) -> Result<(), Error> {
    let mut changes = audit::diff(&audit_view(before)?, &audit_view(after)?);
    // A secret replaced by another shows in no view field: say so, without either value.
    if let (Some(b), Some(a)) = (before, after) {
        if b.client_secret_sealed.is_some()
            && a.client_secret_sealed.is_some()
            && b.client_secret_sealed != a.client_secret_sealed
        {
            changes.push(FieldChange {
                field: "client_secret".into(),
                from: Value::from("(sealed)"),
                to: Value::from("(replaced)"),
            });
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let id = after.or(before).map(|p| p.id).unwrap_or_default();
    audit::write(conn, Some(actor_id), action, (AUDIT_KIND, id), &changes).await
}

/// The add-in's provider needs audiences (else its tokens are refused) and scopes to ask for; only one enabled
/// provider may be it, so the pane's settings are never a guess.
pub async fn check_addin(pool: &AnyPool, p: &Provider) -> Result<(), Error> {
    if !p.addin {
        return Ok(());
    }
    if p.audiences.is_empty() {
        return Err(Error::validation(
            "audiences",
            "the add-in's provider needs the audiences its access tokens carry",
        ));
    }
    if p.addin_scopes.is_empty() {
        return Err(Error::validation(
            "addin_scopes",
            "the add-in's provider needs the scopes the pane asks for (e.g. api://<host>/<client id>/access_as_user)",
        ));
    }
    let other = store::list(pool)
        .await?
        .into_iter()
        .find(|o| o.id != p.id && o.addin && o.enabled);
    if let (Some(other), true) = (other, p.enabled) {
        return Err(Error::Conflict {
            message: format!(
                "\"{}\" (#{}) is already the add-in's identity provider: unmark it first",
                other.name, other.id
            ),
        });
    }
    Ok(())
}

pub async fn patch(
    pool: &AnyPool,
    secrets: &SecretBox,
    (actor_id, id): (i64, i64),
    change: ProviderPatch,
) -> Result<ProviderView, Error> {
    let before = get(pool, id).await?;
    let mut p = before.clone();
    if let Some(name) = &change.name {
        p.name = check_name(name)?;
    }
    p.enabled = change.enabled.unwrap_or(p.enabled);
    p.jit = change.jit.unwrap_or(p.jit);
    p.default_role = change.default_role.unwrap_or(p.default_role);
    p.trust_email = change.trust_email.unwrap_or(p.trust_email);
    p.addin = change.addin.unwrap_or(p.addin);
    if let Some(secret) = &change.client_secret {
        p.client_secret_sealed = match secret.trim() {
            "" => None,
            s => Some(secrets.seal(s)?),
        };
    }
    if let Some(scopes) = &change.scopes {
        p.scopes = clean_list(scopes);
        if p.scopes.is_empty() {
            return Err(Error::validation("scopes", "must name at least one scope"));
        }
    }
    if let Some(audiences) = &change.audiences {
        p.audiences = clean_list(audiences);
    }
    if let Some(scopes) = &change.addin_scopes {
        p.addin_scopes = clean_list(scopes);
    }
    check_addin(pool, &p).await?;
    let mut tx = pool.begin().await?;
    store::update(&mut tx, &p).await?;
    let after = store::get_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("identity provider"))?;
    audit(&mut tx, actor_id, "update", (Some(&before), Some(&after))).await?;
    tx.commit().await?;
    tracing::info!(provider_id = id, "identity provider changed");
    Ok(view(after))
}

pub async fn delete(pool: &AnyPool, actor_id: i64, id: i64) -> Result<(), Error> {
    let before = get(pool, id).await?;
    let mut tx = pool.begin().await?;
    if !store::delete(&mut tx, id).await? {
        return Err(Error::NotFound("identity provider"));
    }
    audit(&mut tx, actor_id, "delete", (Some(&before), None)).await?;
    tx.commit().await?;
    Ok(())
}
