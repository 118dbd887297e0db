//! SMTP for every sender (campaign relays, a mailbox sending as itself): connecting (implicit TLS, STARTTLS or
//! plain), signing in (password or XOAUTH2 with a token the caller fetched), sending one letter on an open
//! connection, pipelined when the server allows it, and what a failure means as an `Error`. Below `imap` and
//! `campaigns`; it knows nothing of relays, mailboxes or OAuth2 grants.

mod coalesce;
mod connect;
mod failure;
mod send;

use std::time::Duration;

pub use connect::{open, open_xoauth2, Link, SignIn};
pub use failure::{Failure, Outcome};

/// How long one step (connect, a command's reply, the message's reply) may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS from the first byte (port 465).
    Tls,
    /// Plain, upgraded with STARTTLS; a server that does not offer it is refused (`required`) or used as is.
    Starttls { required: bool },
    /// No encryption (loopback servers, tests).
    Plain,
}

/// A server to connect to.
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Accept any certificate and host name (a relay on a private network with a self-signed one; dangerous).
    pub accept_invalid_certs: bool,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "smtp server {}:{}", self.host, self.port)
    }
}

impl Server {
    pub fn new(host: impl Into<String>, port: u16, security: Security) -> Server {
        Server {
            host: host.into(),
            port,
            security,
            accept_invalid_certs: false,
        }
    }
}
