//! What went wrong, in the caller's terms: a connection or sign-in that failed (nothing was sent), or the fate of
//! one letter, and the API's error codes for both (`smtp_connect_failed`, `smtp_tls_failed`, `smtp_auth_failed`,
//! `smtp_rejected`, `smtp_deferred`, `smtp_no_answer`).

use super::Server;
use crate::error::Error;

/// A connection that could not be opened or signed in; nothing was sent on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection: refused, unreachable, timed out, or no greeting.
    Connect { server: String, text: String },
    /// TLS or STARTTLS failed, or STARTTLS is required and not offered.
    Tls { server: String, text: String },
    /// The server refused the password or access token (anything but a 4xx to AUTH).
    Auth { server: String, text: String },
    /// A 4xx to AUTH: try again later.
    AuthDeferred { server: String, text: String },
    /// No reply to AUTH in time.
    NoAnswer { server: String, text: String },
}

impl Failure {
    pub(super) fn connect(server: &Server, text: String) -> Failure {
        Failure::Connect {
            server: where_(server),
            text,
        }
    }

    pub(super) fn tls(server: &Server, text: String) -> Failure {
        Failure::Tls {
            server: where_(server),
            text,
        }
    }

    fn parts(&self) -> (&'static str, &str, &str) {
        match self {
            Failure::Connect { server, text } => ("smtp_connect_failed", server, text),
            Failure::Tls { server, text } => ("smtp_tls_failed", server, text),
            Failure::Auth { server, text } => ("smtp_auth_failed", server, text),
            Failure::AuthDeferred { server, text } => ("smtp_deferred", server, text),
            Failure::NoAnswer { server, text } => ("smtp_no_answer", server, text),
        }
    }

    /// The API's error code of this failure.
    pub fn code(&self) -> &'static str {
        self.parts().0
    }
}

fn where_(server: &Server) -> String {
    format!("{}:{}", server.host, server.port)
}

/// The failure's own text (`connect: …`, `STARTTLS: …`, `AUTH: 535 …`), without the server.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.parts().2)
    }
}

/// As text: the campaigns' retry and pause reasons.
impl From<Failure> for String {
    fn from(f: Failure) -> String {
        f.to_string()
    }
}

/// A 502 naming the server: `127.0.0.1:2525: AUTH: 535 …`.
impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        let (code, server, text) = f.parts();
        Error::Upstream {
            code,
            message: format!("{server}: {text}"),
        }
    }
}

/// What became of one letter sent on an open connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Taken; the server's reply.
    Accepted(String),
    /// Not handed over (no connection, a timeout or a broken link before DATA): try again later.
    Retry(String),
    /// A 4xx reply before or after DATA: try again later; when it never passes, a soft bounce. (code, reply)
    Deferred(String, String),
    /// 5xx: the server refuses this letter. (status code, reply text)
    Refused(String, String),
    /// The message went out but no reply came: it may have been delivered, so it must not be sent again.
    Unknown(String),
}

impl Outcome {
    /// A single letter's result for an API caller: the reply, or `smtp_rejected` (5xx), `smtp_deferred` (4xx),
    /// `smtp_no_answer` (no usable reply).
    pub fn into_result(self) -> Result<String, Error> {
        let upstream = |code, message| Err(Error::Upstream { code, message });
        match self {
            Outcome::Accepted(reply) => Ok(reply),
            Outcome::Refused(_, text) => upstream("smtp_rejected", text),
            Outcome::Deferred(_, text) => upstream("smtp_deferred", text),
            Outcome::Retry(text) | Outcome::Unknown(text) => upstream("smtp_no_answer", text),
        }
    }

    /// From lettre's error for a command (`after_data`: the message was already sent).
    pub(super) fn from_error(e: &lettre::transport::smtp::Error, after_data: bool) -> Outcome {
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
}
