//! What the numbering plans say, taken once from `phonenumber`'s metadata: the country
//! calling codes, each market's trunk and international prefixes, and whether a
//! (country code, national number) pair is a valid number and of which line type.
//!
//! Validity follows `phonenumber::is_valid` exactly: the region is chosen among those sharing
//! the calling code as `phonenumber` chooses it (leading digits, else the first region whose
//! patterns know the number), then the number's type is the first descriptor that matches in
//! `phonenumber`'s order (premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
//! voicemail, fixed line, mobile), after the general descriptor. A descriptor matches when
//! the length is one of its possible lengths (or it lists none) and its pattern matches a
//! prefix of the number (`phonenumber` looks for a match starting at 0, not a full match).
//!
//! Two implementations of that rule:
//! - [`slow_validate`] asks `phonenumber`'s own descriptors (`Descriptor::is_match`, whose
//!   regexes sit behind one process-wide mutex and cost microseconds);
//! - the fast path compiles the same patterns of the regions sharing the markets' calling
//!   codes (7, 98, 91, 998, 1, 44) into one anchored DFA per region with `regex-automata`
//!   (the engine under `regex`), so that one walk over at most 17 digits tells which
//!   patterns match a prefix. The unit tests and `tests/phone_differential.rs` check the two
//!   agree, and agree with `phonenumber::is_valid`.

use std::sync::LazyLock;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};

use super::rules::RULES_TABLE;
use super::LineType;
use crate::normalize::Region;

/// Shortest national significant number `phonenumber` accepts.
pub(super) const MIN_NSN: usize = 2;
/// Longest national significant number `phonenumber` accepts.
pub(super) const MAX_NSN: usize = 17;

/// The descriptors of a region's metadata, in the order `phonenumber` tests them (the
/// discriminant indexes [`ALL`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Desc {
    General,
    PremiumRate,
    TollFree,
    SharedCost,
    Voip,
    PersonalNumber,
    Pager,
    Uan,
    Voicemail,
    FixedLine,
    Mobile,
}

/// The descriptors that make a number [`LineType::Other`], in `phonenumber`'s order.
const OTHER: [Desc; 8] = [
    Desc::PremiumRate,
    Desc::TollFree,
    Desc::SharedCost,
    Desc::Voip,
    Desc::PersonalNumber,
    Desc::Pager,
    Desc::Uan,
    Desc::Voicemail,
];

const ALL: [Desc; 11] = [
    Desc::General,
    Desc::PremiumRate,
    Desc::TollFree,
    Desc::SharedCost,
    Desc::Voip,
    Desc::PersonalNumber,
    Desc::Pager,
    Desc::Uan,
    Desc::Voicemail,
    Desc::FixedLine,
    Desc::Mobile,
];

fn descriptor(meta: &Metadata, d: Desc) -> Option<&Descriptor> {
    let ds = meta.descriptors();
    match d {
        Desc::General => Some(ds.general()),
        Desc::PremiumRate => ds.premium_rate(),
        Desc::TollFree => ds.toll_free(),
        Desc::SharedCost => ds.shared_cost(),
        Desc::Voip => ds.voip(),
        Desc::PersonalNumber => ds.personal_number(),
        Desc::Pager => ds.pager(),
        Desc::Uan => ds.uan(),
        Desc::Voicemail => ds.voicemail(),
        Desc::FixedLine => ds.fixed_line(),
        Desc::Mobile => ds.mobile(),
    }
}

/// `phonenumber`'s number type rule, given which descriptors match.
fn classify(is: impl Fn(Desc) -> bool, fixed_same_as_mobile: bool) -> Option<LineType> {
    if !is(Desc::General) {
        return None;
    }
    if OTHER.iter().any(|&d| is(d)) {
        return Some(LineType::Other);
    }
    if is(Desc::FixedLine) {
        return Some(if fixed_same_as_mobile || is(Desc::Mobile) {
            LineType::FixedLineOrMobile
        } else {
            LineType::FixedLine
        });
    }
    if is(Desc::Mobile) {
        return Some(LineType::Mobile);
    }
    None
}

/// `phonenumber` calls a fixed-line number "fixed line or mobile" outright when the two
/// descriptors have the same pattern text.
fn fixed_same_as_mobile(meta: &Metadata) -> bool {
    let src = |d| descriptor(meta, d).map(|d: &Descriptor| d.national_number().as_str());
    src(Desc::FixedLine) == src(Desc::Mobile)
}

