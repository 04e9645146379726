//! Cost of normalisation on synthetic omnichannel records, single-threaded.
//!
//! `cargo bench --bench normalize`
//!
//! - `normalize_record/mixed`: every record of a generated export (about 20 000 records from
//!   all channels and markets, with the generator's default noise), as they come: a `web`
//!   record has an e-mail and a name, a `store` record a card and a phone, and so on.
//! - `normalize_record/full`: the same records with every kind filled (name, phone, e-mail,
//!   card, device, social, birth date, city): missing fields are taken from another record of
//!   the same customer, else from other records in turn. The crate's target is 250 000 such
//!   records per second per core (4 us a record).
//! - `normalize_record/full_valid`: those full records that keep a value of each of the eight
//!   kinds (in the others some field holds a junk, invalid or ambiguous value, which is
//!   rejected, often early and cheaply).
//! - `kind/<kind>`: each normaliser alone over every value of its kind found in the mixed
//!   records, with the context `normalize_record` would give it (the record's country, the
//!   hint from the city or the name's script for phones, the column's social network).
//!   `kind_full/<kind>`: the same over the values of the `full_valid` records, to see which
//!   normaliser the time of a full record goes to.
//! - `kind/address`, `kind/postcode`, `kind/id_number`, `kind/attribute`: the kinds the
//!   generator does not make, over values built here (48 per market, from RU, KZ, UZ, IN,
//!   IR, US, GB and AU, 384 of each kind), each with its market as the region: addresses with
//!   `ул.` / `д.` / `кв.`, `көшесі`, `ko'chasi`, `House No`, `پلاک`, `Apt`, `Flat`, `3/12`
//!   and Febrl's three columns; postcodes in each country's forms (labels, spaces, ZIP+4,
//!   dropped zeros, Persian, Devanagari and full-width digits); identity numbers of every
//!   scheme with their check digits computed here (ИНН, СНИЛС, ИИН, ПИНФЛ, Aadhaar, PAN,
//!   کد ملی, SSN, NI number, Febrl's `soc_sec_id`) and one in eight a generic customer or
//!   passport number; a gender (category) and an occupation (text) per value.
//! - `normalize_record/with_new_kinds`: the `full` records, each with an address, a postcode,
//!   an id number and those two attributes of its market added (its country, else its city's
//!   region, else the markets in turn): the difference with `normalize_record/full` is the
//!   cost of the new kinds per record.
//!
//! All contexts have the generator's markets as candidate regions, as a multi-country export
//! without a country column would be configured. Throughput is in records (or values) per
//! second; time per record = 1 / throughput.
//!
//! Times are the benchmark thread's CPU time (see [`ThreadCpuTime`]), not wall time, so the
//! figures are per core even when other processes share the machine.

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use omnilink::normalize::{
    address, attribute, card, city, date, device, email, id_number, name, normalize_record, phone,
    postcode, social, split_values, City, Context, FieldKind, Region, Reject, Script,
};
use omnilink::synth::{self, Truth};
use omnilink::{AttributeKind, Record};

/// Records in the mixed set (and in the full set built from it).
const RECORDS: usize = 20_000;

/// Customers to generate: 2.5 records each on average, so enough for [`RECORDS`].
const CUSTOMERS: u32 = 9_000;

fn base_context() -> Context {
    Context::new().candidate_regions(Region::MARKETS.to_vec())
}

fn generated() -> (Vec<Record>, Vec<Truth>) {
    let mut data = synth::generate(&synth::Config::new(CUSTOMERS, 42)).expect("generate");
    data.records.truncate(RECORDS);
    data.truth.truncate(RECORDS);
    (data.records, data.truth)
}

fn has_name(r: &Record) -> bool {
    r.full_name.is_some() || (r.first_name.is_some() && r.last_name.is_some())
}

/// The eight kinds a record can hold, as (present?, copy from donor) pairs.
type Filler = (fn(&Record) -> bool, fn(&mut Record, &Record));

const FILLERS: [Filler; 8] = [
    (has_name, |r, d| {
        r.full_name.clone_from(&d.full_name);
        r.first_name.clone_from(&d.first_name);
        r.middle_name.clone_from(&d.middle_name);
        r.last_name.clone_from(&d.last_name);
    }),
    (
        |r| !r.phones.is_empty(),
        |r, d| r.phones.clone_from(&d.phones),
    ),
    (
        |r| !r.emails.is_empty(),
        |r, d| r.emails.clone_from(&d.emails),
    ),
    (|r| !r.cards.is_empty(), |r, d| r.cards.clone_from(&d.cards)),
    (
        |r| !r.devices.is_empty(),
        |r, d| r.devices.clone_from(&d.devices),
    ),
    (
        |r| !r.socials.is_empty(),
        |r, d| r.socials.clone_from(&d.socials),
    ),
    (
        |r| r.birth_date.is_some(),
        |r, d| r.birth_date.clone_from(&d.birth_date),
    ),
    (|r| r.city.is_some(), |r, d| r.city.clone_from(&d.city)),
];

