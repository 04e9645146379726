//! A durable resolver under load: lookups from many threads while records are added.
//!
//! ```text
//! cargo run --release --example load -- --customers 400000 --seconds 30 --sync every
//! cargo run --release --example load -- --customers 400000 --seconds 30 --sync grouped --batch 16
//! cargo run --release --example load -- --customers 20000 --seconds 5     # a quick look
//! ```
//!
//! Generates a synthetic data set (`--customers 400000` is about 1,000,000 records), resolves
//! it with the batch pipeline, keeps it in a state directory (`Resolver::persist`, `--dir`,
//! default a new directory under the system's temporary directory) and then, for `--seconds`:
//! `--lookups` threads (8) look up raw phones and e-mails of resident records, and one thread
//! adds new records, one `add` at a time or, with `--batch N`, `add_batch` of N. Prints the
//! throughput and p50 / p99 / max of lookups and adds under that load, and how many lookups
//! named a customer that did not exist when checked right after (it must be 0; a customer
//! merged away or deleted by a concurrent add in between is counted apart).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use omnilink::normalize::Region;
use omnilink::resolver::{Event, OpenOptions, Resolver, SyncPolicy};
use omnilink::{synth, Config};

mod common;
use common::{percentiles, probes, rss};

struct Args {
    customers: u32,
    seconds: u64,
    lookups: usize,
    batch: usize,
    sync: SyncPolicy,
    dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        customers: 400_000,
        seconds: 30,
        lookups: 8,
        batch: 1,
        sync: SyncPolicy::EveryOperation,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        let ok = match flag.as_str() {
            "--customers" => value.parse().map(|v| a.customers = v).is_ok(),
            "--seconds" => value.parse().map(|v| a.seconds = v).is_ok(),
            "--lookups" => value.parse().map(|v| a.lookups = v).is_ok(),
            "--batch" => value.parse().map(|v: usize| a.batch = v.max(1)).is_ok(),
            "--dir" => {
                a.dir = Some(PathBuf::from(value));
                true
            }
            "--sync" => match value.as_str() {
                "every" => {
                    a.sync = SyncPolicy::EveryOperation;
                    true
                }
                "grouped" => {
                    a.sync = SyncPolicy::Grouped;
                    true
                }
                "os" => {
                    a.sync = SyncPolicy::Os;
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: load [--customers N] [--seconds S] [--lookups THREADS] [--batch N] \
                 [--sync every|grouped|os] [--dir PATH]"
            );
            std::process::exit(2);
        }
    }
    a
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1e3
}

