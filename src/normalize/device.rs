//! Device identifiers (IDFA, GAID, vendor ids) -> canonical id.
//!
//! The steps, in order:
//!
//! 1. Trim; strip surrounding quotes, braces, brackets or parentheses and labels such as
//!    `urn:uuid:`, `IDFA:` or `gaid:` (`data/device_prefixes.txt`), repeatedly.
//! 2. 32 hexadecimal digits in any case, with or without hyphens, are a UUID-shaped
//!    advertising id: [`DeviceId::Uuid`]. The nil UUID (iOS with limited ad tracking), all-`f`,
//!    one repeated digit, a short pattern repeated (`12341234-1234-...`), at most three
//!    distinct digits, tiny values (`00000000-0000-0000-0000-000000000001`) and the constants
//!    in `data/device_junk.txt` are [`Reject::Placeholder`].
//! 3. Anything else is an opaque vendor id (Android ID, IMEI, SDK tokens):
//!    [`MIN_OPAQUE_LEN`] to [`MAX_OPAQUE_LEN`] characters of ASCII letters, digits and
//!    `- _ . :`, lower-cased: [`DeviceId::Opaque`]. Shorter values, spaces or other
//!    characters inside, and the UUID layout with a non-hex digit are [`Reject::Invalid`]; longer ones [`Reject::TooLong`]; words such
//!    as `unknown`, `(null)`, `optout`, the shared placeholder words, one repeated character,
//!    a run of digits (`12345678`) or a short pattern repeated are [`Reject::Placeholder`].
//!
//! Idempotent: normalising [`DeviceId::to_canonical_string`] gives the same id.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Reject};

/// Shortest opaque (non-UUID) device id kept.
pub const MIN_OPAQUE_LEN: usize = 8;

/// Longest opaque (non-UUID) device id kept.
pub const MAX_OPAQUE_LEN: usize = 128;

/// A canonical device identifier.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceId {
    /// A UUID-shaped advertising id (IDFA, GAID), as its 128 bits.
    Uuid(u128),
    /// Any other vendor id, lower-cased.
    Opaque(Box<str>),
}

impl DeviceId {
    /// The canonical text form: lower-case hyphenated UUID, or the opaque id.
    pub fn to_canonical_string(&self) -> String {
        match self {
            DeviceId::Uuid(v) => uuid::Uuid::from_u128(*v).hyphenated().to_string(),
            DeviceId::Opaque(s) => s.to_string(),
        }
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceId::Uuid(_) => f.write_str("DeviceId::Uuid(<redacted>)"),
            DeviceId::Opaque(_) => f.write_str("DeviceId::Opaque(<redacted>)"),
        }
    }
}

/// Normalises one raw device id.
///
/// ```
/// use omnilink::normalize::{device, Context, DeviceId, Reject};
/// let ctx = Context::new();
/// let a = device::normalize("{6D92078A-8246-4BA4-AE5B-76104861E7DC}", &ctx).unwrap();
/// let b = device::normalize("6d92078a82464ba4ae5b76104861e7dc", &ctx).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_canonical_string(), "6d92078a-8246-4ba4-ae5b-76104861e7dc");
/// assert_eq!(
///     device::normalize("00000000-0000-0000-0000-000000000000", &ctx),
///     Err(Reject::Placeholder)
/// );
/// let android = device::normalize("A1B2C3D4E5F60718", &ctx).unwrap();
/// assert_eq!(android, DeviceId::Opaque("a1b2c3d4e5f60718".into()));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<DeviceId, Reject> {
    let _ = ctx;
    let t = strip_wrappers(precheck(raw)?);
    if let Some(v) = parse_uuid(t) {
        if is_placeholder_uuid(v) || JUNK.uuids.contains(&v) {
            return Err(Reject::Placeholder);
        }
        return Ok(DeviceId::Uuid(v));
    }
    opaque(t)
}