/// Is `(cc, nsn)` valid, and of which type, asking `phonenumber`'s descriptors directly.
///
/// `nsn` is ASCII digits. This is the reference the fast path is checked against, and the
/// path taken for calling codes outside the markets.
pub(super) fn slow_validate(cc: u16, nsn: &str) -> Option<LineType> {
    if nsn.len() < MIN_NSN || nsn.len() > MAX_NSN {
        return None;
    }
    let db = &*DATABASE;
    let regions = db.region(&cc)?;
    let meta = if regions.len() == 1 {
        if regions[0] == "001" {
            db.by_code(&cc)?.into_iter().next()?
        } else {
            db.by_id(regions[0])?
        }
    } else {
        regions
            .iter()
            .filter_map(|id| db.by_id(*id))
            .find(|meta| match meta.leading_digits() {
                Some(ld) => ld.find(nsn).is_some_and(|m| m.start() == 0),
                None => slow_type(meta, nsn).is_some(),
            })?
    };
    slow_type(meta, nsn)
}

fn slow_type(meta: &Metadata, nsn: &str) -> Option<LineType> {
    classify(
        |d| descriptor(meta, d).is_some_and(|x| x.is_match(nsn)),
        fixed_same_as_mobile(meta),
    )
}

/// One descriptor compiled: its pattern's index in the region's DFA and its lengths.
#[derive(Clone, Copy, Debug)]
struct FastDesc {
    bit: u32,
    /// Bit `n` set: length `n` possible. All bits set when the descriptor lists none.
    lengths: u32,
}

/// One region's patterns as a DFA.
#[derive(Debug)]
struct FastRegion {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
    /// Bit of the region's leading-digits pattern, when it has one.
    leading: Option<u32>,
    descs: [Option<FastDesc>; ALL.len()],
    fixed_same_as_mobile: bool,
}

impl FastRegion {
    fn build(meta: &Metadata) -> Option<FastRegion> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut descs = [None; ALL.len()];
        for (k, &d) in ALL.iter().enumerate() {
            if let Some(desc) = descriptor(meta, d) {
                let lengths = if desc.possible_length().is_empty() {
                    u32::MAX
                } else {
                    desc.possible_length()
                        .iter()
                        .filter(|&&n| n < 32)
                        .fold(0u32, |m, &n| m | (1 << n))
                };
                descs[k] = Some(FastDesc {
                    bit: 1 << patterns.len(),
                    lengths,
                });
                patterns.push(desc.national_number().as_str());
            }
        }
        let leading = meta.leading_digits().map(|ld| {
            patterns.push(ld.as_str());
            1u32 << (patterns.len() - 1)
        });
        // Same syntax as phonenumber's regexes (`ignore_whitespace`); ASCII classes suffice
        // because the haystack is ASCII digits only.
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored),
            )
            .syntax(
                syntax::Config::new()
                    .ignore_whitespace(true)
                    .unicode(false)
                    .utf8(false),
            )
            .thompson(thompson::Config::new().utf8(false))
            .build_many(&patterns)
            .ok()?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .ok()?;
        Some(FastRegion {
            dfa,
            start,
            leading,
            descs,
            fixed_same_as_mobile: fixed_same_as_mobile(meta),
        })
    }

    /// The bits of the patterns that match a prefix of `nsn`.
    fn walk(&self, nsn: &[u8]) -> u32 {
        let dfa = &self.dfa;
        let mut mask = 0;
        let mut sid = self.start;
        for &b in nsn {
            sid = dfa.next_state(sid, b);
            if dfa.is_special_state(sid) {
                if dfa.is_dead_state(sid) {
                    return mask;
                }
                if dfa.is_match_state(sid) {
                    mask |= self.matched(sid);
                }
            }
        }
        sid = dfa.next_eoi_state(sid);
        if dfa.is_match_state(sid) {
            mask |= self.matched(sid);
        }
        mask
    }

    fn matched(&self, sid: StateID) -> u32 {
        (0..self.dfa.match_len(sid)).fold(0, |m, i| {
            m | 1u32 << self.dfa.match_pattern(sid, i).as_usize()
        })
    }

    fn classify(&self, mask: u32, len: usize) -> Option<LineType> {
        let is = |d: Desc| {
            self.descs[d as usize].is_some_and(|x| mask & x.bit != 0 && x.lengths & (1 << len) != 0)
        };
        classify(is, self.fixed_same_as_mobile)
    }
}

/// The regions sharing one calling code, in `phonenumber`'s order (main region first).
#[derive(Debug)]
struct FastCode {
    cc: u16,
    regions: Vec<FastRegion>,
}

