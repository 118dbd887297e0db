//! The client's address as throttling sees it: the peer, or behind trusted reverse proxies the nearest untrusted
//! hop of `X-Forwarded-For`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::error::Error;

/// The client's address, for throttling. The server is started with connect info; behind a trusted reverse proxy
/// (`MAILROOM_TRUSTED_PROXIES`) it is the nearest address in `X-Forwarded-For` that is not one of those proxies.
pub struct ClientAddr(pub String);

impl FromRequestParts<crate::app::AppState> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::app::AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
        else {
            return Ok(ClientAddr("unknown".to_string()));
        };
        let chain: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        Ok(ClientAddr(
            client_ip(peer, &chain, &state.trusted_proxies).to_string(),
        ))
    }
}

/// Walks `X-Forwarded-For` from the right while the hop that handed the request on is a trusted proxy: each proxy
/// appends the address it received from, so anything left of the first untrusted hop may be forged by the client.
fn client_ip(
    peer: std::net::IpAddr,
    chain: &[&str],
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    let mut addr = peer;
    for hop in chain.iter().rev() {
        if !trusted.contains(&addr) {
            break;
        }
        match hop.trim().parse() {
            Ok(ip) => addr = ip,
            // A hop we cannot read: the last address we trust the chain up to.
            Err(_) => break,
        }
    }
    addr
}

/// `MAILROOM_TRUSTED_PROXIES`: comma-separated IP addresses.
pub fn parse_proxies(text: Option<&str>) -> Result<Vec<std::net::IpAddr>, String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format!("'{s}' is not an IP address (a comma-separated list of them)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let proxy: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let trusted = [proxy];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // Not from a trusted proxy: the header is the client's to forge, and is ignored.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["198.51.100.1"], &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(proxy, &["198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        // A forged left part stays unread: nginx appended the real peer on the right.
        assert_eq!(
            client_ip(proxy, &["10.9.9.9", " 198.51.100.1"], &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(proxy, &[], &trusted), proxy);
        assert_eq!(client_ip(proxy, &["garbage"], &trusted), proxy);
        assert_eq!(client_ip(proxy, &["198.51.100.1"], &[]), proxy);
        assert!(parse_proxies(Some("127.0.0.1, ::1")).unwrap().len() == 2);
        assert!(parse_proxies(Some("nginx")).is_err());
        assert!(parse_proxies(None).unwrap().is_empty());
    }
}
