//! Telephone numbers -> E.164.
//!
//! [`normalize`] reads a raw value in three steps:
//!
//! 1. **Lexing.** Digits of any script listed in `data/phone_rules.txt` (ASCII, Persian and
//!    Arabic-Indic, Devanagari, fullwidth, ...) are read as ASCII digits; spaces, dashes, dots,
//!    brackets, slashes and invisible marks are skipped; a `+` may come before the first
//!    digit. A label may precede the number (`тел.`, `tel:`) and an extension marker ends it
//!    (`ext. 12`, `x12`, `#12`, `доб. 12`, `вн. 12`): the extension is dropped. Any other
//!    letter or symbol makes the value [`Reject::Invalid`].
//! 2. **Reading.** The digits are read as a calling code and a national significant number:
//!    - after a `+`, or after an international prefix followed by a non-zero digit: `00`
//!      (the ITU-recommended prefix, in use from all seven markets, read as such when the
//!      region is one of them or unknown) or the region's own prefix from the metadata
//!      (`810` from RU/KZ, `011` from the US, and whatever `phonenumber` knows for other
//!      regions): an international number; if that is not valid but the rest starts with
//!      the trunk prefix of the country, the `+44 (0) 20 ...` habit is assumed and the
//!      prefix dropped;
//!    - otherwise a national number of the region, trying in turn: without the region's
//!      trunk prefix (`8` RU/KZ, `0` IR/IN/GB, `1` US, and the legacy `8` of UZ), as written,
//!      and as an international number written without `+` when it starts with the region's
//!      calling code (`79123456789` with region RU). The first valid reading wins.
//!
//!    Which region: `ctx.region` when set. Otherwise every one of `ctx.candidate_regions`
//!    is tried: one valid E.164 number (RU and KZ both giving the same `+7...` counts as one)
//!    is taken; several different ones are settled by `ctx.hint` when the hint is one of the
//!    regions that gave a valid number, else [`Reject::Ambiguous`]. With no region and no
//!    candidates, a number without `+` is read in the hint's region when there is a hint,
//!    and otherwise (or when that reading is not valid) accepted only when its digits are a
//!    valid international number as they stand (`79123456789`); failing that it is
//!    [`Reject::Ambiguous`], never guessed.
//!    Regions outside the seven markets are read by `phonenumber`'s own parser.
//! 3. **Validation.** A reading is valid when `phonenumber`'s metadata says so, exactly as
//!    `phonenumber::is_valid` decides (see `phone/plan.rs`), and the line type is the one
//!    its number type rule gives. For the markets' calling codes the patterns are compiled
//!    once into DFAs, so a number costs a few hundred nanoseconds instead of microseconds.
//!
//! Rejections:
//! - [`Reject::Empty`]: nothing but white space, separators or a label;
//! - [`Reject::Placeholder`]: a placeholder word (`n/a`, `нет`), all zeros, one digit
//!   repeated (`1111111`), an ascending run (`1234567890`, `0123456789`), or a national
//!   number that is one repeated digit or such a run (`+7 999 999 99 99`);
//! - [`Reject::Invalid`]: fewer than five digits, letters or symbols besides labels and
//!   extension markers, or no valid reading;
//! - [`Reject::Ambiguous`]: see above;
//! - [`Reject::TooLong`]: more than [`MAX_RAW_LEN`](super::MAX_RAW_LEN) bytes.
//!
//! Where this departs from `phonenumber::parse` on purpose: `phonenumber` 0.3.10 strips the
//! trunk digit from any national number that starts with it, even one written after `+7`,
//! so St Petersburg (`+7 812 ...`), other `8xx` area codes and `8 800` toll-free numbers
//! never parse as valid; it applies the default region's trunk prefix to numbers with
//! another country's `+` code (`+44 121 ...` with region US); it takes the first digits of a
//! national number for the calling code when they match it, so Kazakh numbers written
//! without trunk prefix (`701 123 4567`) fail; it reads neither Persian nor Arabic-Indic
//! digits; and it knows `00` only where the metadata lists it (not from RU, KZ or the US).
//! Validity itself is `phonenumber`'s, unchanged: ranges reserved for fiction are kept when
//! the metadata calls them valid (`(201) 555-0123`) and rejected when it does not (Ofcom's
//! `07700 900xxx`). `tests/phone_differential.rs` measures both agreements.

