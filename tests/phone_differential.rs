//! Differential test of `omnilink::normalize::phone` against the `phonenumber` crate.
//!
//! A seeded generator writes numbers of the seven markets in the ways people write them
//! (international with `+`, the metadata's international prefix, `00`, national with and
//! without the trunk prefix, the calling code without `+`; spaces, dashes, dots, brackets;
//! Persian, Arabic-Indic, Devanagari and fullwidth digits; extensions). Each number is built
//! from a known calling code and national number `(cc, nsn)`, mostly by changing the tail of
//! the metadata's example numbers, so about half are valid.
//!
//! Two references:
//! - **truth**: `phonenumber::is_valid` and `number_type` on the `PhoneNumber` for
//!   `(cc, nsn)` itself (built through its serde form, bypassing the parser). The normaliser
//!   must agree on every generated number: same E.164 number when valid, a rejection when
//!   not.
//! - **plain parse**: `phonenumber::parse` on the raw string (digits in ASCII, extension
//!   markers it does not know removed), default region given for numbers without `+`,
//!   then `is_valid` and the E.164 form. The normaliser must agree on every number except
//!   the documented classes where `phonenumber`'s parser is wrong, counted separately:
//!   - `trunk-digit`: the national number starts with its country's trunk prefix
//!     (`+7 812 ...`, `+7 800 ...`, or `8 712 345 678` read as written): the parser strips
//!     the digit whatever follows;
//!   - `cc-digits`: a national number written without prefix that starts with the calling
//!     code (KZ `701 123 4567`, IN `91234 56789`): the parser takes the first digits for the
//!     calling code, because the metadata lists no possible lengths for the general
//!     descriptor, which its length check needs;
//!   - `00-prefix`: `00` from RU, KZ, US, whose metadata lists only `810`/`011`;
//!   - `short`: fewer than five digits, rejected by rule (IR `9601`);
//!   - `legacy UZ 8`: the old Uzbek trunk prefix, which the metadata no longer lists.

use std::str::FromStr;

use omnilink::normalize::{phone, Context, LineType, Region, Reject};
use phonenumber::metadata::DATABASE;
use phonenumber::{country, NationalNumber, PhoneNumber, Type};

/// xorshift64*: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn digit(&mut self) -> char {
        char::from(b'0' + self.below(10) as u8)
    }
}

struct Market {
    region: Region,
    id: country::Id,
    cc: u16,
    trunk: Option<String>,
    idd: String,
    examples: Vec<String>,
}

fn markets() -> Vec<Market> {
    Region::MARKETS
        .iter()
        .map(|&region| {
            let meta = DATABASE.by_id(region.as_str()).expect("market metadata");
            let d = meta.descriptors();
            let examples = [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.voip(),
                d.uan(),
            ]
            .into_iter()
            .flatten()
            .filter_map(|x| x.example().map(str::to_string))
            .collect();
            Market {
                region,
                id: country::Id::from_str(region.as_str()).expect("country id"),
                cc: meta.country_code(),
                trunk: meta.national_prefix().map(str::to_string),
                idd: meta
                    .international_prefix()
                    .expect("idd")
                    .as_str()
                    .to_string(),
                examples,
            }
        })
        .collect()
}

/// `phonenumber`'s verdict on `(cc, nsn)` itself: E.164 and type when valid.
fn truth(cc: u16, nsn: &str) -> Option<(String, Type)> {
    let national = NationalNumber::from_str(nsn).ok()?;
    let json = serde_json::json!({
        "code": { "value": cc, "source": "plus" },
        "national": national,
        "extension": null,
        "carrier": null,
    });
    let number: PhoneNumber = serde_json::from_value(json).ok()?;
    number
        .is_valid()
        .then(|| (e164(&number), number.number_type(&DATABASE)))
}

/// The E.164 form as `phonenumber`'s formatter writes it (`+`, code, national number with
/// its leading zeros), without going through the formatter's pattern matching.
fn e164(n: &PhoneNumber) -> String {
    format!("+{}{}", n.code().value(), n.national())
}