fn opaque(t: &str) -> Result<DeviceId, Reject> {
    let ok_chars = t
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if !ok_chars || t.len() < MIN_OPAQUE_LEN {
        return Err(if is_junk_word(t) {
            Reject::Placeholder
        } else if t.is_empty() {
            Reject::Empty
        } else {
            Reject::Invalid
        });
    }
    if t.len() > MAX_OPAQUE_LEN {
        return Err(Reject::TooLong);
    }
    if is_uuid_layout(t) {
        // 8-4-4-4-12 but not all hex: a damaged UUID, not some other id
        return Err(Reject::Invalid);
    }
    let id = t.to_ascii_lowercase();
    if JUNK.words.contains(id.as_str()) || is_pattern(id.as_bytes()) {
        return Err(Reject::Placeholder);
    }
    Ok(DeviceId::Opaque(id.into_boxed_str()))
}

/// Strips surrounding quotes and brackets and known labels, repeatedly.
fn strip_wrappers(mut t: &str) -> &str {
    const PAIRS: [(char, char); 6] = [
        ('{', '}'),
        ('(', ')'),
        ('[', ']'),
        ('<', '>'),
        ('"', '"'),
        ('\'', '\''),
    ];
    loop {
        let before = t;
        while let Some(inner) = strip_pair(t, &PAIRS) {
            t = inner;
        }
        // every label ends in `:`; most ids have none near the start
        let has_colon = t.bytes().take(16).any(|b| b == b':');
        for label in JUNK.labels.iter().filter(|_| has_colon) {
            if t.len() > label.len()
                && t.is_char_boundary(label.len())
                && t[..label.len()].eq_ignore_ascii_case(label)
            {
                t = t[label.len()..].trim_start();
            }
        }
        // `t` only ever shrinks: the same length means nothing was stripped
        if t.len() == before.len() {
            return t;
        }
    }
}

/// `t` without one pair of the given surrounding characters, trimmed; `None` if it has none.
fn strip_pair<'a>(t: &'a str, pairs: &[(char, char)]) -> Option<&'a str> {
    let first = t.chars().next()?;
    let &(_, close) = pairs.iter().find(|(open, _)| *open == first)?;
    let inner = t.get(first.len_utf8()..)?;
    if inner.chars().next_back()? != close {
        return None;
    }
    Some(inner[..inner.len() - close.len_utf8()].trim())
}

/// 32 hex digits, hyphens anywhere between them, nothing else.
fn parse_uuid(t: &str) -> Option<u128> {
    if t.len() < 32 || t.len() > 40 {
        return None;
    }
    let mut v: u128 = 0;
    let mut n = 0;
    for b in t.bytes() {
        if b == b'-' {
            continue;
        }
        let d = char::from(b).to_digit(16)?;
        if n == 32 {
            return None;
        }
        v = (v << 4) | u128::from(d);
        n += 1;
    }
    (n == 32 && !t.starts_with('-') && !t.ends_with('-')).then_some(v)
}

/// The hyphen layout of a UUID: 36 characters, hyphens at 8, 13, 18 and 23 only.
fn is_uuid_layout(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, &c)| (c == b'-') == matches!(i, 8 | 13 | 18 | 23))
}

/// Constant-looking UUIDs: tiny (or all-`f` but tiny), periodic, or with 3 or fewer distinct
/// hex digits.
fn is_placeholder_uuid(v: u128) -> bool {
    if v < (1 << 32) || !v < (1 << 32) {
        return true;
    }
    if [4u32, 8, 16, 32, 64]
        .iter()
        .any(|&bits| v.rotate_left(bits) == v)
    {
        return true;
    }
    let mut seen = 0u16;
    for i in 0..32 {
        seen |= 1 << ((v >> (4 * i)) & 15);
    }
    seen.count_ones() <= 3
}

/// One repeated character, a run of digits counting up or down (8+), or a pattern of up
/// to 4 characters repeated.
fn is_pattern(b: &[u8]) -> bool {
    if b.iter().all(|&c| c == b[0]) {
        return true;
    }
    if b.iter().all(u8::is_ascii_digit) {
        let up = b
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
        let down = b
            .windows(2)
            .all(|w| w[0] == w[1] + 1 || (w[0] == b'0' && w[1] == b'9'));
        if up || down {
            return true;
        }
    }
    (2..=4).any(|p| b.len() >= 2 * p && b.iter().zip(&b[p..]).all(|(x, y)| x == y))
}