impl FastCode {
    fn build(cc: u16) -> Option<FastCode> {
        let db = &*DATABASE;
        let ids = db.region(&cc)?;
        if ids.contains(&"001") {
            return None;
        }
        let regions = ids
            .iter()
            .map(|id| db.by_id(*id).and_then(FastRegion::build))
            .collect::<Option<Vec<_>>>()?;
        Some(FastCode { cc, regions })
    }

    fn validate(&self, nsn: &[u8]) -> Option<LineType> {
        if let [only] = &self.regions[..] {
            return only.classify(only.walk(nsn), nsn.len());
        }
        for r in &self.regions {
            let mask = r.walk(nsn);
            match r.leading {
                Some(bit) if mask & bit != 0 => return r.classify(mask, nsn.len()),
                Some(_) => {}
                None => {
                    if let Some(t) = r.classify(mask, nsn.len()) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }
}

/// A market region's dialling habits.
#[derive(Debug)]
pub(super) struct Market {
    /// The region.
    pub region: Region,
    /// Its calling code.
    pub cc: u16,
    /// Its calling code as ASCII digits.
    pub cc_digits: Box<[u8]>,
    /// National (trunk) prefixes: the metadata's first, then legacy ones.
    pub trunks: Vec<Box<[u8]>>,
    /// The international call prefix when the metadata gives a plain digit string.
    pub idd: Option<Box<[u8]>>,
}

/// Everything taken from the metadata, built once.
#[derive(Debug)]
pub(super) struct Plan {
    /// `codes[n]`: `n` is an assigned calling code.
    codes: Vec<bool>,
    /// Trunk prefix of each calling code's main region (for `+44 (0) 20 ...`).
    main_trunk: Vec<Option<Box<[u8]>>>,
    fast: Vec<FastCode>,
    /// The markets, in [`Region::MARKETS`] order.
    pub markets: Vec<Market>,
}

/// The plan, built on first use.
pub(super) static PLAN: LazyLock<Plan> = LazyLock::new(Plan::build);

fn digit_string(s: Option<&str>) -> Option<Box<[u8]>> {
    s.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .map(|s| s.as_bytes().into())
}

impl Plan {
    fn build() -> Plan {
        let db = &*DATABASE;
        let mut codes = vec![false; 1000];
        let mut main_trunk = vec![None; 1000];
        for meta in db.iter() {
            let cc = usize::from(meta.country_code());
            if cc < codes.len() {
                codes[cc] = true;
            }
        }
        for (cc, slot) in main_trunk.iter_mut().enumerate() {
            if codes[cc] {
                let main = db.by_code(&(cc as u16)).and_then(|m| m.into_iter().next());
                *slot = digit_string(main.and_then(Metadata::national_prefix));
            }
        }
        let mut markets = Vec::new();
        let mut fast: Vec<FastCode> = Vec::new();
        for region in Region::MARKETS {
            let Some(meta) = db.by_id(region.as_str()) else {
                continue;
            };
            let cc = meta.country_code();
            let mut trunks: Vec<Box<[u8]>> =
                digit_string(meta.national_prefix()).into_iter().collect();
            for (r, t) in &RULES_TABLE.trunks {
                if *r == region && !trunks.contains(t) {
                    trunks.push(t.clone());
                }
            }
            markets.push(Market {
                region,
                cc,
                cc_digits: cc.to_string().into_bytes().into(),
                trunks,
                idd: digit_string(meta.international_prefix().map(|r| r.as_str())),
            });
            if !fast.iter().any(|f| f.cc == cc) {
                if let Some(f) = FastCode::build(cc) {
                    fast.push(f);
                }
            }
        }
        Plan {
            codes,
            main_trunk,
            fast,
            markets,
        }
    }

    /// The market entry of `region`, if it is one of the markets.
    pub fn market(&self, region: Region) -> Option<&Market> {
        self.markets.iter().find(|m| m.region == region)
    }

    /// Splits international digits (no `+`, no prefix) into calling code and the rest.
    pub fn split_cc<'a>(&self, digits: &'a [u8]) -> Option<(u16, &'a [u8])> {
        if digits.first() == Some(&b'0') {
            return None;
        }
        let mut cc = 0usize;
        for (len, &b) in digits.iter().enumerate().take(3) {
            cc = cc * 10 + usize::from(b - b'0');
            if self.codes[cc] {
                return Some((cc as u16, &digits[len + 1..]));
            }
        }
        None
    }

    /// The trunk prefix of the main region of `cc`.
    pub fn main_trunk(&self, cc: u16) -> Option<&[u8]> {
        self.main_trunk.get(usize::from(cc))?.as_deref()
    }

    /// Is `(cc, nsn)` valid, and of which type (`nsn` ASCII digits).
    pub fn validate(&self, cc: u16, nsn: &[u8]) -> Option<LineType> {
        if nsn.len() < MIN_NSN || nsn.len() > MAX_NSN {
            return None;
        }
        match self.fast.iter().find(|f| f.cc == cc) {
            Some(f) => f.validate(nsn),
            None => slow_validate(cc, std::str::from_utf8(nsn).ok()?),
        }
    }

    /// Like [`Plan::validate`] but never taking the fast path (for tests and benches).
    #[cfg(test)]
    pub fn validate_slow(&self, cc: u16, nsn: &[u8]) -> Option<LineType> {
        slow_validate(cc, std::str::from_utf8(nsn).ok()?)
    }

    /// Whether `cc` has a fast table.
    #[cfg(test)]
    pub fn is_fast(&self, cc: u16) -> bool {
        self.fast.iter().any(|f| f.cc == cc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn markets_have_plain_prefixes_and_fast_tables() {
        let plan = &*PLAN;
        assert_eq!(plan.markets.len(), 7);
        for m in &plan.markets {
            assert!(plan.is_fast(m.cc), "{}", m.region);
            assert!(
                m.idd.is_some(),
                "{} has a plain international prefix",
                m.region
            );
        }
        let ru = plan.market(Region::RU).unwrap();
        assert_eq!(&*ru.trunks[0], b"8");
        assert_eq!(ru.idd.as_deref(), Some(&b"810"[..]));
        let uz = plan.market(Region::UZ).unwrap();
        assert_eq!(
            uz.trunks,
            vec![Box::from(&b"8"[..])],
            "the legacy prefix from the rules"
        );
        assert_eq!(
            plan.split_cc(b"998901234567"),
            Some((998, &b"901234567"[..]))
        );
        assert_eq!(plan.split_cc(b"79123456789"), Some((7, &b"9123456789"[..])));
        assert_eq!(plan.split_cc(b"0079"), None);
        assert_eq!(plan.main_trunk(44), Some(&b"0"[..]));
    }

    /// Numbers built from the metadata's example numbers with random tails, plus random
    /// digit strings: the fast tables and phonenumber's descriptors must agree on each.
    #[test]
    fn fast_agrees_with_slow() {
        let plan = &*PLAN;
        let db = &*DATABASE;
        let n = if cfg!(debug_assertions) {
            1_500
        } else {
            60_000
        };
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut examples: Vec<(u16, String)> = Vec::new();
        for f in &plan.fast {
            for id in db.region(&f.cc).unwrap() {
                let meta = db.by_id(id).unwrap();
                for d in ALL {
                    if let Some(ex) = descriptor(meta, d).and_then(Descriptor::example) {
                        examples.push((f.cc, ex.to_string()));
                    }
                }
            }
        }
        let mut valid = 0;
        for i in 0..n {
            // Consecutive samples share a region: phonenumber's regex cache holds only 100
            // compiled patterns and would recompile them all the time otherwise.
            let (cc, mut nsn) = examples[i * examples.len() / n].clone();
            match rng.below(4) {
                0 => {}
                1 => {
                    // Random tail.
                    let keep = rng.below(nsn.len() as u64) as usize;
                    nsn.truncate(keep);
                    let len = keep + rng.below(12) as usize;
                    while nsn.len() < len {
                        nsn.push((b'0' + rng.below(10) as u8) as char);
                    }
                }
                2 => {
                    // Random digit changed, added or dropped.
                    let at = rng.below(nsn.len() as u64) as usize;
                    match rng.below(3) {
                        0 => nsn.replace_range(at..=at, &rng.below(10).to_string()),
                        1 => nsn.insert(at, (b'0' + rng.below(10) as u8) as char),
                        _ => {
                            nsn.remove(at);
                        }
                    }
                }
                _ => {
                    let len = 1 + rng.below(18) as usize;
                    nsn = (0..len)
                        .map(|_| (b'0' + rng.below(10) as u8) as char)
                        .collect();
                }
            }
            let fast = plan.validate(cc, nsn.as_bytes());
            let slow = plan.validate_slow(cc, nsn.as_bytes());
            assert_eq!(fast, slow, "+{cc} {nsn}");
            valid += usize::from(fast.is_some());
        }
        assert!(valid > n / 5, "too few valid samples: {valid}");
    }
}
