//! Postcodes (ZIP, PIN, почтовый индекс, کد پستی) -> canonical code and area.
//!
//! The steps, in order:
//!
//! 1. Trim; a "no value" word (`n/a`, `нет`, ... from `data/placeholders.txt`) is
//!    [`Reject::Placeholder`].
//! 2. A label (`ZIP`, `PIN code`, `индекс`, `کد پستی`, ... from `data/postcode_prefixes.txt`)
//!    is stripped with the separators after it. An Excel float artefact (`12345.0`) loses its
//!    `.0`.
//! 3. Separators (spaces, `-`, `.`, `/`, `_`, `:`) are dropped; Persian, Arabic-Indic,
//!    Devanagari and full-width digits become ASCII digits; Latin letters are upper-cased.
//!    Any other character makes the value [`Reject::Invalid`]. What is left is the compact
//!    code.
//! 4. A compact code with no digit (every postcode system in use has digits), shorter than
//!    [`MIN_LEN`] or longer than [`MAX_LEN`] is [`Reject::Invalid`]; one repeated digit
//!    (`00000`, `999999`) is [`Reject::Placeholder`]. Runs such as `12345` are kept: 12345 is
//!    a real ZIP code.
//! 5. The formats of the context's region (`data/postcode_formats.txt`) are tried in order:
//!    RU, KZ, UZ and IN six digits (area: the first three), IR ten digits (area: the first
//!    five), AU four digits (area: the first two), US ZIP and ZIP+4 (canonical: the five-digit
//!    ZIP, area: the first three), GB outward and inward code written `SW1A 1AA` (area: the
//!    outward code). A format may first give back leading zeros a spreadsheet dropped
//!    (`2134` is the ZIP `02134` when the region is US).
//!    With no region, only the formats marked `unknown` are tried (the UK's: no other
//!    country's postcodes have its shape).
//! 6. With no region, another region, or a value that fits none of its region's formats, the
//!    generic form is kept: the compact code, its area the first half (`75001` -> `75`,
//!    `K1A0B1` -> `K1A`).
//!
//! Idempotency: normalising [`Postcode::as_str`] with the same context gives the same
//! postcode (a GB code's space is a separator; padded and shortened US codes are five-digit
//! ZIPs).

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::card::{
    ascii_box, compact_code, digit_value, is_separator, strip_float_artefact, strip_prefix_ci,
};
use super::{data_lines, is_placeholder_word, precheck, Context, Region, Reject};

/// Fewest characters of a compact postcode (separators removed).
pub const MIN_LEN: usize = 3;

/// Most characters of a compact postcode (separators removed).
pub const MAX_LEN: usize = 10;

/// A canonical postcode.
///
/// `Debug` shows the length only, like the crate's other location values.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Postcode {
    code: Box<str>,
    /// Length in bytes of the area prefix of `code`.
    area: u8,
}

impl Postcode {
    /// The canonical code: what two records must share for an exact match
    /// (`SW1A 1AA`, `02134`, `119019`).
    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// The prefix naming the area, for a "same area" comparison: the UK outward code
    /// (`SW1A`), the first three digits of a US ZIP, RU, KZ, UZ or IN code, the first two of
    /// an AU code, the first five of an IR code; the first half of a generic code.
    pub fn area(&self) -> &str {
        self.code
            .get(..usize::from(self.area))
            .unwrap_or(&self.code)
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode(<redacted>, len={})", self.code.len())
    }
}

