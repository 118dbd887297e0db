//! SMTP delivery with lettre's connection type, driven phase by phase so that every failure is classified as
//! "not handed over" (safe to retry), "refused" (4xx/5xx reply) or "unknown" (the link broke after the message was
//! sent and before the reply) — the last is never retried. Plain connections set TCP_NODELAY (see RECIPES: lettre's
//! own transport stalls on Nagle), and rate limits are kept per server URL.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

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

impl ServerSpec {
    pub fn parse(url: &str) -> Result<ServerSpec, String> {
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
                "per_second" => per_second = v.parse().ok(),
                "per_hour" => per_hour = v.parse().ok(),
                "concurrency" => slots = v.parse().ok(),
                "tls_insecure" => insecure = v == "true",
                other => return Err(format!("SMTP URL: unknown parameter {other}")),
            }
        }
        let credentials = (!u.username().is_empty()).then(|| {
            Credentials::new(
                percent_decode(u.username()),
                percent_decode(u.password().unwrap_or_default()),
            )
        });
        let key = format!("{}://{}:{}", u.scheme(), host, port);
        let (limits, slots) = server_limits(&key, per_second, per_hour, slots);
        Ok(ServerSpec {
            limits,
            slots,
            host,
            port,
            implicit_tls,
            starttls,
            insecure,
            credentials,
        })
    }

    /// Opens an authenticated connection. A failure here has sent nothing.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let hello = ClientId::default();
        let tls = || {
            TlsParameters::builder(self.host.clone())
                .dangerous_accept_invalid_certs(self.insecure)
                .dangerous_accept_invalid_hostnames(self.insecure)
                .build_rustls()
                .map_err(|e| format!("TLS: {e}"))
        };
        let mut conn = if self.implicit_tls {
            AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(TIMEOUT),
                &hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(|e| format!("connect: {e}"))?
        } else {
            let stream =
                tokio::time::timeout(TIMEOUT, TcpStream::connect((self.host.as_str(), self.port)))
                    .await
                    .map_err(|_| "connect: timed out".to_string())?
                    .map_err(|e| format!("connect: {e}"))?;
            stream
                .set_nodelay(true)
                .map_err(|e| format!("connect: {e}"))?;
            let stream = super::coalesce::Coalescing::new(stream);
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                .await
                .map_err(|e| format!("connect: {e}"))?
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
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| format!("AUTH: {e}"))?;
        }
        Ok(conn)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    conn: &mut Option<AsyncSmtpConnection>,
    envelope: &Envelope,
    message: &[u8],
) -> Outcome {
    if conn.as_ref().is_some_and(|c| c.has_broken()) {
        *conn = None;
    }
    if conn.is_none() {
        match spec.connect().await {
            Ok(c) => *conn = Some(c),
            Err(e) => return Outcome::Retry(e),
        }
    }
    let c = conn.as_mut().expect("connected above");
    let mut options = vec![];
    if !message.is_ascii() {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let before = async {
        c.command(Mail::new(envelope.from().cloned(), options))
            .await?;
        for to in envelope.to() {
            c.command(Rcpt::new(to.clone(), vec![])).await?;
        }
        c.command(Data).await
    };
    let outcome = match tokio::time::timeout(TIMEOUT, before).await {
        Err(_) => Some(Outcome::Retry("timed out before DATA".into())),
        Ok(Err(e)) => Some(classify(&e, false)),
        Ok(Ok(_)) => None,
    };
    if let Some(outcome) = outcome {
        drop_connection(conn).await;
        return outcome;
    }
    let c = conn.as_mut().expect("connected above");
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

async fn drop_connection(conn: &mut Option<AsyncSmtpConnection>) {
    if let Some(mut c) = conn.take() {
        c.abort().await;
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

/// A sliding-window limiter: at most `per_second` letters in any second and `per_hour` in any hour.
pub struct RateLimiter {
    per_second: Option<usize>,
    per_hour: Option<usize>,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn new(per_second: Option<i64>, per_hour: Option<i64>) -> Self {
        let positive = |v: Option<i64>| v.filter(|v| *v > 0).map(|v| v as usize);
        RateLimiter {
            per_second: positive(per_second),
            per_hour: positive(per_hour),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn is_limited(&self) -> bool {
        self.per_second.is_some() || self.per_hour.is_some()
    }

    /// Counts `n` letters sent before this process started (so an hourly limit survives a restart).
    pub fn preload(&self, n: i64) {
        let mut sent = self.sent.lock().expect("limiter lock");
        let now = Instant::now();
        for _ in 0..n.min(self.per_hour.unwrap_or(0) as i64) {
            sent.push_back(now);
        }
    }

    /// How long to wait before the next letter may go; zero means it was counted and may go now.
    pub fn try_take(&self) -> Duration {
        if self.per_second.is_none() && self.per_hour.is_none() {
            return Duration::ZERO;
        }
        let mut sent = self.sent.lock().expect("limiter lock");
        let now = Instant::now();
        let hour = Duration::from_secs(3600);
        while sent.front().is_some_and(|t| now.duration_since(*t) >= hour) {
            sent.pop_front();
        }
        if let Some(limit) = self.per_hour {
            if sent.len() >= limit {
                return hour - now.duration_since(sent[sent.len() - limit]);
            }
        }
        if let Some(limit) = self.per_second {
            let in_last_second = sent
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < Duration::from_secs(1))
                .count();
            if in_last_second >= limit {
                let oldest = sent[sent.len() - limit];
                return Duration::from_secs(1).saturating_sub(now.duration_since(oldest))
                    + Duration::from_millis(1);
            }
        }
        sent.push_back(now);
        Duration::ZERO
    }

    pub async fn take(&self) {
        loop {
            let wait = self.try_take();
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
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
        assert_eq!(percent_decode("a%40b%zz"), "a@b%zz");
    }

    #[test]
    fn limiter_allows_per_second_then_waits() {
        let l = RateLimiter::new(Some(3), None);
        for _ in 0..3 {
            assert!(l.try_take().is_zero());
        }
        let wait = l.try_take();
        assert!(wait > Duration::from_millis(900), "{wait:?}");
        let l = RateLimiter::new(None, Some(2));
        l.preload(2);
        assert!(l.try_take() > Duration::from_secs(3500));
    }
}
