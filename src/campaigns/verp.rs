//! VERP envelope senders: `bounces+c12-r345-3f9a0b1c2d@example.com` names campaign 12 and recipient 345, so a
//! bounce that reaches the bounce mailbox is matched to its letter without parsing the DSN's quoted headers. The
//! last part is a short HMAC of the ids, so a forged DSN cannot name (and suppress) another campaign's recipient.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Hex digits of the signature: 40 bits, short enough for a local part and far beyond guessing by mail.
const SIGNATURE_LEN: usize = 10;

/// What a DSN's recipient address says about the letter it returns.
#[derive(Debug, PartialEq, Eq)]
pub enum Verp {
    /// A signed VERP address whose signature holds: (campaign id, recipient id).
    Signed(i64, i64),
    /// Not a VERP address, or one without a signature (from before letters were signed): no letter is named.
    Unsigned,
    /// A VERP address whose signature does not hold: forged or altered.
    Forged,
}

fn signature(key: &[u8], campaign_id: i64, recipient_id: i64) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("verp\n{campaign_id}\n{recipient_id}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.truncate(SIGNATURE_LEN);
    hex
}

/// The envelope sender of one letter, from the bounce base address `local@domain`.
pub fn address(base: &str, key: &[u8], campaign_id: i64, recipient_id: i64) -> String {
    let (local, domain) = base.rsplit_once('@').unwrap_or((base, "localhost"));
    let local = local.split('+').next().unwrap_or(local);
    let sig = signature(key, campaign_id, recipient_id);
    format!("{local}+c{campaign_id}-r{recipient_id}-{sig}@{domain}")
}

/// The tag after `+` of a local part or whole address (`bounces+c12-r345-sig` -> `c12-r345-sig`).
fn tag(address: &str) -> Option<&str> {
    let local = address.trim().trim_start_matches('<').trim_end_matches('>');
    let local = local.rsplit_once('@').map_or(local, |(l, _)| l);
    Some(local.rsplit_once('+')?.1)
}

/// Campaign and recipient ids a VERP address names, signed or not. Not a proof: see `check`.
pub fn parse(address: &str) -> Option<(i64, i64)> {
    let mut parts = tag(address)?.splitn(3, '-');
    // Some relays upper-case local parts.
    let campaign = parts.next()?.strip_prefix(['c', 'C'])?.parse().ok()?;
    let recipient = parts.next()?.strip_prefix(['r', 'R'])?.parse().ok()?;
    Some((campaign, recipient))
}

/// Checks the signature of a VERP address (a local part or a whole address).
pub fn check(key: &[u8], address: &str) -> Verp {
    let Some((campaign, recipient)) = parse(address) else {
        return Verp::Unsigned;
    };
    let Some(sig) = tag(address).and_then(|t| t.splitn(3, '-').nth(2)) else {
        return Verp::Unsigned;
    };
    let expected = signature(key, campaign, recipient);
    // The comparison is of public-length hex, in constant time.
    let given = sig.to_ascii_lowercase();
    let same = given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Verp::Signed(campaign, recipient)
    } else {
        Verp::Forged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let a = address("bounces@nordwind.ru", b"key", 12, 345);
        assert!(a.starts_with("bounces+c12-r345-"), "{a}");
        assert!(a.ends_with("@nordwind.ru"), "{a}");
        assert!(a.len() < 64, "{a}");
        assert_eq!(parse(&a), Some((12, 345)));
        assert_eq!(check(b"key", &a), Verp::Signed(12, 345));
        assert_eq!(check(b"key", &a.to_uppercase()), Verp::Signed(12, 345));
        assert_eq!(check(b"key", &format!("<{a}>")), Verp::Signed(12, 345));
    }

    #[test]
    fn forged_and_unsigned_addresses() {
        let a = address("bounces@nordwind.ru", b"key", 12, 345);
        assert_eq!(check(b"other key", &a), Verp::Forged);
        let moved = a.replace("r345", "r346");
        assert_eq!(check(b"key", &moved), Verp::Forged);
        assert_eq!(check(b"key", "bounces+c12-r345-00@x.ru"), Verp::Forged);
        assert_eq!(
            check(b"key", "bounces+c42-r1001@nordwind.ru"),
            Verp::Unsigned
        );
        for s in [
            "bounces",
            "bounces+",
            "a+b-c",
            "bounces+c1-rx",
            "bounces+cx-r1",
            "x+c1r2",
        ] {
            assert_eq!(parse(s), None, "{s}");
            assert_eq!(check(b"key", s), Verp::Unsigned, "{s}");
        }
    }
}
