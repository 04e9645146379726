//! Reading a raw phone string into a leading `+` and ASCII digits.
//!
//! Digits of any script listed in `phone_rules.txt` count; separators are skipped; a label
//! may precede the number and an extension marker ends it (the extension is dropped).
//! Anything else (letters, a second `+`, `*`) makes the value invalid.

use super::rules::{Rules, RULES_TABLE};

/// More digits than any dialled form of a valid number (15 E.164 digits plus a prefix).
pub(super) const MAX_DIGITS: usize = 24;

/// The most digits an extension may have.
const MAX_EXT_DIGITS: usize = 10;

/// A lexed phone number: a leading `+` or not, and up to [`MAX_DIGITS`] ASCII digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lexed {
    /// A `+` came before the first digit.
    pub plus: bool,
    len: usize,
    buf: [u8; MAX_DIGITS],
}

impl Lexed {
    /// The digits, ASCII `0`-`9`.
    pub fn digits(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, d: u8) -> Result<(), Invalid> {
        if self.len == MAX_DIGITS {
            return Err(Invalid);
        }
        self.buf[self.len] = d;
        self.len += 1;
        Ok(())
    }
}

/// The value is not a phone number (letters, symbols, too many digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Invalid;

/// Reads `s` (already trimmed). `Ok` with no digits means only separators and labels.
pub(super) fn lex(s: &str) -> Result<Lexed, Invalid> {
    let rules = &*RULES_TABLE;
    let bytes = s.as_bytes();
    let mut out = Lexed {
        plus: false,
        len: 0,
        buf: [0; MAX_DIGITS],
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            out.push(b)?;
            i += 1;
            continue;
        }
        if b < 0x80 {
            if is_ascii_separator(b) {
                i += 1;
                continue;
            }
            if b == b'+' {
                if out.len > 0 {
                    return Err(Invalid);
                }
                out.plus = true;
                i += 1;
                continue;
            }
        } else {
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            if let Some(d) = unicode_digit(rules, c) {
                out.push(d)?;
                i += c.len_utf8();
                continue;
            }
            if is_unicode_separator(rules, c) {
                i += c.len_utf8();
                continue;
            }
            if c == '\u{FF0B}' {
                // Fullwidth plus.
                if out.len > 0 {
                    return Err(Invalid);
                }
                out.plus = true;
                i += c.len_utf8();
                continue;
            }
        }
        // A word: a label before the number, or an extension marker after it.
        if out.len == 0 {
            let n = match_word(&s[i..], &rules.labels).ok_or(Invalid)?;
            i += n;
            // "tel:", "тел." - the punctuation after a label.
            while i < bytes.len() && (bytes[i] == b':' || bytes[i] == b'.') {
                i += 1;
            }
        } else {
            let n = match_word(&s[i..], &rules.ext).ok_or(Invalid)?;
            check_extension(rules, &s[i + n..])?;
            break;
        }
    }
    Ok(out)
}

/// The rest after an extension marker must be `.`/`:`/`=` and separators, then 1 to
/// [`MAX_EXT_DIGITS`] digits (separators allowed between them), then nothing but separators.
fn check_extension(rules: &Rules, rest: &str) -> Result<(), Invalid> {
    let mut digits = 0;
    for c in rest.chars() {
        if c.is_ascii_digit() || unicode_digit(rules, c).is_some() {
            digits += 1;
            if digits > MAX_EXT_DIGITS {
                return Err(Invalid);
            }
        } else if matches!(c, '.' | ':' | '=') && digits == 0 {
            continue;
        } else if !is_separator(rules, c) {
            return Err(Invalid);
        }
    }
    if digits == 0 {
        return Err(Invalid);
    }
    Ok(())
}

/// If `s` starts with one of `words` (case-insensitively, a word of letters not followed by
/// another letter), the byte length matched.
fn match_word(s: &str, words: &[Box<[char]>]) -> Option<usize> {
    'words: for w in words {
        let mut chars = s.char_indices();
        for &wc in w.iter() {
            match chars.next() {
                Some((_, c)) if c == wc || c.to_lowercase().eq(std::iter::once(wc)) => {}
                _ => continue 'words,
            }
        }
        let end = chars.next();
        let last_is_letter = w.last().is_some_and(|c| c.is_alphabetic());
        match end {
            Some((at, c)) => {
                if last_is_letter && c.is_alphabetic() {
                    continue 'words;
                }
                return Some(at);
            }
            None => return Some(s.len()),
        }
    }
    None
}

