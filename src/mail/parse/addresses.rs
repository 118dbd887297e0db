//! Participants as a mail client lists them: every `To:`/`Cc:` line, the first `From:`, and the obsolete address
//! syntax of RFC 5322 §4.4 (comments, source routes) reduced to the name and address a reader sees.

use mail_parser::{Address, HeaderName, Message};

use super::{clean, Participant};

/// Roles in the order we store them, and whether every header of that name counts or only the first.
///
/// Repeated `To:`, `Cc:`, `Bcc:` and `Reply-To:` lines are all read (RFC 5322 §4.5.3 obsolete syntax, still written
/// by some list servers and scripts): a client lists everyone on them, so do we. mail-parser's `to()` and friends
/// return only the last one.
///
/// Two `From:` (or `Sender:`) lines are ambiguous. We take the first, as Outlook and Exchange do: Microsoft's MIME
/// conversion spec ([MS-OXCMAIL], "Envelope Elements") says readers SHOULD use the first instance of a repeated
/// header, and SHOULD combine all instances of recipient fields, which is what this table does; issue 21's
/// comparison found mail clients showing the first `From:` too. The first is the sender we show, link and make
/// leads from; the second, usually added by a broken relay or a spoofer, is not stored as a participant.
const ROLES: [(&str, HeaderName<'static>, bool); 6] = [
    ("from", HeaderName::From, false),
    ("sender", HeaderName::Sender, false),
    ("reply_to", HeaderName::ReplyTo, true),
    ("to", HeaderName::To, true),
    ("cc", HeaderName::Cc, true),
    ("bcc", HeaderName::Bcc, true),
];

pub(super) fn participants(message: &Message) -> Vec<Participant> {
    let mut out = Vec::new();
    for (role, name, every) in ROLES {
        let mut values = message.header_values(name).filter_map(|v| v.as_address());
        if every {
            values.for_each(|a| push(role, a, &mut out));
        } else if let Some(first) = values.next() {
            push(role, first, &mut out);
        }
    }
    out
}

fn push(role: &'static str, address: &Address, out: &mut Vec<Participant>) {
    for addr in address.iter() {
        let Some(email) = addr
            .address
            .as_deref()
            .map(|a| without_source_route(a.trim()))
            .filter(|a| a.contains('@'))
        else {
            continue;
        };
        let address = clean(&email.to_lowercase());
        if out.iter().any(|p| p.role == role && p.address == address) {
            continue;
        }
        let name = addr
            .name
            .as_deref()
            .map(|n| clean(n.trim()))
            .filter(|n| !n.is_empty());
        let domain = crate::email_address::registrable_domain(
            address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default(),
        );
        out.push(Participant {
            role,
            address,
            name,
            domain,
        });
    }
}

/// `<@a.example,@b.example:x@y.example>` (RFC 5322 §4.4 obs-route) is delivered to, and shown as, `x@y.example`;
/// mail-parser keeps the route as part of the address.
fn without_source_route(address: &str) -> &str {
    match address.strip_prefix('@').and_then(|a| a.rsplit_once(':')) {
        Some((_, mailbox)) => mailbox.trim(),
        None => address,
    }
}

/// Removes comments from an address header's raw value where a mail client ignores them. mail-parser 0.11 appends
/// every comment of a mailbox to its display name: `Pete(A wonderful \) chap) <pete(his account)@silly.test>`
/// becomes `Pete (A wonderful ) chap his account)`, where RFC 5322 (appendix A.5) reads the name `Pete`. Kept:
/// quoted strings (`"Smith (Sales)"` is a name), and a comment after a bare address (`jdoe@example.com (John Doe)`),
/// the old way of writing a name, which mail-parser already reads as the name. `None`: nothing to change.
pub(super) fn strip_comments(value: &[u8]) -> Option<Vec<u8>> {
    if !value.contains(&b'(') {
        return None;
    }
    let mut out = Vec::with_capacity(value.len());
    let mut changed = false;
    let mut start = 0;
    for end in mailbox_ends(value) {
        let mailbox = &value[start..end];
        match strip_mailbox(mailbox) {
            Some(stripped) => {
                out.extend_from_slice(&stripped);
                changed = true;
            }
            None => out.extend_from_slice(mailbox),
        }
        start = end;
    }
    changed.then_some(out)
}

/// Where each mailbox of the list ends (after its comma), commas inside quotes, comments and `<…>` not counting.
fn mailbox_ends(value: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut scan = Scan::default();
    for (i, &b) in value.iter().enumerate() {
        if scan.step(b) == Where::Top && !scan.angle && b == b',' {
            ends.push(i + 1);
        }
    }
    ends.push(value.len());
    ends
}

fn strip_mailbox(mailbox: &[u8]) -> Option<Vec<u8>> {
    // (start, end, inside <…>) of each outermost comment
    let mut comments: Vec<(usize, usize, bool)> = Vec::new();
    let mut scan = Scan::default();
    let mut angle_at = None;
    for (i, &b) in mailbox.iter().enumerate() {
        let before = scan.depth;
        let in_angle = scan.angle;
        let place = scan.step(b);
        if place == Where::Top && b == b'<' && angle_at.is_none() {
            angle_at = Some(i);
        }
        if before == 0 && scan.depth == 1 {
            comments.push((i, i, in_angle));
        } else if before == 1 && scan.depth == 0 {
            if let Some(last) = comments.last_mut() {
                last.1 = i + 1;
            }
        }
    }
    comments.retain(|c| c.1 > c.0);
    match angle_at {
        Some(angle) => {
            let phrase_left = phrase_without_comments(&mailbox[..angle], &comments);
            if comments.is_empty() || !phrase_left {
                // `(Ivan) <ivan@x>`: the comment is the only name there is; leave it to mail-parser.
                return None;
            }
        }
        None => {
            // A bare address: its trailing comment is its name.
            let trailing = comments.last().is_some_and(|&(_, end, _)| {
                mailbox[end..]
                    .iter()
                    .all(|b| b.is_ascii_whitespace() || *b == b',')
            });
            if trailing {
                comments.pop();
            }
            if comments.is_empty() {
                return None;
            }
        }
    }
    let mut out = Vec::with_capacity(mailbox.len());
    let mut from = 0;
    for (start, end, in_angle) in comments {
        out.extend_from_slice(&mailbox[from..start]);
        if !in_angle && angle_at.is_some_and(|a| start < a) {
            out.push(b' ');
        }
        from = end;
    }
    out.extend_from_slice(&mailbox[from..]);
    Some(out)
}

/// Whether the phrase has text outside its comments (which are in order, without overlaps).
fn phrase_without_comments(phrase: &[u8], comments: &[(usize, usize, bool)]) -> bool {
    let mut from = 0;
    for &(start, end, _) in comments {
        let start = start.min(phrase.len());
        if phrase[from.min(start)..start]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
        {
            return true;
        }
        from = from.max(end);
    }
    phrase[from.min(phrase.len())..]
        .iter()
        .any(|b| !b.is_ascii_whitespace())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Top,
    Quoted,
    Comment,
}

/// A byte-by-byte reader of quoted strings (with `\` escapes), nested comments and angle brackets.
#[derive(Default)]
struct Scan {
    quoted: bool,
    escaped: bool,
    depth: usize,
    angle: bool,
}

impl Scan {
    /// Where `b` is (before it changes the state).
    fn step(&mut self, b: u8) -> Where {
        if self.escaped {
            self.escaped = false;
            return if self.quoted {
                Where::Quoted
            } else {
                Where::Comment
            };
        }
        if self.quoted {
            match b {
                b'\\' => self.escaped = true,
                b'"' => self.quoted = false,
                _ => {}
            }
            return Where::Quoted;
        }
        if self.depth > 0 {
            match b {
                b'\\' => self.escaped = true,
                b'(' => self.depth += 1,
                b')' => self.depth -= 1,
                _ => {}
            }
            return Where::Comment;
        }
        match b {
            b'"' => {
                self.quoted = true;
                return Where::Quoted;
            }
            b'(' => {
                self.depth = 1;
                return Where::Comment;
            }
            b'<' => self.angle = true,
            b'>' => self.angle = false,
            _ => {}
        }
        Where::Top
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stripped(value: &str) -> Option<String> {
        strip_comments(value.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn comments_are_removed_from_names_and_addresses() {
        assert_eq!(
            stripped(" Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>\r\n")
                .as_deref(),
            Some(" Pete  <pete@silly.test>\r\n")
        );
        assert_eq!(
            stripped(" a(x)@b.ru (Anna), \"Smith (Sales)\" <s@b.ru>\r\n").as_deref(),
            Some(" a@b.ru (Anna), \"Smith (Sales)\" <s@b.ru>\r\n"),
            "a bare address keeps its trailing comment as its name"
        );
    }

    #[test]
    fn names_that_are_only_comments_or_quoted_are_kept() {
        assert_eq!(stripped(" jdoe@example.com (John Doe)\r\n"), None);
        assert_eq!(stripped(" (Ivan) <ivan@x.ru>\r\n"), None);
        assert_eq!(stripped(" \"Smith (Sales)\" <s@b.ru>\r\n"), None);
        assert_eq!(stripped(" <@a.com,@b.ru:x@y.ru>\r\n"), None);
    }

    #[test]
    fn a_source_route_is_not_part_of_the_address() {
        assert_eq!(without_source_route("@a.com,@b.ru:x@y.ru"), "x@y.ru");
        assert_eq!(without_source_route("x@y.ru"), "x@y.ru");
    }
}
