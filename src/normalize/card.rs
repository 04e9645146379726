//! Discount and loyalty card numbers -> canonical number.
//!
//! The steps, in order:
//!
//! 1. Trim; a "no card" value (`нет карты`, `n/a`, data in `data/card_junk.txt`) is
//!    [`Reject::Placeholder`].
//! 2. Known prefixes (`LC-`, `card`, `карта`, `№`, `#`, `No.`, `N`, `کارت`, ... from
//!    `data/card_prefixes.txt`) are stripped, repeatedly, with the separators after them.
//! 3. Separators (spaces, `-`, `.`, `/`, `_`, `:`) are dropped; Persian, Arabic-Indic,
//!    Devanagari and full-width digits become ASCII digits; Latin letters are upper-cased and
//!    Cyrillic letters that look like Latin ones (`А`, `В`, `С`, ...) become those letters.
//!    Any other character makes the value [`Reject::Invalid`]. An Excel float artefact
//!    (`12345678.0`) loses its `.0`.
//! 4. A code with letters is kept (upper case) when it has at least [`MIN_CODE_DIGITS`]
//!    digits, else it is [`Reject::Invalid`] (a word such as `GOLD` or `VIP1` is no card).
//!    Leading zeros and the Luhn check apply to all-digit numbers only; with
//!    [`CardPolicy::require_luhn`] a code with letters is [`Reject::Invalid`].
//! 5. All-digit numbers: leading zeros dropped when [`CardPolicy::strip_leading_zeros`];
//!    all zeros, one repeated digit, a run (`12345678`, `98765`) or a short repeated
//!    pattern (`121212`, `123123123`) is [`Reject::Placeholder`]; fewer than
//!    [`MIN_SIGNIFICANT`] significant characters is [`Reject::Invalid`]; more than
//!    [`MAX_SIGNIFICANT`] is [`Reject::TooLong`].
//! 6. A number that looks like a bank card (`data/card_bank_iin.txt`: 15-19 digits with a
//!    payment-card start, Luhn-valid; Uzcard/Humo by start alone) is never kept in clear; see
//!    [`BankCardPolicy`]. With [`BankCardPolicy::Reject`] it is [`Reject::Invalid`]: a bank
//!    card is not a loyalty card.
//!
//! Idempotency: normalising the string of a [`Card::Number`] gives the same card.
//! [`Card::BankHash`] and [`Card::BankLast4`] are not card numbers: normalising their strings
//! again gives something else (a 64-character hash is [`Reject::TooLong`]), never a panic.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{data_lines, is_placeholder_word, precheck, Context, Reject};

/// Fewest digits a card code with letters must have (`AB1234` is a card, `VIP1` is not).
pub const MIN_CODE_DIGITS: usize = 4;

/// Fewest significant characters of any card number.
pub const MIN_SIGNIFICANT: usize = 4;

/// Most significant characters of any card number.
pub const MAX_SIGNIFICANT: usize = 32;

/// How card numbers are canonicalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CardPolicy {
    /// Drop leading zeros (`000123` and `123` become one card).
    pub strip_leading_zeros: bool,
    /// Reject numbers that fail the Luhn check.
    pub require_luhn: bool,
    /// What to keep of numbers that look like bank cards (16 digits passing Luhn).
    pub bank_cards: BankCardPolicy,
}

impl Default for CardPolicy {
    fn default() -> Self {
        CardPolicy {
            strip_leading_zeros: true,
            require_luhn: false,
            bank_cards: BankCardPolicy::default(),
        }
    }
}

/// What to keep of a number that looks like a bank card: never the number in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BankCardPolicy {
    /// A keyed hash (HMAC-SHA-256) of the digits; equal cards still match.
    KeyedHash {
        /// The secret key. Use one key per deployment; an empty key still hides the number
        /// from casual view but not from someone who can enumerate card numbers.
        key: String,
    },
    /// Only the last four digits (weak for matching; many cards share them).
    Last4,
    /// Drop the value.
    Reject,
}

