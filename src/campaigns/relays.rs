//! SMTP relays: the servers an admin configured, plus the built-in `default` (MAILROOM_SMTP_URL), which campaigns
//! and test sends pick by name. URLs are sealed at rest with the server's secret key; the API never shows a password.

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sqlx::AnyPool;

use super::bearer::Bearer;
use super::model::{Relay, RelayInput, RelayPatch};
use super::send::Settings;
use super::server::{self, ServerSpec};
use super::store::relays::{self as store, RelayRow};
use crate::error::Error;
use crate::oauth::model::{AuthKind, ConsentStart, OAuthInput, OAuthView};
use crate::secrets::SecretBox;

/// The built-in relay's name.
pub const DEFAULT: &str = "default";

fn view(id: Option<i64>, name: &str, url: &str, oauth: Option<OAuthView>) -> Result<Relay, Error> {
    let e = server::describe(url).map_err(|e| Error::internal(format!("relay {name}: {e}")))?;
    Ok(Relay {
        auth: match oauth {
            Some(_) => AuthKind::Oauth2,
            None => AuthKind::Password,
        },
        oauth,
        id,
        name: name.to_string(),
        builtin: id.is_none(),
        host: e.host,
        port: e.port,
        security: e.security.to_string(),
        tls_insecure: e.tls_insecure,
        username: e.username,
        per_second: e.per_second,
        per_hour: e.per_hour,
        concurrency: e.concurrency,
    })
}

fn default_url(settings: &Settings) -> Option<String> {
    settings
        .smtp_url
        .as_ref()
        .map(|s| s.expose_secret().to_string())
}

async fn stored_view(pool: &AnyPool, settings: &Settings, row: &RelayRow) -> Result<Relay, Error> {
    let oauth = match row.oauth_id {
        Some(id) => Some(crate::oauth::view(pool, id).await?),
        None => None,
    };
    view(
        Some(row.id),
        &row.name,
        &settings.secrets.open(&row.url_sealed)?,
        oauth,
    )
}

/// The built-in relay first (when configured), then the stored ones by id.
pub async fn list(pool: &AnyPool, settings: &Settings) -> Result<Vec<Relay>, Error> {
    let mut out = Vec::new();
    if let Some(url) = default_url(settings) {
        out.push(view(None, DEFAULT, &url, None)?);
    }
    for row in store::list(pool).await? {
        out.push(stored_view(pool, settings, &row).await?);
    }
    Ok(out)
}

pub async fn get(pool: &AnyPool, settings: &Settings, id: i64) -> Result<Relay, Error> {
    let row = store::by_id(pool, id)
        .await?
        .ok_or(Error::NotFound("relay"))?;
    stored_view(pool, settings, &row).await
}

fn check_name(name: &str) -> Result<String, Error> {
    let name = crate::text::single_line(name);
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation("name", "must be 1 to 100 characters"));
    }
    if name.eq_ignore_ascii_case(DEFAULT) {
        return Err(Error::validation(
            "name",
            "`default` is the built-in relay (MAILROOM_SMTP_URL)",
        ));
    }
    Ok(name)
}

fn seal_url(secrets: &SecretBox, url: &str) -> Result<String, Error> {
    let url = url.trim();
    server::describe(url).map_err(|e| Error::validation("url", e))?;
    secrets.seal(url)
}

/// An OAuth2 relay's URL names the SASL user and no password (the token replaces it).
fn check_oauth_url(url: &str) -> Result<(), Error> {
    let u = url::Url::parse(url.trim()).map_err(|e| Error::validation("url", e.to_string()))?;
    if u.username().is_empty() || u.password().is_some() {
        return Err(Error::validation(
            "url",
            "with oauth, the URL names the mailbox user and no password: smtp://user%40domain@host:587?tls=required",
        ));
    }
    Ok(())
}

/// Stores new OAuth2 settings for a relay; answers the credential's id.
async fn store_oauth(
    pool: &AnyPool,
    settings: &Settings,
    input: &OAuthInput,
) -> Result<i64, Error> {
    let prepared = crate::oauth::prepare(input).await?;
    let mut conn = pool.acquire().await?;
    crate::oauth::insert(&mut conn, &settings.secrets, &prepared).await
}

