//! Latency of the incremental resolver with many records resident.
//!
//! ```text
//! cargo run --release --example latency -- --customers 400000   # about 1,000,000 records
//! ```
//!
//! Loads a synthetic data set through the batch pipeline (`Resolver::from_batch`), then times
//! `lookup` by raw phone and e-mail and `add` of new records, and prints p50 / p99 / max and
//! the memory held per resident record.

use std::time::Instant;

use omnilink::normalize::Region;
use omnilink::resolver::Resolver;
use omnilink::{synth, Config};

mod common;
use common::{percentiles, probes, rss};

fn main() {
    let mut customers = 400_000u32;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--customers", Some(v)) => customers = v.parse().expect("--customers N"),
            _ => {
                eprintln!("usage: latency [--customers N]");
                std::process::exit(2);
            }
        }
    }
    let mut config = Config::default();
    config.context.candidate_regions = Region::MARKETS.to_vec().into();

    let data = synth::generate(&synth::Config::new(customers, 42)).expect("generate");
    let probes = probes(&data.records, 20_000);
    let n = data.records.len();
    let before = rss();
    let t = Instant::now();
    let resolver = Resolver::from_batch(data.records, config).expect("batch");
    let load_s = t.elapsed().as_secs_f64();
    let held = rss().saturating_sub(before);

    let mut lookup_ns = Vec::with_capacity(probes.len());
    let mut found = 0usize;
    for (kind, raw) in &probes {
        let t = Instant::now();
        let hits = resolver.lookup(*kind, raw);
        lookup_ns.push(t.elapsed().as_nanos() as u64);
        found += usize::from(!hits.is_empty());
    }

    // New records (those of 4,000 more customers): another seed, ids made distinct.
    let fresh = synth::generate(&synth::Config::new(4_000, 4242)).expect("generate");
    let mut add_ns = Vec::with_capacity(fresh.records.len());
    for mut r in fresh.records {
        r.id = format!("new-{}", r.id);
        let t = Instant::now();
        resolver.add(r).expect("add");
        add_ns.push(t.elapsed().as_nanos() as u64);
    }

    let (l50, l99, lmax) = percentiles(lookup_ns);
    let adds = add_ns.len();
    let (a50, a99, amax) = percentiles(add_ns);
    println!(
        "resident records   {n} ({} customers), loaded in {load_s:.1} s",
        resolver.customer_count()
    );
    println!(
        "memory held        {:.0} MiB, {:.0} bytes per resident record",
        held as f64 / 1048576.0,
        held as f64 / n as f64
    );
    println!("lookup (raw phone/e-mail, {} probes, {found} found)  p50 {:.2} us  p99 {:.2} us  max {:.1} us",
        probes.len(), l50 as f64 / 1e3, l99 as f64 / 1e3, lmax as f64 / 1e3);
    println!(
        "add    ({adds} new records)            p50 {:.2} us  p99 {:.2} us  max {:.1} us",
        a50 as f64 / 1e3,
        a99 as f64 / 1e3,
        amax as f64 / 1e3
    );
}
