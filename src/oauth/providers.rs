//! Provider presets (Microsoft 365, Google, Yandex 360, Mail.ru) as data, and any other provider by its OIDC
//! discovery document or explicit endpoints.

use serde::Deserialize;

use super::model::{OAuthInput, Provider};
use crate::error::Error;

fn preset(
    name: &'static str,
    title: &'static str,
    endpoints: (&'static str, &'static str),
    scopes: &[&'static str],
    imap: (&'static str, u16),
    smtp: (&'static str, u16, &'static str),
) -> Provider {
    Provider {
        name,
        title,
        authorization_endpoint: endpoints.0,
        token_endpoint: endpoints.1,
        scopes: scopes.to_vec(),
        imap_host: imap.0,
        imap_port: imap.1,
        smtp_host: smtp.0,
        smtp_port: smtp.1,
        smtp_security: smtp.2,
    }
}

/// Every preset, in the order the console offers them.
pub fn presets() -> Vec<Provider> {
    vec![
        preset(
            "microsoft365",
            "Microsoft 365 (Exchange Online)",
            (
                "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
            ),
            &[
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
                "offline_access",
            ],
            ("outlook.office365.com", 993),
            ("smtp.office365.com", 587, "starttls"),
        ),
        preset(
            "google",
            "Google Workspace / Gmail",
            (
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
            ),
            &["https://mail.google.com/"],
            ("imap.gmail.com", 993),
            ("smtp.gmail.com", 465, "tls"),
        ),
        preset(
            "yandex",
            "Yandex 360",
            (
                "https://oauth.yandex.ru/authorize",
                "https://oauth.yandex.ru/token",
            ),
            &["mail:imap_full", "mail:smtp"],
            ("imap.yandex.ru", 993),
            ("smtp.yandex.ru", 465, "tls"),
        ),
        preset(
            "mailru",
            "Mail.ru (VK WorkSpace)",
            ("https://oauth.mail.ru/login", "https://oauth.mail.ru/token"),
            &["mail.imap"],
            ("imap.mail.ru", 993),
            ("smtp.mail.ru", 465, "tls"),
        ),
    ]
}

/// Extra parameters a provider needs on its authorization URL to hand out a refresh token.
pub fn authorization_params(provider: &str) -> &'static [(&'static str, &'static str)] {
    match provider {
        "google" => &[("access_type", "offline"), ("prompt", "consent")],
        _ => &[],
    }
}

/// Endpoints and scopes resolved from the input: a preset, a discovery document, or explicit endpoints.
pub struct Resolved {
    pub provider: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: String,
    pub scopes: Vec<String>,
}

#[derive(Deserialize)]
struct Discovery {
    authorization_endpoint: Option<String>,
    token_endpoint: String,
}

fn check_url(field: &str, value: &str) -> Result<String, Error> {
    let url = url::Url::parse(value.trim())
        .map_err(|e| Error::validation(field, format!("not a URL: {e}")))?;
    let loopback = url.host_str().is_some_and(crate::imap::client::is_loopback);
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(Error::validation(
            field,
            "must be https (http on loopback only)",
        ));
    }
    Ok(url.to_string())
}

async fn discover(url: &str) -> Result<Discovery, Error> {
    let failed = |e: String| Error::Upstream {
        code: "oauth_discovery_failed",
        message: format!("OIDC discovery at {url} failed: {e}"),
    };
    let response = super::token::http()
        .get(url)
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    response.json().await.map_err(|e| failed(e.to_string()))
}

/// App-only scopes of a preset: Exchange Online's `.default` (IMAP.AccessAsApp, SMTP.SendAsApp as granted to the
/// app), Google's full mail scope for a delegated service account.
fn app_only_scopes(provider: &str) -> Option<&'static str> {
    match provider {
        "microsoft365" => Some("https://outlook.office365.com/.default"),
        "google" => Some("https://mail.google.com/"),
        _ => None,
    }
}

fn tenant(input: &OAuthInput) -> Result<Option<String>, Error> {
    let Some(t) = input.tenant.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let ok = !t.is_empty()
        && t.len() <= 200
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !ok {
        return Err(Error::validation(
            "oauth.tenant",
            "a tenant id (GUID) or domain such as contoso.onmicrosoft.com",
        ));
    }
    Ok(Some(t.to_string()))
}

/// A preset's endpoints for this input: Microsoft's per tenant, none to authorize for app-only grants.
fn preset_endpoints(
    p: &Provider,
    input: &OAuthInput,
    token_uri: Option<&str>,
) -> Result<(Option<String>, String), Error> {
    let app_only = input.grant.app_only();
    if p.name == "microsoft365" {
        let tenant = tenant(input)?;
        if app_only && tenant.is_none() {
            return Err(Error::validation(
                "oauth.tenant",
                "is required for Microsoft 365 client credentials",
            ));
        }
        let t = tenant.as_deref().unwrap_or("organizations");
        let token = p.token_endpoint.replace("organizations", t);
        let auth = p.authorization_endpoint.replace("organizations", t);
        return Ok(((!app_only).then_some(auth), token));
    }
    let token = token_uri
        .map(|u| check_url("oauth.service_account_key", u))
        .transpose()?;
    let token = token.unwrap_or_else(|| p.token_endpoint.to_string());
    Ok((
        (!app_only).then(|| p.authorization_endpoint.to_string()),
        token,
    ))
}

/// `token_uri`: a Google service account key's own token endpoint.
pub async fn resolve(input: &OAuthInput, token_uri: Option<&str>) -> Result<Resolved, Error> {
    let name = input.provider.as_deref().unwrap_or("other");
    let scopes = input.scopes.clone().filter(|s| !s.is_empty());
    if name != "other" {
        let p = presets()
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                Error::validation(
                    "oauth.provider",
                    format!("no preset '{name}'; see GET /api/v1/oauth/providers, or use 'other'"),
                )
            })?;
        let (authorization_endpoint, token_endpoint) = preset_endpoints(&p, input, token_uri)?;
        let default = match app_only_scopes(name).filter(|_| input.grant.app_only()) {
            Some(scope) => vec![scope.to_string()],
            None => p.scopes.iter().map(|s| s.to_string()).collect(),
        };
        return Ok(Resolved {
            provider: name.to_string(),
            authorization_endpoint,
            token_endpoint,
            scopes: scopes.unwrap_or(default),
        });
    }
    let token_endpoint = input
        .token_endpoint
        .clone()
        .or(token_uri.map(str::to_string));
    let (authorization, token) = match (&input.discovery_url, &token_endpoint) {
        (Some(url), None) => {
            let d = discover(&check_url("oauth.discovery_url", url)?).await?;
            (d.authorization_endpoint, d.token_endpoint)
        }
        (None, Some(token)) => (input.authorization_endpoint.clone(), token.clone()),
        _ => return Err(Error::validation(
            "oauth.token_endpoint",
            "give either discovery_url or token_endpoint (and authorization_endpoint for consent)",
        )),
    };
    let authorization = authorization
        .map(|a| check_url("oauth.authorization_endpoint", &a))
        .transpose()?;
    Ok(Resolved {
        provider: "other".into(),
        authorization_endpoint: authorization,
        token_endpoint: check_url("oauth.token_endpoint", &token)?,
        scopes: scopes
            .ok_or_else(|| Error::validation("oauth.scopes", "are required for 'other'"))?,
    })
}
