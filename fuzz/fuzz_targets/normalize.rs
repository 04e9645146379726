//! Every normaliser on arbitrary input: no panic, and idempotent on its canonical output.
//!
//! Byte 0 picks the normaliser, byte 1 the context (region, date order, card policy, social
//! network); the rest is the raw value (lossily decoded when it is not UTF-8). Kind 8 splits
//! the value on `\x1f` into the fields of a whole record and runs `normalize_record`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilink::normalize::{
    self, card, city, date, device, email, name, phone, social, Card, CardPolicy, Context,
    DateOrder, Network, Region,
};
use omnilink::Record;

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
    ctx.social_network(if b & 0x80 != 0 { Some(net) } else { None })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let kind = data[0] % 9;
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
        _ => {
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
            let n = normalize::normalize_record(&r, &ctx);
            let _ = format!("{n:?}");
        }
    }
});