/// Every record with all eight kinds filled: a missing kind comes from another record of the
/// same customer when one has it, else from the records that have it, in turn.
fn full_records(records: &[Record], truth: &[Truth]) -> Vec<Record> {
    let mut by_entity: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        by_entity.entry(t.entity).or_default().push(i);
    }
    let pools: Vec<Vec<usize>> = FILLERS
        .iter()
        .map(|(has, _)| (0..records.len()).filter(|&i| has(&records[i])).collect())
        .collect();
    let mut turn = [0usize; FILLERS.len()];
    records
        .iter()
        .zip(truth)
        .map(|(r, t)| {
            let mut out = r.clone();
            for (k, (has, fill)) in FILLERS.iter().enumerate() {
                if has(&out) {
                    continue;
                }
                let same = by_entity[&t.entity]
                    .iter()
                    .copied()
                    .find(|&i| has(&records[i]));
                let donor = same.unwrap_or_else(|| {
                    turn[k] += 1;
                    pools[k][turn[k] % pools[k].len()]
                });
                fill(&mut out, &records[donor]);
            }
            out
        })
        .collect()
}

/// The context `normalize_record` uses for the record's fields: its own country first.
fn record_context(base: &Context, r: &Record) -> Context {
    let mut c = base.clone();
    if let Some(region) = r.country.as_deref().and_then(Region::new) {
        c.region = Some(region);
    }
    c
}

/// A name as `normalize_record` reads it: from the parts when any is given, else whole.
enum NameInput {
    Parts(Option<String>, Option<String>, Option<String>),
    Full(String),
}

/// Every raw value of every kind in `records`, with its context.
#[derive(Default)]
struct Values {
    phones: Vec<(String, Context)>,
    emails: Vec<(String, Context)>,
    cards: Vec<(String, Context)>,
    devices: Vec<(String, Context)>,
    socials: Vec<(String, Context)>,
    names: Vec<(NameInput, Context)>,
    dates: Vec<(String, Context)>,
    cities: Vec<(String, Context)>,
}

fn values(records: &[Record], base: &Context) -> Values {
    let mut v = Values::default();
    for r in records {
        let ctx = record_context(base, r);
        let cells = |cells: &[String], out: &mut Vec<(String, Context)>, ctx: &Context| {
            for cell in cells {
                out.extend(split_values(cell).map(|s| (s.to_string(), ctx.clone())));
            }
        };
        // Phones get the hint normalize_record derives from the city or the name's script.
        let n = normalize_record(r, &ctx);
        let hint = ctx.hint.or_else(|| {
            n.city.as_ref().and_then(City::region).or_else(|| {
                match n.name.as_ref().map(|n| n.script) {
                    Some(Script::Arabic) => Some(Region::IR),
                    Some(Script::Devanagari) => Some(Region::IN),
                    _ => None,
                }
            })
        });
        let pctx = if ctx.region.is_none() {
            ctx.clone().hint(hint)
        } else {
            ctx.clone()
        };
        cells(&r.phones, &mut v.phones, &pctx);
        cells(&r.emails, &mut v.emails, &ctx);
        cells(&r.cards, &mut v.cards, &ctx);
        cells(&r.devices, &mut v.devices, &ctx);
        for s in &r.socials {
            let sctx = ctx.clone().social_network(s.network.or(ctx.social_network));
            v.socials
                .extend(split_values(&s.value).map(|x| (x.to_string(), sctx.clone())));
        }
        if r.first_name.is_some() || r.last_name.is_some() {
            let parts = NameInput::Parts(
                r.first_name.clone(),
                r.middle_name.clone(),
                r.last_name.clone(),
            );
            v.names.push((parts, ctx.clone()));
        } else if let Some(full) = &r.full_name {
            v.names.push((NameInput::Full(full.clone()), ctx.clone()));
        }
        if let Some(d) = &r.birth_date {
            v.dates.push((d.clone(), ctx.clone()));
        }
        if let Some(c) = &r.city {
            v.cities.push((c.clone(), ctx.clone()));
        }
    }
    v
}

