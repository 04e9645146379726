//! Adding records one by one gives (nearly) the partition of the batch pipeline.
//!
//! The batch joins the strongest links first over all pairs at once; the resolver joins links
//! as records arrive, so where the contradiction guard decides between two links, arrival order
//! can matter, and a value is known to be shared by two people only once the second one's
//! record has arrived. The difference is measured as pairwise F1 between the two partitions.
//! The target is 0.999; this test guards the level reached so far (0.98 on this data) against
//! regressions.

use omnilink::eval;
use omnilink::normalize::Region;
use omnilink::resolver::Resolver;
use omnilink::{resolve, synth, Config};

fn config() -> Config {
    let mut c = Config::default();
    c.context.candidate_regions = Region::MARKETS.to_vec().into();
    c
}

/// Pairwise F1 of `b` against `a` (symmetric in effect for identical partitions).
fn agreement(a: &[u32], b: &[u32]) -> f64 {
    eval::pairwise(a, b).unwrap().f1
}

#[test]
fn one_by_one_matches_batch_in_any_order() {
    let customers = if cfg!(debug_assertions) { 600 } else { 4000 };
    let data = synth::generate(&synth::Config::new(customers, 11)).unwrap();
    let cfg = config();
    let batch = resolve(&data.records, &cfg).unwrap();
    let batch_labels: Vec<u32> = batch.memberships.iter().map(|m| m.customer).collect();

    let mut cfg_fixed = cfg.clone();
    cfg_fixed.model = Some(batch.model.clone());
    cfg_fixed.train = false;

    for (round, seed) in [(0, 0u64), (1, 0x9e37_79b9)].iter().copied() {
        let mut order: Vec<usize> = (0..data.records.len()).collect();
        if round > 0 {
            let mut s = seed;
            for i in (1..order.len()).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                order.swap(i, (s % (i as u64 + 1)) as usize);
            }
        }
        let r = Resolver::with_model(cfg_fixed.clone(), batch.model.clone());
        r.add_batch(order.iter().map(|&i| data.records[i].clone()))
            .unwrap();
        // Customer ids -> labels in input order.
        let assigned: std::collections::HashMap<(String, String), String> =
            r.assignments().into_iter().map(|(k, c)| (k, c.0)).collect();
        let labels = eval::Labels::from_strings(
            data.records
                .iter()
                .map(|rec| assigned[&(rec.source.clone(), rec.id.clone())].as_str()),
        );
        let f1 = agreement(&batch_labels, labels.as_slice());
        eprintln!(
            "round {round}: {} records, pairwise F1 incremental vs batch {f1:.5}",
            data.records.len()
        );
        assert!(f1 >= 0.975, "incremental differs from batch: F1 {f1}");
    }
}

#[test]
fn from_batch_holds_the_batch_partition() {
    let data = synth::generate(&synth::Config::new(500, 3)).unwrap();
    let cfg = config();
    let batch = resolve(&data.records, &cfg).unwrap();
    let r = Resolver::from_batch(data.records.clone(), cfg).unwrap();
    assert_eq!(r.len(), data.records.len());
    assert_eq!(r.customer_count(), batch.customers.len());
}
