//! Snippets: a window of plain text around the first matching word, with the ranges of every matching word in it.
//! Built in Rust from the stored text on both backends, so highlighting never depends on (or emits) markup.

use super::model::Snippet;
use super::query::Parsed;
use super::stem::{words, Stemmers};

/// Characters of context shown.
const WIDTH: usize = 180;
/// Characters before the first hit.
const LEAD: usize = 50;
/// Only this much of a long body is looked at.
const SCAN: usize = 20_000;

/// Whitespace runs (newlines of a mail body included) as one space.
fn flatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SCAN * 2));
    let mut space = false;
    for ch in text.chars().take(SCAN) {
        if ch.is_whitespace() || ch.is_control() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// The whole (short) text with its highlights: titles.
pub fn whole(text: &str, query: &Parsed, stemmers: &Stemmers) -> Snippet {
    let text = flatten(text);
    let highlights = ranges(&text, query, stemmers, 0, usize::MAX);
    Snippet { text, highlights }
}

/// A window around the first hit (the start of the text when nothing matches).
pub fn around(text: &str, query: &Parsed, stemmers: &Stemmers) -> Snippet {
    let flat = flatten(text);
    let found = words(&flat);
    let first = found
        .iter()
        .find(|w| query.hits(&w.lower, &stemmers.stem(&w.lower)));
    let mut from = first.map_or(0, |w| w.start.saturating_sub(LEAD));
    // Start at a word's beginning, not inside one.
    if from > 0 {
        if let Some(w) = found.iter().find(|w| w.end > from && w.start < from) {
            from = w.start;
        }
    }
    let chars: Vec<char> = flat.chars().collect();
    let to = (from + WIDTH).min(chars.len());
    let mut text: String = chars[from..to].iter().collect();
    let mut shift = 0;
    if from > 0 {
        text.insert(0, '…');
        shift = 1;
    }
    if to < chars.len() {
        text.push('…');
    }
    let highlights = ranges(&flat, query, stemmers, from, to)
        .into_iter()
        .map(|[s, e]| [s - from + shift, e - from + shift])
        .collect();
    Snippet { text, highlights }
}

/// Ranges of matching words that lie within `[from, to)` of `text`.
fn ranges(
    text: &str,
    query: &Parsed,
    stemmers: &Stemmers,
    from: usize,
    to: usize,
) -> Vec<[usize; 2]> {
    words(text)
        .into_iter()
        .filter(|w| w.start >= from && w.end <= to)
        .filter(|w| query.hits(&w.lower, &stemmers.stem(&w.lower)))
        .map(|w| [w.start, w.end])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    #[test]
    fn a_snippet_marks_other_inflections_and_keeps_markup_as_text() {
        let s = Stemmers::default();
        let q = parse("договоры", &s).unwrap();
        let body = format!(
            "{} <script>alert(1)</script> Высылаю договор\n\nна подпись",
            "слово ".repeat(40)
        );
        let snip = around(&body, &q, &s);
        let marked: Vec<String> = snip
            .highlights
            .iter()
            .map(|[a, b]| snip.text.chars().skip(*a).take(b - a).collect())
            .collect();
        assert_eq!(marked, vec!["договор".to_string()]);
        assert!(snip.text.contains("<script>"));
        assert!(snip.text.starts_with('…'));
    }
}