/// Relays' entries in the audit log: the relay as the API shows it (never its password or tokens).
async fn audit(
    pool: &AnyPool,
    actor: i64,
    action: &str,
    id: i64,
    before: Option<&Relay>,
    after: Option<&Relay>,
) -> Result<(), Error> {
    let view = |r: Option<&Relay>| {
        r.map_or(Value::Null, |r| {
            serde_json::to_value(r).unwrap_or(Value::Null)
        })
    };
    let mut conn = pool.acquire().await?;
    let record = ("relay", id);
    crate::audit::settings_event(
        &mut conn,
        actor,
        action,
        record,
        &view(before),
        &view(after),
    )
    .await
}

pub async fn create(
    pool: &AnyPool,
    settings: &Settings,
    actor: i64,
    r: RelayInput,
) -> Result<Relay, Error> {
    let name = check_name(&r.name)?;
    let sealed = seal_url(&settings.secrets, &r.url)?;
    if r.oauth.is_some() {
        check_oauth_url(&r.url)?;
    }
    let id = store::insert(pool, &name, &sealed).await.map_err(taken)?;
    if let Some(input) = &r.oauth {
        let credential = store_oauth(pool, settings, input).await?;
        store::set_oauth(pool, id, Some(credential)).await?;
    }
    let relay = get(pool, settings, id).await?;
    audit(pool, actor, "create", id, None, Some(&relay)).await?;
    Ok(relay)
}

pub async fn update(
    pool: &AnyPool,
    settings: &Settings,
    actor: i64,
    id: i64,
    p: RelayPatch,
) -> Result<Relay, Error> {
    let shown_before = get(pool, settings, id).await?;
    let before = store::by_id(pool, id)
        .await?
        .ok_or(Error::NotFound("relay"))?;
    let name = match &p.name {
        Some(n) => check_name(n)?,
        None => before.name,
    };
    // A new URL (another server or user) needs the OAuth2 settings again, as it needs its password again.
    if before.oauth_id.is_some() && p.url.is_some() && p.oauth.is_none() {
        return Err(Error::validation(
            "oauth",
            "a new URL for an OAuth2 relay needs its OAuth2 settings again",
        ));
    }
    let url = match &p.url {
        Some(url) => url.clone(),
        None => settings.secrets.open(&before.url_sealed)?,
    };
    if p.oauth.is_some() {
        check_oauth_url(&url)?;
    }
    let sealed = match &p.url {
        Some(url) => seal_url(&settings.secrets, url)?,
        None => before.url_sealed,
    };
    if !store::update(pool, id, &name, &sealed)
        .await
        .map_err(taken)?
    {
        return Err(Error::NotFound("relay"));
    }
    if let Some(input) = &p.oauth {
        let credential = store_oauth(pool, settings, input).await?;
        store::set_oauth(pool, id, Some(credential)).await?;
        if let Some(old) = before.oauth_id {
            crate::oauth::delete(&mut *pool.acquire().await?, old).await?;
        }
    }
    let relay = get(pool, settings, id).await?;
    audit(pool, actor, "update", id, Some(&shown_before), Some(&relay)).await?;
    Ok(relay)
}

fn taken(e: Error) -> Error {
    match e {
        Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => Error::Conflict {
            message: "a relay with this name exists".into(),
        },
        other => other,
    }
}

/// Deletes a relay no unfinished campaign uses (finished ones keep showing its name).
pub async fn delete(pool: &AnyPool, settings: &Settings, actor: i64, id: i64) -> Result<(), Error> {
    let shown_before = get(pool, settings, id).await?;
    let oauth_id = store::by_id(pool, id).await?.and_then(|r| r.oauth_id);
    match store::delete_unused(pool, id).await? {
        None => Err(Error::NotFound("relay")),
        Some(users) if users.is_empty() => {
            // Its tokens go with it.
            if let Some(credential) = oauth_id {
                store::set_oauth(pool, id, None).await?;
                crate::oauth::delete(&mut *pool.acquire().await?, credential).await?;
            }
            audit(pool, actor, "delete", id, Some(&shown_before), None).await
        }
        Some(users) => Err(Error::InUse {
            message: format!(
                "the relay is used by {} campaign(s) not yet finished; cancel them or let them finish first",
                users.len()
            ),
            details: json!({ "campaign_ids": users }),
        }),
    }
}

