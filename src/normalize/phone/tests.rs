use proptest::prelude::*;

use super::*;
use crate::normalize::MAX_RAW_LEN;

fn ctx(region: Region) -> Context {
    Context::new().region(region)
}

/// The E.164 string and line type, or the rejection.
fn norm(raw: &str, ctx: &Context) -> Result<(String, LineType), Reject> {
    normalize(raw, ctx).map(|p| (p.e164(), p.line_type()))
}

#[track_caller]
fn ok(raw: &str, ctx: &Context, e164: &str, line: LineType) {
    assert_eq!(
        norm(raw, ctx),
        Ok((e164.to_string(), line)),
        "`{raw}` {ctx:?}"
    );
}

#[track_caller]
fn rejects(raw: &str, ctx: &Context, why: Reject) {
    assert_eq!(norm(raw, ctx), Err(why), "`{raw}` {ctx:?}");
}

use LineType::*;

#[test]
fn russia() {
    let ru = ctx(Region::RU);
    for raw in [
        "+7 (912) 345-67-89",
        "+7-912-345-67-89",
        "+79123456789",
        "8 912 345 67 89",
        "89123456789",
        "8(912)345-67-89",
        "9123456789",
        "7 912 345 67 89",
        "79123456789",
        "007 912 345 67 89",
        "00 7 912 345 67 89",
        "810 7 912 345 67 89",
        "8-10-7-912-345-67-89",
        "+7 8 912 345 67 89",
        "тел. 8 912 345-67-89",
    ] {
        ok(raw, &ru, "+79123456789", Mobile);
    }
    // St Petersburg and 8-800 toll free, which phonenumber's own parser cannot read.
    ok("8 (812) 123-45-67", &ru, "+78121234567", FixedLine);
    ok("+7 812 123 45 67", &ru, "+78121234567", FixedLine);
    ok("(812) 123-45-67", &ru, "+78121234567", FixedLine);
    ok("8 800 555 35 35", &ru, "+78005553535", Other);
    ok("+7 800 555-35-35", &ru, "+78005553535", Other);
    ok("8 (495) 123-45-67", &ru, "+74951234567", FixedLine);
}

#[test]
fn kazakhstan() {
    let kz = ctx(Region::KZ);
    ok("+7 701 123 4567", &kz, "+77011234567", Mobile);
    ok("8 701 123 45 67", &kz, "+77011234567", Mobile);
    ok("8 (7172) 12-34-56", &kz, "+77172123456", FixedLine);
    ok("77011234567", &kz, "+77011234567", Mobile);
    ok("810 7 701 123 4567", &kz, "+77011234567", Mobile);
    // A KZ number with region RU and a RU number with region KZ: the same +7 plan.
    ok("8 701 123 45 67", &ctx(Region::RU), "+77011234567", Mobile);
    ok("8 912 345 67 89", &kz, "+79123456789", Mobile);
    ok("+7 701 123 4567", &Context::new(), "+77011234567", Mobile);
}

#[test]
fn iran() {
    let ir = ctx(Region::IR);
    for raw in [
        "0912 345 6789",
        "09123456789",
        "+98 912 345 6789",
        "0098 912 345 6789",
        "98 912 345 6789",
        "9123456789",
        "۰۹۱۲ ۳۴۵ ۶۷۸۹",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",
        "٠٩١٢ ٣٤٥ ٦٧٨٩",
        "０９１２３４５６７８９",
        "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹",
        "\u{200f}۰۹۱۲\u{200c}۳۴۵\u{200c}۶۷۸۹\u{200f}",
        "+98 (0) 912 345 6789",
        "تلفن: ۰۹۱۲ ۳۴۵ ۶۷۸۹",
        "0912 345 6789 داخلی ۱۲",
    ] {
        ok(raw, &ir, "+989123456789", Mobile);
    }
    ok("021 2345 6789", &ir, "+982123456789", FixedLine);
    ok("۰۲۱-۲۳۴۵۶۷۸۹", &ir, "+982123456789", FixedLine);
    // An Iranian number written with + is read the same whatever the region.
    ok(
        "+98 912 345 6789",
        &ctx(Region::RU),
        "+989123456789",
        Mobile,
    );
    ok(
        "+98 83 1234 5678",
        &ctx(Region::RU),
        "+988312345678",
        FixedLine,
    );
}

