//! A coarse phonetic key for blocking.
//!
//! The key is built on the folded Latin word: vowels are dropped everywhere (Arabic-script
//! names carry no short vowels, so `محمد` -> `mhmd` must meet `Mohammad`), similar
//! consonants share one class, repeated classes collapse, and a final `h` (Persian `-eh`,
//! `Fatemeh` / `Fatima`) is dropped. Classes:
//!
//! | class | letters |
//! |---|---|
//! | B | b p bh |
//! | F | f v w ph |
//! | K | k g q c (before a, o, u, consonants) gh |
//! | H | h kh |
//! | J | j zh jh |
//! | S | s z ts c (before e, i) |
//! | X | sh shch |
//! | C | ch chh |
//! | T | t d th dh |
//! | L M N R | l m n r |

use super::fold::{fold_words, latin_fold};

/// See [`super::phonetic`].
pub(super) fn key(token: &str) -> String {
    let folded = if token.bytes().all(|b| b.is_ascii_lowercase()) {
        latin_fold(token, None)
    } else {
        fold_words(token, None)
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    };
    let s = folded.as_bytes();
    let mut out = String::with_capacity(s.len());
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < s.len() {
        let (c, n1, n2) = (s[i], at(i + 1), at(i + 2));
        let (code, used) = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => (None, 1),
            b'b' | b'p' if n1 == b'h' => (Some(if c == b'b' { b'B' } else { b'F' }), 2),
            b'b' | b'p' => (Some(b'B'), 1),
            b'f' | b'v' | b'w' => (Some(b'F'), 1),
            b'k' if n1 == b'h' => (Some(b'H'), 2),
            b'g' if n1 == b'h' => (Some(b'K'), 2),
            b'k' | b'g' | b'q' => (Some(b'K'), 1),
            b'c' if n1 == b'h' && n2 == b'h' => (Some(b'C'), 3),
            b'c' if n1 == b'h' => (Some(b'C'), 2),
            b'c' if matches!(n1, b'e' | b'i' | b'y') => (Some(b'S'), 1),
            b'c' => (Some(b'K'), 1),
            b'x' => (Some(b'K'), 1),
            b'h' => (Some(b'H'), 1),
            b'j' if n1 == b'h' => (Some(b'J'), 2),
            b'j' => (Some(b'J'), 1),
            b'z' if n1 == b'h' => (Some(b'J'), 2),
            b's' if n1 == b'h' && n2 == b'c' && at(i + 3) == b'h' => (Some(b'X'), 4),
            b's' if n1 == b'h' => (Some(b'X'), 2),
            b's' | b'z' => (Some(b'S'), 1),
            b't' if n1 == b's' => (Some(b'S'), 2),
            b't' | b'd' if n1 == b'h' => (Some(b'T'), 2),
            b't' | b'd' => (Some(b'T'), 1),
            b'l' => (Some(b'L'), 1),
            b'm' => (Some(b'M'), 1),
            b'n' => (Some(b'N'), 1),
            b'r' => (Some(b'R'), 1),
            _ => (None, 1),
        };
        if let Some(code) = code {
            if out.as_bytes().last() != Some(&code) {
                out.push(code as char);
            }
            if c == b'x' {
                out.push('S');
            }
        }
        i += used;
    }
    if out.len() > 1 && out.ends_with('H') {
        out.pop();
    }
    if out.is_empty() {
        if let Some(first) = folded.chars().next() {
            out.push(first.to_ascii_uppercase());
        }
    }
    out
}
