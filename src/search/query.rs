//! What a search box's text means: words (stemmed), `"phrases"` and `prefix*` terms, all of which must match;
//! and the same query written for FTS5's MATCH and for PostgreSQL's to_tsquery. Terms are our own tokens
//! (letters and digits only), so nothing the user types reaches either query language as syntax.

use super::stem::{words, Stemmers};
use crate::error::Error;

/// Fewer characters than this (letters and digits) is too short to search.
pub const MIN_CHARS: usize = 2;
const MAX_CHARS: usize = 200;
const MAX_TERMS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// `(lower-cased word, its stem)`
    Word(String, String),
    /// The lower-cased prefix before `*`.
    Prefix(String),
    /// `(lower, stem)` of each word, in order.
    Phrase(Vec<(String, String)>),
    /// A prefix (lower-cased, as typed) and the terms of one index that start with it (src/search/store/expand.rs).
    AnyOf(String, Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Parsed {
    pub terms: Vec<Term>,
}

fn too_short() -> Error {
    Error::Unprocessable {
        code: "search_query_too_short",
        message: format!("q needs at least {MIN_CHARS} letters or digits"),
        details: serde_json::json!({ "min_chars": MIN_CHARS }),
    }
}

/// Parses the box's text; an empty or too short query (or a prefix under MIN_CHARS) is a 422.
pub fn parse(q: &str, stemmers: &Stemmers) -> Result<Parsed, Error> {
    if q.chars().count() > MAX_CHARS {
        return Err(Error::validation(
            "q",
            format!("at most {MAX_CHARS} characters"),
        ));
    }
    let mut terms = Vec::new();
    // Odd pieces of a split on `"` are inside quotes.
    for (i, piece) in q.split('"').enumerate() {
        let found = words(piece);
        if i % 2 == 1 {
            match found.len() {
                0 => {}
                1 => terms.push(word(&found[0].lower, stemmers)),
                _ => terms.push(Term::Phrase(
                    found
                        .iter()
                        .map(|w| (w.lower.clone(), stemmers.stem(&w.lower)))
                        .collect(),
                )),
            }
            continue;
        }
        let chars: Vec<char> = piece.chars().collect();
        for w in found {
            if chars.get(w.end) == Some(&'*') {
                if w.lower.chars().count() < MIN_CHARS {
                    return Err(too_short());
                }
                terms.push(Term::Prefix(w.lower));
            } else {
                terms.push(word(&w.lower, stemmers));
            }
        }
    }
    let letters: usize = terms.iter().map(term_chars).sum();
    if terms.is_empty() || letters < MIN_CHARS {
        return Err(too_short());
    }
    if terms.len() > MAX_TERMS {
        return Err(Error::validation("q", format!("at most {MAX_TERMS} terms")));
    }
    Ok(Parsed { terms })
}

fn word(lower: &str, stemmers: &Stemmers) -> Term {
    Term::Word(lower.to_string(), stemmers.stem(lower))
}

fn term_chars(t: &Term) -> usize {
    match t {
        Term::Word(w, _) | Term::Prefix(w) | Term::AnyOf(w, _) => w.chars().count(),
        Term::Phrase(ws) => ws.iter().map(|(w, _)| w.chars().count()).sum(),
    }
}

impl Parsed {
    /// FTS5 MATCH text over the stemmed index: every term required.
    pub fn fts5(&self) -> String {
        let parts: Vec<String> = self
            .terms
            .iter()
            .map(|t| match t {
                Term::Word(_, stem) => format!("\"{stem}\""),
                // The index holds stems: a whole word typed with a star ("договоры*") matches by its stem too.
                Term::Prefix(p) => match Stemmers::default().stem(p) {
                    // Both would walk the same doclists once more.
                    stem if stem == *p => format!("\"{p}\"*"),
                    stem => format!("(\"{p}\"* OR \"{stem}\"*)"),
                },
                Term::AnyOf(_, terms) => {
                    // Index terms are unicode61 tokens, which hold no quote; doubled all the same.
                    let quoted: Vec<String> = terms
                        .iter()
                        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                        .collect();
                    format!("({})", quoted.join(" OR "))
                }
                Term::Phrase(ws) => {
                    let stems: Vec<&str> = ws.iter().map(|(_, s)| s.as_str()).collect();
                    format!("\"{}\"", stems.join(" "))
                }
            })
            .collect();
        parts.join(" AND ")
    }

    /// to_tsquery text (PostgreSQL stems it under each configuration).
    pub fn tsquery(&self) -> String {
        let parts: Vec<String> = self
            .terms
            .iter()
            .map(|t| match t {
                Term::Word(w, _) => format!("'{w}'"),
                Term::Prefix(p) | Term::AnyOf(p, _) => format!("'{p}':*"),
                Term::Phrase(ws) => {
                    let words: Vec<String> = ws.iter().map(|(w, _)| format!("'{w}'")).collect();
                    format!("({})", words.join(" <-> "))
                }
            })
            .collect();
        parts.join(" & ")
    }

    /// Does a word of a text match a term (for highlights)?
    pub fn hits(&self, lower: &str, stem: &str) -> bool {
        self.terms.iter().any(|t| match t {
            Term::Word(_, s) => s == stem,
            Term::Prefix(p) | Term::AnyOf(p, _) => lower.starts_with(p.as_str()),
            Term::Phrase(ws) => ws.iter().any(|(_, s)| s == stem),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_prefixes_and_words_become_safe_queries() {
        let s = Stemmers::default();
        let p = parse("\"договор поставки\" счёт* ООО's", &s).unwrap();
        assert_eq!(p.terms.len(), 4);
        assert!(p.fts5().starts_with("\"договор постав"), "{}", p.fts5());
        assert!(p.tsquery().contains("'счет':*"), "{}", p.tsquery());
        assert!(!p.fts5().contains('\''));
    }

    #[test]
    fn empty_short_and_syntax_only_queries_are_refused() {
        let s = Stemmers::default();
        for q in ["", " ", "a", "\"\"", "*", "x*", "-- ;"] {
            assert!(parse(q, &s).is_err(), "{q}");
        }
    }
}