#[test]
fn india() {
    let in_ = ctx(Region::IN);
    for raw in [
        "+91-98765 43210",
        "+91 98765 43210",
        "098765 43210",
        "9876543210",
        "91 98765 43210",
        "0091 98765 43210",
        "+९१ ९८७६५ ४३२१०",
    ] {
        ok(raw, &in_, "+919876543210", Mobile);
    }
    ok("022 2345 6789", &in_, "+912223456789", FixedLine);
    // Toll-free numbers whose national number starts with 000 keep their zeros.
    ok("000800 123 4567", &in_, "+910008001234567", Other);
    ok(
        "+91 000800 123 4567",
        &Context::new(),
        "+910008001234567",
        Other,
    );
    ok(
        "+91 87654 32109",
        &ctx(Region::RU),
        "+918765432109",
        FixedLineOrMobile,
    );
}

#[test]
fn uzbekistan() {
    let uz = ctx(Region::UZ);
    for raw in [
        "+998 90 123 45 67",
        "+998 (90) 123-45-67",
        "90 123 45 67",
        "901234567",
        "998901234567",
        "00998 90 123 45 67",
        // The legacy trunk prefix.
        "8 90 123 45 67",
        "8 (90) 123-45-67",
    ] {
        ok(raw, &uz, "+998901234567", Mobile);
    }
    ok("71 123 45 67", &uz, "+998711234567", FixedLine);
}

#[test]
fn united_states() {
    let us = ctx(Region::US);
    for raw in [
        "(646) 213-7788",
        "646-213-7788",
        "1 646 213 7788",
        "+1 646 213 7788",
        "011 1 646 213 7788",
    ] {
        ok(raw, &us, "+16462137788", FixedLineOrMobile);
    }
    ok("(201) 555-0123", &us, "+12015550123", FixedLineOrMobile);
    ok("1-800-723-3456", &us, "+18007233456", Other);
    // A British number with region US: phonenumber's parser would drop the leading 1.
    ok("+44 121 234 5678", &us, "+441212345678", FixedLine);
    ok("011 44 121 234 5678", &us, "+441212345678", FixedLine);
}

#[test]
fn united_kingdom() {
    let gb = ctx(Region::GB);
    for raw in [
        "07912 345678",
        "+44 7912 345678",
        "0044 7912 345678",
        "447912345678",
        "+44 (0) 7912 345678",
    ] {
        ok(raw, &gb, "+447912345678", Mobile);
    }
    ok("020 7946 0958", &gb, "+442079460958", FixedLine);
    ok("+44 (0)20 7946 0958", &gb, "+442079460958", FixedLine);
    ok("0121 234 5678", &gb, "+441212345678", FixedLine);
    ok(
        "020 7946 0958",
        &ctx(Region::new("uk").unwrap()),
        "+442079460958",
        FixedLine,
    );
    // Ofcom's range for drama is not a valid number.
    rejects("07700 900123", &gb, Reject::Invalid);
    rejects("+44 7700 900123", &gb, Reject::Invalid);
}

#[test]
fn other_regions_use_phonenumber() {
    let de = ctx(Region::new("DE").unwrap());
    ok("030 123456", &de, "+4930123456", FixedLine);
    ok("+49 30 123456", &de, "+4930123456", FixedLine);
    ok("0049 30 123456", &de, "+4930123456", FixedLine);
    ok("+33 6 12 34 56 78", &Context::new(), "+33612345678", Mobile);
    rejects(
        "030 123456",
        &ctx(Region::new("ZZ").unwrap()),
        Reject::Invalid,
    );
}

#[test]
fn extensions_are_dropped() {
    let ru = ctx(Region::RU);
    for ext in [
        " ext. 12",
        " ext 12",
        " ext.12",
        " x12",
        " x 12",
        "x12",
        " #12",
        "#12",
        " доб. 12",
        " доб 12",
        " доб.12",
        " вн. 12",
        " вн 12",
        " (доб. 12)",
        " Ext: 123",
        " extension 5",
    ] {
        let raw = format!("8 912 345-67-89{ext}");
        ok(&raw, &ru, "+79123456789", Mobile);
    }
}