impl Default for BankCardPolicy {
    fn default() -> Self {
        BankCardPolicy::KeyedHash { key: String::new() }
    }
}

impl fmt::Debug for BankCardPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankCardPolicy::KeyedHash { .. } => f.write_str("KeyedHash { key: <redacted> }"),
            BankCardPolicy::Last4 => f.write_str("Last4"),
            BankCardPolicy::Reject => f.write_str("Reject"),
        }
    }
}

/// A canonical card number, or what is kept of a bank card.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Card {
    /// A loyalty/discount card number: significant digits (or upper-case alphanumerics).
    Number(Box<str>),
    /// Hex HMAC-SHA-256 of a bank-card-like number.
    BankHash(Box<str>),
    /// The last four digits of a bank-card-like number.
    BankLast4(Box<str>),
}

impl Card {
    /// The canonical key as a string.
    pub fn as_str(&self) -> &str {
        match self {
            Card::Number(s) | Card::BankHash(s) | Card::BankLast4(s) => s,
        }
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Card::Number(_) => f.write_str("Card::Number(<redacted>)"),
            Card::BankHash(_) => f.write_str("Card::BankHash(<redacted>)"),
            Card::BankLast4(_) => f.write_str("Card::BankLast4(<redacted>)"),
        }
    }
}

/// Normalises one raw card number.
///
/// ```
/// use omnilink::normalize::{card, Card, CardPolicy, Context, Reject};
/// let ctx = Context::new();
/// assert_eq!(card::normalize("LC-0012 3457", &ctx), Ok(Card::Number("123457".into())));
/// assert_eq!(card::normalize("Карта № 0012-3457", &ctx), Ok(Card::Number("123457".into())));
/// assert_eq!(card::normalize("LC-0012 3456", &ctx), Err(Reject::Placeholder)); // 123456
/// assert_eq!(card::normalize("ab-7781 23", &ctx), Ok(Card::Number("AB778123".into())));
/// assert_eq!(card::normalize("0000 0000", &ctx), Err(Reject::Placeholder));
/// // a bank card is kept as a keyed hash only
/// let c = card::normalize("4276 3800 1234 5679", &ctx).unwrap();
/// assert!(matches!(c, Card::BankHash(_)));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Card, Reject> {
    let policy = &ctx.card;
    let t = precheck(raw)?;
    if is_junk_phrase(t) {
        return Err(Reject::Placeholder);
    }
    let t = strip_prefixes(t);
    let t = strip_float_artefact(t, MIN_SIGNIFICANT);

    let mut buf = [0u8; MAX_SIGNIFICANT];
    let mut sig = compact_code(t, &mut buf, |c| RULES.homoglyphs.get(&c).copied())?;
    // Prefixes written without a separator inside the value (`C A R D 1234`) or after
    // homoglyph folding: strip them from the canonical form too, so it is stable.
    sig = strip_prefixes_ascii(sig);
    if sig.is_empty() {
        // only separators were left after the prefixes
        return Err(Reject::Empty);
    }

    if sig.iter().any(u8::is_ascii_alphabetic) {
        let digits = sig.iter().filter(|b| b.is_ascii_digit()).count();
        if digits < MIN_CODE_DIGITS || sig.len() < MIN_SIGNIFICANT || policy.require_luhn {
            return Err(Reject::Invalid);
        }
        return Ok(Card::Number(ascii_box(sig)));
    }

    if policy.strip_leading_zeros {
        let zeros = sig.iter().take_while(|&&b| b == b'0').count();
        sig = &sig[zeros..];
        if sig.is_empty() {
            return Err(Reject::Placeholder);
        }
    }
    if is_placeholder_digits(sig) {
        return Err(Reject::Placeholder);
    }
    if sig.len() < MIN_SIGNIFICANT {
        return Err(Reject::Invalid);
    }
    if is_bank_like(sig) {
        return match &policy.bank_cards {
            BankCardPolicy::KeyedHash { key } => keyed_hash(key.as_bytes(), sig),
            BankCardPolicy::Last4 => Ok(Card::BankLast4(ascii_box(&sig[sig.len() - 4..]))),
            BankCardPolicy::Reject => Err(Reject::Invalid),
        };
    }
    if policy.require_luhn && !luhn(sig) {
        return Err(Reject::Invalid);
    }
    Ok(Card::Number(ascii_box(sig)))
}