/// A junk word (from the data file or the shared list), any case.
fn is_junk_word(t: &str) -> bool {
    t.len() <= 64 && (JUNK.words.contains(t.to_lowercase().as_str()) || is_placeholder_word(t))
}

#[derive(Debug, Default)]
struct Junk {
    uuids: HashSet<u128>,
    words: HashSet<&'static str>,
    labels: Vec<&'static str>,
    bad_lines: usize,
}

static JUNK: LazyLock<Junk> = LazyLock::new(|| {
    let lines = |data: &'static str| {
        data.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    let mut j = Junk::default();
    for line in lines(include_str!("data/device_junk.txt")) {
        match parse_uuid(line) {
            Some(v) => {
                j.uuids.insert(v);
            }
            None if line.bytes().all(|b| !b.is_ascii_uppercase()) => {
                j.words.insert(line);
            }
            None => j.bad_lines += 1,
        }
    }
    for line in lines(include_str!("data/device_prefixes.txt")) {
        if line.is_ascii() {
            j.labels.push(line);
        } else {
            j.bad_lines += 1;
        }
    }
    j
});

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(raw: &str) -> Result<String, Reject> {
        normalize(raw, &Context::new()).map(|d| match &d {
            DeviceId::Uuid(_) => format!("uuid:{}", d.to_canonical_string()),
            DeviceId::Opaque(_) => format!("opaque:{}", d.to_canonical_string()),
        })
    }

    const IDFA: &str = "uuid:6d92078a-8246-4ba4-ae5b-76104861e7dc";

    #[test]
    fn data_files_parse() {
        assert_eq!(JUNK.bad_lines, 0);
        assert!(JUNK.uuids.contains(&0));
        assert!(JUNK.words.contains("9774d56d682e549c"));
        assert!(JUNK.labels.contains(&"urn:uuid:"));
    }

    #[test]
    fn uuid_spellings() {
        for raw in [
            "6D92078A-8246-4BA4-AE5B-76104861E7DC",
            "6d92078a-8246-4ba4-ae5b-76104861e7dc",
            "6d92078a82464ba4ae5b76104861e7dc",
            "{6D92078A-8246-4BA4-AE5B-76104861E7DC}",
            "urn:uuid:6d92078a-8246-4ba4-ae5b-76104861e7dc",
            "URN:UUID:{6d92078a-8246-4ba4-ae5b-76104861e7dc}",
            "IDFA: 6D92078A-8246-4BA4-AE5B-76104861E7DC",
            "\"6d92078a-8246-4ba4-ae5b-76104861e7dc\"",
            " 6d92078a-8246-4ba4-ae5b-76104861e7dc\r\n",
            "6d92078a8246-4ba4-ae5b76104861e7dc",
        ] {
            assert_eq!(n(raw), Ok(IDFA.into()), "{raw}");
        }
        // a GAID
        assert_eq!(
            n("38400000-8cf0-11bd-b23e-10b96e40000d"),
            Ok("uuid:38400000-8cf0-11bd-b23e-10b96e40000d".into())
        );
    }

    #[test]
    fn placeholder_uuids() {
        for raw in [
            "00000000-0000-0000-0000-000000000000",
            "00000000000000000000000000000000",
            "{00000000-0000-0000-0000-000000000000}",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFE",
            "11111111-1111-1111-1111-111111111111",
            "00000000-0000-0000-0000-000000000001",
            "12345678-1234-5678-1234-567812345678",
            "01234567-89ab-cdef-0123-456789abcdef",
            "abababab-abab-abab-abab-abababababab",
            "deadbeef-dead-beef-dead-beefdeadbeef",
            "10000000-0000-0000-0000-000000000001",
        ] {
            assert_eq!(n(raw), Err(Reject::Placeholder), "{raw}");
        }
    }

    #[test]
    fn opaque_ids() {
        // Android ID (16 hex), IMEI-like (15 digits), vendor tokens
        assert_eq!(n("A1B2C3D4E5F60718"), Ok("opaque:a1b2c3d4e5f60718".into()));
        assert_eq!(n("356938035643809"), Ok("opaque:356938035643809".into()));
        assert_eq!(
            n("fcm_Tok-3x9.Qa:77"),
            Ok("opaque:fcm_tok-3x9.qa:77".into())
        );
        assert_eq!(
            n("androidId: 8aF3c2E19b7d4460"),
            Ok("opaque:8af3c2e19b7d4460".into())
        );
        // 31 hex digits: not a UUID
        assert_eq!(
            n("6d92078a82464ba4ae5b76104861e7d"),
            Ok("opaque:6d92078a82464ba4ae5b76104861e7d".into())
        );
    }

    #[test]
    fn junk_and_invalid() {
        for raw in [
            "9774d56d682e549c",
            "9774D56D682E549C",
            "unknown",
            "(null)",
            "NULL",
            "undefined",
            "optout",
            "LIMIT_AD_TRACKING",
            "n/a",
            "-",
            "нет",
            "ندارد",
            "0000000000000000",
            "ffffffffffffffff",
            "12345678",
            "abcabcabcabc",
            "IDFA: 00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(n(raw), Err(Reject::Placeholder), "{raw}");
        }
        for raw in [
            "abc12",
            "a1b2 c3d4 e5f6 0718",
            "6d92078a-8246-4ba4-ae5b-76104861e7dg ",
            "устройство-12345",
            "دستگاه۱۲۳۴۵۶۷۸",
            "id#12345678",
        ] {
            assert_eq!(n(raw), Err(Reject::Invalid), "{raw}");
        }
        assert_eq!(n(""), Err(Reject::Empty));
        assert_eq!(n("{}"), Err(Reject::Empty));
        assert_eq!(n(&"ab12".repeat(40)), Err(Reject::TooLong));
        assert_eq!(n(&"a".repeat(4000)), Err(Reject::TooLong));
    }

    #[test]
    fn debug_hides_value() {
        let d = normalize("A1B2C3D4E5F60718", &Context::new()).unwrap();
        assert!(!format!("{d:?}").to_lowercase().contains("a1b2"));
    }

    proptest! {
        #[test]
        fn total_and_idempotent(s in "\\PC{0,80}") {
            if let Ok(d) = normalize(&s, &Context::new()) {
                prop_assert_eq!(normalize(&d.to_canonical_string(), &Context::new()), Ok(d));
            }
        }

        #[test]
        fn idempotent_on_id_like(s in "(urn:uuid:|IDFA: |\\{|\\(|\")?[0-9a-fA-F:_.-]{6,40}(\\}|\\)|\")?") {
            if let Ok(d) = normalize(&s, &Context::new()) {
                prop_assert_eq!(normalize(&d.to_canonical_string(), &Context::new()), Ok(d));
            }
        }

        #[test]
        fn total_on_long_strings(s in "[0-9a-f-]{1,12}", k in 1usize..300) {
            let _ = normalize(&s.repeat(k), &Context::new());
        }

        #[test]
        fn case_and_hyphens_do_not_matter(v in any::<u128>(), upper in any::<bool>(), braces in any::<bool>()) {
            let u = uuid::Uuid::from_u128(v);
            let hyphenated = u.hyphenated().to_string();
            let mut simple = u.simple().to_string();
            if upper {
                simple = simple.to_uppercase();
            }
            if braces {
                simple = format!("{{{simple}}}");
            }
            let a = normalize(&hyphenated, &Context::new());
            let b = normalize(&simple, &Context::new());
            prop_assert_eq!(&a, &b);
            if !is_placeholder_uuid(v) {
                prop_assert_eq!(a, Ok(DeviceId::Uuid(v)));
            }
        }
    }
}