fn is_ascii_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b'\x0b'
            | b'\x0c'
            | b'-'
            | b'.'
            | b'('
            | b')'
            | b'/'
            | b'['
            | b']'
            | b','
            | b';'
            | b'~'
    )
}

fn is_unicode_separator(rules: &Rules, c: char) -> bool {
    if c.is_whitespace() {
        return true;
    }
    let cp = c as u32;
    rules.seps.iter().any(|&(a, b)| a <= cp && cp <= b)
}

fn is_separator(rules: &Rules, c: char) -> bool {
    if c.is_ascii() {
        is_ascii_separator(c as u8)
    } else {
        is_unicode_separator(rules, c)
    }
}

/// The ASCII digit for a decimal digit of a listed script.
fn unicode_digit(rules: &Rules, c: char) -> Option<u8> {
    let cp = c as u32;
    rules
        .zeros
        .iter()
        .find(|&&z| z <= cp && cp < z + 10)
        .map(|&z| b'0' + (cp - z) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Option<(bool, String)> {
        lex(s)
            .ok()
            .map(|l| (l.plus, String::from_utf8_lossy(l.digits()).into_owned()))
    }

    fn ok(plus: bool, d: &str) -> Option<(bool, String)> {
        Some((plus, d.to_string()))
    }

    #[test]
    fn separators_and_plus() {
        assert_eq!(digits("+7 (912) 345-67-89"), ok(true, "79123456789"));
        assert_eq!(digits("8.912.345.67.89"), ok(false, "89123456789"));
        assert_eq!(digits("(+7) 912/345 67 89"), ok(true, "79123456789"));
        assert_eq!(
            digits("+ 44\u{a0}7912\u{2009}345678"),
            ok(true, "447912345678")
        );
        assert_eq!(digits("\u{FF0B}98\u{2013}912"), ok(true, "98912"));
        assert_eq!(digits("++7 912"), ok(true, "7912"));
        assert_eq!(digits("7 912 +7"), None);
        assert_eq!(digits("*100#"), None);
        assert_eq!(digits("--"), ok(false, ""));
    }

    #[test]
    fn scripts() {
        assert_eq!(digits("۰۹۱۲ ۳۴۵ ۶۷۸۹"), ok(false, "09123456789"));
        assert_eq!(digits("٠٩١٢٣٤٥٦٧٨٩"), ok(false, "09123456789"));
        assert_eq!(digits("\u{200f}+۹۸ ۹۱۲\u{200c}۳۴۵"), ok(true, "98912345"));
        assert_eq!(digits("０９１２"), ok(false, "0912"));
        assert_eq!(digits("+९१ ९८७६५"), ok(true, "9198765"));
    }

    #[test]
    fn labels_and_extensions() {
        assert_eq!(digits("тел.: 8 912 345 67 89"), ok(false, "89123456789"));
        assert_eq!(digits("Tel:+44 20 7946 0000"), ok(true, "442079460000"));
        assert_eq!(digits("тел. моб. 8 912"), ok(false, "8912"));
        assert_eq!(digits("telex 8 912"), None);
        for ext in [
            " ext. 12",
            " ext 12",
            " x12",
            "x12",
            " #12",
            "#12",
            " доб. 12",
            " доб 12",
            " вн. 12",
            " Доб.12",
            " EXT: 12",
            " (доб. 12)",
            " extension 1234",
            " داخلی ۱۲",
        ] {
            let s = format!("+7 912 345 67 89{ext}");
            assert_eq!(digits(&s), ok(true, "79123456789"), "{s}");
        }
        for bad in [
            "+7 912 345 67 89 ext.",
            "+7 912 345 67 89 x",
            "+7 912 345 67 89 доб. 12 a",
            "+7 912 345 67 89 Anna",
            "+7 912 345 67 89 xx12",
            "+7 912 345 67 89 x 12345678901",
            "Anna +7 912",
            "x12",
        ] {
            assert_eq!(digits(bad), None, "{bad}");
        }
    }

    #[test]
    fn too_many_digits() {
        assert_eq!(
            digits(&"1".repeat(MAX_DIGITS)).map(|d| d.1.len()),
            Some(MAX_DIGITS)
        );
        assert_eq!(digits(&"1".repeat(MAX_DIGITS + 1)), None);
    }
}
