//! Property tests of the postcode and identity number normalisers: total on any text in any
//! region, idempotent on their own output, and blind to how a value is spelled (separators
//! inserted, digits of another script).

use omnilink::normalize::{id_number, postcode, Context, Region, Reject};
use proptest::prelude::*;

/// No region, each market, and regions with no format of their own.
fn contexts() -> impl Strategy<Value = Context> {
    let regions: Vec<Option<&str>> = vec![
        None,
        Some("RU"),
        Some("KZ"),
        Some("UZ"),
        Some("IR"),
        Some("IN"),
        Some("US"),
        Some("GB"),
        Some("AU"),
        Some("FR"),
    ];
    prop::sample::select(regions).prop_map(|r| {
        let mut ctx = Context::new();
        ctx.region = r.and_then(Region::new);
        ctx
    })
}

/// `value` with separators inserted before the characters at `cuts` and, where `script`
/// says so, digits written in Persian or Devanagari.
fn spell(value: &str, cuts: &[(usize, usize)], script: u8) -> String {
    let mut out = String::new();
    for (i, ch) in value.chars().enumerate() {
        for &(at, sep) in cuts {
            if at == i && i > 0 {
                out.push_str([" ", "-", "  ", " - ", "/", "\u{a0}"][sep]);
            }
        }
        let ch = match (ch.to_digit(10), script) {
            (Some(d), 1) => char::from_u32(0x06F0 + d).unwrap_or(ch),
            (Some(d), 2) => char::from_u32(0x0966 + d).unwrap_or(ch),
            _ => ch,
        };
        out.push(ch);
    }
    out
}

fn cuts() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((0usize..16, 0usize..6), 0..5)
}

fn postcode_of(raw: &str, ctx: &Context) -> Result<(String, String), Reject> {
    postcode::normalize(raw, ctx).map(|p| (p.as_str().to_string(), p.area().to_string()))
}

fn id_of(raw: &str, ctx: &Context) -> Result<(String, id_number::Scheme), Reject> {
    id_number::normalize(raw, ctx).map(|id| (id.as_str().to_string(), id.scheme()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn postcode_total_and_idempotent(s in "\\PC{0,40}", ctx in contexts()) {
        if let Ok(p) = postcode::normalize(&s, &ctx) {
            prop_assert!(p.area().len() <= p.as_str().len());
            prop_assert_eq!(postcode::normalize(p.as_str(), &ctx), Ok(p.clone()));
        }
    }

    #[test]
    fn id_number_total_and_idempotent(s in "\\PC{0,48}", ctx in contexts()) {
        if let Ok(id) = id_number::normalize(&s, &ctx) {
            prop_assert_eq!(id_number::normalize(id.as_str(), &ctx), Ok(id.clone()));
            let debug = format!("{id:?}");
            prop_assert!(!debug.contains(id.as_str()));
        }
    }

    #[test]
    fn postcode_idempotent_on_postcode_like(
        s in "(zip |PIN: |индекс )?[0-9A-Za-z۰-۹ -]{1,14}(\\.0)?",
        ctx in contexts(),
    ) {
        if let Ok(p) = postcode::normalize(&s, &ctx) {
            prop_assert_eq!(postcode::normalize(p.as_str(), &ctx), Ok(p.clone()));
        }
    }

    #[test]
    fn id_number_idempotent_on_id_like(
        s in "(ИНН |SSN |№ |# )?[0-9A-Za-z۰-۹ ./_-]{1,36}(\\.0)?",
        ctx in contexts(),
    ) {
        if let Ok(id) = id_number::normalize(&s, &ctx) {
            prop_assert_eq!(id_number::normalize(id.as_str(), &ctx), Ok(id.clone()));
        }
    }

    #[test]
    fn postcode_spelling_does_not_matter(
        d in "[0-9]{3,10}",
        cuts in cuts(),
        script in 0u8..3,
        ctx in contexts(),
    ) {
        let spelled = spell(&d, &cuts, script);
        prop_assert_eq!(postcode_of(&d, &ctx), postcode_of(&spelled, &ctx), "{}", spelled);
    }

    #[test]
    fn uk_postcode_spelling_does_not_matter(
        code in "[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}",
        cuts in cuts(),
        lower in any::<bool>(),
    ) {
        let ctx = Context::new().region(Region::GB);
        let raw = if lower { code.to_lowercase() } else { code.clone() };
        let spelled = spell(&raw, &cuts, 0);
        let p = postcode::normalize(&spelled, &ctx);
        prop_assert_eq!(postcode_of(&code, &ctx), postcode_of(&spelled, &ctx));
        if let Ok(p) = p {
            // one space, before the three-character inward code
            prop_assert_eq!(p.as_str().len(), code.len() + 1);
            prop_assert_eq!(p.as_str().find(' '), Some(code.len() - 3));
        }
    }

    #[test]
    fn id_number_spelling_does_not_matter(
        d in "[0-9]{4,24}",
        cuts in cuts(),
        script in 0u8..3,
        ctx in contexts(),
    ) {
        let spelled = spell(&d, &cuts, script);
        prop_assert_eq!(id_of(&d, &ctx), id_of(&spelled, &ctx), "{}", spelled);
    }

    #[test]
    fn id_number_spelling_with_letters(
        code in "[XYZQ]{0,5}[0-9]{4,12}[XYZQ]{0,2}",
        cuts in cuts(),
        lower in any::<bool>(),
        ctx in contexts(),
    ) {
        let raw = if lower { code.to_lowercase() } else { code.clone() };
        let spelled = spell(&raw, &cuts, 0);
        prop_assert_eq!(id_of(&code, &ctx), id_of(&spelled, &ctx), "{}", spelled);
    }

    #[test]
    fn close_is_symmetric_and_excludes_equal(a in "[0-9A-Z]{0,12}", i in 0usize..12, c in "[0-9A-Z]") {
        prop_assert!(!id_number::close(&a, &a));
        let mut b: Vec<char> = a.chars().collect();
        if i < b.len() {
            let c = c.chars().next().unwrap_or('0');
            let changed = b[i] != c;
            b[i] = c;
            let b: String = b.into_iter().collect();
            prop_assert_eq!(id_number::close(&a, &b), changed);
            prop_assert_eq!(id_number::close(&a, &b), id_number::close(&b, &a));
        }
    }
}