/// `true` if `digits` (ASCII digits) pass the Luhn check.
///
/// ```
/// assert!(omnilink::normalize::card::luhn(b"4276380012345679"));
/// assert!(!omnilink::normalize::card::luhn(b"4276380012345675"));
/// ```
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

pub(crate) fn ascii_box(bytes: &[u8]) -> Box<str> {
    // Only ASCII digits and upper-case letters are ever written to the buffer, so this is
    // always valid UTF-8.
    std::str::from_utf8(bytes).map_or_else(|_| Box::from(""), Box::from)
}

fn keyed_hash(key: &[u8], digits: &[u8]) -> Result<Card, Reject> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| Reject::Invalid)?;
    mac.update(digits);
    let out = mac.finalize().into_bytes();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(out.len() * 2);
    for b in out {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(Card::BankHash(s.into_boxed_str()))
}

/// The value of a decimal digit in ASCII, Arabic-Indic, Persian, Devanagari or full width.
pub(crate) fn digit_value(c: char) -> Option<u8> {
    let base = match c {
        '0'..='9' => '0',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}',
        '\u{0966}'..='\u{096F}' => '\u{0966}',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}',
        _ => return None,
    };
    u8::try_from(u32::from(c) - u32::from(base)).ok()
}

pub(crate) fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'
                ..='\u{2015}' | '\u{2212}' | '.' | '/' | '_' | ':' | '\u{200c}' | '\u{200d}'
        )
}

/// The digits (of any script, as ASCII) and upper-cased Latin letters of a code such as a
/// card, an identity number or a postcode, separators dropped, written into `buf`. `other`
/// maps any other character to a letter (a Cyrillic look-alike), or refuses it: then the value
/// is [`Reject::Invalid`]. More than `buf` holds is [`Reject::TooLong`].
pub(crate) fn compact_code<'b>(
    t: &str,
    buf: &'b mut [u8],
    other: impl Fn(char) -> Option<u8>,
) -> Result<&'b [u8], Reject> {
    let mut len = 0usize;
    for c in t.chars() {
        let b = if let Some(d) = digit_value(c) {
            b'0' + d
        } else if c.is_ascii_alphabetic() {
            c.to_ascii_uppercase() as u8
        } else if is_separator(c) {
            continue;
        } else {
            other(c).ok_or(Reject::Invalid)?
        };
        let slot = buf.get_mut(len).ok_or(Reject::TooLong)?;
        *slot = b;
        len += 1;
    }
    Ok(&buf[..len])
}

/// Drops a trailing `.0` or `.00` from an all-digit value of at least `min_int` digits: a
/// number stored as a float.
pub(crate) fn strip_float_artefact(t: &str, min_int: usize) -> &str {
    if let Some((int, frac)) = t.split_once('.') {
        if int.len() >= min_int.max(1)
            && (1..=2).contains(&frac.len())
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b == b'0')
        {
            return int;
        }
    }
    t
}

/// Strips known prefixes and the separators after them, repeatedly.
fn strip_prefixes(mut t: &str) -> &str {
    'outer: loop {
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            // no prefix starts with a digit
            return t;
        }
        for p in &RULES.prefixes {
            if let Some(rest) = strip_card_prefix(t, p) {
                t = rest.trim_start_matches(is_separator);
                continue 'outer;
            }
        }
        return t;
    }
}

