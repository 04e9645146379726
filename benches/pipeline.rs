//! Cost of each pipeline stage on a synthetic export of 20 000 customers (about 50 000
//! records from all channels and markets, with the generator's default noise and hard cases).
//!
//! `cargo bench --bench pipeline`
//!
//! - `pipeline/normalize`: `normalize_record` and `Features::from_normalized` for every
//!   record, on the rayon pool (as `resolve` does).
//! - `pipeline/block`: `block` with the default rules (rayon inside).
//! - `pipeline/score_1thread`: `compare` with the blocking's term frequencies and
//!   `Model::score` (the model `resolve` trained on this data) over every candidate pair, on
//!   one thread; `pipeline/score` the same on the rayon pool. Throughput in pairs.
//! - `pipeline/cluster`: `cluster` over the pairs at or above the link threshold.
//! - `pipeline/resolve`: `omnilink::resolve` end to end (normalise, block, train, score,
//!   cluster, golden records).
//!
//! The contexts have the generator's markets as candidate regions. Throughput is in records
//! unless said otherwise. The stage times of one `resolve` run are printed first.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use omnilink::block::{block, Blocking};
use omnilink::cluster::{cluster, Edge};
use omnilink::compare::{compare, Features};
use omnilink::model::Model;
use omnilink::normalize::{normalize_record, Region};
use omnilink::{resolve, Config, Record};
use rayon::prelude::*;

const CUSTOMERS: u32 = 20_000;

fn config() -> Config {
    let mut config = Config::default();
    config.context.candidate_regions = Region::MARKETS.to_vec().into();
    config
}

/// A stable 64-bit hash of a record's (source, id), FNV-1a then a final mix: the blocking and
/// clustering tie-break (the crate's own `record_hash` is private; any stable hash will do).
fn tiebreak(r: &Record) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in r.source.bytes().chain([0xff]).chain(r.id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The inputs of the stages, built once.
struct Prepared {
    records: Vec<Record>,
    config: Config,
    features: Vec<Features>,
    sources: Vec<u32>,
    source_names: Vec<String>,
    tiebreak: Vec<u64>,
    blocking: Blocking,
    model: Model,
    threshold: f64,
    edges: Vec<Edge>,
}

fn features(records: &[Record], config: &Config) -> Vec<Features> {
    records
        .par_iter()
        .map(|r| Features::from_normalized(&normalize_record(r, &config.context)))
        .collect()
}

/// The pairs at or above the threshold, as `resolve` keeps them (contradicting pairs never
/// link).
fn score(
    pairs: &[(u32, u32)],
    features: &[Features],
    blocking: &Blocking,
    model: &Model,
    threshold: f64,
) -> Vec<Edge> {
    pairs
        .iter()
        .filter_map(|&(a, b)| {
            let c = compare(
                &features[a as usize],
                &features[b as usize],
                &blocking.frequencies,
            );
            let s = model.score(&c);
            (!c.contradicts() && s >= threshold).then_some(Edge {
                a,
                b,
                score: s as f32,
            })
        })
        .collect()
}

fn prepare() -> Prepared {
    let records = omnilink::synth::generate(&omnilink::synth::Config::new(CUSTOMERS, 42))
        .expect("generate")
        .records;
    let config = config();
    let mut source_names: Vec<String> = records.iter().map(|r| r.source.clone()).collect();
    source_names.sort();
    source_names.dedup();
    let sources: Vec<u32> = records
        .iter()
        .map(|r| source_names.binary_search(&r.source).unwrap_or(0) as u32)
        .collect();
    let features = features(&records, &config);
    let tiebreak: Vec<u64> = records.iter().map(tiebreak).collect();

    // One resolve run for the trained model, the threshold and the stage times.
    let resolution = resolve(&records, &config).expect("resolve");
    let s = &resolution.stats;
    eprintln!(
        "pipeline: {} records, {} candidate pairs, {} accepted, {} customers; \
         resolve stage times (ms): {:?}",
        s.records, s.candidate_pairs, s.accepted_pairs, s.customers, s.stage_ms
    );
    let model = resolution.model.clone();
    let threshold = resolution.threshold();

    let blocking = block(
        &features,
        &sources,
        &source_names,
        &tiebreak,
        &config.blocking,
    );
    let edges = score(&blocking.pairs, &features, &blocking, &model, threshold);
    eprintln!(
        "pipeline (bench's own stages): {} candidate pairs, {} hubs, {} edges",
        blocking.pairs.len(),
        blocking.hubs.len(),
        edges.len()
    );
    Prepared {
        records,
        config,
        features,
        sources,
        source_names,
        tiebreak,
        blocking,
        model,
        threshold,
        edges,
    }
}

fn bench(c: &mut Criterion) {
    let p = prepare();
    let n = p.records.len() as u64;
    let mut group = c.benchmark_group("pipeline");

    group.throughput(Throughput::Elements(n));
    group.bench_function("normalize", |b| {
        b.iter(|| features(black_box(&p.records), &p.config))
    });
    group.bench_function("block", |b| {
        b.iter(|| {
            block(
                black_box(&p.features),
                &p.sources,
                &p.source_names,
                &p.tiebreak,
                &p.config.blocking,
            )
        })
    });

    group.throughput(Throughput::Elements(p.blocking.pairs.len() as u64));
    group.bench_function("score_1thread", |b| {
        b.iter(|| {
            score(
                black_box(&p.blocking.pairs),
                &p.features,
                &p.blocking,
                &p.model,
                p.threshold,
            )
        })
    });
    group.bench_function("score", |b| {
        b.iter(|| {
            p.blocking
                .pairs
                .par_chunks(4096)
                .map(|chunk| score(chunk, &p.features, &p.blocking, &p.model, p.threshold))
                .reduce(Vec::new, |mut a, mut b| {
                    a.append(&mut b);
                    a
                })
        })
    });

    group.throughput(Throughput::Elements(n));
    group.bench_function("cluster", |b| {
        b.iter(|| {
            cluster(
                p.records.len(),
                black_box(&p.edges),
                &p.features,
                &p.tiebreak,
            )
        })
    });
    group.bench_function("resolve", |b| {
        b.iter(|| resolve(black_box(&p.records), &p.config).expect("resolve"))
    });
    group.finish();
}

fn criterion_config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bench
}
criterion_main!(benches);
