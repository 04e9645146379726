//! Identity and customer numbers (SSN, INN, SNILS, IIN, PINFL, Aadhaar, PAN, کد ملی, NI
//! number, a retailer's customer number) -> canonical number and the scheme recognised.
//!
//! The steps, in order:
//!
//! 1. Trim; a "no value" word (`n/a`, `нет`, ... from `data/placeholders.txt`) is
//!    [`Reject::Placeholder`].
//! 2. A label (`ИНН`, `SSN`, `PAN:`, `کد ملی`, `№`, ... from `data/id_prefixes.txt`) is
//!    stripped with the separators after it. An Excel float artefact (`12345678.0`) loses its
//!    `.0`.
//! 3. Separators (spaces, `-`, `.`, `/`, `_`, `:`) are dropped; Persian, Arabic-Indic,
//!    Devanagari and full-width digits become ASCII digits; Latin letters are upper-cased.
//!    Any other character makes the value [`Reject::Invalid`]; more than [`MAX_LEN`]
//!    characters is [`Reject::TooLong`]; no digit at all is [`Reject::Invalid`].
//! 4. One repeated character (`000-00-0000`), a run of digits up or down (`123456789`,
//!    `0987654321`) or a published specimen (`data/id_placeholders.txt`: `078-05-1120`,
//!    `ABCDE1234F`) is [`Reject::Placeholder`].
//! 5. The number as written is matched against the schemes of the context's region (any
//!    region's when it is `None`), in the order of `data/id_schemes.txt`: the shape must fit
//!    and the scheme's check must pass (the INN, SNILS, IIN, Iranian national code and
//!    Aadhaar check digits; the SSN's and NI number's allocation rules; the PAN's holder type;
//!    the PINFL's century digit and birth date). The first scheme that fits is kept, with
//!    the number as written (leading zeros are significant in every scheme).
//! 6. Otherwise the number is generic. An all-digit generic number loses its leading zeros
//!    (a spreadsheet drops them, so `00123456` and `123456` are one number); numbers with
//!    letters keep them. A scheme whose data line allows it may then give back one or two
//!    dropped zeros when the padded number passes its check digit (`18421083` is the Iranian
//!    code `0018421083`); a scheme without a check digit (SSN) never does.
//! 7. Fewer than [`MIN_SIGNIFICANT`] characters left is [`Reject::Invalid`].
//!
//! A number whose check digit fails is not rejected: it is kept as [`Scheme::Generic`], so a
//! mistyped number can still be compared as [`close`] to the right one.
//!
//! Idempotency: normalising [`IdNumber::as_str`] with the same context gives the same
//! number and scheme (a number is given a scheme through padding only when the padded
//! number, read as written, is recognised as that scheme).

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::card::{ascii_box, compact_code, is_separator, strip_float_artefact};
use super::postcode::{fits, parse_labels, strip_label};
use super::{data_lines, is_placeholder_word, precheck, Context, Region, Reject};

/// Fewest significant characters of an identity number.
pub const MIN_SIGNIFICANT: usize = 4;

/// Most characters of an identity number (separators removed).
pub const MAX_LEN: usize = 32;

/// The kind of number recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scheme {
    /// No scheme recognised: a customer number, a passport number, or a scheme number whose
    /// check failed.
    Generic,
    /// US Social Security number (9 digits).
    UsSsn,
    /// Russian taxpayer number, ИНН (10 digits for organisations, 12 for people).
    RuInn,
    /// Russian pension insurance number, СНИЛС (11 digits).
    RuSnils,
    /// Kazakh individual identification number, ИИН / ЖСН (12 digits).
    KzIin,
    /// Uzbek personal identification number, ПИНФЛ / JShShIR (14 digits).
    UzPinfl,
    /// Indian Aadhaar number (12 digits, Verhoeff check digit).
    InAadhaar,
    /// Indian permanent account number (`AAAAA9999A`).
    InPan,
    /// Iranian national code, کد ملی (10 digits).
    IrNationalCode,
    /// UK National Insurance number (`AB123456C`).
    GbNino,
}

