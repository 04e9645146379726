//! Adding records one by one gives the partition of the batch pipeline.
//!
//! The batch clusters each component of its accepted links strongest link first; the resolver
//! keeps every component clustered that way as records arrive (see the `resolver` module
//! docs), so on the same records and model the two partitions agree whatever the arrival
//! order. The bar is pairwise F1 >= 0.999 between the two; the runs below also count
//! how many cases are identical.

use std::collections::HashMap;

use omnilink::eval;
use omnilink::normalize::Region;
use omnilink::resolver::Resolver;
use omnilink::{resolve, synth, Config, Record};

fn config() -> Config {
    let mut c = Config::default();
    c.context.candidate_regions = Region::MARKETS.to_vec().into();
    c
}

/// A permutation of `0..n` from `seed` (xorshift Fisher-Yates); seed 0 keeps the input order.
fn arrival_order(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if seed == 0 {
        return order;
    }
    let mut s = seed;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        order.swap(i, (s % (i as u64 + 1)) as usize);
    }
    order
}

/// The resolver's customers as labels over `records`, in their order.
fn labels_of(r: &Resolver, records: &[Record]) -> Vec<u32> {
    let assigned: HashMap<(String, String), String> =
        r.assignments().into_iter().map(|(k, c)| (k, c.0)).collect();
    eval::Labels::from_strings(
        records
            .iter()
            .map(|rec| assigned[&(rec.source.clone(), rec.id.clone())].as_str()),
    )
    .as_slice()
    .to_vec()
}

/// Pairwise agreement of two partitions: (F1, pairs only in `a`, pairs only in `b`).
fn agreement(a: &[u32], b: &[u32]) -> (f64, u64, u64) {
    let m = eval::pairwise(a, b).unwrap();
    (
        m.f1,
        m.true_pairs - m.true_positive_pairs,
        m.predicted_pairs - m.true_positive_pairs,
    )
}

fn batch_labels(records: &[Record], cfg: &Config) -> (Vec<u32>, omnilink::model::Model) {
    let batch = resolve(records, cfg).unwrap();
    let labels = batch.memberships.iter().map(|m| m.customer).collect();
    (labels, batch.model)
}

fn fixed(cfg: &Config, model: &omnilink::model::Model) -> Config {
    let mut c = cfg.clone();
    c.model = Some(model.clone());
    c.train = false;
    c
}

#[test]
fn one_by_one_matches_batch_in_any_order() {
    let (customers, data_seeds, order_seeds): (u32, &[u64], &[u64]) = if cfg!(debug_assertions) {
        (600, &[11, 12], &[0, 0x9e37_79b9])
    } else {
        (4000, &[11, 12, 13], &[0, 0x9e37_79b9, 77, 2024])
    };
    let cfg = config();
    let (mut cases, mut identical) = (0, 0);
    for &ds in data_seeds {
        let data = synth::generate(&synth::Config::new(customers, ds)).unwrap();
        let (batch, model) = batch_labels(&data.records, &cfg);
        for &os in order_seeds {
            let order = arrival_order(data.records.len(), os);
            let r = Resolver::with_model(fixed(&cfg, &model), model.clone()).unwrap();
            r.add_batch(order.iter().map(|&i| data.records[i].clone()))
                .unwrap();
            let (f1, batch_only, incr_only) = agreement(&batch, &labels_of(&r, &data.records));
            eprintln!(
                "data seed {ds}, {} records, order {os:#x}: F1 {f1:.6}, pairs only in batch \
                 {batch_only}, only incremental {incr_only}",
                data.records.len()
            );
            cases += 1;
            identical += usize::from(batch_only == 0 && incr_only == 0);
            assert!(
                f1 >= 0.999,
                "incremental differs from batch: data seed {ds}, order {os:#x}, F1 {f1}"
            );
        }
    }
    eprintln!("{identical} of {cases} cases identical to the batch partition");
}

#[test]
fn removing_records_matches_batch_on_the_rest() {
    let customers = if cfg!(debug_assertions) { 400 } else { 3000 };
    let cfg = config();
    for ds in [21u64, 22] {
        let data = synth::generate(&synth::Config::new(customers, ds)).unwrap();
        let (_, model) = batch_labels(&data.records, &cfg);
        let r = Resolver::with_model(fixed(&cfg, &model), model.clone()).unwrap();
        let order = arrival_order(data.records.len(), ds);
        r.add_batch(order.iter().map(|&i| data.records[i].clone()))
            .unwrap();
        // Erase about one record in five, in another order.
        let mut kept = Vec::new();
        for (k, &i) in arrival_order(data.records.len(), ds * 7 + 1)
            .iter()
            .enumerate()
        {
            let rec = &data.records[i];
            if k % 5 == 0 {
                r.remove(&rec.source, &rec.id).unwrap();
            } else {
                kept.push(rec.clone());
            }
        }
        assert_eq!(r.len(), kept.len());
        // The batch over the records left, with the same model.
        let batch = resolve(&kept, &fixed(&cfg, &model)).unwrap();
        let batch: Vec<u32> = batch.memberships.iter().map(|m| m.customer).collect();
        let (f1, batch_only, incr_only) = agreement(&batch, &labels_of(&r, &kept));
        eprintln!(
            "data seed {ds}: {} of {} records left, F1 {f1:.6}, pairs only in batch \
             {batch_only}, only incremental {incr_only}",
            kept.len(),
            data.records.len()
        );
        assert!(f1 >= 0.999, "after removals: F1 {f1}");
    }
}

#[test]
fn from_batch_holds_the_batch_partition() {
    let data = synth::generate(&synth::Config::new(500, 3)).unwrap();
    let cfg = config();
    let batch = resolve(&data.records, &cfg).unwrap();
    let labels: Vec<u32> = batch.memberships.iter().map(|m| m.customer).collect();
    let r = Resolver::from_batch(data.records.clone(), cfg).unwrap();
    assert_eq!(r.len(), data.records.len());
    assert_eq!(r.customer_count(), batch.customers.len());
    let (f1, ..) = agreement(&labels, &labels_of(&r, &data.records));
    assert_eq!(f1, 1.0);
}
