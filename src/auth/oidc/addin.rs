//! What the Outlook pane needs to sign itself in through Office's nested app authentication: the add-in's app
//! registration (client id), its authority and the scopes to ask for, from the enabled provider marked `addin`.

use sqlx::AnyPool;

use super::model::{AddinConfig, NestedAppAuth, ProviderKind};
use super::store::{self, Provider};
use crate::error::Error;

const ENTRA_PREFIX: &str = "https://login.microsoftonline.com/";

/// Entra ID's authority is the tenant's (`https://login.microsoftonline.com/{tenant}`, read back from the
/// discovery URL the tenant made); any other provider's is its issuer.
fn authority(p: &Provider) -> String {
    let tenant = p
        .discovery_url
        .strip_prefix(ENTRA_PREFIX)
        .and_then(|rest| rest.split('/').next())
        .filter(|t| !t.is_empty());
    match (p.kind, tenant) {
        (ProviderKind::Microsoft, Some(tenant)) => format!("{ENTRA_PREFIX}{tenant}"),
        _ => p.issuer.trim_end_matches('/').to_string(),
    }
}

pub async fn config(pool: &AnyPool) -> Result<AddinConfig, Error> {
    let provider = store::list(pool)
        .await?
        .into_iter()
        .find(|p| p.enabled && p.addin && !p.audiences.is_empty());
    Ok(AddinConfig {
        nested_app_auth: provider.map(|p| NestedAppAuth {
            authority: authority(&p),
            client_id: p.client_id,
            scopes: p.addin_scopes,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn provider(kind: ProviderKind, discovery_url: &str, issuer: &str) -> Provider {
        Provider {
            id: 1,
            name: "Entra".into(),
            kind,
            discovery_url: discovery_url.into(),
            issuer: issuer.into(),
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
            client_id: "c".into(),
            client_secret_sealed: None,
            scopes: vec![],
            jit: false,
            default_role: Role::Sales,
            trust_email: false,
            audiences: vec![],
            addin: true,
            addin_scopes: vec![],
            enabled: true,
            created_at: 0,
        }
    }

    #[test]
    fn entra_ids_authority_is_the_tenants_and_another_providers_is_its_issuer() {
        let entra = provider(
            ProviderKind::Microsoft,
            "https://login.microsoftonline.com/nordwind.onmicrosoft.com/v2.0/.well-known/openid-configuration",
            "https://login.microsoftonline.com/0b6b5e1c-0000-4000-8000-000000000000/v2.0",
        );
        assert_eq!(
            authority(&entra),
            "https://login.microsoftonline.com/nordwind.onmicrosoft.com"
        );
        let other = provider(
            ProviderKind::Oidc,
            "https://idp.example/.well-known/openid-configuration",
            "https://idp.example/",
        );
        assert_eq!(authority(&other), "https://idp.example");
    }
}
