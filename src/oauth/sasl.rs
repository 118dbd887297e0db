//! SASL initial responses for bearer tokens (RFC 7628 OAUTHBEARER, Google's XOAUTH2), for IMAP and SMTP.

/// `user=U^Aauth=Bearer T^A^A`.
pub fn xoauth2(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// `n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A`.
pub fn oauthbearer(user: &str, host: &str, port: u16, token: &str) -> String {
    let user = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01")
}

#[cfg(test)]
mod tests {
    #[test]
    fn initial_responses_follow_the_specs() {
        assert_eq!(
            super::xoauth2("a@b.ru", "T"),
            "user=a@b.ru\x01auth=Bearer T\x01\x01"
        );
        assert_eq!(
            super::oauthbearer("a,b=@c.ru", "imap.c.ru", 993, "T"),
            "n,a=a=2Cb=3D@c.ru,\x01host=imap.c.ru\x01port=993\x01auth=Bearer T\x01\x01"
        );
    }
}