/// The provider's authorization URL for an admin to connect an OAuth2 relay (PKCE, single-use state).
pub async fn start_consent(
    pool: &AnyPool,
    settings: &Settings,
    user_id: i64,
    id: i64,
    redirect_uri: Option<&str>,
) -> Result<ConsentStart, Error> {
    let row = store::by_id(pool, id)
        .await?
        .ok_or(Error::NotFound("relay"))?;
    let credential = row
        .oauth_id
        .ok_or_else(|| Error::validation("oauth", "the relay signs in with its URL's password"))?;
    crate::oauth::consent::start(pool, &settings.secrets, credential, user_id, redirect_uri).await
}

/// The relay that signs in with this OAuth2 credential.
pub async fn with_credential(pool: &AnyPool, credential: i64) -> Result<Option<i64>, Error> {
    store::with_credential(pool, credential).await
}

/// The relay a request names, as stored on a campaign: None for `default` (or none named).
pub async fn resolve(
    pool: &AnyPool,
    settings: &Settings,
    name: Option<&str>,
) -> Result<Option<i64>, Error> {
    let name = name.map(str::trim);
    match name {
        None => Ok(None),
        Some(DEFAULT) if default_url(settings).is_some() => Ok(None),
        Some(DEFAULT) => Err(Error::validation(
            "relay",
            "there is no `default` relay: MAILROOM_SMTP_URL is not set",
        )),
        Some(name) => match store::by_name(pool, name).await? {
            Some(row) => Ok(Some(row.id)),
            None => Err(Error::validation(
                "relay",
                format!("no relay named '{name}' (GET /api/v1/relays lists them)"),
            )),
        },
    }
}

/// The request field that used to take a URL, refused with what to do instead.
pub fn refuse_smtp_url(given: &Option<String>) -> Result<(), Error> {
    match given {
        None => Ok(()),
        Some(_) => Err(Error::validation(
            "smtp_url",
            "SMTP servers are relays an admin configures: name one in `relay` (GET /api/v1/relays lists them)",
        )),
    }
}

/// The server to connect to for a campaign's relay (None: `default`); the error is a pause reason.
pub async fn spec(
    pool: &AnyPool,
    settings: &Settings,
    relay_id: Option<i64>,
) -> Result<ServerSpec, String> {
    let (url, oauth_id) = match relay_id {
        None => (
            default_url(settings)
                .ok_or("no SMTP server: set MAILROOM_SMTP_URL or pick a relay for the campaign")?,
            None,
        ),
        Some(id) => {
            let row = store::by_id(pool, id)
                .await
                .map_err(|e| format!("reading the relay: {e}"))?
                .ok_or("the campaign's relay no longer exists")?;
            let url = settings
                .secrets
                .open(&row.url_sealed)
                .map_err(|e| format!("relay {}: {e}", row.name))?;
            (url, row.oauth_id)
        }
    };
    let spec = ServerSpec::parse(&url, &settings.server_limits)?;
    Ok(match (oauth_id, spec.username()) {
        (Some(credential), Some(user)) => spec.with_bearer(Bearer {
            pool: pool.clone(),
            secrets: settings.secrets.clone(),
            credential,
            user,
        }),
        _ => spec,
    })
}

/// Campaigns created before relays named their own URL, in plain text: each gets a relay of its own (sealed, named
/// after the campaign, for an admin to review) and loses the plain copy. Runs at every start; a no-op once done.
pub async fn adopt_legacy_urls(pool: &AnyPool, secrets: &SecretBox) -> Result<(), Error> {
    for (campaign_id, url) in store::legacy_campaign_urls(pool).await? {
        let name = format!("campaign {campaign_id} (its former smtp_url)");
        store::adopt_legacy(pool, campaign_id, &name, &secrets.seal(&url)?).await?;
        tracing::warn!(
            campaign = campaign_id,
            relay = %name,
            "a campaign's own SMTP URL became a relay; an admin should review it"
        );
    }
    Ok(())
}
