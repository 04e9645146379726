//! Phone normalisation: `phonenumber`'s full parse against `omnilink::normalize::phone`.
//!
//! Both run over the same realistic mix of 700 raw numbers across the seven markets
//! (international, national with and without trunk prefix, `00`/`810` prefixes, separators,
//! Persian digits for Iran, extensions, a few invalid ones), each with its record's region.
//! The full parse is what a straightforward implementation does per number:
//! `phonenumber::parse` with the region, `is_valid`, `number_type` and the E.164 string
//! (written by hand: `phonenumber`'s formatter would add tens of microseconds).
//!
//! `cargo bench --bench phone`; per-number time = reported time / 700.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use omnilink::normalize::{phone, Context, Region};
use phonenumber::country;
use phonenumber::metadata::DATABASE;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }
}

fn persian(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x06F0 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// `count` numbers per market in the ways they are written in customer records.
fn mix(count: usize) -> Vec<(String, Region)> {
    let mut rng = Rng(0x5eed_0f0b_5e55);
    let mut out = Vec::new();
    for _ in 0..count {
        // Russia: mobile 9xx and Moscow / St Petersburg landlines.
        let code = rng.pick(&["912", "903", "916", "926", "985", "495", "812", "343"]);
        let (a, b, c) = (rng.digits(3), rng.digits(2), rng.digits(2));
        let ru = match rng.next() % 6 {
            0 => format!("+7 ({code}) {a}-{b}-{c}"),
            1 => format!("8 {code} {a} {b} {c}"),
            2 => format!("8{code}{a}{b}{c}"),
            3 => format!("+7{code}{a}{b}{c}"),
            4 => format!("8 ({code}) {a}-{b}-{c} доб. 12"),
            _ => format!("007 {code} {a} {b} {c}"),
        };
        out.push((ru, Region::RU));

        let code = rng.pick(&["701", "702", "705", "707", "747", "771", "775", "778"]);
        let (a, b, c) = (rng.digits(3), rng.digits(2), rng.digits(2));
        let kz = match rng.next() % 3 {
            0 => format!("+7 {code} {a} {b}{c}"),
            1 => format!("8 ({code}) {a}-{b}-{c}"),
            _ => format!("8{code}{a}{b}{c}"),
        };
        out.push((kz, Region::KZ));

        // Iran: mobiles in Latin and Persian digits, Tehran landlines.
        let code = rng.pick(&["912", "935", "901", "919", "937", "990"]);
        let (a, b) = (rng.digits(3), rng.digits(4));
        let ir = match rng.next() % 6 {
            0 => format!("0{code} {a} {b}"),
            1 => format!("+98 {code} {a} {b}"),
            2 => persian(&format!("0{code} {a} {b}")),
            3 => persian(&format!("0{code}{a}{b}")),
            4 => format!("0098{code}{a}{b}"),
            _ => format!("021 {} {}", rng.digits(4), rng.digits(4)),
        };
        out.push((ir, Region::IR));

        let first = rng.pick(&["98", "99", "97", "96", "94", "88", "80", "70", "63"]);
        let (a, b) = (rng.digits(3), rng.digits(5));
        let in_ = match rng.next() % 4 {
            0 => format!("+91-{first}{a} {b}"),
            1 => format!("0{first}{a} {b}"),
            2 => format!("{first}{a}{b}"),
            _ => format!("+91 {first}{a} {b}"),
        };
        out.push((in_, Region::IN));

        let code = rng.pick(&["90", "91", "93", "94", "97", "99", "33", "88", "71"]);
        let (a, b, c) = (rng.digits(3), rng.digits(2), rng.digits(2));
        let uz = match rng.next() % 3 {
            0 => format!("+998 {code} {a} {b} {c}"),
            1 => format!("{code} {a} {b} {c}"),
            _ => format!("+998{code}{a}{b}{c}"),
        };
        out.push((uz, Region::UZ));

        let area = rng.pick(&["212", "646", "415", "312", "305", "713", "206", "617"]);
        let exchange = format!("{}{}", 2 + rng.next() % 8, rng.digits(2));
        let line = rng.digits(4);
        let us = match rng.next() % 4 {
            0 => format!("({area}) {exchange}-{line}"),
            1 => format!("+1 {area} {exchange} {line}"),
            2 => format!("1-{area}-{exchange}-{line}"),
            _ => format!("{area}.{exchange}.{line} x204"),
        };
        out.push((us, Region::US));

        let gb = match rng.next() % 4 {
            0 => format!(
                "07{} {}",
                rng.pick(&["400", "700", "811", "912", "956"]),
                rng.digits(6)
            ),
            1 => format!(
                "+44 7{} {}",
                rng.pick(&["400", "811", "912", "956"]),
                rng.digits(6)
            ),
            2 => format!("020 7{} {}", rng.digits(3), rng.digits(4)),
            _ => format!("0161 {} {}", rng.digits(3), rng.digits(4)),
        };
        out.push((gb, Region::GB));
    }
    out
}

fn full_parse(raw: &str, id: country::Id) -> Option<(String, phonenumber::Type)> {
    let n = phonenumber::parse(Some(id), raw).ok()?;
    if !n.is_valid() {
        return None;
    }
    let t = n.number_type(&DATABASE);
    // What `n.format().mode(Mode::E164)` writes, without its format-pattern matching (which
    // alone costs tens of microseconds once its regex cache thrashes).
    Some((format!("+{}{}", n.code().value(), n.national()), t))
}

fn bench(c: &mut Criterion) {
    let numbers = mix(100);
    let with_ids: Vec<(String, country::Id)> = numbers
        .iter()
        .map(|(raw, r)| (raw.clone(), country::Id::from_str(r.as_str()).expect("id")))
        .collect();
    let contexts: Vec<(String, Context)> = numbers
        .iter()
        .map(|(raw, r)| (raw.clone(), Context::new().region(*r)))
        .collect();
    let valid = contexts
        .iter()
        .filter(|(raw, c)| phone::normalize(raw, c).is_ok())
        .count();
    eprintln!(
        "phone bench mix: {} numbers, {valid} valid for omnilink",
        contexts.len()
    );

    let mut group = c.benchmark_group("phone");
    group.throughput(Throughput::Elements(numbers.len() as u64));
    group.bench_function("phonenumber_full_parse", |b| {
        b.iter(|| {
            for (raw, id) in &with_ids {
                black_box(full_parse(black_box(raw), *id));
            }
        })
    });
    // The same numbers grouped by market: the best case for phonenumber, whose regex cache
    // holds 100 compiled patterns and thrashes when markets interleave.
    let mut grouped = with_ids.clone();
    grouped.sort_by_key(|(_, id)| id.as_ref().to_string());
    group.bench_function("phonenumber_full_parse_grouped_by_market", |b| {
        b.iter(|| {
            for (raw, id) in &grouped {
                black_box(full_parse(black_box(raw), *id));
            }
        })
    });
    group.bench_function("omnilink_normalize", |b| {
        b.iter(|| {
            for (raw, ctx) in &contexts {
                let _ = black_box(phone::normalize(black_box(raw), ctx));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