mod lex;
mod plan;
mod rules;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Region, Reject};
use plan::{Market, Plan, PLAN};

/// What kind of line a number is, when the numbering plan says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineType {
    /// A mobile number.
    Mobile,
    /// A fixed (landline) number.
    FixedLine,
    /// The plan does not tell fixed from mobile (US, CA).
    FixedLineOrMobile,
    /// Toll-free, premium, shared-cost, VoIP, pager, UAN and other non-personal types.
    Other,
    /// Not known. [`normalize`] does not return it today: a number whose type the numbering
    /// plan does not know is not valid.
    Unknown,
}

/// A valid telephone number in E.164 form.
///
/// Stored as the E.164 digits in one integer (country code + national number, at most 15
/// digits), so it is `Copy`, hashes fast and blocks as an integer key. `Debug` does not show
/// the number; use [`Phone::e164`] to see it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Phone {
    digits: u64,
    country_code: u16,
    line: LineType,
}

impl Phone {
    /// The number as E.164 digits in one integer (e.g. `79123456789`).
    pub fn as_u64(&self) -> u64 {
        self.digits
    }

    /// The country calling code (`7`, `98`, `44`, ...).
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The line type, when known.
    pub fn line_type(&self) -> LineType {
        self.line
    }

    /// The E.164 string, `+` and digits (`+79123456789`).
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }

    /// Builds a phone from a calling code and ASCII national digits; `None` when the digits
    /// do not fit in a `u64`.
    fn new(cc: u16, nsn: &[u8], line: LineType) -> Option<Phone> {
        let mut digits = u64::from(cc);
        for &b in nsn {
            digits = digits.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        Some(Phone {
            digits,
            country_code: cc,
            line,
        })
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Phone(+{} <redacted>, {:?})",
            self.country_code, self.line
        )
    }
}

/// Fewer digits than this are not a telephone number ([`Reject::Invalid`]).
const MIN_DIGITS: usize = 5;

/// A national number at least this long that is one repeated digit or an ascending run is a
/// placeholder.
const MIN_RUN: usize = 6;

/// Normalises one raw phone number to E.164.
///
/// See the [module documentation](self) for the rules. The result does not depend on the
/// context for numbers written with `+`, so `normalize(&p.e164(), ctx) == Ok(p)` for any
/// `ctx`.
///
/// ```
/// use omnilink::normalize::{phone, Context, LineType, Region, Reject};
///
/// let ru = Context::new().region(Region::RU);
/// let p = phone::normalize("8 (912) 345-67-89 доб. 12", &ru).unwrap();
/// assert_eq!(p.e164(), "+79123456789");
/// assert_eq!(p.line_type(), LineType::Mobile);
///
/// let ir = Context::new().region(Region::IR);
/// assert_eq!(phone::normalize("۰۹۱۲ ۳۴۵ ۶۷۸۹", &ir).unwrap().e164(), "+989123456789");
///
/// // A national number valid in two candidate regions, with no hint: not guessed.
/// let multi = Context::new().candidate_regions([Region::RU, Region::IN]);
/// assert_eq!(phone::normalize("98765 43210", &multi), Err(Reject::Ambiguous));
/// let hinted = multi.hint(Some(Region::IN));
/// assert_eq!(phone::normalize("98765 43210", &hinted).unwrap().e164(), "+919876543210");
///
/// assert_eq!(phone::normalize("+7 999 999 99 99", &ru), Err(Reject::Placeholder));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Phone, Reject> {
    let t = precheck(raw)?;
    let lexed = match lex::lex(t) {
        Ok(l) if !l.digits().is_empty() => l,
        Ok(_) if is_placeholder_word(t) => return Err(Reject::Placeholder),
        Ok(_) => return Err(Reject::Empty),
        Err(_) if is_placeholder_word(t) => return Err(Reject::Placeholder),
        Err(_) => return Err(Reject::Invalid),
    };
    let d = lexed.digits();
    if is_placeholder_digits(d) {
        return Err(Reject::Placeholder);
    }
    if d.len() < MIN_DIGITS {
        return Err(Reject::Invalid);
    }
    let plan = &*PLAN;
    if lexed.plus {
        return international(plan, d);
    }
    if let Some(region) = ctx.region {
        return national(plan, region, d);
    }
    if let Some(rest) = strip_idd(d, b"00") {
        return international(plan, rest);
    }
    if !ctx.candidate_regions.is_empty() {
        return choose(plan, &ctx.candidate_regions, ctx.hint, d);
    }
    if let Some(hint) = ctx.hint {
        match national(plan, hint, d) {
            Err(Reject::Invalid) => {}
            settled => return settled,
        }
    }
    match international(plan, d) {
        Err(Reject::Invalid) => Err(Reject::Ambiguous),
        other => other,
    }
}

