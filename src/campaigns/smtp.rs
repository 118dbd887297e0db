//! SMTP delivery with lettre's connection type, driven phase by phase so that every failure is classified as
//! "not handed over" (safe to retry), "refused" (4xx/5xx reply) or "unknown" (the link broke after the message was
//! sent and before the reply) — the last is never retried. Plain connections set TCP_NODELAY (see RECIPES: lettre's
//! own transport stalls on Nagle), and rate limits are kept per server URL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::bearer::Bearer;
use super::coalesce::Coalescing;
use super::coalesce::Outbox;
use super::limiter::RateLimiter;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how to connect: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://…`, with
/// optional `per_second=` / `per_hour=` / `concurrency=` limits for everything sent through this server.
/// `tls_insecure=true` accepts any certificate (a relay on a private network with a self-signed one; dangerous).
#[derive(Clone)]
pub struct ServerSpec {
    host: String,
    port: u16,
    implicit_tls: bool,
    starttls: Option<bool>,
    insecure: bool,
    credentials: Option<Credentials>,
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
        write!(f, "smtp server {}:{}", self.host, self.port)
    }
}

type Shared = (Arc<RateLimiter>, Option<Arc<Semaphore>>);

/// Limits are per server URL and shared by every campaign of the process that uses it.
fn server_limits(
    key: &str,
    per_second: Option<i64>,
    per_hour: Option<i64>,
    slots: Option<usize>,
) -> Shared {
    static LIMITS: OnceLock<Mutex<HashMap<String, Shared>>> = OnceLock::new();
    let mut map = LIMITS
        .get_or_init(Default::default)
        .lock()
        .expect("limit map lock");
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

/// A relay URL taken apart.
struct Parsed {
    scheme: String,
    host: String,
    port: u16,
    implicit_tls: bool,
    starttls: Option<bool>,
    insecure: bool,
    credentials: Option<Credentials>,
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
    let credentials = username.as_ref().map(|user| {
        Credentials::new(
            user.clone(),
            percent_decode(u.password().unwrap_or_default()),
        )
    });
    Ok(Parsed {
        scheme: u.scheme().to_string(),
        host,
        port,
        implicit_tls,
        starttls,
        insecure,
        credentials,
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
    pub fn parse(url: &str) -> Result<ServerSpec, String> {
        let p = parse_url(url)?;
        // Changed limits (a relay edited) make a limiter of their own; the same server and limits share one.
        let key = format!(
            "{}://{}:{}?{:?}/{:?}/{:?}",
            p.scheme, p.host, p.port, p.per_second, p.per_hour, p.slots
        );
        let slots = p.slots.map(|n| n as usize);
        let (limits, slots) = server_limits(&key, p.per_second, p.per_hour, slots);
        Ok(ServerSpec {
            limits,
            slots,
            host: p.host,
            port: p.port,
            implicit_tls: p.implicit_tls,
            starttls: p.starttls,
            insecure: p.insecure,
            credentials: p.credentials,
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

    /// Opens an authenticated connection. A failure here has sent nothing. An access token the server refuses is
    /// refreshed and tried once more, on a new connection (after a refused XOAUTH2 the exchange cannot go on).
    pub async fn connect(&self) -> Result<Link, String> {
        let Some(bearer) = &self.bearer else {
            let password = [Mechanism::Plain, Mechanism::Login];
            return self
                .open(self.credentials.as_ref().map(|c| (&password[..], c)))
                .await;
        };
        let xoauth2 = [Mechanism::Xoauth2];
        let token = bearer.token(None).await?;
        match self
            .open(Some((&xoauth2[..], &bearer.credentials(&token))))
            .await
        {
            Err(e) if e.starts_with("AUTH:") => {
                tracing::info!(error = %e, "access token refused by the SMTP server; refreshing it once");
                let token = bearer.token(Some(&token)).await?;
                self.open(Some((&xoauth2[..], &bearer.credentials(&token))))
                    .await
            }
            other => other,
        }
    }

    async fn open(&self, auth: Option<(&[Mechanism], &Credentials)>) -> Result<Link, String> {
        let hello = ClientId::default();
        let tls = || {
            TlsParameters::builder(self.host.clone())
                .dangerous_accept_invalid_certs(self.insecure)
                .dangerous_accept_invalid_hostnames(self.insecure)
                .build_rustls()
                .map_err(|e| format!("TLS: {e}"))
        };
        let (mut conn, mut outbox) = if self.implicit_tls {
            let conn = AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(TIMEOUT),
                &hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(|e| format!("connect: {e}"))?;
            (conn, None)
        } else {
            let stream =
                tokio::time::timeout(TIMEOUT, TcpStream::connect((self.host.as_str(), self.port)))
                    .await
                    .map_err(|_| "connect: timed out".to_string())?
                    .map_err(|e| format!("connect: {e}"))?;
            stream
                .set_nodelay(true)
                .map_err(|e| format!("connect: {e}"))?;
            let (stream, outbox) = Coalescing::new(stream);
            let conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            (conn, Some(outbox))
        };
        match self.starttls {
            Some(required) if !conn.is_encrypted() => {
                if conn.can_starttls() {
                    conn.starttls(tls()?, &hello)
                        .await
                        .map_err(|e| format!("STARTTLS: {e}"))?;
                } else if required {
                    return Err("the server does not offer STARTTLS".into());
                }
            }
            _ => {}
        }
        // The outbox writes past TLS, so it serves plain connections only; lettre keeps no record of PIPELINING,
        // so the server's EHLO reply is read once more.
        if conn.is_encrypted() || !offers_pipelining(&mut conn, hello).await? {
            outbox = None;
        }
        if let Some((mechanisms, credentials)) = auth {
            conn.auth(mechanisms, credentials)
                .await
                .map_err(|e| format!("AUTH: {e}"))?;
        }
        Ok(Link { conn, outbox })
    }
}

async fn offers_pipelining(
    conn: &mut AsyncSmtpConnection,
    hello: ClientId,
) -> Result<bool, String> {
    // A server that refuses a second EHLO simply gets its commands one by one.
    let Ok(reply) = conn.command(Ehlo::new(hello)).await else {
        return Ok(false);
    };
    let offered = reply
        .message()
        .any(|line| line.trim().eq_ignore_ascii_case("PIPELINING"));
    Ok(offered)
}

/// An open SMTP connection; `outbox` is set when the server takes pipelined commands.
pub struct Link {
    conn: AsyncSmtpConnection,
    outbox: Option<Outbox>,
}

impl Link {
    pub async fn quit(&mut self) {
        let _ = self.conn.quit().await;
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// What became of one letter.
#[derive(Debug)]
pub enum Outcome {
    Accepted,
    /// Not handed over (no connection, a timeout): try again later.
    Retry(String),
    /// A 4xx reply before or after DATA: try again later; when it never passes, a soft bounce. (code, reply)
    Deferred(String, String),
    /// 5xx: the server refuses this letter. (status code, reply text)
    Refused(String, String),
    /// The message went out but no reply came: it may have been delivered, so it must not be sent again.
    Unknown(String),
}

/// Sends one letter on `conn` (opened on demand); drops the connection after any error.
pub async fn deliver(
    spec: &ServerSpec,
    conn: &mut Option<Link>,
    envelope: &Envelope,
    message: &[u8],
) -> Outcome {
    if conn.as_ref().is_some_and(|l| l.conn.has_broken()) {
        *conn = None;
    }
    if conn.is_none() {
        match tokio::time::timeout(TIMEOUT, spec.connect()).await {
            Ok(Ok(l)) => *conn = Some(l),
            Ok(Err(e)) => return Outcome::Retry(e),
            Err(_) => return Outcome::Retry("connect: no answer from the SMTP server".into()),
        }
    }
    let link = conn.as_mut().expect("connected above");
    let mut options = vec![];
    if !message.is_ascii() {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(envelope.from().cloned(), options);
    let rcpts: Vec<Rcpt> = envelope
        .to()
        .iter()
        .map(|to| Rcpt::new(to.clone(), vec![]))
        .collect();
    let before = envelope_phase(link, mail, &rcpts);
    let outcome = match tokio::time::timeout(TIMEOUT, before).await {
        Err(_) => Some(Outcome::Retry("timed out before DATA".into())),
        Ok(Err(e)) => Some(classify(&e, false)),
        Ok(Ok(_)) => None,
    };
    if let Some(outcome) = outcome {
        drop_connection(conn).await;
        return outcome;
    }
    let c = &mut conn.as_mut().expect("connected above").conn;
    match tokio::time::timeout(TIMEOUT, c.message(message)).await {
        Ok(Ok(_)) => Outcome::Accepted,
        Ok(Err(e)) => {
            let outcome = classify(&e, true);
            drop_connection(conn).await;
            outcome
        }
        Err(_) => {
            drop_connection(conn).await;
            Outcome::Unknown("no reply after the message was sent".into())
        }
    }
}

/// MAIL, RCPT and DATA up to the server's 354: in one packet when it takes PIPELINING (every reply is still read,
/// in order, and the first refusal counts), one by one otherwise.
async fn envelope_phase(
    link: &mut Link,
    mail: Mail,
    rcpts: &[Rcpt],
) -> Result<(), lettre::transport::smtp::Error> {
    let c = &mut link.conn;
    let Some(outbox) = &link.outbox else {
        c.command(mail).await?;
        for rcpt in rcpts {
            c.command(rcpt).await?;
        }
        return c.command(Data).await.map(drop);
    };
    let mut commands = mail.to_string();
    for rcpt in rcpts {
        commands.push_str(&rcpt.to_string());
    }
    commands.push_str(&Data.to_string());
    outbox.push(commands.as_bytes());
    let mut first_error = None;
    for _ in 0..rcpts.len() + 1 {
        match c.read_response().await {
            Ok(_) => {}
            Err(e) if e.is_permanent() || e.is_transient() => {
                first_error.get_or_insert(e);
            }
            // The link broke: nothing more will come. A refusal before it still decides the letter's fate.
            Err(e) => return Err(first_error.unwrap_or(e)),
        }
    }
    let data = c.read_response().await;
    match (first_error, data) {
        (None, data) => data.map(drop),
        (Some(e), Ok(_)) => {
            // The server opened DATA although a command before it failed: an empty message ends it, and it goes
            // nowhere, as the refusal said (RFC 2920).
            outbox.push(b".\r\n");
            let _ = c.read_response().await;
            Err(e)
        }
        (Some(e), Err(_)) => Err(e),
    }
}

async fn drop_connection(conn: &mut Option<Link>) {
    if let Some(mut l) = conn.take() {
        // QUIT on a link that may be dead: not worth waiting long for.
        let _ = tokio::time::timeout(Duration::from_secs(5), l.conn.abort()).await;
    }
}

fn classify(e: &lettre::transport::smtp::Error, after_data: bool) -> Outcome {
    let text = e.to_string();
    let code = || e.status().map(|c| c.to_string()).unwrap_or_default();
    if e.is_permanent() {
        Outcome::Refused(code(), text)
    } else if e.is_transient() {
        Outcome::Deferred(code(), text)
    } else if !after_data {
        Outcome::Retry(text)
    } else {
        Outcome::Unknown(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_hide_credentials() {
        let s = ServerSpec::parse("smtps://user%40x.ru:p%40ss@mail.x.ru?per_second=5").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.implicit_tls),
            ("mail.x.ru", 465, true)
        );
        assert!(!format!("{s:?}").contains("p@ss"));
        let s = ServerSpec::parse("smtp://127.0.0.1:2525?tls=required&concurrency=2").unwrap();
        assert_eq!((s.port, s.starttls), (2525, Some(true)));
        assert_eq!(s.slots.map(|s| s.available_permits()), Some(2));
        assert!(ServerSpec::parse("http://x").is_err());
        assert!(ServerSpec::parse("smtp://x?bogus=1").is_err());
        assert!(ServerSpec::parse("smtp://x?per_second=many").is_err());
        let e =
            describe("smtp://user%40x.ru:p%40ss@mail.x.ru:587?tls=required&per_hour=100").unwrap();
        assert_eq!(
            (e.security, e.username.as_deref(), e.port, e.per_hour),
            ("starttls", Some("user@x.ru"), 587, Some(100))
        );
        assert_eq!(percent_decode("a%40b%zz"), "a@b%zz");
    }
}
