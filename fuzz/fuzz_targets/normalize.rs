//! Every normaliser on arbitrary input: no panic, and idempotent on its canonical output.
//!
//! Byte 0 picks the normaliser, byte 1 the context (region, date order, card policy, social
//! network); the rest is the raw value (lossily decoded when it is not UTF-8).
//!
//! Kinds 0-7: phone, e-mail, card, device, social, name, date, city. Kinds 9-12: address,
//! postcode, identity number, attribute (byte 1's top bit: category or text).
//!
//! Kind 8 is a whole record: the value is cut on `\x1d` into at most two records, each split
//! on `\x1f` into its fields (id, source, phone, e-mail, card, device, social, full name,
//! first, middle and last name, birth date, city, updated at, country, then the new kinds: id
//! number, postcode, address, two attributes; the address parts are split on `\x1e`). A field
//! past the end of the value is left out. Each record goes through `normalize_record` and
//! `Features::from_normalized`; the two are compared both ways (the second under another
//! context when there is only one), which must agree.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use omnilink::compare::{self, Features};
use omnilink::normalize::{
    self, address, attribute, card, city, date, device, email, id_number, name, phone, postcode,
    social, Card, CardPolicy, Context, DateOrder, Network, Region,
};
use omnilink::{AttributeKind, Record};

/// The attribute names every context compares (the record kind's two attributes take the
/// first two; the third stays empty).
const ATTRIBUTES: [&str; 3] = ["gender", "occupation", "state"];

fn context(b: u8) -> Context {
    let regions = Region::MARKETS;
    let mut ctx = Context::new();
    match b % 9 {
        i @ 0..=6 => ctx = ctx.region(regions[i as usize]),
        7 => ctx = ctx.candidate_regions(regions.to_vec()),
        _ => {}
    }
    if b & 0x10 != 0 {
        ctx = ctx.hint(Some(regions[(b as usize >> 5) % regions.len()]));
    }
    ctx = ctx.date_order(match (b >> 5) % 3 {
        0 => DateOrder::Auto,
        1 => DateOrder::DayFirst,
        _ => DateOrder::MonthFirst,
    });
    let mut policy = CardPolicy::default();
    policy.require_luhn = b & 0x20 != 0;
    policy.strip_leading_zeros = b & 0x40 == 0;
    ctx = ctx.card_policy(policy);
    let net = Network::ALL[(b as usize >> 4) % Network::ALL.len()];
    let mut ctx = ctx.social_network(if b & 0x80 != 0 { Some(net) } else { None });
    ctx.attributes = ATTRIBUTES
        .iter()
        .map(|a| a.to_string())
        .collect::<Arc<[String]>>();
    ctx
}