/// All zeros, one digit repeated (three or more), or an ascending run.
fn is_placeholder_digits(d: &[u8]) -> bool {
    d.iter().all(|&b| b == b'0') || (d.len() >= 3 && is_repeated(d)) || is_run(d)
}

fn is_placeholder_nsn(nsn: &[u8]) -> bool {
    nsn.len() >= MIN_RUN && (is_repeated(nsn) || is_run(nsn))
}

fn is_repeated(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// `123456`, `0123456789`, `1234567890`: a prefix of one of the two runs, six digits or more.
fn is_run(d: &[u8]) -> bool {
    d.len() >= MIN_RUN && (b"0123456789".starts_with(d) || b"1234567890".starts_with(d))
}

/// The digits after an international prefix, when they start with a non-zero digit.
fn strip_idd<'a>(d: &'a [u8], idd: &[u8]) -> Option<&'a [u8]> {
    d.strip_prefix(idd)
        .filter(|rest| rest.first().is_some_and(|&b| b != b'0'))
}

/// One reading, `(cc, nsn)`: a phone, a placeholder, or invalid (try the next reading).
fn reading(plan: &Plan, cc: u16, nsn: &[u8]) -> Result<Phone, Reject> {
    if is_placeholder_nsn(nsn) {
        return Err(Reject::Placeholder);
    }
    if cc >= 1000 || nsn.len() > plan::MAX_NSN {
        return Err(Reject::Invalid);
    }
    let line = plan.validate(cc, nsn).ok_or(Reject::Invalid)?;
    let phone = Phone::new(cc, nsn, line).ok_or(Reject::Invalid)?;
    // The output read back must give itself again (idempotence): the same digit checks the
    // raw value went through apply to the E.164 digits.
    let mut buf = [0u8; 3 + plan::MAX_NSN];
    let cc_digits = [cc / 100, cc / 10 % 10, cc % 10];
    let skip = if cc >= 100 {
        0
    } else if cc >= 10 {
        1
    } else {
        2
    };
    let mut len = 0;
    for &d in &cc_digits[skip..] {
        buf[len] = b'0' + d as u8;
        len += 1;
    }
    buf[len..len + nsn.len()].copy_from_slice(nsn);
    len += nsn.len();
    if is_placeholder_digits(&buf[..len]) {
        return Err(Reject::Placeholder);
    }
    if len < MIN_DIGITS {
        return Err(Reject::Invalid);
    }
    Ok(phone)
}

/// `Some` when a reading settles the question (a phone or a placeholder).
fn settled(r: Result<Phone, Reject>) -> Option<Result<Phone, Reject>> {
    match r {
        Err(Reject::Invalid) => None,
        other => Some(other),
    }
}

/// Digits after `+` or an international prefix: calling code, then national number.
fn international(plan: &Plan, d: &[u8]) -> Result<Phone, Reject> {
    let (cc, nsn) = plan.split_cc(d).ok_or(Reject::Invalid)?;
    if let Some(r) = settled(reading(plan, cc, nsn)) {
        return r;
    }
    // "+44 (0) 20 ...": the trunk prefix written after the calling code.
    if let Some(rest) = plan.main_trunk(cc).and_then(|t| nsn.strip_prefix(t)) {
        if let Some(r) = settled(reading(plan, cc, rest)) {
            return r;
        }
    }
    Err(Reject::Invalid)
}

