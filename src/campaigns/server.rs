//! A campaign relay's server: its URL taken apart (`crate::smtp` does the connecting and sending), its sign-in
//! (the URL's password or an OAuth2 bearer), the rate limits kept per server URL, and one letter delivered on a
//! connection opened on demand and dropped after any error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use lettre::address::Envelope;
use tokio::sync::Semaphore;

use super::bearer::Bearer;
use super::limiter::RateLimiter;
use crate::smtp::{self, Link, Outcome, Security, SignIn};

/// Where and how to connect: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://…`, with
/// optional `per_second=` / `per_hour=` / `concurrency=` limits for everything sent through this server.
/// `tls_insecure=true` accepts any certificate (a relay on a private network with a self-signed one; dangerous).
#[derive(Clone)]
pub struct ServerSpec {
    server: smtp::Server,
    /// The URL's user and password.
    password: Option<SignIn>,
    username: Option<String>,
    /// Signs in with SASL XOAUTH2 instead of the URL's password.
    bearer: Option<Bearer>,
    pub limits: Arc<RateLimiter>,
    /// At most this many letters in flight to this server at once, over all campaigns.
    pub slots: Option<Arc<Semaphore>>,
}

impl std::fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        self.server.fmt(f)
    }
}

type Shared = (Arc<RateLimiter>, Option<Arc<Semaphore>>);

/// Rate limits and concurrency slots per server URL, shared by every campaign of one app (kept in its state, so
/// two apps in one process do not share them).
#[derive(Clone, Default)]
pub struct ServerLimits(Arc<Mutex<HashMap<String, Shared>>>);

impl ServerLimits {
    fn of(
        &self,
        key: &str,
        per_second: Option<i64>,
        per_hour: Option<i64>,
        slots: Option<usize>,
    ) -> Shared {
        let mut map = self.0.lock().expect("limit map lock");
        map.entry(key.to_string())
            .or_insert_with(|| {
                (
                    Arc::new(RateLimiter::new(per_second, per_hour)),
                    slots
                        .filter(|n| *n > 0)
                        .map(|n| Arc::new(Semaphore::new(n))),
                )
            })
            .clone()
    }
}

/// A relay URL taken apart.
struct Parsed {
    scheme: String,
    host: String,
    port: u16,
    implicit_tls: bool,
    starttls: Option<bool>,
    insecure: bool,
    password: Option<SignIn>,
    username: Option<String>,
    per_second: Option<i64>,
    per_hour: Option<i64>,
    slots: Option<i64>,
}

fn positive(key: &str, v: &str) -> Result<Option<i64>, String> {
    match v.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(format!("SMTP URL: {key}={v} (a whole number, at least 1)")),
    }
}

fn parse_url(url: &str) -> Result<Parsed, String> {
    let u = url::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
    let implicit_tls = match u.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => return Err(format!("SMTP URL: scheme {other} (smtp or smtps)")),
    };
    let host = u.host_str().ok_or("SMTP URL: no host")?.to_string();
    let port = u.port().unwrap_or(if implicit_tls { 465 } else { 25 });
    let mut starttls = None;
    let (mut per_second, mut per_hour, mut slots) = (None, None, None);
    let mut insecure = false;
    for (k, v) in u.query_pairs() {
        match k.as_ref() {
            "tls" => {
                starttls = match v.as_ref() {
                    "required" => Some(true),
                    "opportunistic" => Some(false),
                    "none" => None,
                    other => return Err(format!("SMTP URL: tls={other}")),
                }
            }
            "per_second" => per_second = positive(&k, &v)?,
            "per_hour" => per_hour = positive(&k, &v)?,
            "concurrency" => slots = positive(&k, &v)?,
            "tls_insecure" => insecure = v == "true",
            other => return Err(format!("SMTP URL: unknown parameter {other}")),
        }
    }
    let username = (!u.username().is_empty()).then(|| percent_decode(u.username()));
    let password = username.as_ref().map(|user| SignIn::Password {
        user: user.clone(),
        password: percent_decode(u.password().unwrap_or_default()),
    });
    Ok(Parsed {
        scheme: u.scheme().to_string(),
        host,
        port,
        implicit_tls,
        starttls,
        insecure,
        password,
        username,
        per_second,
        per_hour,
        slots,
    })
}

/// What a relay URL says, without its password (for the relay API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// `tls` (smtps), `starttls` (`tls=required`), `starttls_opportunistic` or `none`.
    pub security: &'static str,
    pub tls_insecure: bool,
    pub username: Option<String>,
    pub per_second: Option<i64>,
    pub per_hour: Option<i64>,
    pub concurrency: Option<i64>,
}