/// Normalises one raw postcode.
///
/// ```
/// use omnilink::normalize::{postcode, Context, Region, Reject};
/// let uk = Context::new().region(Region::GB);
/// let p = postcode::normalize("sw1a1aa", &uk).unwrap();
/// assert_eq!((p.as_str(), p.area()), ("SW1A 1AA", "SW1A"));
/// let us = Context::new().region(Region::US);
/// assert_eq!(postcode::normalize("12345-6789", &us).unwrap().as_str(), "12345");
/// assert_eq!(postcode::normalize("2134", &us).unwrap().as_str(), "02134");
/// assert_eq!(postcode::normalize("000000", &Context::new()), Err(Reject::Placeholder));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Postcode, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let t = strip_label(t, &RULES.labels);
    let t = strip_float_artefact(t, 1);

    let mut buf = [0u8; MAX_LEN];
    let compact = compact_code(t, &mut buf, |_| None).map_err(|e| match e {
        Reject::TooLong => Reject::Invalid,
        e => e,
    })?;
    if compact.is_empty() {
        return Err(Reject::Empty);
    }
    if !compact.iter().any(u8::is_ascii_digit) || compact.len() < MIN_LEN {
        return Err(Reject::Invalid);
    }
    if is_one_digit_repeated(compact) {
        return Err(Reject::Placeholder);
    }

    let formatted = RULES
        .formats
        .iter()
        .find_map(|f| f.apply(ctx.region, compact));
    let postcode = match formatted {
        Some(p) => p,
        None => Postcode {
            code: ascii_box(compact),
            // MAX_LEN / 2 fits a u8
            area: u8::try_from(compact.len() / 2).unwrap_or(0),
        },
    };
    if is_one_digit_repeated(postcode.code.as_bytes()) || is_placeholder_word(&postcode.code) {
        return Err(Reject::Placeholder);
    }
    Ok(postcode)
}

/// One format line of `data/postcode_formats.txt`.
#[derive(Debug)]
struct Format {
    region: Region,
    pattern: &'static [u8],
    area: u8,
    pad: usize,
    keep: usize,
    space: bool,
    /// Also tried when the region is unknown.
    unknown: bool,
}

impl Format {
    fn apply(&self, region: Option<Region>, compact: &[u8]) -> Option<Postcode> {
        let applies = match region {
            Some(r) => r == self.region,
            None => self.unknown,
        };
        if !applies || !fits(self.pattern, compact) {
            return None;
        }
        let mut code: Vec<u8> = Vec::with_capacity(MAX_LEN + 1);
        code.resize(self.pad.saturating_sub(compact.len()), b'0');
        code.extend_from_slice(compact);
        if self.keep > 0 {
            code.truncate(self.keep);
        }
        let area = usize::from(self.area).min(code.len());
        if self.space && area < code.len() {
            code.insert(area, b' ');
        }
        Some(Postcode {
            code: ascii_box(&code),
            area: u8::try_from(area).unwrap_or(0),
        })
    }
}

/// `true` if `s` has the shape of `pattern`: `9` a digit, `A` a letter, anything else itself.
pub(crate) fn fits(pattern: &[u8], s: &[u8]) -> bool {
    pattern.len() == s.len()
        && pattern.iter().zip(s).all(|(&p, &c)| match p {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            _ => p == c,
        })
}

/// Three or more characters, all one digit.
fn is_one_digit_repeated(s: &[u8]) -> bool {
    s.len() >= 3 && s[0].is_ascii_digit() && s.iter().all(|&b| b == s[0])
}

/// Strips labels (lower case, longest first) and the separators after them, repeatedly.
///
/// A label is stripped when something follows it and that is a separator, `:`, `#` or `№`,
/// or, for a label not written in Latin letters, a digit; a label ending in punctuation is
/// stripped before anything.
pub(crate) fn strip_label<'a>(mut t: &'a str, labels: &[String]) -> &'a str {
    'outer: loop {
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            return t;
        }
        for label in labels {
            let Some(rest) = strip_prefix_ci(t, label) else {
                continue;
            };
            let Some(next) = rest.chars().next() else {
                continue;
            };
            let ends_in_letter = label.chars().next_back().is_some_and(char::is_alphabetic);
            let latin = label.is_ascii();
            let boundary = !ends_in_letter
                || is_separator(next)
                || matches!(next, ':' | '#' | '№')
                || (!latin && digit_value(next).is_some());
            if boundary {
                t = rest.trim_start_matches(|c: char| is_separator(c) || c == ':');
                continue 'outer;
            }
        }
        return t;
    }
}

/// Lower-cased labels, longest first.
pub(crate) fn parse_labels(text: &'static str) -> Vec<String> {
    let mut labels: Vec<String> = data_lines(text)
        .map(|l| l.strip_prefix('\\').unwrap_or(l).to_lowercase())
        .collect();
    labels.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
    labels
}

