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
//!
//! All contexts have the generator's markets as candidate regions, as a multi-country export
//! without a country column would be configured. Throughput is in records (or values) per
//! second; time per record = 1 / throughput.
//!
//! Times are the benchmark thread's CPU time (see [`ThreadCpuTime`]), not wall time, so the
//! figures are per core even when other processes share the machine.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use omnilink::normalize::{
    card, city, date, device, email, name, normalize_record, phone, social, split_values, City,
    Context, FieldKind, Region, Reject, Script,
};
use omnilink::synth::{self, Truth};
use omnilink::Record;

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
    describe("mixed", &mixed, &ctx);
    describe("full", &full, &ctx);
    describe("full_valid", &full_valid, &ctx);

    let mut group = c.benchmark_group("normalize_record");
    let sets = [
        ("mixed", &mixed),
        ("full", &full),
        ("full_valid", &full_valid),
    ];
    for (label, records) in sets {
        group.throughput(Throughput::Elements(records.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| {
                for r in records {
                    black_box(normalize_record(black_box(r), &ctx));
                }
            })
        });
    }
    group.finish();

    bench_kinds(c, "kind", &mixed, &ctx);
    bench_kinds(c, "kind_full", &full_valid, &ctx);
}

/// One benchmark per normaliser over the values of its kind in `records`.
fn bench_kinds(c: &mut Criterion<ThreadCpuTime>, group: &str, records: &[Record], ctx: &Context) {
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
    group.finish();
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