/// Checks a relay URL and describes it; the password is left out.
pub fn describe(url: &str) -> Result<Endpoint, String> {
    let p = parse_url(url)?;
    let security = match (p.implicit_tls, p.starttls) {
        (true, _) => "tls",
        (false, Some(true)) => "starttls",
        (false, Some(false)) => "starttls_opportunistic",
        (false, None) => "none",
    };
    Ok(Endpoint {
        host: p.host,
        port: p.port,
        security,
        tls_insecure: p.insecure,
        username: p.username,
        per_second: p.per_second,
        per_hour: p.per_hour,
        concurrency: p.slots,
    })
}

impl ServerSpec {
    pub fn parse(url: &str, limits: &ServerLimits) -> Result<ServerSpec, String> {
        let p = parse_url(url)?;
        // Changed limits (a relay edited) make a limiter of their own; the same server and limits share one.
        let key = format!(
            "{}://{}:{}?{:?}/{:?}/{:?}",
            p.scheme, p.host, p.port, p.per_second, p.per_hour, p.slots
        );
        let slots = p.slots.map(|n| n as usize);
        let (limits, slots) = limits.of(&key, p.per_second, p.per_hour, slots);
        let security = match (p.implicit_tls, p.starttls) {
            (true, _) => Security::Tls,
            (false, Some(required)) => Security::Starttls { required },
            (false, None) => Security::Plain,
        };
        Ok(ServerSpec {
            limits,
            slots,
            server: smtp::Server {
                host: p.host,
                port: p.port,
                security,
                accept_invalid_certs: p.insecure,
            },
            password: p.password,
            username: p.username,
            bearer: None,
        })
    }

    /// Signs in with an OAuth2 access token (XOAUTH2) as the URL's user.
    pub fn with_bearer(mut self, bearer: Bearer) -> ServerSpec {
        self.bearer = Some(bearer);
        self
    }

    /// The URL's user name (the SASL user of an OAuth2 relay).
    pub fn username(&self) -> Option<String> {
        self.username.clone()
    }

    /// Opens a signed-in connection. A failure here has sent nothing.
    pub async fn connect(&self) -> Result<Link, String> {
        match &self.bearer {
            None => Ok(smtp::open(&self.server, self.password.as_ref()).await?),
            Some(bearer) => {
                smtp::open_xoauth2(&self.server, &bearer.user, |refused| async move {
                    bearer.token(refused.as_deref()).await
                })
                .await
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Sends one letter on `conn` (opened on demand); drops the connection after any error.
pub async fn deliver(
    spec: &ServerSpec,
    conn: &mut Option<Link>,
    envelope: &Envelope,
    message: &[u8],
) -> Outcome {
    if conn.as_ref().is_some_and(Link::is_broken) {
        *conn = None;
    }
    let link = match conn {
        Some(link) => link,
        None => match tokio::time::timeout(smtp::TIMEOUT, spec.connect()).await {
            Ok(Ok(l)) => conn.insert(l),
            Ok(Err(e)) => return Outcome::Retry(e),
            Err(_) => return Outcome::Retry("connect: no answer from the SMTP server".into()),
        },
    };
    let outcome = link.send(envelope, message).await;
    if !matches!(outcome, Outcome::Accepted(_)) {
        if let Some(link) = conn.take() {
            link.abort().await;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_hide_credentials() {
        let limits = ServerLimits::default();
        let s = ServerSpec::parse("smtps://user%40x.ru:p%40ss@mail.x.ru?per_second=5", &limits)
            .unwrap();
        assert_eq!(
            (s.server.host.as_str(), s.server.port, s.server.security),
            ("mail.x.ru", 465, Security::Tls)
        );
        assert!(!format!("{s:?}").contains("p@ss"));
        let s =
            ServerSpec::parse("smtp://127.0.0.1:2525?tls=required&concurrency=2", &limits).unwrap();
        assert_eq!(
            (s.server.port, s.server.security),
            (2525, Security::Starttls { required: true })
        );
        assert_eq!(s.slots.map(|s| s.available_permits()), Some(2));
        assert!(ServerSpec::parse("http://x", &limits).is_err());
        assert!(ServerSpec::parse("smtp://x?bogus=1", &limits).is_err());
        assert!(ServerSpec::parse("smtp://x?per_second=many", &limits).is_err());
        let e =
            describe("smtp://user%40x.ru:p%40ss@mail.x.ru:587?tls=required&per_hour=100").unwrap();
        assert_eq!(
            (e.security, e.username.as_deref(), e.port, e.per_hour),
            ("starttls", Some("user@x.ru"), 587, Some(100))
        );
        assert_eq!(percent_decode("a%40b%zz"), "a@b%zz");
    }
}
