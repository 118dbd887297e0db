//! Opening a signed-in connection. Plain and STARTTLS connections set TCP_NODELAY on a stream that holds writes
//! until the next read (see RECIPES: lettre's own transport stalls on Nagle), which also carries pipelined
//! commands when the server offers PIPELINING; implicit TLS goes through lettre's own connector.

use std::future::Future;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use super::coalesce::{Coalescing, Outbox};
use super::{Failure, Security, Server, TIMEOUT};

/// How to sign in once connected.
#[derive(Clone)]
pub enum SignIn {
    /// PLAIN or LOGIN, whichever the server offers.
    Password { user: String, password: String },
    /// SASL XOAUTH2 with an access token the caller fetched.
    Xoauth2 { user: String, token: String },
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        match self {
            SignIn::Password { user, .. } => write!(f, "password of {user}"),
            SignIn::Xoauth2 { user, .. } => write!(f, "XOAUTH2 as {user}"),
        }
    }
}

/// An open SMTP connection; `outbox` is set when the server takes pipelined commands.
pub struct Link {
    pub(super) conn: AsyncSmtpConnection,
    pub(super) outbox: Option<Outbox>,
}

impl Link {
    /// Whether an earlier command broke the connection (it cannot be used again).
    pub fn is_broken(&self) -> bool {
        self.conn.has_broken()
    }

    /// Says goodbye, without waiting long for a server that may be gone.
    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.quit()).await;
    }

    /// Drops a connection that may be dead (after an error): QUIT if it still looks alive, then close.
    pub async fn abort(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.conn.abort()).await;
    }
}

/// Connects, secures and signs in (`sign_in` None: no AUTH). A failure here has sent nothing.
pub async fn open(server: &Server, sign_in: Option<&SignIn>) -> Result<Link, Failure> {
    let hello = ClientId::default();
    let link = tokio::time::timeout(TIMEOUT, connect(server, &hello))
        .await
        .map_err(|_| {
            Failure::connect(server, "connect: no answer from the SMTP server".into())
        })??;
    match sign_in {
        Some(s) => authenticate(server, link, s).await,
        None => Ok(link),
    }
}

/// Signs in with XOAUTH2. `token(None)` gives the access token; one the server refuses is handed back as
/// `token(Some(refused))` for a newer one, tried once on a new connection (after a refused XOAUTH2 the exchange
/// cannot go on). The token's own errors (the caller's, e.g. a revoked grant) pass through as they are.
pub async fn open_xoauth2<E, F, Fut>(server: &Server, user: &str, mut token: F) -> Result<Link, E>
where
    E: From<Failure>,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<String, E>>,
{
    let sign_in = |token| SignIn::Xoauth2 {
        user: user.to_string(),
        token,
    };
    let first = token(None).await?;
    match open(server, Some(&sign_in(first.clone()))).await {
        Err(Failure::Auth { text, .. }) => {
            tracing::info!(error = %text, "access token refused by the SMTP server; refreshing it once");
            let fresh = token(Some(first)).await?;
            open(server, Some(&sign_in(fresh))).await.map_err(|f| match f {
                Failure::Auth { server, text } => Failure::Auth {
                    server,
                    text: format!("{text} (a freshly refreshed access token too: does the SMTP user, client or scope match what the server accepts?)"),
                }
                .into(),
                other => other.into(),
            })
        }
        other => other.map_err(E::from),
    }
}

fn tls(server: &Server) -> Result<TlsParameters, Failure> {
    TlsParameters::builder(server.host.clone())
        .dangerous_accept_invalid_certs(server.accept_invalid_certs)
        .dangerous_accept_invalid_hostnames(server.accept_invalid_certs)
        .build_rustls()
        .map_err(|e| Failure::tls(server, format!("TLS: {e}")))
}

/// Greeting, EHLO and, where asked, TLS; no AUTH yet.
async fn connect(server: &Server, hello: &ClientId) -> Result<Link, Failure> {
    let address = (server.host.as_str(), server.port);
    if server.security == Security::Tls {
        let conn = AsyncSmtpConnection::connect_tokio1(
            address,
            Some(TIMEOUT),
            hello,
            Some(tls(server)?),
            None,
        )
        .await
        .map_err(|e| {
            let text = format!("connect: {e}");
            if e.is_tls() {
                Failure::tls(server, text)
            } else {
                Failure::connect(server, text)
            }
        })?;
        return Ok(Link { conn, outbox: None });
    }
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| Failure::connect(server, format!("connect: {e}")))?;
    stream
        .set_nodelay(true)
        .map_err(|e| Failure::connect(server, format!("connect: {e}")))?;
    let (stream, outbox) = Coalescing::new(stream);
    let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), hello)
        .await
        .map_err(|e| Failure::connect(server, format!("connect: {e}")))?;
    if let Security::Starttls { required } = server.security {
        if conn.can_starttls() {
            conn.starttls(tls(server)?, hello)
                .await
                .map_err(|e| Failure::tls(server, format!("STARTTLS: {e}")))?;
        } else if required {
            let text = "the server does not offer STARTTLS".to_string();
            return Err(Failure::tls(server, text));
        }
    }
    // The outbox writes past TLS, so it serves plain connections only; lettre keeps no record of PIPELINING,
    // so the server's EHLO reply is read once more.
    let pipelining = !conn.is_encrypted() && offers_pipelining(&mut conn, hello).await;
    Ok(Link {
        conn,
        outbox: pipelining.then_some(outbox),
    })
}

async fn offers_pipelining(conn: &mut AsyncSmtpConnection, hello: &ClientId) -> bool {
    // A server that refuses a second EHLO simply gets its commands one by one.
    let Ok(reply) = conn.command(Ehlo::new(hello.clone())).await else {
        return false;
    };
    let offered = reply
        .message()
        .any(|line| line.trim().eq_ignore_ascii_case("PIPELINING"));
    offered
}

async fn authenticate(server: &Server, mut link: Link, sign_in: &SignIn) -> Result<Link, Failure> {
    let (mechanisms, credentials): (&[Mechanism], _) = match sign_in {
        SignIn::Password { user, password } => (
            &[Mechanism::Plain, Mechanism::Login],
            Credentials::new(user.clone(), password.clone()),
        ),
        SignIn::Xoauth2 { user, token } => (
            &[Mechanism::Xoauth2],
            Credentials::new(user.clone(), token.clone()),
        ),
    };
    let server = format!("{}:{}", server.host, server.port);
    match tokio::time::timeout(TIMEOUT, link.conn.auth(mechanisms, &credentials)).await {
        Ok(Ok(_)) => Ok(link),
        // The connection is dropped: after a refused sign-in it is of no use.
        Ok(Err(e)) => {
            let text = format!("AUTH: {e}");
            Err(if e.is_transient() {
                Failure::AuthDeferred { server, text }
            } else {
                Failure::Auth { server, text }
            })
        }
        Err(_) => {
            let text = "AUTH: no answer".into();
            Err(Failure::NoAnswer { server, text })
        }
    }
}
