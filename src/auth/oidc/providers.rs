//! Identity providers configured by an admin: the discovery document fetched when one is saved (issuer,
//! endpoints, keys URL), the client secret sealed, views without it.

use serde::Deserialize;
use sqlx::AnyPool;

use super::model::{NewProvider, ProviderButton, ProviderKind, ProviderView};
use super::store::{self, Provider};
use crate::auth::Role;
use crate::db::from_ms;
use crate::error::Error;
use crate::secrets::SecretBox;

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// https, or http on a loopback address (a provider in tests or on the same host).
pub fn check_url(field: &str, value: &str) -> Result<String, Error> {
    let url = url::Url::parse(value.trim())
        .map_err(|e| Error::validation(field, format!("not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(Error::validation(
            field,
            "must be https (http on loopback only)",
        ));
    }
    Ok(url.to_string())
}

fn discovery_url(new: &NewProvider) -> Result<String, Error> {
    match new.kind {
        ProviderKind::Microsoft => {
            let tenant = new.tenant.as_deref().map(str::trim).unwrap_or_default();
            let ok = !tenant.is_empty()
                && tenant
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !ok {
                return Err(Error::validation(
                    "tenant",
                    "the Entra ID tenant id or domain is required",
                ));
            }
            Ok(format!(
                "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
            ))
        }
        ProviderKind::Google => {
            Ok("https://accounts.google.com/.well-known/openid-configuration".into())
        }
        ProviderKind::Oidc => {
            let url = new
                .discovery_url
                .as_deref()
                .ok_or_else(|| Error::validation("discovery_url", "is required for kind: oidc"))?;
            check_url("discovery_url", url)
        }
    }
}

async fn discover(http: &reqwest::Client, url: &str) -> Result<Discovery, Error> {
    let failed = |e: String| Error::Upstream {
        code: "oidc_discovery_failed",
        message: format!("OIDC discovery at {url} failed: {e}"),
    };
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    let d: Discovery = response.json().await.map_err(|e| failed(e.to_string()))?;
    for (field, value) in [
        ("authorization_endpoint", &d.authorization_endpoint),
        ("token_endpoint", &d.token_endpoint),
        ("jwks_uri", &d.jwks_uri),
    ] {
        check_url(field, value).map_err(|e| failed(e.to_string()))?;
    }
    Ok(d)
}

pub fn view(p: Provider) -> ProviderView {
    ProviderView {
        id: p.id,
        name: p.name,
        kind: p.kind,
        discovery_url: p.discovery_url,
        issuer: p.issuer,
        authorization_endpoint: p.authorization_endpoint,
        token_endpoint: p.token_endpoint,
        jwks_uri: p.jwks_uri,
        client_id: p.client_id,
        scopes: p.scopes,
        jit: p.jit,
        default_role: p.default_role,
        trust_email: p.trust_email,
        audiences: p.audiences,
        addin: p.addin,
        addin_scopes: p.addin_scopes,
        enabled: p.enabled,
        has_client_secret: p.client_secret_sealed.is_some(),
        created_at: from_ms(p.created_at),
    }
}

/// A provider's name as shown on its button.
pub fn check_name(name: &str) -> Result<String, Error> {
    let name = crate::text::single_line(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation("name", "must be 1 to 100 characters"));
    }
    Ok(name)
}

/// Trimmed, without empty entries.
pub fn clean_list(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

pub async fn create(
    pool: &AnyPool,
    secrets: &SecretBox,
    http: &reqwest::Client,
    (actor_id, new): (i64, NewProvider),
) -> Result<ProviderView, Error> {
    let name = check_name(&new.name)?;
    let client_id = new.client_id.trim().to_string();
    if client_id.is_empty() {
        return Err(Error::validation("client_id", "is required"));
    }
    if new.jit && new.default_role.is_none() {
        return Err(Error::validation(
            "default_role",
            "is required when jit creates users",
        ));
    }
    let url = discovery_url(&new)?;
    let d = discover(http, &url).await?;
    let secret = new
        .client_secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| secrets.seal(s))
        .transpose()?;
    let scopes = new
        .scopes
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]);
    let audiences = clean_list(&new.audiences);
    let provider = Provider {
        id: 0,
        name,
        kind: new.kind,
        discovery_url: url,
        issuer: d.issuer,
        authorization_endpoint: d.authorization_endpoint,
        token_endpoint: d.token_endpoint,
        jwks_uri: d.jwks_uri,
        client_id,
        client_secret_sealed: secret,
        scopes,
        jit: new.jit,
        default_role: new.default_role.unwrap_or(Role::Sales),
        trust_email: new.trust_email,
        audiences,
        addin: new.addin,
        addin_scopes: clean_list(&new.addin_scopes),
        enabled: true,
        created_at: 0,
    };
    super::edit::check_addin(pool, &provider).await?;
    let mut tx = pool.begin().await?;
    let id = store::insert(&mut tx, &provider).await?;
    let created = store::get_in(&mut tx, id)
        .await?
        .ok_or_else(|| Error::internal("a provider just added is missing"))?;
    super::edit::audit(&mut tx, actor_id, "create", (None, Some(&created))).await?;
    tx.commit().await?;
    tracing::info!(provider_id = id, issuer = %provider.issuer, "identity provider added");
    Ok(view(created))
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Provider, Error> {
    store::get(pool, id)
        .await?
        .ok_or(Error::NotFound("identity provider"))
}

pub async fn list(pool: &AnyPool) -> Result<Vec<ProviderView>, Error> {
    Ok(store::list(pool).await?.into_iter().map(view).collect())
}

pub async fn buttons(pool: &AnyPool) -> Result<Vec<ProviderButton>, Error> {
    Ok(store::list(pool)
        .await?
        .into_iter()
        .filter(|p| p.enabled)
        .map(|p| ProviderButton {
            id: p.id,
            name: p.name,
        })
        .collect())
}