fn main() {
    let a = args();
    let mut config = Config::default();
    config.context.candidate_regions = Region::MARKETS.to_vec().into();

    let t = Instant::now();
    let data = synth::generate(&synth::Config::new(a.customers, 42)).expect("generate");
    let probes = probes(&data.records, 50_000);
    let n = data.records.len();
    let before = rss();
    let resolver = Resolver::from_batch(data.records, config).expect("batch");
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnilink-load-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let t_persist = Instant::now();
    let resolver = resolver
        .persist(&dir, &OpenOptions::new().sync(a.sync))
        .expect("persist");
    let persist_s = t_persist.elapsed().as_secs_f64();
    let held = rss().saturating_sub(before);
    println!(
        "resident records   {n} ({} customers), ready in {:.1} s (first snapshot {persist_s:.1} s), \
         {:.0} MiB held, state in {}",
        resolver.customer_count(),
        t.elapsed().as_secs_f64(),
        held as f64 / 1048576.0,
        dir.display()
    );

    // New records for the adder: another seed, ids made distinct.
    let fresh =
        synth::generate(&synth::Config::new(a.customers / 4 + 1000, 4242)).expect("generate");
    let mut fresh = fresh.records;
    for r in &mut fresh {
        r.id = format!("new-{}", r.id);
    }

    let stop = AtomicBool::new(false);
    let gone: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let lookups_done = AtomicU64::new(0);
    let found = AtomicU64::new(0);
    let missing = AtomicU64::new(0);
    let moved = AtomicU64::new(0);
    let run = Duration::from_secs(a.seconds);
    let started = Instant::now();
    let (lookup_ns, add_ns, added) = std::thread::scope(|s| {
        let lookers: Vec<_> = (0..a.lookups)
            .map(|t| {
                let (resolver, probes, stop, gone) = (&resolver, &probes, &stop, &gone);
                let (lookups_done, found, missing, moved) =
                    (&lookups_done, &found, &missing, &moved);
                s.spawn(move || {
                    let mut ns: Vec<u32> = Vec::with_capacity(1 << 20);
                    let mut i = t * 7919;
                    while !stop.load(Ordering::Relaxed) {
                        let (kind, raw) = &probes[i % probes.len()];
                        i += 1;
                        let t = Instant::now();
                        let hits = resolver.lookup(*kind, raw);
                        ns.push(t.elapsed().as_nanos().min(u32::MAX as u128) as u32);
                        found.fetch_add(u64::from(!hits.is_empty()), Ordering::Relaxed);
                        for c in &hits {
                            if resolver.customer(c).is_none() {
                                let merged = gone.lock().unwrap().contains(&c.0);
                                if merged {
                                    moved.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    missing.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        lookups_done.fetch_add(1, Ordering::Relaxed);
                    }
                    ns
                })
            })
            .collect();
        let adder = s.spawn(|| {
            let mut ns: Vec<u64> = Vec::new();
            let mut added = 0usize;
            let note = |events: &[Event]| {
                let mut g = gone.lock().unwrap();
                for e in events {
                    match e {
                        Event::Merged { absorbed, .. } => {
                            g.extend(absorbed.iter().map(|c| c.0.clone()))
                        }
                        Event::Deleted { customer } => {
                            g.insert(customer.0.clone());
                        }
                        _ => {}
                    }
                }
            };
            let mut it = fresh.into_iter();
            while started.elapsed() < run {
                let chunk: Vec<_> = it.by_ref().take(a.batch).collect();
                if chunk.is_empty() {
                    break;
                }
                let k = chunk.len();
                let t = Instant::now();
                if a.batch == 1 {
                    let out = resolver
                        .add(chunk.into_iter().next().unwrap())
                        .expect("add");
                    ns.push(t.elapsed().as_nanos() as u64);
                    note(&out.events);
                } else {
                    let outs = resolver.add_batch(chunk).expect("add_batch");
                    ns.push(t.elapsed().as_nanos() as u64);
                    for o in outs {
                        note(&o.events);
                    }
                }
                added += k;
            }
            stop.store(true, Ordering::Relaxed);
            (ns, added)
        });
        let (add_ns, added) = adder.join().unwrap();
        stop.store(true, Ordering::Relaxed);
        let lookup_ns: Vec<u64> = lookers
            .into_iter()
            .flat_map(|l| l.join().unwrap())
            .map(u64::from)
            .collect();
        (lookup_ns, add_ns, added)
    });
    let secs = started.elapsed().as_secs_f64();
    let lookups = lookup_ns.len();
    let calls = add_ns.len();
    let (l50, l99, lmax) = percentiles(lookup_ns);
    let (a50, a99, amax) = percentiles(add_ns);
    println!(
        "load               {secs:.1} s, {} lookup threads, 1 adder ({:?}, {})",
        a.lookups,
        a.sync,
        if a.batch == 1 {
            "add".to_string()
        } else {
            format!("add_batch of {}", a.batch)
        }
    );
    println!(
        "lookups            {lookups} ({:.0}/s), {} found; p50 {:.2} us  p99 {:.2} us  max {:.1} us",
        lookups as f64 / secs,
        found.load(Ordering::Relaxed),
        us(l50),
        us(l99),
        us(lmax)
    );
    println!(
        "lookup answers     {} named a customer that did not exist; {} a customer merged away \
         or deleted meanwhile",
        missing.load(Ordering::Relaxed),
        moved.load(Ordering::Relaxed)
    );
    println!(
        "adds               {added} records in {calls} calls ({:.0} records/s); per call p50 \
         {:.1} us  p99 {:.1} us  max {:.1} us",
        added as f64 / secs,
        us(a50),
        us(a99),
        us(amax)
    );
    let (live_records, live_customers) = (resolver.len(), resolver.customer_count());
    drop(resolver);
    let t = Instant::now();
    let reopened = Resolver::open(&dir, {
        let mut c = Config::default();
        c.context.candidate_regions = Region::MARKETS.to_vec().into();
        c
    })
    .expect("reopen");
    let r = reopened.recovery().expect("opened from a directory");
    println!(
        "reopened           in {:.1} s: {} records ({} from the snapshot, {} operations replayed)",
        t.elapsed().as_secs_f64(),
        reopened.len(),
        r.snapshot_records,
        r.replayed
    );
    assert_eq!(
        (reopened.len(), reopened.customer_count()),
        (live_records, live_customers),
        "reopened as it was"
    );
    assert_eq!(
        missing.load(Ordering::Relaxed),
        0,
        "every lookup named a customer that exists"
    );
    drop(reopened);
    if a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