/// Digits without `+` or `00`, read in `region`.
fn national(plan: &Plan, region: Region, d: &[u8]) -> Result<Phone, Reject> {
    match plan.market(region) {
        Some(m) => national_market(plan, m, d),
        None => national_other(plan, region, d),
    }
}

fn national_market(plan: &Plan, m: &Market, d: &[u8]) -> Result<Phone, Reject> {
    let idd = strip_idd(d, b"00").or_else(|| m.idd.as_deref().and_then(|idd| strip_idd(d, idd)));
    if let Some(rest) = idd {
        return international(plan, rest);
    }
    for t in &m.trunks {
        if let Some(rest) = d.strip_prefix(&**t) {
            if let Some(r) = settled(reading(plan, m.cc, rest)) {
                return r;
            }
        }
    }
    if let Some(r) = settled(reading(plan, m.cc, d)) {
        return r;
    }
    if d.starts_with(&m.cc_digits) {
        return international(plan, d);
    }
    Err(Reject::Invalid)
}

/// A region outside the markets: `phonenumber` reads the national form, its result is then
/// validated like any other reading.
fn national_other(plan: &Plan, region: Region, d: &[u8]) -> Result<Phone, Reject> {
    let id: phonenumber::country::Id = region.as_str().parse().map_err(|_| Reject::Invalid)?;
    let s = std::str::from_utf8(d).map_err(|_| Reject::Invalid)?;
    let parsed = phonenumber::parse(Some(id), s).map_err(|_| Reject::Invalid)?;
    let nsn = parsed.national().to_string();
    reading(plan, parsed.code().value(), nsn.as_bytes())
}

/// The numbers a national-format phone stands for in each of the context's candidate
/// regions where it is valid, in the order of the candidates, without repeats: what an
/// [`Reject::Ambiguous`] number may be. Empty for any other value.
///
/// ```
/// use omnilink::normalize::{phone, Context, Region};
/// let multi = Context::new().candidate_regions(vec![Region::RU, Region::IN]);
/// let c: Vec<String> = phone::candidates("98765 43210", &multi).iter().map(|p| p.e164()).collect();
/// assert_eq!(c, ["+79876543210", "+919876543210"]);
/// assert!(phone::candidates("+7 987 654-32-10", &multi).is_empty());
/// ```
pub fn candidates(raw: &str, ctx: &Context) -> Vec<Phone> {
    if normalize(raw, ctx) != Err(Reject::Ambiguous) {
        return Vec::new();
    }
    candidates_of_ambiguous(raw, ctx)
}

/// [`candidates`] of a value [`normalize`] has just called ambiguous.
pub(crate) fn candidates_of_ambiguous(raw: &str, ctx: &Context) -> Vec<Phone> {
    let Ok(t) = precheck(raw) else {
        return Vec::new();
    };
    let Ok(lexed) = lex::lex(t) else {
        return Vec::new();
    };
    let d = lexed.digits();
    let plan = &*PLAN;
    let mut out: Vec<Phone> = Vec::new();
    for &region in ctx.candidate_regions.iter() {
        if let Ok(p) = national(plan, region, d) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// Several candidate regions: one answer, or the hint's, or ambiguous.
fn choose(
    plan: &Plan,
    candidates: &[Region],
    hint: Option<Region>,
    d: &[u8],
) -> Result<Phone, Reject> {
    let mut found: Option<Phone> = None;
    let mut conflict = false;
    let mut hinted: Option<Phone> = None;
    let mut placeholder = false;
    for &region in candidates {
        match national(plan, region, d) {
            Ok(p) => {
                if hint == Some(region) {
                    hinted = Some(p);
                }
                match found {
                    None => found = Some(p),
                    Some(q) if q != p => conflict = true,
                    Some(_) => {}
                }
            }
            Err(Reject::Placeholder) => placeholder = true,
            Err(_) => {}
        }
    }
    if placeholder {
        return Err(Reject::Placeholder);
    }
    match (found, conflict) {
        (None, _) => Err(Reject::Invalid),
        (Some(p), false) => Ok(p),
        (Some(_), true) => hinted.ok_or(Reject::Ambiguous),
    }
}

#[cfg(test)]
mod tests;