impl Scheme {
    /// Every scheme, in a fixed order.
    pub const ALL: [Scheme; 10] = [
        Scheme::Generic,
        Scheme::UsSsn,
        Scheme::RuInn,
        Scheme::RuSnils,
        Scheme::KzIin,
        Scheme::UzPinfl,
        Scheme::InAadhaar,
        Scheme::InPan,
        Scheme::IrNationalCode,
        Scheme::GbNino,
    ];

    /// A short, stable, lower-case name (`"generic"`, `"ru_inn"`, ...), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Generic => "generic",
            Scheme::UsSsn => "us_ssn",
            Scheme::RuInn => "ru_inn",
            Scheme::RuSnils => "ru_snils",
            Scheme::KzIin => "kz_iin",
            Scheme::UzPinfl => "uz_pinfl",
            Scheme::InAadhaar => "in_aadhaar",
            Scheme::InPan => "in_pan",
            Scheme::IrNationalCode => "ir_national_code",
            Scheme::GbNino => "gb_nino",
        }
    }

    /// `true` if `s` (canonical: ASCII digits and upper-case letters) passes this scheme's
    /// check. The shape is not checked here.
    fn check(self, s: &[u8]) -> bool {
        let d = |i: usize| s.get(i).map_or(0, |&b| u32::from(b.wrapping_sub(b'0')));
        let weighted = |w: &[u32]| w.iter().enumerate().map(|(i, &w)| w * d(i)).sum::<u32>();
        match self {
            Scheme::Generic => false,
            Scheme::UsSsn => {
                let area = d(0) * 100 + d(1) * 10 + d(2);
                let group = d(3) * 10 + d(4);
                let serial = (5..9).fold(0, |acc, i| acc * 10 + d(i));
                area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
            }
            Scheme::RuInn if s.len() == 10 => {
                weighted(&[2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10 == d(9)
            }
            Scheme::RuInn => {
                s.len() == 12
                    && weighted(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10 == d(10)
                    && weighted(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10 == d(11)
            }
            Scheme::RuSnils => {
                let sum = weighted(&[9, 8, 7, 6, 5, 4, 3, 2, 1]);
                let check = match sum {
                    0..=99 => sum,
                    100 | 101 => 0,
                    _ => sum % 101 % 100,
                };
                check == d(9) * 10 + d(10)
            }
            Scheme::KzIin => {
                let mut c = weighted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11;
                if c == 10 {
                    c = weighted(&[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) % 11;
                }
                c < 10 && c == d(11)
            }
            Scheme::UzPinfl => {
                let day = d(1) * 10 + d(2);
                let month = d(3) * 10 + d(4);
                (1..=6).contains(&d(0)) && (1..=31).contains(&day) && (1..=12).contains(&month)
            }
            Scheme::InAadhaar => d(0) >= 2 && verhoeff(s),
            Scheme::InPan => s.get(3).is_some_and(|c| b"PCHFATBLJG".contains(c)),
            Scheme::IrNationalCode => {
                let r = weighted(&[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
                d(9) == if r < 2 { r } else { 11 - r }
            }
            Scheme::GbNino => {
                let (a, b) = (s.first().copied(), s.get(1).copied());
                let prefix = s.get(..2).unwrap_or_default();
                a.is_some_and(|c| !b"DFIQUV".contains(&c))
                    && b.is_some_and(|c| !b"DFIOQUV".contains(&c))
                    && !matches!(
                        prefix,
                        b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
                    )
                    && s.get(8).is_some_and(|c| (b'A'..=b'D').contains(c))
            }
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `true` if `digits` (ASCII digits, the check digit last) pass the Verhoeff check.
///
/// ```
/// assert!(omnilink::normalize::id_number::verhoeff(b"2363"));
/// assert!(!omnilink::normalize::id_number::verhoeff(b"2364"));
/// ```
pub fn verhoeff(digits: &[u8]) -> bool {
    let mut c = 0usize;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        c = usize::from(VERHOEFF_D[c][usize::from(VERHOEFF_P[i % 8][usize::from(b - b'0')])]);
    }
    !digits.is_empty() && c == 0
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 7, 8, 6, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// A canonical identity or customer number and the scheme recognised.
///
/// `Debug` shows the scheme and the length, never the number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdNumber {
    code: Box<str>,
    scheme: Scheme,
}

impl IdNumber {
    /// The canonical number: separators dropped, letters upper case, ASCII digits, leading
    /// zeros dropped for generic all-digit numbers only.
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The scheme recognised; [`Scheme::Generic`] when none fits the region or its check
    /// failed.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdNumber")
            .field("scheme", &self.scheme)
            .field("len", &self.code.len())
            .finish()
    }
}

/// Normalises one raw identity or customer number.
///
/// ```
/// use omnilink::normalize::{id_number, Context, Region, Reject, Scheme};
/// let ru = Context::new().region(Region::RU);
/// let inn = id_number::normalize("ИНН 5001-0073-29", &ru).unwrap();
/// assert_eq!((inn.as_str(), inn.scheme()), ("5001007329", Scheme::RuInn));
/// // a failed check digit: kept, but generic
/// let typo = id_number::normalize("5001007328", &ru).unwrap();
/// assert_eq!(typo.scheme(), Scheme::Generic);
/// assert!(id_number::close(inn.as_str(), typo.as_str()));
/// assert_eq!(id_number::normalize("000-00-0000", &Context::new()), Err(Reject::Placeholder));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<IdNumber, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let t = strip_label(t, &RULES.labels);
    let t = strip_float_artefact(t, 1);

    let mut buf = [0u8; MAX_LEN];
    let compact = compact_code(t, &mut buf, |_| None)?;
    if compact.is_empty() {
        return Err(Reject::Empty);
    }
    if !compact.iter().any(u8::is_ascii_digit) {
        return Err(Reject::Invalid);
    }
    if is_placeholder(compact) {
        return Err(Reject::Placeholder);
    }
    if let Some(scheme) = scheme_as_written(compact, ctx.region) {
        return Ok(IdNumber {
            code: ascii_box(compact),
            scheme,
        });
    }

    let all_digits = compact.iter().all(u8::is_ascii_digit);
    let sig = if all_digits {
        let zeros = compact.iter().take_while(|&&b| b == b'0').count();
        &compact[zeros..]
    } else {
        compact
    };
    if sig.is_empty() || is_placeholder(sig) {
        return Err(Reject::Placeholder);
    }
    let (code, scheme) = match all_digits.then(|| scheme_padded(sig, ctx.region)).flatten() {
        Some((padded, scheme)) => (padded, scheme),
        None => (sig.to_vec(), Scheme::Generic),
    };
    if code.len() < MIN_SIGNIFICANT {
        return Err(Reject::Invalid);
    }
    if is_placeholder(&code) || std::str::from_utf8(&code).is_ok_and(is_placeholder_word) {
        return Err(Reject::Placeholder);
    }
    Ok(IdNumber {
        code: ascii_box(&code),
        scheme,
    })
}

/// Two canonical numbers that differ by one substituted character or one swap of adjacent
/// characters (same length): a typo, compared as "close". Equal numbers are not close (they
/// are exact).
///
/// ```
/// use omnilink::normalize::id_number::close;
/// assert!(close("5001007329", "5001007328")); // one digit
/// assert!(close("5001007329", "5010007329")); // two neighbours swapped
/// assert!(!close("5001007329", "5001007329"));
/// assert!(!close("5001007329", "500100732"));
/// ```
pub fn close(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        close_slices(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        close_slices(&a, &b)
    }
}

fn close_slices<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return false;
    };
    let substituted = a[i + 1..] == b[i + 1..];
    let swapped =
        i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..];
    substituted || swapped
}

/// The first scheme (in data order) of `region` (any when `None`) whose shape fits `s` as
/// written and whose check passes.
fn scheme_as_written(s: &[u8], region: Option<Region>) -> Option<Scheme> {
    RULES
        .schemes
        .iter()
        .filter(|r| region.is_none_or(|g| g == r.region))
        .find(|r| fits(r.shape, s) && r.scheme.check(s))
        .map(|r| r.scheme)
}

/// A scheme for a generic all-digit number without leading zeros, given back up to the
/// scheme's `pad` zeros: the first padded form that, read as written, is that scheme.
fn scheme_padded(sig: &[u8], region: Option<Region>) -> Option<(Vec<u8>, Scheme)> {
    RULES
        .schemes
        .iter()
        .filter(|r| region.is_none_or(|g| g == r.region))
        .filter(|r| sig.len() <= r.shape.len() && sig.len() + r.pad >= r.shape.len())
        .find_map(|r| {
            let mut padded = vec![b'0'; r.shape.len() - sig.len()];
            padded.extend_from_slice(sig);
            (scheme_as_written(&padded, region) == Some(r.scheme)).then_some((padded, r.scheme))
        })
}

/// One repeated character (3+), a run of digits up or down (4+), or a listed specimen.
fn is_placeholder(s: &[u8]) -> bool {
    if s.len() >= 3 && s.iter().all(|&b| b == s[0]) {
        return true;
    }
    if s.len() >= 4 && s.iter().all(u8::is_ascii_digit) {
        let up = s
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
        let down = s
            .windows(2)
            .all(|w| w[0] == w[1] + 1 || (w[0] == b'0' && w[1] == b'9'));
        if up || down {
            return true;
        }
    }
    std::str::from_utf8(s).is_ok_and(|s| RULES.placeholders.contains(s))
}

/// One line of `data/id_schemes.txt`.
#[derive(Debug)]
struct SchemeRule {
    scheme: Scheme,
    region: Region,
    shape: &'static [u8],
    pad: usize,
}

#[derive(Debug, Default)]
struct Rules {
    schemes: Vec<SchemeRule>,
    placeholders: HashSet<String>,
    labels: Vec<String>,
    bad_lines: usize,
}

static RULES: LazyLock<Rules> = LazyLock::new(parse_rules);

fn parse_rules() -> Rules {
    let mut r = Rules {
        labels: parse_labels(include_str!("data/id_prefixes.txt")),
        ..Rules::default()
    };
    for line in data_lines(include_str!("data/id_schemes.txt")) {
        let f: Vec<&'static str> = line.split_whitespace().collect();
        let parsed = match f.as_slice() {
            [name, region, shape, pad] => {
                let scheme = Scheme::ALL
                    .into_iter()
                    .find(|s| s.as_str() == *name && *s != Scheme::Generic);
                match (scheme, Region::new(region), pad.parse()) {
                    (Some(scheme), Some(region), Ok(pad))
                        if shape.len() <= MAX_LEN
                            && shape.bytes().all(|b| b == b'9' || b == b'A') =>
                    {
                        Some(SchemeRule {
                            scheme,
                            region,
                            shape: shape.as_bytes(),
                            pad,
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(rule) => r.schemes.push(rule),
            None => r.bad_lines += 1,
        }
    }
    for line in data_lines(include_str!("data/id_placeholders.txt")) {
        let compact: String = line
            .chars()
            .filter(|c| !is_separator(*c))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        r.placeholders.insert(compact);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(raw: &str, region: Option<&str>) -> Result<(String, Scheme), Reject> {
        let mut ctx = Context::new();
        ctx.region = region.and_then(Region::new);
        normalize(raw, &ctx).map(|id| (id.as_str().to_string(), id.scheme()))
    }

    fn ok(code: &str, scheme: Scheme) -> Result<(String, Scheme), Reject> {
        Ok((code.to_string(), scheme))
    }

    /// The Verhoeff check digit of `digits`, to build valid test numbers.
    fn verhoeff_digit(digits: &str) -> char {
        const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 9, 8, 7, 6];
        let mut c = 0usize;
        for (i, b) in digits.bytes().rev().enumerate() {
            c = usize::from(
                VERHOEFF_D[c][usize::from(VERHOEFF_P[(i + 1) % 8][usize::from(b - b'0')])],
            );
        }
        char::from(b'0' + INV[c])
    }

    #[test]
    fn data_files_parse() {
        assert_eq!(RULES.bad_lines, 0);
        assert_eq!(RULES.schemes.len(), 10);
        assert!(RULES.placeholders.contains("078051120"));
        assert!(RULES.labels.iter().any(|l| l == "инн"));
        assert!(RULES.labels.iter().any(|l| l == "#"));
        for s in Scheme::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json.trim_matches('"'), s.as_str());
        }
    }

    #[test]
    fn checksums() {
        // Check digits computed for made-up numbers, not real people's.
        assert!(Scheme::RuInn.check(b"5001007329"));
        assert!(!Scheme::RuInn.check(b"5001007328"));
        assert!(Scheme::RuInn.check(b"500100732185"));
        assert!(!Scheme::RuInn.check(b"500100732186"));
        assert!(Scheme::RuSnils.check(b"11223344595"));
        assert!(!Scheme::RuSnils.check(b"11223344596"));
        assert!(Scheme::RuSnils.check(b"01234567011"));
        assert!(Scheme::KzIin.check(b"900501300120"));
        assert!(!Scheme::KzIin.check(b"900501300121"));
        assert!(Scheme::IrNationalCode.check(b"0018421083"));
        assert!(!Scheme::IrNationalCode.check(b"0018421084"));
        assert!(Scheme::IrNationalCode.check(b"1382196547"));
        let base = "23456789012";
        let aadhaar = format!("{base}{}", verhoeff_digit(base));
        assert_eq!(aadhaar, "234567890124");
        assert!(Scheme::InAadhaar.check(aadhaar.as_bytes()));
        assert!(!Scheme::InAadhaar.check(b"234567890125"));
        // Verhoeff catches every swap of neighbours
        assert!(!verhoeff(b"324567890124"));
        assert!(verhoeff(b"2363"));
        assert!(Scheme::UsSsn.check(b"123456780"));
        for bad in [
            &b"000456780"[..],
            b"666456780",
            b"912456780",
            b"123006780",
            b"123450000",
        ] {
            assert!(!Scheme::UsSsn.check(bad));
        }
        assert!(Scheme::GbNino.check(b"AB123456C"));
        assert!(!Scheme::GbNino.check(b"QQ123456C"));
        assert!(!Scheme::GbNino.check(b"GB123456A"));
        assert!(!Scheme::GbNino.check(b"AB123456E"));
        assert!(Scheme::InPan.check(b"ZZZPZ4821Q"));
        assert!(!Scheme::InPan.check(b"ZZZXZ4821Q"));
        assert!(Scheme::UzPinfl.check(b"31507900010015"));
        assert!(!Scheme::UzPinfl.check(b"31513900010015"));
    }

    #[test]
    fn schemes_by_region() {
        assert_eq!(
            n("ИНН 5001-0073-29", Some("RU")),
            ok("5001007329", Scheme::RuInn)
        );
        assert_eq!(
            n("500100732185", Some("RU")),
            ok("500100732185", Scheme::RuInn)
        );
        assert_eq!(
            n("112-233-445 95", Some("RU")),
            ok("11223344595", Scheme::RuSnils)
        );
        assert_eq!(
            n("ИИН 900501300120", Some("KZ")),
            ok("900501300120", Scheme::KzIin)
        );
        assert_eq!(
            n("31507900010015", Some("UZ")),
            ok("31507900010015", Scheme::UzPinfl)
        );
        assert_eq!(
            n("2345 6789 0124", Some("IN")),
            ok("234567890124", Scheme::InAadhaar)
        );
        assert_eq!(
            n("२३४५ ६७८९ ०१२४", Some("IN")),
            ok("234567890124", Scheme::InAadhaar)
        );
        assert_eq!(n("zzzpz4821q", Some("IN")), ok("ZZZPZ4821Q", Scheme::InPan));
        assert_eq!(
            n("۰۰۱-۸۴۲۱۰۸-۳", Some("IR")),
            ok("0018421083", Scheme::IrNationalCode)
        );
        assert_eq!(n("123-45-6780", Some("US")), ok("123456780", Scheme::UsSsn));
        assert_eq!(n("012-34-5679", Some("US")), ok("012345679", Scheme::UsSsn));
        assert_eq!(
            n("ab 12 34 56 c", Some("GB")),
            ok("AB123456C", Scheme::GbNino)
        );
        // another region's scheme is not assumed
        assert_eq!(
            n("5001007329", Some("US")),
            ok("5001007329", Scheme::Generic)
        );
        assert_eq!(n("AB123456C", Some("RU")), ok("AB123456C", Scheme::Generic));
        // no region: any scheme
        assert_eq!(n("5001007329", None), ok("5001007329", Scheme::RuInn));
        assert_eq!(n("ZZZPZ4821Q", None), ok("ZZZPZ4821Q", Scheme::InPan));
    }

    #[test]
    fn failed_checks_are_generic() {
        assert_eq!(
            n("5001007328", Some("RU")),
            ok("5001007328", Scheme::Generic)
        );
        assert_eq!(
            n("234567890125", Some("IN")),
            ok("234567890125", Scheme::Generic)
        );
        assert_eq!(
            n("666-45-6780", Some("US")),
            ok("666456780", Scheme::Generic)
        );
    }

    #[test]
    fn leading_zeros() {
        // generic numbers lose them
        assert_eq!(n("00012347.0", None), ok("12347", Scheme::Generic));
        assert_eq!(n("0045 1122", Some("US")), ok("451122", Scheme::Generic));
        // letters keep them
        assert_eq!(n("00AB1234", None), ok("00AB1234", Scheme::Generic));
        // an Iranian code that lost its zeros in a spreadsheet gets them back
        assert_eq!(
            n("18421083", Some("IR")),
            ok("0018421083", Scheme::IrNationalCode)
        );
        assert_eq!(n("274001239", Some("RU")), ok("0274001239", Scheme::RuInn));
        // an SSN without its zero is not an SSN (no check digit to trust)
        assert_eq!(n("12345679", Some("US")), ok("12345679", Scheme::Generic));
        // a zero too many before a scheme number is dropped
        assert_eq!(
            n("05001007329", Some("RU")),
            ok("5001007329", Scheme::RuInn)
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(n("", None), Err(Reject::Empty));
        assert_eq!(n("  -  ", None), Err(Reject::Placeholder));
        assert_eq!(n(" / ", None), Err(Reject::Empty));
        for raw in [
            "n/a",
            "000-00-0000",
            "123456789",
            "123-45-6789",
            "1111111111",
            "0123456789",
            "987654321",
            "078-05-1120",
            "ABCDE1234F",
            "нет",
            "0000",
        ] {
            assert_eq!(n(raw, Some("US")), Err(Reject::Placeholder), "{raw}");
        }
        for raw in ["12", "007", "ABCDEF", "12-34!", "ИНН: ЖЖ1234", "0012"] {
            assert_eq!(n(raw, None), Err(Reject::Invalid), "{raw}");
        }
        assert_eq!(n(&"17".repeat(17), None), Err(Reject::TooLong));
        assert_eq!(n(&"1".repeat(5000), None), Err(Reject::TooLong));
    }

    #[test]
    fn close_pairs() {
        assert!(close("5001007329", "5001007328"));
        assert!(close("5001007329", "5010007329"));
        assert!(close("AB123456C", "AB123465C"));
        assert!(close("ab", "ba"));
        assert!(!close("5001007329", "5001007329"));
        assert!(!close("5001007329", "5001007311"));
        assert!(!close("5001007329", "500100732"));
        assert!(!close("123", "321"));
        assert!(close("ЖЖ1", "ЖЖ2"));
        assert!(!close("", ""));
    }

    #[test]
    fn debug_hides_the_number() {
        let id = normalize("5001007329", &Context::new()).unwrap();
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("5001"), "{dbg}");
        assert!(dbg.contains("RuInn") && dbg.contains("10"), "{dbg}");
    }
}