#[test]
fn rejections() {
    let ru = ctx(Region::RU);
    let none = Context::new();
    for raw in ["", "   ", "\t\u{feff}", "() - ", "тел.:"] {
        rejects(raw, &ru, Reject::Empty);
    }
    for raw in [
        "n/a",
        "N/A",
        "нет",
        "-",
        "none",
        "0",
        "000",
        "0000000",
        "+0000000000",
        "1111111",
        "+7 999 999 99 99",
        "8 999 999 99 99",
        "8 000 000 00 00",
        "+7 000 000 00 00",
        "1234567890",
        "0123456789",
        "123-456-789",
        "+7 123 456 78 90",
        "+91 12345 67890",
        "+998 11 111 11 11",
        "+1 111 111 1111",
        "99999999999",
    ] {
        rejects(raw, &ru, Reject::Placeholder);
    }
    for raw in [
        "12",
        "1234",
        "+7 912 345 67 8",
        "+7 912 345 67 890",
        "8 912 345 67 8",
        "abc",
        "+7 912 345 67 89 Anna",
        "+7 912 345 67 89 ext",
        "+999 123 456 789",
        "+0 912 345 67",
        "*100#",
        "+7 912 +7 903",
        "8 912 345 67 89 +",
        "555-0199",
        "12345678901234567890123456",
    ] {
        rejects(raw, &ru, Reject::Invalid);
    }
    rejects(&"9".repeat(MAX_RAW_LEN + 1), &ru, Reject::TooLong);
    // Short and long digit strings without context are invalid, not ambiguous.
    rejects("1234", &none, Reject::Invalid);
}

#[test]
fn regions_and_candidates() {
    let none = Context::new();
    // No region, no candidates: only a valid international number written without +.
    ok("79123456789", &none, "+79123456789", Mobile);
    ok("998901234567", &none, "+998901234567", Mobile);
    ok("+98 912 345 6789", &none, "+989123456789", Mobile);
    ok("0098 912 345 6789", &none, "+989123456789", Mobile);
    rejects("89123456789", &none, Reject::Ambiguous);
    rejects("0912 345 6789", &none, Reject::Ambiguous);
    rejects("9876543210", &none, Reject::Ambiguous);

    let ru_in = Context::new().candidate_regions([Region::RU, Region::IN]);
    rejects("9876543210", &ru_in, Reject::Ambiguous);
    ok(
        "9876543210",
        &ru_in.clone().hint(Some(Region::IN)),
        "+919876543210",
        Mobile,
    );
    ok(
        "9876543210",
        &ru_in.clone().hint(Some(Region::RU)),
        "+79876543210",
        Mobile,
    );
    // A hint that is not among the regions giving a valid number does not decide.
    rejects(
        "9876543210",
        &ru_in.clone().hint(Some(Region::GB)),
        Reject::Ambiguous,
    );
    // Valid in one candidate only.
    ok("89123456789", &ru_in, "+79123456789", Mobile);
    ok("098765 43210", &ru_in, "+919876543210", Mobile);
    ok("0912 345 6789", &ru_in, "+919123456789", Mobile);
    rejects("0912 345 678", &ru_in, Reject::Invalid);
    // RU and KZ give the same E.164 number: not ambiguous.
    let ru_kz = Context::new().candidate_regions([Region::RU, Region::KZ]);
    ok("8 701 123 45 67", &ru_kz, "+77011234567", Mobile);
    ok("8 912 345 67 89", &ru_kz, "+79123456789", Mobile);
    // A placeholder in one candidate reading is a placeholder.
    rejects("8 999 999 99 99", &ru_in, Reject::Placeholder);
    // The region wins over candidates and hint.
    let ru_first = Context::new()
        .region(Region::RU)
        .candidate_regions([Region::IN])
        .hint(Some(Region::IN));
    ok("9876543210", &ru_first, "+79876543210", Mobile);
    // A hint alone acts as the only candidate.
    let hint_ir = Context::new().hint(Some(Region::IR));
    ok("0912 345 6789", &hint_ir, "+989123456789", Mobile);
    // ... and when its reading is not valid, the rule without context applies.
    ok("79123456789", &hint_ir, "+79123456789", Mobile);
    rejects("89123456789", &hint_ir, Reject::Ambiguous);
    // International forms do not depend on the context at all.
    for c in [&none, &ru_in, &hint_ir, &ctx(Region::US)] {
        ok("+7 912 345 67 89", c, "+79123456789", Mobile);
        ok("00 44 20 7946 0958", c, "+442079460958", FixedLine);
    }
}

