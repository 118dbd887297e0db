//! VERP envelope senders: `bounces+c12-r345@example.com` names campaign 12 and recipient 345, so a bounce that
//! reaches the bounce mailbox is matched to its letter without parsing the DSN's quoted headers.

/// The envelope sender of one letter, from the bounce base address `local@domain`.
pub fn address(base: &str, campaign_id: i64, recipient_id: i64) -> String {
    let (local, domain) = base.rsplit_once('@').unwrap_or((base, "localhost"));
    let local = local.split('+').next().unwrap_or(local);
    format!("{local}+c{campaign_id}-r{recipient_id}@{domain}")
}

/// Campaign and recipient ids from a Return-Path local part (`bounces+c12-r345`); a whole address is accepted too.
pub fn parse(return_path_local_part: &str) -> Option<(i64, i64)> {
    let local = return_path_local_part
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let local = local.rsplit_once('@').map_or(local, |(l, _)| l);
    let tag = local.rsplit_once('+')?.1;
    let (c, r) = tag.split_once('-')?;
    let campaign = c.strip_prefix('c')?.parse().ok()?;
    let recipient = r.strip_prefix('r')?.parse().ok()?;
    Some((campaign, recipient))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let a = address("bounces@nordwind.ru", 12, 345);
        assert_eq!(a, "bounces+c12-r345@nordwind.ru");
        assert_eq!(parse("bounces+c12-r345"), Some((12, 345)));
        assert_eq!(parse(&a), Some((12, 345)));
        assert_eq!(parse("<bounces+c1-r2@x.ru>"), Some((1, 2)));
    }

    #[test]
    fn other_addresses_are_not_verp() {
        for s in [
            "bounces",
            "bounces+",
            "a+b-c",
            "bounces+c1-rx",
            "bounces+cx-r1",
            "x+c1r2",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
