//! An IMAP session over plain TCP (loopback only), TLS or STARTTLS, with errors that say what went wrong:
//! wrong host, wrong password, TLS failure, missing folder; and the FETCH commands of a sync (sizes, then messages
//! or, over the size limit, their headers).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_imap::types::NameAttribute;
use async_imap::{Client, Session};
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::model::Security;
use crate::error::Error;

pub use super::server_state::{enable_condstore, flags, present_uids};
use crate::oauth::sasl::{oauthbearer, xoauth2};

pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}

pub type ImapSession = Session<Box<dyn Stream>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub security: Security,
    pub username: &'a str,
    pub secret: Secret<'a>,
}

/// How the session signs in.
pub enum Secret<'a> {
    /// LOGIN with a password.
    Password(&'a str),
    /// SASL OAUTHBEARER where the server offers it, else XOAUTH2, with an OAuth2 access token.
    Bearer(&'a str),
}

/// A SASL exchange with one initial message; after a failure the server sends an error challenge, which gets an
/// empty answer so that it can close the exchange with NO.
struct Sasl {
    first: Option<String>,
    /// The server's error challenge (RFC 7628: a JSON status), kept for the error message.
    refusal: Arc<std::sync::Mutex<Option<String>>>,
}

impl async_imap::Authenticator for Sasl {
    type Response = String;

    fn process(&mut self, challenge: &[u8]) -> String {
        match self.first.take() {
            Some(first) => first,
            None => {
                let text = String::from_utf8_lossy(challenge).into_owned();
                *self.refusal.lock().expect("refusal lock") = Some(text);
                String::new()
            }
        }
    }
}

fn upstream(code: &'static str, message: impl Into<String>) -> Error {
    Error::Upstream {
        code,
        message: message.into(),
    }
}

/// Maps a failure in the middle of a session.
pub fn lost(e: async_imap::error::Error) -> Error {
    match e {
        async_imap::error::Error::No(m) | async_imap::error::Error::Bad(m) => upstream(
            "imap_command_failed",
            format!("the IMAP server refused: {m}"),
        ),
        other => upstream(
            "imap_connection_lost",
            format!("IMAP connection lost: {other}"),
        ),
    }
}

fn tls_connector() -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls(stream: TcpStream, host: &str) -> Result<Box<dyn Stream>, Error> {
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        upstream(
            "imap_tls_failed",
            format!("'{host}' is not a valid TLS server name"),
        )
    })?;
    let tls = tokio::time::timeout(CONNECT_TIMEOUT, tls_connector().connect(name, stream))
        .await
        .map_err(|_| upstream("imap_tls_failed", "TLS handshake timed out"))?
        .map_err(|e| {
            upstream(
                "imap_tls_failed",
                format!("TLS handshake with {host} failed: {e}"),
            )
        })?;
    Ok(Box::new(tls))
}

/// Reads the greeting; answers the SASL mechanisms its CAPABILITY code lists (empty when it lists none).
async fn greeting<T: Stream>(client: &mut Client<T>) -> Result<Vec<String>, Error> {
    use async_imap::imap_proto::{Capability, Response, ResponseCode};
    match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(response))) => Ok(match response.parsed() {
            Response::Data { outcome, .. } => match &outcome.code {
                Some(ResponseCode::Capabilities(caps)) => caps
                    .iter()
                    .filter_map(|c| match c {
                        Capability::Auth(m) => Some(m.to_ascii_uppercase()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }),
        Ok(Ok(None)) | Ok(Err(_)) => Err(upstream(
            "imap_connect_failed",
            "the server closed the connection before greeting",
        )),
        Err(_) => Err(upstream(
            "imap_connect_failed",
            "no IMAP greeting (is this an IMAP port?)",
        )),
    }
}

/// Connects and signs in.
pub async fn connect(target: &Target<'_>) -> Result<ImapSession, Error> {
    if target.security == Security::Plain && !is_loopback(target.host) {
        return Err(Error::validation(
            "security",
            "plain IMAP is allowed on loopback only; use tls or starttls",
        ));
    }
    let address = format!("{}:{}", target.host, target.port);
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&address))
        .await
        .map_err(|_| {
            upstream(
                "imap_connect_failed",
                format!("connecting to {address} timed out"),
            )
        })?
        .map_err(|e| {
            upstream(
                "imap_connect_failed",
                format!("cannot connect to {address}: {e}"),
            )
        })?;
    let _ = tcp.set_nodelay(true);
    // Over STARTTLS the plain greeting lists the mechanisms (servers repeat them after TLS on request only).
    let mut starttls_mechanisms = Vec::new();
    let stream: Box<dyn Stream> = match target.security {
        Security::Tls => tls(tcp, target.host).await?,
        Security::Plain => Box::new(tcp),
        Security::Starttls => {
            let mut plain = Client::new(tcp);
            starttls_mechanisms = greeting(&mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| upstream("imap_tls_failed", format!("STARTTLS refused: {e}")))?;
            tls(plain.into_inner(), target.host).await?
        }
    };
    let mut client = Client::new(stream);
    let mechanisms = if target.security != Security::Starttls {
        greeting(&mut client).await?
    } else {
        starttls_mechanisms
    };
    let refusal = Arc::new(std::sync::Mutex::new(None));
    let signed_in = match target.secret {
        Secret::Password(password) => client.login(target.username, password).await,
        Secret::Bearer(token) => {
            let (mechanism, first) = if mechanisms.iter().any(|m| m == "OAUTHBEARER") {
                let first = oauthbearer(target.username, target.host, target.port, token);
                ("OAUTHBEARER", first)
            } else {
                ("XOAUTH2", xoauth2(target.username, token))
            };
            let sasl = Sasl {
                first: Some(first),
                refusal: refusal.clone(),
            };
            client.authenticate(mechanism, sasl).await
        }
    };
    signed_in.map_err(|(e, _)| match e {
        async_imap::error::Error::No(m) => {
            let detail = match refusal.lock().expect("refusal lock").take() {
                Some(json) => format!(" {json}"),
                None => String::new(),
            };
            upstream(
                "imap_auth_failed",
                format!("the server refused the login: {}{detail}", m.trim()),
            )
        }
        other => upstream("imap_connect_failed", format!("login failed: {other}")),
    })
}

pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A folder on the server with its SPECIAL-USE role.
#[derive(Debug, Clone)]
pub struct Folder {
    pub name: String,
    pub role: &'static str,
}

pub async fn folders(session: &mut ImapSession) -> Result<Vec<Folder>, Error> {
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(lost)?
        .try_collect()
        .await
        .map_err(lost)?;
    Ok(names
        .iter()
        .filter(|n| !n.attributes().contains(&NameAttribute::NoSelect))
        .map(|n| {
            let attrs = n.attributes();
            let role = if n.name().eq_ignore_ascii_case("INBOX") {
                "inbox"
            } else if attrs.contains(&NameAttribute::Sent) {
                "sent"
            } else if attrs.contains(&NameAttribute::Archive) {
                "archive"
            } else if attrs.contains(&NameAttribute::Drafts) {
                "drafts"
            } else if attrs.contains(&NameAttribute::Junk) {
                "junk"
            } else if attrs.contains(&NameAttribute::Trash) {
                "trash"
            } else {
                "other"
            };
            Folder {
                name: n.name().to_string(),
                role,
            }
        })
        .collect())
}

/// Opens a folder read-only (EXAMINE: nothing on the server changes); a missing folder is a clear error.
pub async fn examine(
    session: &mut ImapSession,
    folder: &str,
) -> Result<async_imap::types::Mailbox, Error> {
    session.examine(folder).await.map_err(|e| match e {
        async_imap::error::Error::No(m) => upstream(
            "imap_folder_missing",
            format!(
                "folder '{folder}' does not exist on the server ({})",
                m.trim()
            ),
        ),
        other => lost(other),
    })
}

/// `(uid, RFC822.SIZE)` of these UIDs, in UID order; a UID expunged meanwhile is missing.
pub async fn sizes(session: &mut ImapSession, uids: &[u32]) -> Result<Vec<(u32, u64)>, Error> {
    let mut sizes: Vec<(u32, u64)> = session
        .uid_fetch(super::sync::uid_set(uids), "(UID RFC822.SIZE)")
        .await
        .map_err(lost)?
        .try_filter_map(|f| async move {
            Ok(f.uid
                .filter(|uid| uids.binary_search(uid).is_ok())
                .map(|uid| (uid, u64::from(f.size.unwrap_or(0)))))
        })
        .try_collect()
        .await
        .map_err(lost)?;
    sizes.sort_unstable();
    sizes.dedup_by_key(|s| s.0);
    Ok(sizes)
}

/// A fetched message: its bytes, or only its headers when it was over the size limit (then `truncated` is the
/// size the server reported).
pub struct Fetched {
    pub uid: u32,
    pub raw: Vec<u8>,
    pub truncated: Option<u64>,
}

/// Fetches a chunk with BODY.PEEK (nothing is marked read): whole messages up to `max` bytes, headers of larger ones.
pub async fn fetch(
    session: &mut ImapSession,
    chunk: &[(u32, u64)],
    max: u64,
) -> Result<Vec<Fetched>, Error> {
    let (big, whole): (Vec<_>, Vec<_>) = chunk.iter().partition(|(_, size)| *size > max);
    let size_of = |uid: u32| {
        chunk
            .binary_search_by_key(&uid, |s| s.0)
            .map_or(0, |i| chunk[i].1)
    };
    let size_of = &size_of;
    let mut out = Vec::with_capacity(chunk.len());
    for (part, items, headers) in [
        ("(UID BODY.PEEK[])", whole, false),
        ("(UID BODY.PEEK[HEADER])", big, true),
    ] {
        if items.is_empty() {
            continue;
        }
        let uids: Vec<u32> = items.iter().map(|(uid, _)| *uid).collect();
        let uids = &uids;
        let fetched: Vec<Fetched> = session
            .uid_fetch(super::sync::uid_set(uids), part)
            .await
            .map_err(lost)?
            .try_filter_map(|f| async move {
                // Only the UIDs asked for, with their data: unsolicited FETCH responses (flag changes) carry none.
                let Some(uid) = f.uid.filter(|uid| uids.binary_search(uid).is_ok()) else {
                    return Ok(None);
                };
                let data = if headers { f.header() } else { f.body() };
                Ok(data.map(|raw| Fetched {
                    uid,
                    raw: raw.to_vec(),
                    truncated: headers.then(|| size_of(uid)),
                }))
            })
            .try_collect()
            .await
            .map_err(lost)?;
        out.extend(fetched);
    }
    out.sort_by_key(|f| f.uid);
    out.dedup_by_key(|f| f.uid);
    Ok(out)
}