fn normalize_name(input: &NameInput, ctx: &Context) -> bool {
    match input {
        NameInput::Parts(f, m, l) => {
            name::from_parts(f.as_deref(), m.as_deref(), l.as_deref(), ctx).is_ok()
        }
        NameInput::Full(s) => name::normalize(s, ctx).is_ok(),
    }
}

/// Benchmarks `f` over every value of one kind found in `records` records; prints how many
/// there are and how many it keeps.
fn bench_kind<T>(
    group: &mut BenchmarkGroup<'_, ThreadCpuTime>,
    records: usize,
    kind: &str,
    values: &[(T, Context)],
    f: fn(&T, &Context) -> bool,
) {
    let kept = values.iter().filter(|(v, c)| f(v, c)).count();
    eprintln!(
        "{kind}: {} values ({:.2} per record), {kept} kept ({:.1} %)",
        values.len(),
        values.len() as f64 / records.max(1) as f64,
        100.0 * kept as f64 / values.len().max(1) as f64
    );
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function(kind, |b| {
        b.iter(|| {
            for (v, c) in values {
                black_box(f(black_box(v), c));
            }
        })
    });
}

/// Prints the values per record and the rejects by kind of a record set.
fn describe(label: &str, records: &[Record], ctx: &Context) {
    let mut kept = [0usize; 8];
    let mut rejected: HashMap<(FieldKind, Reject), usize> = HashMap::new();
    let mut complete = 0;
    for r in records {
        let n = normalize_record(r, ctx);
        let counts = [
            n.name.is_some() as usize,
            n.phones.len(),
            n.emails.len(),
            n.cards.len(),
            n.devices.len(),
            n.socials.len(),
            n.birth_date.is_some() as usize,
            n.city.is_some() as usize,
        ];
        complete += counts.iter().all(|&c| c > 0) as usize;
        for (k, c) in kept.iter_mut().zip(counts) {
            *k += c;
        }
        for &why in &n.rejects {
            *rejected.entry(why).or_default() += 1;
        }
    }
    let per = |x: usize| x as f64 / records.len() as f64;
    eprintln!(
        "{label}: {} records, {complete} with all eight kinds kept; kept per record: \
         name {:.2}, phone {:.2}, email {:.2}, card {:.2}, device {:.2}, social {:.2}, \
         date {:.2}, city {:.2}",
        records.len(),
        per(kept[0]),
        per(kept[1]),
        per(kept[2]),
        per(kept[3]),
        per(kept[4]),
        per(kept[5]),
        per(kept[6]),
        per(kept[7]),
    );
    let mut rejected: Vec<_> = rejected
        .into_iter()
        .map(|((kind, why), n)| format!("{kind}/{why} {n}"))
        .collect();
    rejected.sort();
    eprintln!("{label}: rejected values: {}", rejected.join(", "));
}

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let ctx = base_context();
    let (mixed, truth) = generated();
    let full = full_records(&mixed, &truth);
    // The full records whose eight kinds all survive normalisation (the others carry an
    // invalid or placeholder value in some field, which is rejected early and cheaply).
    let full_valid: Vec<Record> = full
        .iter()
        .filter(|r| {
            let n = normalize_record(r, &ctx);
            n.name.is_some()
                && !n.phones.is_empty()
                && !n.emails.is_empty()
                && !n.cards.is_empty()
                && !n.devices.is_empty()
                && !n.socials.is_empty()
                && n.birth_date.is_some()
                && n.city.is_some()
        })
        .cloned()
        .collect();
    let new = new_values();
    // The attributes are compared in the order the batch pipeline gives them: names sorted.
    let mut new_ctx = ctx.clone();
    new_ctx.attributes = NEW_ATTRIBUTES.iter().map(|(n, _)| n.to_string()).collect();
    let full_new = with_new_kinds(&full, &new, &new_ctx);
    describe("mixed", &mixed, &ctx);
    describe("full", &full, &ctx);
    describe("full_valid", &full_valid, &ctx);
    describe_new_kinds("with_new_kinds", &full_new, &new_ctx);

    let mut group = c.benchmark_group("normalize_record");
    let sets = [
        ("mixed", &mixed, &ctx),
        ("full", &full, &ctx),
        ("full_valid", &full_valid, &ctx),
        ("with_new_kinds", &full_new, &new_ctx),
    ];
    for (label, records, ctx) in sets {
        group.throughput(Throughput::Elements(records.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                for r in records {
                    black_box(normalize_record(black_box(r), ctx));
                }
            })
        });
    }
    group.finish();

    bench_kinds(c, "kind", &mixed, &ctx, Some(new.as_slice()));
    bench_kinds(c, "kind_full", &full_valid, &ctx, None);
}

