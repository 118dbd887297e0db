//! Text that ends up in a mail header or on one line of a screen (names, subjects): cleaned where it enters the
//! server, so that a CR/LF pasted into a name can never become a header of its own.

/// `s` on one line: CR, LF, tabs and other line or paragraph separators become a space (a run of them one space),
/// other control characters are dropped, and the ends are trimmed.
pub fn single_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.chars() {
        if matches!(
            c,
            '\r' | '\n' | '\t' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            gap = true;
        } else if c.is_control() {
            continue;
        } else {
            if gap && !out.is_empty() && !c.is_whitespace() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// The first control character of `s`, if any (what `single_line` would have removed).
pub fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_one_space_and_other_controls_go() {
        assert_eq!(single_line("Иван\r\nBcc: x@y"), "Иван Bcc: x@y");
        assert_eq!(single_line("  a\tb\u{7}c\u{0}\n"), "a bc");
        assert_eq!(single_line("a \r\n b"), "a  b");
        assert_eq!(single_line("\r\n"), "");
        assert_eq!(single_line("Анна-Мария О'Нил"), "Анна-Мария О'Нил");
        assert_eq!(control_char("ok name"), None);
        assert_eq!(control_char("a\rb"), Some('\r'));
    }
}