/// One record from `\x1f`-separated fields; `kinds` byte picks each attribute's kind.
fn record(raw: &str, kinds: u8) -> Record {
    let mut f = raw.split('\x1f');
    let mut next = || f.next().unwrap_or("").to_string();
    let mut r = Record::new(next(), next())
        .phone(next())
        .email(next())
        .card(next())
        .device(next())
        .social(None, next())
        .full_name(next())
        .first_name(next())
        .middle_name(next())
        .last_name(next())
        .birth_date(next())
        .city(next())
        .updated_at(next());
    r.country = Some(next());
    let kind = |bit: u8| {
        if kinds & bit != 0 {
            AttributeKind::Category
        } else {
            AttributeKind::Text
        }
    };
    // The new kinds only when the value goes that far, so the older seeds stay as they were.
    if let Some(v) = f.next() {
        r = r.id_number(v);
    }
    if let Some(v) = f.next() {
        r = r.postcode(v);
    }
    if let Some(v) = f.next() {
        for part in v.split('\x1e') {
            r = r.address(part);
        }
    }
    for (i, bit) in [(0, 0x01), (1, 0x02)] {
        if let Some(v) = f.next() {
            r = r.attribute(ATTRIBUTES[i], kind(bit), v);
        }
    }
    // Whatever is left: attributes of a name no context compares.
    for v in f {
        r = r.attribute("unknown", kind(0x04), v);
    }
    r
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let kind = data[0] % 13;
    let ctx = context(data[1]);
    let raw = String::from_utf8_lossy(&data[2..]);
    let raw = raw.as_ref();
    match kind {
        0 => {
            if let Ok(p) = phone::normalize(raw, &ctx) {
                assert_eq!(
                    phone::normalize(&p.e164(), &ctx),
                    Ok(p),
                    "phone not idempotent"
                );
            }
        }
        1 => {
            if let Ok(e) = email::normalize(raw, &ctx) {
                let again = email::normalize(e.as_str(), &ctx);
                assert_eq!(again, Ok(e), "email not idempotent");
            }
        }
        2 => {
            if let Ok(Card::Number(c)) = card::normalize(raw, &ctx) {
                let again = card::normalize(&c, &ctx);
                assert_eq!(again, Ok(Card::Number(c)), "card not idempotent");
            }
        }
        3 => {
            if let Ok(d) = device::normalize(raw, &ctx) {
                let again = device::normalize(&d.to_canonical_string(), &ctx);
                assert_eq!(again, Ok(d), "device not idempotent");
            }
        }
        4 => {
            if let Ok(s) = social::normalize(raw, &ctx) {
                let again = social::normalize(s.handle(), &ctx.social_network(Some(s.network)));
                assert_eq!(again, Ok(s), "social not idempotent");
            }
        }
        5 => {
            if let Ok(n) = name::normalize(raw, &ctx) {
                let _ = n.full_key();
                let canonical = n.canonical_string();
                let again = name::normalize(&canonical, &ctx);
                let Ok(again) = again else {
                    panic!("name: canonical form rejected");
                };
                assert!(
                    again.first == n.first && again.middle == n.middle && again.last == n.last,
                    "name not idempotent"
                );
            }
            for token in raw.split_whitespace().take(4) {
                let _ = name::phonetic(token);
            }
        }
        6 => {
            if let Ok(d) = date::normalize(raw, &ctx) {
                assert_eq!(
                    date::normalize(&d.iso(), &ctx),
                    Ok(d),
                    "date not idempotent"
                );
            }
        }
        7 => {
            if let Ok(c) = city::normalize(raw, &ctx) {
                let _ = c.region();
                assert_eq!(
                    city::normalize(c.as_str(), &ctx),
                    Ok(c),
                    "city not idempotent"
                );
            }
        }
        8 => {
            let mut parts = raw.splitn(2, '\x1d');
            let a = record(parts.next().unwrap_or(""), data[1]);
            let (b, bctx) = match parts.next() {
                Some(rest) => (record(rest, data[1].rotate_left(2)), ctx.clone()),
                None => (a.clone(), context(data[1].rotate_left(3))),
            };
            let na = normalize::normalize_record(&a, &ctx);
            let nb = normalize::normalize_record(&b, &bctx);
            let _ = format!("{na:?}{a:?}");
            for n in [&na, &nb] {
                assert!(
                    n.attributes
                        .iter()
                        .all(|(slot, _, _)| usize::from(*slot) < ATTRIBUTES.len()),
                    "attribute slot out of range"
                );
            }
            let (fa, fb) = (
                Features::from_normalized(&na),
                Features::from_normalized(&nb),
            );
            if let Some(x) = &fa.extra {
                let _ = (x.street_house(), x.postcode_house(), format!("{x:?}"));
            }
            let ab = compare::compare(&fa, &fb, &());
            let ba = compare::compare(&fb, &fa, &());
            assert_eq!(ab, ba, "compare not symmetric");
            let _ = (ab.contradicts(), ab.names_against_identifiers());
            assert_eq!(
                compare::conflict(&fa, &fb),
                compare::conflict(&fb, &fa),
                "conflict not symmetric"
            );
            let _ = compare::compare(&fa, &fa, &());
        }
        9 => {
            if let Ok(a) = address::normalize(raw, &ctx) {
                let _ = (
                    a.house(),
                    a.flat(),
                    a.street_key(),
                    a.street_tokens().count(),
                );
                let again = address::normalize(a.as_str(), &ctx);
                assert_eq!(again.as_ref(), Ok(&a), "address not idempotent");
                let other = address::normalize(a.as_str(), &context(data[1] ^ 0xa5));
                assert_eq!(
                    other.as_ref(),
                    Ok(&a),
                    "address canonical form depends on context"
                );
                let s = address::similarity(&a, &a);
                assert!((0.0..=1.0).contains(&s), "similarity out of range");
            }
        }
        10 => {
            if let Ok(p) = postcode::normalize(raw, &ctx) {
                assert!(p.as_str().starts_with(p.area()), "area not a prefix");
                let again = postcode::normalize(p.as_str(), &ctx);
                assert_eq!(again, Ok(p), "postcode not idempotent");
            }
        }
        11 => {
            if let Ok(i) = id_number::normalize(raw, &ctx) {
                let again = id_number::normalize(i.as_str(), &ctx);
                let Ok(again) = again else {
                    panic!("id number: canonical form rejected");
                };
                assert_eq!(
                    (again.as_str(), again.scheme()),
                    (i.as_str(), i.scheme()),
                    "id number not idempotent"
                );
                assert!(!id_number::close(i.as_str(), i.as_str()), "equal is close");
            }
        }
        _ => {
            if let Ok(v) = attribute::normalize(raw, &ctx) {
                assert!(v.len() <= attribute::MAX_LEN, "attribute too long");
                let again = attribute::normalize(&v, &ctx);
                assert_eq!(again, Ok(v), "attribute not idempotent");
            }
        }
    }
});