/// One benchmark per normaliser over the values of its kind in `records`, and with `new`,
/// one per new kind over those values.
fn bench_kinds(
    c: &mut Criterion<ThreadCpuTime>,
    group: &str,
    records: &[Record],
    ctx: &Context,
    new: Option<&[NewValues]>,
) {
    let v = values(records, ctx);
    eprintln!("{group}: values of {} records", records.len());
    let mut group = c.benchmark_group(group);
    group.measurement_time(Duration::from_secs(2));
    let n = records.len();
    bench_kind(&mut group, n, "phone", &v.phones, |s, c| {
        phone::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "email", &v.emails, |s, c| {
        email::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "card", &v.cards, |s, c| {
        card::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "device", &v.devices, |s, c| {
        device::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "social", &v.socials, |s, c| {
        social::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "name", &v.names, normalize_name);
    bench_kind(&mut group, n, "date", &v.dates, |s, c| {
        date::normalize(s, c).is_ok()
    });
    bench_kind(&mut group, n, "city", &v.cities, |s, c| {
        city::normalize(s, c).is_ok()
    });
    if let Some(new) = new {
        let n = new.len();
        let with_ctx = |f: fn(&NewValues) -> String| -> Vec<(String, Context)> {
            new.iter()
                .map(|v| (f(v), market_context(ctx, v.market)))
                .collect()
        };
        // Address parts joined as `normalize_record` joins them.
        let addresses = with_ctx(|v| v.address.join(", "));
        let postcodes = with_ctx(|v| v.postcode.clone());
        let ids = with_ctx(|v| v.id_number.clone());
        let mut attributes = with_ctx(|v| v.attributes[0].clone());
        attributes.extend(with_ctx(|v| v.attributes[1].clone()));
        bench_kind(&mut group, n, "address", &addresses, |s, c| {
            address::normalize(s, c).is_ok()
        });
        bench_kind(&mut group, n, "postcode", &postcodes, |s, c| {
            postcode::normalize(s, c).is_ok()
        });
        bench_kind(&mut group, n, "id_number", &ids, |s, c| {
            id_number::normalize(s, c).is_ok()
        });
        bench_kind(&mut group, n, "attribute", &attributes, |s, c| {
            attribute::normalize(s, c).is_ok()
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------
// The kinds most exports do not carry: addresses, postcodes, identity numbers, attributes.

/// The markets the new kinds' values come from: the generator's, and Australia (the Febrl
/// data sets).
const NEW_MARKETS: [&str; 8] = ["RU", "KZ", "UZ", "IN", "IR", "US", "GB", "AU"];

/// Values of each new kind per market (a few hundred of each kind in all).
const PER_MARKET: usize = 48;

/// A xorshift generator: the values are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// `n` random decimal digits (values 0-9).
    fn digits(&mut self, n: usize) -> Vec<u32> {
        (0..n).map(|_| self.below(10) as u32).collect()
    }
}

fn ascii(d: &[u32]) -> String {
    d.iter().map(|&x| char::from(b'0' + x as u8)).collect()
}

/// ASCII digits rewritten in another script's digits (`zero` is that script's 0).
fn script_digits(s: &str, zero: char) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(zero as u32 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

const PERSIAN_ZERO: char = '\u{6f0}';
const DEVANAGARI_ZERO: char = '\u{966}';
const FULLWIDTH_ZERO: char = '\u{ff10}';

fn weighted(d: &[u32], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(a, b)| a * b).sum()
}

/// A valid ИНН: ten digits (an organisation) or twelve (a person).
fn inn(rng: &mut Rng, person: bool) -> String {
    if person {
        let mut d = rng.digits(10);
        d.push(weighted(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10);
        d.push(weighted(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10);
        ascii(&d)
    } else {
        let mut d = rng.digits(9);
        d.push(weighted(&d, &[2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10);
        ascii(&d)
    }
}

/// A valid СНИЛС, written `123-456-789 01`.
fn snils(rng: &mut Rng) -> String {
    let d = rng.digits(9);
    let sum = weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => sum % 101 % 100,
    };
    let s = ascii(&d);
    format!("{}-{}-{} {check:02}", &s[..3], &s[3..6], &s[6..])
}

/// A valid ИИН: birth date, century and sex digit, serial, check digit.
fn iin(rng: &mut Rng) -> String {
    loop {
        let mut d = Vec::with_capacity(12);
        let (y, m, day) = (40 + rng.below(60), 1 + rng.below(12), 1 + rng.below(28));
        for x in [y / 10, y % 10, m / 10, m % 10, day / 10, day % 10] {
            d.push(x as u32);
        }
        d.push(3 + rng.below(2) as u32);
        d.extend(rng.digits(4));
        let mut c = weighted(&d, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) % 11;
        if c == 10 {
            c = weighted(&d, &[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) % 11;
        }
        if c < 10 {
            d.push(c);
            return ascii(&d);
        }
    }
}

/// A valid ПИНФЛ: century and sex digit, birth day and month, the rest.
fn pinfl(rng: &mut Rng) -> String {
    let (day, month) = (1 + rng.below(28), 1 + rng.below(12));
    format!(
        "{}{day:02}{month:02}{}",
        3 + rng.below(2),
        ascii(&rng.digits(9))
    )
}

/// A valid Aadhaar number: the Verhoeff check digit is the one of ten that passes.
fn aadhaar(rng: &mut Rng) -> String {
    let body = format!("{}{}", 2 + rng.below(8), ascii(&rng.digits(10)));
    let number = (0..10)
        .map(|c| format!("{body}{c}"))
        .find(|n| id_number::verhoeff(n.as_bytes()))
        .expect("one Verhoeff check digit fits");
    format!("{} {} {}", &number[..4], &number[4..8], &number[8..])
}

/// A valid PAN: five letters (the fourth the holder type), four digits, a letter.
fn pan(rng: &mut Rng) -> String {
    let mut letter = || char::from(b'A' + rng.below(26) as u8);
    let head: String = [letter(), letter(), letter()].into_iter().collect();
    let (l5, l10) = (letter(), letter());
    let kind = *rng.pick(&['P', 'P', 'P', 'C', 'F', 'H']);
    format!("{head}{kind}{l5}{:04}{l10}", 1 + rng.below(9998))
}

/// A valid Iranian national code (کد ملی), often in Persian digits.
fn ir_national_code(rng: &mut Rng) -> String {
    let mut d = rng.digits(9);
    d[0] = 1 + d[0] % 9;
    let r = weighted(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    d.push(if r < 2 { r } else { 11 - r });
    let s = ascii(&d);
    let s = format!("{}-{}-{}", &s[..3], &s[3..9], &s[9..]);
    if rng.below(2) == 0 {
        script_digits(&s, PERSIAN_ZERO)
    } else {
        s
    }
}

/// A valid SSN (area, group and serial allocated), written `123-45-6789`.
fn ssn(rng: &mut Rng) -> String {
    let mut area = 1 + rng.below(898);
    if area == 666 {
        area = 667;
    }
    format!(
        "{area:03}-{:02}-{:04}",
        1 + rng.below(98),
        1 + rng.below(9998)
    )
}

/// A valid NI number, written `AB 12 34 56 C`.
fn nino(rng: &mut Rng) -> String {
    const FIRST: &[u8] = b"ABCEGHJKLMNPRSTWXY";
    const SECOND: &[u8] = b"ABCEGHJKLMNPRSTWXY";
    let (a, b) = loop {
        let (a, b) = (*rng.pick(FIRST), *rng.pick(SECOND));
        if !matches!(&[a, b], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN") {
            break (char::from(a), char::from(b));
        }
    };
    let d = ascii(&rng.digits(6));
    let suffix = char::from(b'A' + rng.below(4) as u8);
    format!("{a}{b} {} {} {} {suffix}", &d[..2], &d[2..4], &d[4..])
}

/// A customer or passport number of no scheme.
fn generic_number(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("CUST-{:07}", rng.below(10_000_000)),
        1 => format!(
            "{:02} {:02} {:06}",
            10 + rng.below(89),
            rng.below(99),
            rng.below(999_999)
        ),
        _ => format!("M{:08}", rng.below(100_000_000)),
    }
}

/// One identity number of a market's schemes (now and then a generic one).
fn id_for(rng: &mut Rng, market: &str) -> String {
    if rng.below(8) == 0 {
        return generic_number(rng);
    }
    match market {
        "RU" => match rng.below(4) {
            0 => format!("ИНН {}", inn(rng, false)),
            1 => inn(rng, true),
            2 => snils(rng),
            _ => format!("СНИЛС {}", snils(rng)),
        },
        "KZ" => match rng.below(2) {
            0 => format!("ИИН {}", iin(rng)),
            _ => iin(rng),
        },
        "UZ" => pinfl(rng),
        "IN" => match rng.below(3) {
            0 => aadhaar(rng),
            1 => script_digits(&aadhaar(rng), DEVANAGARI_ZERO),
            _ => format!("PAN: {}", pan(rng)),
        },
        "IR" => ir_national_code(rng),
        "US" => ssn(rng),
        "GB" => nino(rng),
        // Febrl's `soc_sec_id`: seven digits.
        _ => format!("{}", 1_000_000 + rng.below(8_999_999)),
    }
}

/// One postcode of a market, in the forms exports hold.
fn postcode_for(rng: &mut Rng, market: &str) -> String {
    let six = |rng: &mut Rng, first: u64| format!("{first}{:05}", rng.below(100_000));
    match market {
        "RU" => {
            let first = 1 + rng.below(6);
            let p = six(rng, first);
            match rng.below(4) {
                0 => format!("{} {}", &p[..3], &p[3..]),
                1 => format!("индекс: {p}"),
                _ => p,
            }
        }
        "KZ" => {
            let p = format!("0{:05}", rng.below(100_000));
            match rng.below(4) {
                0 => script_digits(&p, FULLWIDTH_ZERO),
                1 => format!("{p}.0"),
                _ => p,
            }
        }
        "UZ" => {
            let first = 1 + rng.below(2);
            let p = six(rng, first);
            if rng.below(2) == 0 {
                format!("{} {}", &p[..3], &p[3..])
            } else {
                p
            }
        }
        "IN" => {
            let first = 1 + rng.below(8);
            let p = six(rng, first);
            match rng.below(4) {
                0 => format!("PIN: {} {}", &p[..3], &p[3..]),
                1 => script_digits(&p, DEVANAGARI_ZERO),
                _ => p,
            }
        }
        "IR" => {
            let p = format!(
                "{}{:04}-{:05}",
                1 + rng.below(9),
                rng.below(10_000),
                rng.below(100_000)
            );
            match rng.below(3) {
                0 => script_digits(&p, PERSIAN_ZERO),
                1 => format!("کد پستی: {}", script_digits(&p, PERSIAN_ZERO)),
                _ => p,
            }
        }
        "US" => {
            let zip = 501 + rng.below(99_000);
            match rng.below(4) {
                0 => format!("{zip:05}-{:04}", rng.below(10_000)),
                1 => format!("ZIP {zip:05}"),
                2 => format!("{zip}"),
                _ => format!("{zip:05}"),
            }
        }
        "GB" => {
            const OUTWARD: [&str; 12] = [
                "SW1A", "NW1", "EC1A", "M1", "B33", "CR2", "W1D", "EH1", "G2", "LS1", "BS8", "CF10",
            ];
            const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
            let code = format!(
                "{} {}{}{}",
                rng.pick(&OUTWARD),
                rng.below(10),
                char::from(*rng.pick(INWARD)),
                char::from(*rng.pick(INWARD))
            );
            if rng.below(2) == 0 {
                code.to_lowercase().replace(' ', "")
            } else {
                code
            }
        }
        _ => format!("{}", 2000 + rng.below(6000)),
    }
}

/// One address of a market, as the parts (columns) an export gives.
fn address_for(rng: &mut Rng, market: &str) -> Vec<String> {
    let (h, f, k) = (1 + rng.below(180), 1 + rng.below(320), 1 + rng.below(4));
    let one = |s: String| vec![s];
    match market {
        "RU" => {
            let street = rng.pick(&[
                "Ленина",
                "Тверская",
                "Мира",
                "Гагарина",
                "Садовая",
                "Пушкина",
                "8 Марта",
                "Профсоюзная",
            ]);
            let kind = rng.pick(&["ул.", "улица", "пр-т", "пер.", "б-р", "ш."]);
            match rng.below(4) {
                0 => vec![
                    format!("{kind} {street}"),
                    format!("д. {h}"),
                    format!("кв. {f}"),
                ],
                1 => one(format!("{street} {kind}, {h}, кв. {f}")),
                2 => one(format!(
                    "г. Москва, {kind} {street}, д. {h} корп. {k}, кв. {f}"
                )),
                _ => one(format!("{kind} {street} {h}к{k}")),
            }
        }
        "KZ" => {
            let street = rng.pick(&["Абая", "Достык", "Сейфуллина", "Толе би", "Жандосова"]);
            match rng.below(4) {
                0 => one(format!("{street} көшесі, {h}, {f}")),
                1 => one(format!("{street} даңғылы {h}, пәтер {f}")),
                2 => one(format!("мкр. Самал-{k}, д. {h}, кв. {f}")),
                _ => vec![
                    format!("ул. {street}"),
                    format!("д. {h}"),
                    format!("кв. {f}"),
                ],
            }
        }
        "UZ" => {
            let street = rng.pick(&["Navoiy", "Amir Temur", "Mustaqillik", "Bunyodkor"]);
            match rng.below(4) {
                0 => one(format!("{street} ko'chasi, {h}-uy, {f}-xonadon")),
                1 => one(format!("{street} shoh ko'chasi {h}")),
                2 => one(format!("Chilonzor mahallasi, {street} ko'chasi {h}")),
                _ => vec![format!("ул. Навои, д. {h}"), format!("кв. {f}")],
            }
        }
        "IN" => match rng.below(4) {
            0 => one(format!("House No {h}, Sector {k}{f}, Gurgaon")),
            1 => one(format!("H.No. {k}-{h}-{f}, MG Road")),
            2 => vec![
                format!("Flat {f}, Sai Residency"),
                format!("{k}th Main Road, Jayanagar"),
            ],
            _ => one(script_digits(
                &format!("मकान नं {h}, गांधी मार्ग"),
                DEVANAGARI_ZERO,
            )),
        },
        "IR" => {
            let street = rng.pick(&["ولیعصر", "آزادی", "انقلاب", "شریعتی"]);
            let a = match rng.below(2) {
                0 => format!("تهران، خیابان {street}، کوچه {k}، پلاک {h}، واحد {f}"),
                _ => format!("خیابان {street} پلاک {h}"),
            };
            one(script_digits(&a, PERSIAN_ZERO))
        }
        "US" => {
            let street = rng.pick(&["Main", "Oak", "Pennsylvania", "Maple", "Elm", "Cedar"]);
            let kind = rng.pick(&["St", "Street", "Ave", "Avenue", "Blvd", "Rd"]);
            match rng.below(3) {
                0 => vec![format!("{h} {street} {kind}"), format!("Apt {f}")],
                1 => one(format!("{h} {street} {kind} #{f}")),
                _ => one(format!("{h} {street} {kind}, Unit {f}")),
            }
        }
        "GB" => {
            let street = rng.pick(&["Baker", "High", "Church", "Station", "Victoria"]);
            let kind = rng.pick(&["St", "Street", "Road", "Rd", "Lane"]);
            match rng.below(2) {
                0 => one(format!("Flat {f}, {h} {street} {kind}")),
                _ => vec![format!("{h} {street} {kind}"), "London NW1 6XE".to_string()],
            }
        }
        _ => {
            let street = rng.pick(&["George", "Stanley", "Pinkerton", "Macquarie", "Hay"]);
            match rng.below(3) {
                0 => one(format!("{k}/{h} {street} St")),
                1 => vec![format!("Unit {k}"), format!("{h} {street} Street")],
                // Febrl: street number, address 1, address 2.
                _ => vec![
                    format!("{h}"),
                    format!("{} street", street.to_lowercase()),
                    "miami".to_string(),
                ],
            }
        }
    }
}

/// The two attributes every record of the `with_new_kinds` set gets, and the kinds compared.
const NEW_ATTRIBUTES: [(&str, AttributeKind); 2] = [
    ("gender", AttributeKind::Category),
    ("occupation", AttributeKind::Text),
];

fn gender_for(rng: &mut Rng, market: &str) -> String {
    let options: &[&str] = match market {
        "RU" => &["Ж", "М", "Мужской", "женский"],
        "KZ" => &["ер", "әйел", "М", "Ж"],
        "UZ" => &["erkak", "ayol", "M", "F"],
        "IN" => &["पुरुष", "महिला", "Male", "F"],
        "IR" => &["زن", "مرد", "Female"],
        _ => &["F", "M", "female", "Male", "n/a"],
    };
    rng.pick(options).to_string()
}

fn occupation_for(rng: &mut Rng, market: &str) -> String {
    let options: &[&str] = match market {
        "RU" | "KZ" => &[
            "Инженер-программист",
            "бухгалтер",
            "Врач-терапевт",
            "Менеджер по продажам",
        ],
        "UZ" => &["o'qituvchi", "Dasturchi", "Buxgalter"],
        "IN" => &["मुख्य अभियंता", "Software Engineer", "Chartered Accountant"],
        "IR" => &["مهندس نرم‌افزار", "معلم", "پزشک"],
        _ => &[
            "Software  Engineer",
            "Teacher",
            "Sales Manager, Retail",
            "Registered Nurse",
            "unknown",
        ],
    };
    rng.pick(options).to_string()
}

/// The new kinds' values of every market: parts of an address, a postcode, an id number,
/// the two attributes.
struct NewValues {
    market: &'static str,
    address: Vec<String>,
    postcode: String,
    id_number: String,
    attributes: [String; 2],
}

fn new_values() -> Vec<NewValues> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(NEW_MARKETS.len() * PER_MARKET);
    for _ in 0..PER_MARKET {
        for market in NEW_MARKETS {
            out.push(NewValues {
                market,
                address: address_for(&mut rng, market),
                postcode: postcode_for(&mut rng, market),
                id_number: id_for(&mut rng, market),
                attributes: [
                    gender_for(&mut rng, market),
                    occupation_for(&mut rng, market),
                ],
            });
        }
    }
    out
}

/// The context of a market's values: the record's country as `normalize_record` sets it.
fn market_context(base: &Context, market: &str) -> Context {
    let mut c = base.clone();
    c.region = Region::new(market);
    c
}

/// The `full` records, each with an address, a postcode, an id number and the two attributes
/// of its market (its country, else its city's region, else the markets in turn).
fn with_new_kinds(full: &[Record], values: &[NewValues], ctx: &Context) -> Vec<Record> {
    let mut turn = 0usize;
    full.iter()
        .map(|r| {
            let region = r.country.as_deref().and_then(Region::new).or_else(|| {
                r.city
                    .as_deref()
                    .and_then(|c| city::normalize(c, ctx).ok())
                    .and_then(|c| c.region())
            });
            turn += 1;
            let mine: Vec<&NewValues> = match region {
                Some(reg) => values.iter().filter(|v| v.market == reg.as_str()).collect(),
                None => Vec::new(),
            };
            let v = if mine.is_empty() {
                &values[turn % values.len()]
            } else {
                mine[turn % mine.len()]
            };
            let mut out = r
                .clone()
                .postcode(v.postcode.clone())
                .id_number(v.id_number.clone());
            for part in &v.address {
                out = out.address(part.clone());
            }
            for ((name, kind), value) in NEW_ATTRIBUTES.iter().zip(&v.attributes) {
                out = out.attribute(*name, *kind, value.clone());
            }
            out
        })
        .collect()
}

/// Prints what the new kinds of a record set keep and reject, and the id schemes recognised.
fn describe_new_kinds(label: &str, records: &[Record], ctx: &Context) {
    let (mut ids, mut postcodes, mut addresses, mut attributes) = (0, 0, 0, 0);
    let mut schemes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rejected: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let n = normalize_record(r, ctx);
        ids += n.id_numbers.len();
        postcodes += n.postcode.is_some() as usize;
        addresses += n.address.is_some() as usize;
        attributes += n.attributes.len();
        for i in &n.id_numbers {
            *schemes.entry(i.scheme().as_str()).or_default() += 1;
        }
        for (kind, why) in &n.rejects {
            if matches!(
                kind,
                FieldKind::IdNumber
                    | FieldKind::Postcode
                    | FieldKind::Address
                    | FieldKind::Attribute
            ) {
                *rejected.entry(format!("{kind}/{why}")).or_default() += 1;
            }
        }
    }
    let per = |x: usize| x as f64 / records.len().max(1) as f64;
    eprintln!(
        "{label}: {} records; kept per record: id_number {:.2}, postcode {:.2}, address {:.2}, \
         attributes {:.2}; id schemes {schemes:?}; rejected {rejected:?}",
        records.len(),
        per(ids),
        per(postcodes),
        per(addresses),
        per(attributes),
    );
}

/// On-CPU time of the calling thread, from `/proc/thread-self/schedstat` (Linux): on a
/// shared machine, wall time counts the time other processes hold the core, CPU time does
/// not. Falls back to wall time where that file cannot be read. The kernel updates the
/// figure at least every scheduler tick (a few ms), far below the length of a sample here.
struct ThreadCpuTime;

fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

impl Measurement for ThreadCpuTime {
    type Intermediate = (Option<u64>, Instant);
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        (thread_cpu_ns(), Instant::now())
    }

    fn end(&self, (cpu, wall): Self::Intermediate) -> Duration {
        match (cpu, thread_cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
            _ => wall.elapsed(),
        }
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// Formats nanoseconds as times and element throughputs, like criterion's wall clock.
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_iteration = match *throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n,
            Throughput::Bits(n) => n,
        } as f64;
        let per_second = per_iteration * 1e9 / typical;
        let (divisor, unit) = match per_second {
            r if r < 1e3 => (1.0, " elem/s"),
            r if r < 1e6 => (1e3, "Kelem/s"),
            _ => (1e6, "Melem/s"),
        };
        values
            .iter_mut()
            .for_each(|v| *v = per_iteration * 1e9 / *v / divisor);
        unit
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn config() -> Criterion<ThreadCpuTime> {
    Criterion::default()
        .with_measurement(ThreadCpuTime)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