#[derive(Debug, Default)]
struct Rules {
    formats: Vec<Format>,
    labels: Vec<String>,
    bad_lines: usize,
}

static RULES: LazyLock<Rules> = LazyLock::new(parse_rules);

fn parse_rules() -> Rules {
    let mut r = Rules {
        labels: parse_labels(include_str!("data/postcode_prefixes.txt")),
        ..Rules::default()
    };
    for line in data_lines(include_str!("data/postcode_formats.txt")) {
        let f: Vec<&'static str> = line.split_whitespace().collect();
        let parsed = match f.as_slice() {
            [region, pattern, area, options @ ..] => {
                let mut fmt = Region::new(region)
                    .zip(area.parse().ok())
                    .map(|(region, area)| Format {
                        region,
                        pattern: pattern.as_bytes(),
                        area,
                        pad: 0,
                        keep: 0,
                        space: false,
                        unknown: false,
                    });
                for o in options {
                    let Some(fm) = fmt.as_mut() else { break };
                    let ok = match o.split_once('=') {
                        Some(("pad", n)) => n.parse().map(|n| fm.pad = n).is_ok(),
                        Some(("keep", n)) => n.parse().map(|n| fm.keep = n).is_ok(),
                        None if *o == "space" => {
                            fm.space = true;
                            true
                        }
                        None if *o == "unknown" => {
                            fm.unknown = true;
                            true
                        }
                        _ => false,
                    };
                    if !ok {
                        fmt = None;
                    }
                }
                fmt.filter(|f| {
                    f.pattern.len() <= MAX_LEN
                        && f.pattern.len() >= MIN_LEN
                        && f.pad <= MAX_LEN
                        && f.pattern.iter().all(|&b| b == b'9' || b == b'A')
                })
            }
            _ => None,
        };
        match parsed {
            Some(f) => r.formats.push(f),
            None => r.bad_lines += 1,
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(raw: &str, region: Option<Region>) -> Result<(String, String), Reject> {
        let mut ctx = Context::new();
        ctx.region = region;
        normalize(raw, &ctx).map(|p| (p.as_str().to_string(), p.area().to_string()))
    }

    fn ok(code: &str, area: &str) -> Result<(String, String), Reject> {
        Ok((code.to_string(), area.to_string()))
    }

    #[test]
    fn data_files_parse() {
        assert_eq!(RULES.bad_lines, 0);
        assert!(RULES.formats.len() >= 18);
        assert!(RULES.labels.iter().any(|l| l == "индекс"));
        assert!(RULES.labels.iter().any(|l| l == "zip"));
    }

    #[test]
    fn six_digit_markets() {
        for r in [Region::RU, Region::KZ, Region::UZ, Region::IN] {
            assert_eq!(n("119 019", Some(r)), ok("119019", "119"), "{r:?}");
        }
        assert_eq!(n("индекс: 119019", Some(Region::RU)), ok("119019", "119"));
        assert_eq!(n("PIN 560 001", Some(Region::IN)), ok("560001", "560"));
        assert_eq!(n("५६०००१", Some(Region::IN)), ok("560001", "560"));
        assert_eq!(n("０５００００", Some(Region::KZ)), ok("050000", "050"));
        // a wrong length falls back to the generic form
        assert_eq!(n("11901", Some(Region::RU)), ok("11901", "11"));
        assert_eq!(n("Moscow", Some(Region::RU)), Err(Reject::Invalid));
    }

    #[test]
    fn iran() {
        let ir = Some(Region::IR);
        assert_eq!(n("13185-14744", ir), ok("1318514744", "13185"));
        assert_eq!(n("1318514744", ir), ok("1318514744", "13185"));
        assert_eq!(n("۱۳۱۸۵-۱۴۷۴۴", ir), ok("1318514744", "13185"));
        assert_eq!(n("کد پستی: ۱۳۱۸۵۱۴۷۴۴", ir), ok("1318514744", "13185"));
    }

    #[test]
    fn united_states() {
        let us = Some(Region::US);
        assert_eq!(n("12345", us), ok("12345", "123"));
        assert_eq!(n("12345-6789", us), ok("12345", "123"));
        assert_eq!(n("ZIP 02134", us), ok("02134", "021"));
        assert_eq!(n("2134", us), ok("02134", "021"));
        assert_eq!(n("2134.0", us), ok("02134", "021"));
        assert_eq!(n("12345.0", us), ok("12345", "123"));
        assert_eq!(n("501", us), ok("00501", "005"));
        assert_eq!(n("2134-5678", us), ok("02134", "021"));
        assert_eq!(n("00000", us), Err(Reject::Placeholder));
        assert_eq!(n("0000", us), Err(Reject::Placeholder));
        assert_eq!(n("00000-0000", us), Err(Reject::Placeholder));
        // without the region a four-digit code stays as written
        assert_eq!(n("2134", None), ok("2134", "21"));
        assert_eq!(n("12345-6789", None), ok("123456789", "1234"));
    }

    #[test]
    fn united_kingdom() {
        let gb = Some(Region::GB);
        for raw in [
            "SW1A 1AA",
            "sw1a1aa",
            "SW1A  1AA",
            " s w 1 a 1 a a ",
            "SW1A-1AA",
        ] {
            assert_eq!(n(raw, gb), ok("SW1A 1AA", "SW1A"), "{raw}");
        }
        assert_eq!(n("M1 1AE", gb), ok("M1 1AE", "M1"));
        assert_eq!(n("b338th", gb), ok("B33 8TH", "B33"));
        assert_eq!(n("CR2 6XH", gb), ok("CR2 6XH", "CR2"));
        assert_eq!(n("DN55 1PT", gb), ok("DN55 1PT", "DN55"));
        assert_eq!(n("W1A 0AX", gb), ok("W1A 0AX", "W1A"));
        // not a UK shape: the generic form
        assert_eq!(n("SW1A 1A", gb), ok("SW1A1A", "SW1"));
        // the UK shape is read with no region too, not with another region
        assert_eq!(n("sw1a1aa", None), ok("SW1A 1AA", "SW1A"));
        assert_eq!(n("sw1a1aa", Some(Region::RU)), ok("SW1A1AA", "SW1"));
    }

    #[test]
    fn australia_and_generic() {
        let au = Region::new("AU");
        assert_eq!(n("2000", au), ok("2000", "20"));
        assert_eq!(n("800", au), ok("0800", "08"));
        assert_eq!(n("75001", None), ok("75001", "75"));
        assert_eq!(
            n("k1a 0b1", Some(Region::new("CA").unwrap())),
            ok("K1A0B1", "K1A")
        );
        assert_eq!(n("1012 AB", None), ok("1012AB", "101"));
    }

    #[test]
    fn rejects() {
        assert_eq!(n("", None), Err(Reject::Empty));
        assert_eq!(n(" - - ", None), Err(Reject::Empty));
        for raw in ["n/a", "000000", "999999", "00000", "1111", "нет"] {
            assert_eq!(n(raw, None), Err(Reject::Placeholder), "{raw}");
            assert_eq!(n(raw, Some(Region::RU)), Err(Reject::Placeholder), "{raw}");
        }
        for raw in [
            "12",
            "AB",
            "ABCDE",
            "12345678901",
            "119019!",
            "Москва 119019",
        ] {
            assert_eq!(n(raw, None), Err(Reject::Invalid), "{raw}");
        }
        assert_eq!(n(&"1".repeat(5000), None), Err(Reject::TooLong));
    }

    #[test]
    fn idempotent_on_examples() {
        for (raw, r) in [
            ("sw1a1aa", Region::GB),
            ("2134-5678", Region::US),
            ("800", Region::new("AU").unwrap()),
            ("۱۳۱۸۵-۱۴۷۴۴", Region::IR),
            ("SW1A 1A", Region::GB),
        ] {
            let ctx = Context::new().region(r);
            let p = normalize(raw, &ctx).unwrap();
            assert_eq!(normalize(p.as_str(), &ctx), Ok(p.clone()), "{raw}");
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let p = normalize("SW1A 1AA", &Context::new().region(Region::GB)).unwrap();
        assert!(!format!("{p:?}").contains("SW1A"));
    }
}