/// `t` without the case-insensitive prefix `p` (lower case); `""` when `t` is `p`.
pub(crate) fn strip_prefix_ci<'a>(t: &'a str, p: &str) -> Option<&'a str> {
    let mut tc = t.char_indices();
    for pc in p.chars() {
        let (_, c) = tc.next()?;
        let same = if c.is_ascii() {
            c.to_ascii_lowercase() == pc
        } else {
            c == pc || c.to_lowercase().eq(std::iter::once(pc))
        };
        if !same {
            return None;
        }
    }
    Some(tc.next().map_or("", |(i, _)| &t[i..]))
}

/// `t` without the card prefix `p` (lower case), when the prefix is followed by something
/// and, for a prefix ending in a letter, that something is not a letter.
fn strip_card_prefix<'a>(t: &'a str, p: &str) -> Option<&'a str> {
    let rest = strip_prefix_ci(t, p).filter(|r| !r.is_empty())?;
    let ends_in_letter = p.chars().next_back().is_some_and(char::is_alphabetic);
    if ends_in_letter && rest.chars().next().is_some_and(char::is_alphabetic) {
        return None;
    }
    Some(rest)
}

/// The same prefix rule on the canonical buffer (ASCII upper case and digits only).
fn strip_prefixes_ascii(mut sig: &[u8]) -> &[u8] {
    'outer: loop {
        for p in &RULES.ascii_prefixes {
            let p = p.as_bytes();
            if sig.len() > p.len()
                && sig[..p.len()].eq_ignore_ascii_case(p)
                && !sig[p.len()].is_ascii_alphabetic()
            {
                sig = &sig[p.len()..];
                continue 'outer;
            }
        }
        return sig;
    }
}

/// One repeated digit (3+), a run up or down (4+), or a short pattern repeated (6+).
fn is_placeholder_digits(d: &[u8]) -> bool {
    if d.len() >= 3 && d.iter().all(|&b| b == d[0]) {
        return true;
    }
    if d.len() >= 4 {
        let up = d
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
        let down = d
            .windows(2)
            .all(|w| w[0] == w[1] + 1 || (w[0] == b'0' && w[1] == b'9'));
        if up || down {
            return true;
        }
    }
    if d.len() >= 6 {
        for period in 2..=3 {
            if d.len() >= 2 * period && d.iter().zip(&d[period..]).all(|(a, b)| a == b) {
                return true;
            }
        }
    }
    false
}

fn is_bank_like(d: &[u8]) -> bool {
    RULES.bank.iter().any(|r| {
        d.len() >= r.min_len
            && d.len() <= r.max_len
            && d.starts_with(r.prefix.as_bytes())
            && (!r.luhn || luhn(d))
    })
}

fn is_junk_phrase(t: &str) -> bool {
    // Cheap exit: no junk phrase or placeholder word has a digit; card numbers all do.
    if t.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    if is_placeholder_word(t) {
        return true;
    }
    let lower = t.to_lowercase();
    let collapsed: String = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    RULES.junk.iter().any(|j| **j == *collapsed)
}

/// One bank-card rule: start, length range, whether Luhn must pass.
#[derive(Debug)]
struct BankRule {
    prefix: &'static str,
    min_len: usize,
    max_len: usize,
    luhn: bool,
}

#[derive(Debug, Default)]
struct Rules {
    /// Lower case, longest first.
    prefixes: Vec<String>,
    /// The prefixes made of ASCII letters and digits only, for the canonical buffer.
    ascii_prefixes: Vec<String>,
    homoglyphs: HashMap<char, u8>,
    bank: Vec<BankRule>,
    junk: Vec<String>,
    bad_lines: usize,
}

static RULES: LazyLock<Rules> = LazyLock::new(parse_rules);