/// `phonenumber::parse` on the raw string.
fn plain_parse(region: Option<country::Id>, raw: &str) -> Option<String> {
    let n = phonenumber::parse(region, raw).ok()?;
    n.is_valid().then(|| e164(&n))
}

fn line_of(t: Type) -> LineType {
    match t {
        Type::Mobile => LineType::Mobile,
        Type::FixedLine => LineType::FixedLine,
        Type::FixedLineOrMobile => LineType::FixedLineOrMobile,
        Type::Unknown => LineType::Unknown,
        _ => LineType::Other,
    }
}

fn is_placeholder_like(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() >= 6
        && (b.windows(2).all(|w| w[0] == w[1])
            || "0123456789".starts_with(d)
            || "1234567890".starts_with(d))
}

/// Groups digits with a separator style: `"912 345 67 89"`, `"(912) 345-67-89"`, ...
fn group(rng: &mut Rng, digits: &str) -> String {
    let style = rng.below(6);
    let sep = [" ", "-", ".", " ", "-", ""][style];
    let mut out = String::new();
    let chars: Vec<char> = digits.chars().collect();
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let take = (2 + rng.below(3)).min(chars.len() - i);
        let chunk: String = chars[i..i + take].iter().collect();
        if first && style == 3 && chars.len() > 6 {
            out.push('(');
            out.push_str(&chunk);
            out.push_str(") ");
        } else {
            if !first && !out.ends_with(' ') {
                out.push_str(sep);
            }
            out.push_str(&chunk);
        }
        first = false;
        i += take;
    }
    out
}

/// Rewrites ASCII digits in another script.
fn script(s: &str, zero: u32) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(zero + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    E164,
    Spaced,
    NationalTrunk,
    National,
    MetadataIdd,
    Idd00,
    CcWithoutPlus,
}

const FORMS: [Form; 7] = [
    Form::E164,
    Form::Spaced,
    Form::NationalTrunk,
    Form::National,
    Form::MetadataIdd,
    Form::Idd00,
    Form::CcWithoutPlus,
];

struct Case {
    raw: String,
    /// The same for `phonenumber`: ASCII digits, only the extension markers it knows.
    raw_ascii: String,
    ctx: Context,
    ref_region: Option<country::Id>,
    form: Form,
    cc: u16,
    nsn: String,
    /// The digits of the number, extension left out.
    digits: String,
}

