//! Other attributes of a record (gender, state, occupation, segment, ...) -> a folded value.
//!
//! The steps: trim; a placeholder word (`n/a`, `unknown`, `нет`) is [`Reject::Placeholder`];
//! Unicode NFKC and case folding; abbreviation dots and apostrophes are dropped (`N.S.W.` is
//! `nsw`); every other run of characters that are neither letters, digits nor combining marks
//! (a Devanagari virama is part of its word) becomes one space. Nothing left is
//! [`Reject::Empty`]. A [`AttributeKind::Category`](crate::AttributeKind::Category) keeps
//! its value whole (`"NSW"` and `"nsw"` are one state); a
//! [`AttributeKind::Text`](crate::AttributeKind::Text) is compared fuzzily, on the same
//! folded form.
//!
//! ```
//! use omnilink::normalize::{attribute, Context};
//! let state = attribute::normalize(" New  South-Wales ", &Context::new()).unwrap();
//! assert_eq!(&*state, "new south wales");
//! assert!(attribute::normalize("n/a", &Context::new()).is_err());
//! ```

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::{is_placeholder_word, precheck, Context, Reject};

/// Longest folded attribute value kept, in bytes; longer text is cut at a character boundary.
pub const MAX_LEN: usize = 256;

/// Folds one attribute value.
pub fn normalize(raw: &str, _ctx: &Context) -> Result<Box<str>, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let mut out = String::with_capacity(t.len());
    let mut gap = false;
    for c in t.nfkc().flat_map(char::to_lowercase) {
        if matches!(c, '.' | '\'' | '\u{2019}' | '\u{02bc}') {
            // Abbreviation dots and apostrophes join (`N.S.W.` is `nsw`, `O'Neil` one word).
            continue;
        }
        if c.is_alphanumeric() || is_combining_mark(c) {
            let space = usize::from(gap && !out.is_empty());
            if out.len() + space + c.len_utf8() > MAX_LEN {
                break;
            }
            if space == 1 {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if out.is_empty() {
        return Err(Reject::Empty);
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_width_and_punctuation() {
        let ctx = Context::new();
        assert_eq!(&*normalize("NSW", &ctx).unwrap(), "nsw");
        assert_eq!(&*normalize("ＮＳＷ.", &ctx).unwrap(), "nsw");
        assert_eq!(&*normalize("Мужской", &ctx).unwrap(), "мужской");
        assert_eq!(normalize(" .,; ", &ctx), Err(Reject::Empty));
        assert_eq!(normalize("N/A", &ctx), Err(Reject::Placeholder));
    }

    #[test]
    fn idempotent() {
        let ctx = Context::new();
        for raw in [
            "Software  Engineer",
            "F",
            "ул. Ленина",
            "x".repeat(400).as_str(),
        ] {
            let once = normalize(raw, &ctx).unwrap();
            assert_eq!(normalize(&once, &ctx).unwrap(), once);
        }
    }
}
