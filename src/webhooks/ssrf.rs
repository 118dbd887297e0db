//! Endpoints must not point the server at itself or its private network (SSRF) unless an operator allows it
//! (`MAILROOM_WEBHOOKS_ALLOW_PRIVATE=true`, which the tests set for their loopback receivers). Checked when an
//! endpoint is created and again before every POST, since a name may resolve elsewhere later.

use std::net::IpAddr;

use crate::error::Error;

/// Is this address reachable only from inside (loopback, private, link-local, CGNAT, unique-local …)?
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Parses the URL (http or https, with a host) and, unless private targets are allowed, resolves it and refuses
/// any private address: 422 `webhook_url_forbidden`.
pub async fn check(text: &str, allow_private: bool) -> Result<url::Url, Error> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| Error::validation("url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::validation("url", "must be http:// or https://"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::validation("url", "must name a host"))?
        .trim_matches(['[', ']'])
        .to_string();
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| Error::validation("url", format!("{host} does not resolve: {e}")))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| is_private(a.ip())) {
        return Err(Error::Unprocessable {
            code: "webhook_url_forbidden",
            message: format!(
                "{host} is a loopback or private address; an operator may allow those with MAILROOM_WEBHOOKS_ALLOW_PRIVATE=true"
            ),
            details: serde_json::json!({ "host": host }),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_private_and_mapped_addresses_are_private_public_ones_are_not() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2a00:1450::1", "93.184.216.34"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