fn parse_rules() -> Rules {
    let mut r = Rules::default();
    for line in data_lines(include_str!("data/card_prefixes.txt")) {
        let p = if line == "\\#" { "#" } else { line };
        r.prefixes.push(p.to_lowercase());
    }
    r.prefixes
        .sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
    r.ascii_prefixes = r
        .prefixes
        .iter()
        .filter(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
        .cloned()
        .collect();
    for line in data_lines(include_str!("data/card_homoglyphs.txt")) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [upper, lower, latin] if latin.len() == 1 && latin.is_ascii() => {
                for cyr in [upper, lower] {
                    if let Some(c) = cyr.chars().next() {
                        r.homoglyphs.insert(c, latin.as_bytes()[0]);
                    }
                }
            }
            _ => r.bad_lines += 1,
        }
    }
    for line in data_lines(include_str!("data/card_bank_iin.txt")) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = match f.as_slice() {
            [prefix, lens, check] => {
                let (lo, hi) = lens.split_once('-').unwrap_or((lens, lens));
                match (lo.parse(), hi.parse(), *check) {
                    (Ok(min_len), Ok(max_len), "luhn" | "any") => Some(BankRule {
                        prefix,
                        min_len,
                        max_len,
                        luhn: *check == "luhn",
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(rule) => r.bank.push(rule),
            None => r.bad_lines += 1,
        }
    }
    for line in data_lines(include_str!("data/card_junk.txt")) {
        r.junk.push(line.to_lowercase());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ctx() -> Context {
        Context::new()
    }

    fn n(raw: &str) -> Result<String, Reject> {
        normalize(raw, &ctx()).map(|c| match c {
            Card::Number(s) => format!("number:{s}"),
            Card::BankHash(s) => format!("bank_hash:{s}"),
            Card::BankLast4(s) => format!("bank_last4:{s}"),
        })
    }

    fn num(s: &str) -> Result<String, Reject> {
        Ok(format!("number:{s}"))
    }

    #[test]
    fn data_files_parse() {
        assert_eq!(RULES.bad_lines, 0);
        assert!(RULES.prefixes.iter().any(|p| p == "#"));
        assert!(RULES.prefixes.iter().any(|p| p == "карта"));
        assert_eq!(RULES.homoglyphs.len(), 24);
        assert!(RULES.bank.len() >= 8);
    }

    #[test]
    fn separators_and_prefixes() {
        assert_eq!(n("LC-0012 3457"), num("123457"));
        assert_eq!(n("lc00123457"), num("123457"));
        assert_eq!(n("Карта № 0012-3457"), num("123457"));
        assert_eq!(n("КАРТА: 7700 1234"), num("77001234"));
        assert_eq!(n("#77001234"), num("77001234"));
        assert_eq!(n("No. 77001234"), num("77001234"));
        assert_eq!(n("N77001234"), num("77001234"));
        assert_eq!(n("card 7700/1234"), num("77001234"));
        assert_eq!(n("'0077001234"), num("77001234"));
        assert_eq!(n("7700 1234\u{a0}5678"), num("770012345678"));
        assert_eq!(n("7700–1234"), num("77001234"));
        assert_eq!(n("77001234.0"), num("77001234"));
        assert_eq!(n("C A R D 7700 1234"), num("77001234"));
        // a spelled-out prefix is stripped before the zeros are judged
        assert_eq!(n("C A R D00۰0"), Err(Reject::Placeholder));
    }

    #[test]
    fn market_digits() {
        // Persian (IR), Arabic-Indic, Devanagari (IN), full width
        assert_eq!(n("کارت ۱۲۳۴ ۵۶۷۰"), num("12345670"));
        assert_eq!(n("٧٧٠٠١٢٣٤"), num("77001234"));
        assert_eq!(n("कार्ड ७७००१२३४"), num("77001234"));
        assert_eq!(n("７７００１２３４"), num("77001234"));
        // Uzbek Latin prefix
        assert_eq!(n("karta 0055 7711"), num("557711"));
    }

    #[test]
    fn alphanumeric_codes() {
        assert_eq!(n("ab-7781 23"), num("AB778123"));
        // Cyrillic look-alikes become Latin
        assert_eq!(n("АВ 778123"), num("AB778123"));
        assert_eq!(n("ав778123"), num("AB778123"));
        // leading zeros of codes are kept
        assert_eq!(n("00AB7781"), num("00AB7781"));
        // NB1234: the N is part of the code
        assert_eq!(n("NB123456"), num("NB123456"));
        // too few digits: a word, not a card
        assert_eq!(n("GOLD"), Err(Reject::Invalid));
        assert_eq!(n("VIP1"), Err(Reject::Invalid));
        assert_eq!(n("ABC123"), Err(Reject::Invalid));
        // other scripts are not card characters
        assert_eq!(n("ЖЖ123456"), Err(Reject::Invalid));
        assert_eq!(n("4.27638E+15"), Err(Reject::Invalid));
    }

    #[test]
    fn placeholders_and_invalid() {
        for raw in [
            "0000",
            "0000 0000 0000",
            "1111111",
            "12345678",
            "1234567890",
            "987654321",
            "121212",
            "123123123",
            "LC-0000",
            "нет",
            "нет карты",
            "Без карты",
            "n/a",
            "-",
            "ندارم",
            "کارت ندارد",
            "no card",
        ] {
            assert_eq!(n(raw), Err(Reject::Placeholder), "{raw}");
        }
        for raw in [
            "12",
            "007",
            "LC-12",
            "card",
            "#",
            "77-00@12",
            "7700 1234 !",
            "1e5",
        ] {
            assert_eq!(n(raw), Err(Reject::Invalid), "{raw}");
        }
        assert_eq!(n(""), Err(Reject::Empty));
        assert_eq!(n("  "), Err(Reject::Empty));
        assert_eq!(n(&"7".repeat(2000)), Err(Reject::TooLong));
        assert_eq!(n(&"17".repeat(20)), Err(Reject::TooLong));
    }

    #[test]
    fn leading_zero_policy() {
        let keep = Context::new().card_policy(CardPolicy {
            strip_leading_zeros: false,
            ..CardPolicy::default()
        });
        assert_eq!(
            normalize("0012 3457", &keep),
            Ok(Card::Number("00123457".into()))
        );
        assert_eq!(normalize("0000", &keep), Err(Reject::Placeholder));
        assert_eq!(n("0012 3457"), num("123457"));
    }

    #[test]
    fn luhn_policy() {
        let strict = Context::new().card_policy(CardPolicy {
            require_luhn: true,
            ..CardPolicy::default()
        });
        assert_eq!(
            normalize("7700 1238", &strict),
            Ok(Card::Number("77001238".into()))
        );
        assert_eq!(normalize("7700 1234", &strict), Err(Reject::Invalid));
        assert_eq!(normalize("AB778123", &strict), Err(Reject::Invalid));
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b""));
        assert!(!luhn(b"12a4"));
    }

    #[test]
    fn bank_cards_are_never_kept_in_clear() {
        let raw = "4276 3800 1234 5679"; // Visa-like, Luhn-valid
        let hashed = normalize(raw, &ctx()).unwrap();
        let Card::BankHash(h) = &hashed else {
            panic!("not hashed")
        };
        assert_eq!(h.len(), 64);
        assert!(!h.contains("4276"));
        // the same card written differently hashes the same
        assert_eq!(normalize("4276-3800-1234-5679", &ctx()), Ok(hashed.clone()));
        // another key gives another hash
        let keyed = Context::new().card_policy(CardPolicy {
            bank_cards: BankCardPolicy::KeyedHash { key: "k1".into() },
            ..CardPolicy::default()
        });
        assert_ne!(normalize(raw, &keyed), Ok(hashed.clone()));
        // Debug shows nothing
        assert!(!format!("{hashed:?}").contains(&h[..8]));

        let last4 = Context::new().card_policy(CardPolicy {
            bank_cards: BankCardPolicy::Last4,
            ..CardPolicy::default()
        });
        assert_eq!(normalize(raw, &last4), Ok(Card::BankLast4("5679".into())));
        let reject = Context::new().card_policy(CardPolicy {
            bank_cards: BankCardPolicy::Reject,
            ..CardPolicy::default()
        });
        assert_eq!(normalize(raw, &reject), Err(Reject::Invalid));
        // Mir (RU), Mastercard, Shetab (IR), RuPay (IN), Uzcard and Humo (UZ), Amex (US)
        for raw in [
            "2200 7001 2345 6781",
            "5469 3800 1234 5673",
            "6037 9975 1234 5670",
            "6522 1234 5678 9011",
            "8600 1234 5678 9012",
            "9860 1234 5678 9012",
            "3714 496353 98431",
        ] {
            assert!(
                matches!(normalize(raw, &last4), Ok(Card::BankLast4(_))),
                "{raw}"
            );
        }
        // 16 digits failing Luhn, or a loyalty-style start, stay loyalty numbers
        assert_eq!(n("4276 3800 1234 5675"), num("4276380012345675"));
        assert_eq!(n("7700 1234 5678 9012"), num("7700123456789012"));
        // 13 digits (EAN-13 loyalty barcodes) are never bank cards
        assert_eq!(n("2 900001 234562"), num("2900001234562"));
    }

    #[test]
    fn bank_strings_renormalise_without_panic() {
        let c = normalize("4276 3800 1234 5679", &ctx()).unwrap();
        assert_eq!(normalize(c.as_str(), &ctx()), Err(Reject::TooLong));
        let last4 = Context::new().card_policy(CardPolicy {
            bank_cards: BankCardPolicy::Last4,
            ..CardPolicy::default()
        });
        let c = normalize("4276 3800 1234 5679", &last4).unwrap();
        assert_eq!(
            normalize(c.as_str(), &last4),
            Ok(Card::Number("5679".into()))
        );
    }

    fn policies() -> impl Strategy<Value = Context> {
        (any::<bool>(), any::<bool>(), 0..3u8).prop_map(|(z, l, b)| {
            Context::new().card_policy(CardPolicy {
                strip_leading_zeros: z,
                require_luhn: l,
                bank_cards: match b {
                    0 => BankCardPolicy::default(),
                    1 => BankCardPolicy::Last4,
                    _ => BankCardPolicy::Reject,
                },
            })
        })
    }

    proptest! {
        #[test]
        fn total_on_any_string(s in "\\PC{0,60}", ctx in policies()) {
            if let Ok(Card::Number(c)) = normalize(&s, &ctx) {
                prop_assert_eq!(normalize(&c, &ctx), Ok(Card::Number(c.clone())));
            }
        }

        #[test]
        fn total_on_long_strings(s in "[0-9A-Za-z -]{1,10}", k in 1usize..300) {
            let _ = normalize(&s.repeat(k), &Context::new());
        }

        #[test]
        fn idempotent_on_card_like(s in "(lc-?|карта ?|№ ?|# ?|N ?|card ?|C A R D ?|[AaВв]{0,2})[0-9 ۰-۹-]{1,24}[A-Za-zА-Яа-я]{0,2}", ctx in policies()) {
            if let Ok(Card::Number(c)) = normalize(&s, &ctx) {
                prop_assert_eq!(normalize(&c, &ctx), Ok(Card::Number(c.clone())));
            }
        }

        #[test]
        fn separators_do_not_matter(d in "[1-9][0-9]{5,18}", cuts in proptest::collection::vec((0usize..20, 0usize..4), 0..5), ctx in policies()) {
            let mut spelled = String::new();
            for (i, ch) in d.chars().enumerate() {
                for &(at, sep) in &cuts {
                    if at == i && i > 0 {
                        spelled.push([' ', '-', '\u{a0}', '/'][sep]);
                    }
                }
                spelled.push(ch);
            }
            let spelled = format!("LC-{spelled}");
            prop_assert_eq!(normalize(&d, &ctx), normalize(&spelled, &ctx));
        }
    }
}