fn generate(rng: &mut Rng, markets: &[Market], market: usize) -> Case {
    let m = &markets[market];
    let nsn = loop {
        let ex = &m.examples[rng.below(m.examples.len())];
        let mut nsn: String = ex.clone();
        match rng.below(10) {
            // Keep the first digits, draw the rest: mostly valid.
            0..=6 => {
                let keep = 1 + rng.below(ex.len().min(4));
                nsn.truncate(keep);
                while nsn.len() < ex.len() {
                    nsn.push(rng.digit());
                }
            }
            // One digit too many or too few.
            7 => nsn.push(rng.digit()),
            8 => {
                nsn.pop();
            }
            // Any digits.
            _ => {
                let len = 4 + rng.below(10);
                nsn = (0..len).map(|_| rng.digit()).collect();
            }
        }
        if !is_placeholder_like(&nsn) {
            break nsn;
        }
    };
    let mut form = FORMS[rng.below(FORMS.len())];
    if form == Form::NationalTrunk && m.trunk.is_none() {
        form = Form::National;
    }
    let cc = m.cc.to_string();
    let body = match form {
        Form::E164 => format!("+{cc}{nsn}"),
        Form::Spaced => format!("+{cc} {}", group(rng, &nsn)),
        Form::NationalTrunk => {
            format!(
                "{}{}{}",
                m.trunk.as_deref().unwrap_or(""),
                if rng.chance(50) { " " } else { "" },
                group(rng, &nsn)
            )
        }
        Form::National => group(rng, &nsn),
        Form::MetadataIdd => format!("{} {cc} {}", m.idd, group(rng, &nsn)),
        Form::Idd00 => format!("00{cc} {}", group(rng, &nsn)),
        Form::CcWithoutPlus => format!("{cc} {}", group(rng, &nsn)),
    };
    // Extensions: ones phonenumber knows stay in its input, the others are removed from it.
    let (ext_mine, ext_ref) = match rng.below(20) {
        0 => (" ext. 12", " ext. 12"),
        1 => (" x12", " x12"),
        2 => (" #12", " #12"),
        3 => (" доб. 12", ""),
        4 => (" вн. 345", ""),
        _ => ("", ""),
    };
    let raw_ascii = format!("{body}{ext_ref}");
    let mut raw = format!("{body}{ext_mine}");
    raw = match (m.region, rng.below(10)) {
        (r, 0..=3) if r == Region::IR => script(&raw, 0x06F0),
        (r, 4..=5) if r == Region::IR => script(&raw, 0x0660),
        (r, 0) if r == Region::IN => script(&raw, 0x0966),
        (_, 9) => script(&raw, 0xFF10),
        _ => raw,
    };
    let international = matches!(form, Form::E164 | Form::Spaced);
    // Numbers with + are read the same in any context; the others in the market's region.
    let ctx_region = if international {
        match rng.below(3) {
            0 => None,
            1 => Some(markets[rng.below(markets.len())].region),
            _ => Some(m.region),
        }
    } else {
        Some(m.region)
    };
    let mut ctx = Context::new();
    ctx.region = ctx_region;
    Case {
        raw,
        raw_ascii,
        ctx,
        ref_region: if international { None } else { Some(m.id) },
        form,
        cc: m.cc,
        nsn,
        digits: body.chars().filter(char::is_ascii_digit).collect(),
    }
}

#[derive(Default, Debug)]
struct Tally {
    total: usize,
    valid: usize,
    truth_agree: usize,
    plain_compared: usize,
    plain_agree: usize,
    trunk_digit: usize,
    idd_00: usize,
    other_reading: usize,
    cc_digits: usize,
    legacy_trunk: usize,
    short: usize,
}