#[test]
fn debug_hides_the_number() {
    let p = normalize("+7 912 345 67 89", &Context::new()).unwrap();
    let dbg = format!("{p:?}");
    assert!(!dbg.contains("912"), "{dbg}");
    assert_eq!(p.as_u64(), 79_123_456_789);
    assert_eq!(p.country_code(), 7);
}

#[test]
fn e164_is_idempotent_for_examples() {
    let regions = [None, Some(Region::RU), Some(Region::IN), Some(Region::US)];
    for raw in [
        "8 812 123 45 67",
        "0912 345 6789",
        "+44 7912 345678",
        "8 90 123 45 67",
        "(646) 213-7788",
    ] {
        for home in Region::MARKETS {
            if let Ok(p) = normalize(raw, &ctx(home)) {
                for r in regions {
                    let c = Context {
                        region: r,
                        ..Context::new()
                    };
                    assert_eq!(normalize(&p.e164(), &c), Ok(p), "{raw}");
                }
            }
        }
    }
}

fn any_context() -> impl Strategy<Value = Context> {
    let region = prop::sample::select(vec![
        None,
        Some(Region::RU),
        Some(Region::KZ),
        Some(Region::IR),
        Some(Region::IN),
        Some(Region::UZ),
        Some(Region::US),
        Some(Region::GB),
        Region::new("DE"),
    ]);
    let candidates = prop::sample::subsequence(Region::MARKETS.to_vec(), 0..3);
    let hint = prop::option::of(prop::sample::select(Region::MARKETS.to_vec()));
    (region, candidates, hint).prop_map(|(r, c, h)| {
        let mut ctx = Context::new().candidate_regions(c).hint(h);
        ctx.region = r;
        ctx
    })
}

/// Phone-like strings: prefixes, digits in several scripts, separators, markers.
fn phone_like() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "+",
        "+7",
        "+98",
        "+91",
        "+998",
        "+1",
        "+44",
        "00",
        "810",
        "8",
        "0",
        " ",
        "-",
        "(",
        ")",
        ".",
        "9",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "0",
        "12",
        "345",
        "67",
        "89",
        "۰",
        "۹",
        "۱",
        "٢",
        "९",
        "１",
        " ext. 12",
        " доб. 7",
        "x",
        "#",
        "тел.",
        "a",
    ]);
    prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(debug_assertions) { 256 } else { 2048 }))]

    #[test]
    fn total_on_any_string(s in ".{0,300}", c in any_context()) {
        let _ = normalize(&s, &c);
    }

    #[test]
    fn total_on_long_and_control_strings(
        unit in prop::sample::select(vec!["9", "+7 ", "۰", "\u{0}", "x", "доб", "\u{200f}", "((("]),
        n in 0usize..3000,
        c in any_context(),
    ) {
        let s = unit.repeat(n);
        let _ = normalize(&s, &c);
    }

    #[test]
    fn idempotent(s in phone_like(), c in any_context(), c2 in any_context()) {
        if let Ok(p) = normalize(&s, &c) {
            prop_assert_eq!(normalize(&p.e164(), &c2), Ok(p));
            prop_assert_eq!(normalize(&p.e164(), &Context::new()), Ok(p));
        }
    }

    #[test]
    fn idempotent_on_generated_numbers(
        cc in prop::sample::select(vec!["7", "98", "91", "998", "1", "44"]),
        nsn in "[1-9][0-9]{5,11}",
        c in any_context(),
    ) {
        let raw = format!("+{cc} {nsn}");
        if let Ok(p) = normalize(&raw, &Context::new()) {
            prop_assert_eq!(normalize(&p.e164(), &c), Ok(p));
        }
    }
}