#[test]
fn normalize_agrees_with_phonenumber() {
    let markets = markets();
    let n = if cfg!(debug_assertions) {
        3_000
    } else {
        120_000
    };
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut tally = Tally::default();
    let mut truth_failures = Vec::new();
    let mut plain_failures = Vec::new();
    for i in 0..n {
        // One market after the other: phonenumber keeps only 100 compiled regexes in its
        // cache, and mixing the markets would recompile them all the time.
        let case = generate(&mut rng, &markets, i * markets.len() / n);
        tally.total += 1;
        let mine = phone::normalize(&case.raw, &case.ctx);
        let expected = truth(case.cc, &case.nsn);
        tally.valid += usize::from(expected.is_some());

        // 1. Against phonenumber's verdict on (cc, nsn): a valid number must come out as
        // itself; an invalid one must be rejected, unless the digits have another reading
        // (`8 712 34 567 8` from KZ is one digit short after the trunk prefix, but as written
        // it is the valid RU number +7 871 234 5678), which must then be valid too.
        let agree = match (&mine, &expected) {
            (Ok(p), Some((e, t))) => {
                &p.e164() == e && (case.nsn.starts_with('0') || p.line_type() == line_of(*t))
            }
            (Ok(p), None) => {
                tally.other_reading += 1;
                let e = p.e164();
                let cc = p.country_code().to_string();
                truth(p.country_code(), &e[1 + cc.len()..]).map(|(x, _)| x) == Some(e)
            }
            // Fewer than five digits: rejected by rule.
            (Err(Reject::Invalid), _) if case.digits.len() < 5 => true,
            (Err(_), None) => true,
            (Err(_), Some(_)) => false,
        };
        if agree {
            tally.truth_agree += 1;
        } else if truth_failures.len() < 20 {
            truth_failures.push(format!(
                "{:?} `{}` {:?}: mine {:?}, truth {:?}",
                case.form,
                case.raw,
                case.ctx.region,
                mine.map(|p| p.e164()),
                expected
            ));
        }

        // 2. Against the plain parse of the raw string, outside the documented classes.
        let mine_nsn = mine.as_ref().ok().map(|p| {
            let cc = p.country_code().to_string();
            p.e164()[1 + cc.len()..].to_string()
        });
        let trunk_of = |cc: u16| {
            DATABASE.by_code(&cc).and_then(|m| {
                m.first()
                    .and_then(|m| m.national_prefix())
                    .map(str::to_string)
            })
        };
        let starts_with_trunk =
            |cc: u16, nsn: &str| trunk_of(cc).is_some_and(|t| nsn.starts_with(&t));
        let trunk_digit = starts_with_trunk(case.cc, &case.nsn)
            || mine.as_ref().is_ok_and(|p| {
                starts_with_trunk(p.country_code(), mine_nsn.as_deref().unwrap_or(""))
            });
        let cc_digits = matches!(case.form, Form::National | Form::CcWithoutPlus)
            && case.digits.starts_with(&case.cc.to_string())
            && mine_nsn.as_deref() == Some(case.digits.as_str());
        let idd_00 = case.digits.starts_with("00")
            && !case.digits.starts_with("000")
            && [Region::RU, Region::KZ, Region::US]
                .contains(&case.ctx.region.unwrap_or(Region::GB));
        let legacy_trunk = case.ctx.region == Some(Region::UZ)
            && case.digits.starts_with('8')
            && mine_nsn.as_deref() == case.digits.get(1..);
        let short = case.digits.len() < 5;
        if trunk_digit {
            tally.trunk_digit += 1;
            continue;
        }
        if cc_digits {
            tally.cc_digits += 1;
            continue;
        }
        if idd_00 {
            tally.idd_00 += 1;
            continue;
        }
        if short {
            tally.short += 1;
            continue;
        }
        if legacy_trunk {
            tally.legacy_trunk += 1;
            continue;
        }
        tally.plain_compared += 1;
        let plain = plain_parse(case.ref_region, &case.raw_ascii);
        let agree = match (&mine, &plain) {
            (Ok(p), Some(e)) => &p.e164() == e,
            (Err(_), None) => true,
            _ => false,
        };
        if agree {
            tally.plain_agree += 1;
        } else if plain_failures.len() < 40 {
            plain_failures.push(format!(
                "{:?} `{}` / `{}` {:?}: mine {:?}, plain parse {:?}",
                case.form,
                case.raw,
                case.raw_ascii,
                case.ctx.region,
                mine.map(|p| p.e164()),
                plain
            ));
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "phone differential: {} numbers, {} valid ({:.1}%); agreement with phonenumber's \
         validator: {}/{} ({:.3}%); with its plain parse: {}/{} ({:.3}%), not compared: \
         {} trunk-digit, {} cc-digits, {} 00-prefix, {} short, {} legacy UZ 8; {} other valid \
         readings",
        tally.total,
        tally.valid,
        pct(tally.valid, tally.total),
        tally.truth_agree,
        tally.total,
        pct(tally.truth_agree, tally.total),
        tally.plain_agree,
        tally.plain_compared,
        pct(tally.plain_agree, tally.plain_compared),
        tally.trunk_digit,
        tally.cc_digits,
        tally.idd_00,
        tally.short,
        tally.legacy_trunk,
        tally.other_reading,
    );
    assert!(
        tally.total
            >= if cfg!(debug_assertions) {
                3_000
            } else {
                100_000
            }
    );
    assert!(
        tally.valid * 3 > tally.total,
        "too few valid numbers generated: {tally:?}"
    );
    assert!(
        truth_failures.is_empty(),
        "disagreements with phonenumber's validator:\n{}",
        truth_failures.join("\n")
    );
    assert!(
        plain_failures.is_empty(),
        "disagreements with phonenumber's parse:\n{}",
        plain_failures.join("\n")
    );
}
