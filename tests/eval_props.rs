//! Property tests: the contingency-count metrics of `omnilink::eval` equal brute-force
//! enumeration of pairs and per-record B-cubed on small random inputs.

use omnilink::eval::{
    bcubed, blocking_quality, group_merge_rate, pairwise, subset_recall, Contingency,
};
use proptest::prelude::*;

/// Up to 40 records with labels from a small alphabet (so that clusters form), the same
/// length for truth, prediction, group and subset mask.
fn inputs() -> impl Strategy<Value = (Vec<u32>, Vec<u32>, Vec<Option<u32>>, Vec<bool>)> {
    (0usize..=40).prop_flat_map(|n| {
        (
            prop::collection::vec(0u32..8, n),
            prop::collection::vec(prop_oneof![0u32..6, Just(u32::MAX)], n),
            prop::collection::vec(prop::option::of(0u32..4), n),
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

fn brute_pairs(truth: &[u32], pred: &[u32]) -> (u64, u64, u64) {
    let (mut t, mut p, mut tp) = (0, 0, 0);
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            let same_t = truth[i] == truth[j];
            let same_p = pred[i] == pred[j];
            t += same_t as u64;
            p += same_p as u64;
            tp += (same_t && same_p) as u64;
        }
    }
    (t, p, tp)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pairwise_equals_brute_force((truth, pred, _, _) in inputs()) {
        let m = pairwise(&truth, &pred).unwrap();
        let (t, p, tp) = brute_pairs(&truth, &pred);
        prop_assert_eq!((m.true_pairs, m.predicted_pairs, m.true_positive_pairs), (t, p, tp));
        let precision = if p == 0 { 1.0 } else { tp as f64 / p as f64 };
        let recall = if t == 0 { 1.0 } else { tp as f64 / t as f64 };
        prop_assert!((m.precision - precision).abs() < 1e-12);
        prop_assert!((m.recall - recall).abs() < 1e-12);
    }

    #[test]
    fn bcubed_equals_per_record_computation((truth, pred, _, _) in inputs()) {
        let b = bcubed(&truth, &pred).unwrap();
        let n = truth.len();
        if n == 0 {
            prop_assert_eq!((b.precision, b.recall), (1.0, 1.0));
        } else {
            let (mut ps, mut rs) = (0.0, 0.0);
            for i in 0..n {
                let both = (0..n).filter(|&j| truth[j] == truth[i] && pred[j] == pred[i]).count();
                let cluster = (0..n).filter(|&j| pred[j] == pred[i]).count();
                let entity = (0..n).filter(|&j| truth[j] == truth[i]).count();
                ps += both as f64 / cluster as f64;
                rs += both as f64 / entity as f64;
            }
            prop_assert!((b.precision - ps / n as f64).abs() < 1e-9);
            prop_assert!((b.recall - rs / n as f64).abs() < 1e-9);
        }
    }

    #[test]
    fn cluster_stats_equal_brute_force((truth, pred, _, _) in inputs()) {
        use std::collections::{BTreeMap, BTreeSet};
        let s = Contingency::new(&truth, &pred).unwrap().clusters();
        let mut by_t: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        let mut by_p: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for (&t, &p) in truth.iter().zip(&pred) {
            by_t.entry(t).or_default().insert(p);
            by_p.entry(p).or_default().insert(t);
        }
        prop_assert_eq!(s.true_entities, by_t.len() as u64);
        prop_assert_eq!(s.predicted_clusters, by_p.len() as u64);
        prop_assert_eq!(s.split_entities, by_t.values().filter(|v| v.len() > 1).count() as u64);
        prop_assert_eq!(s.mixed_clusters, by_p.values().filter(|v| v.len() > 1).count() as u64);
        let largest = |l: &[u32]| l.iter().map(|x| l.iter().filter(|y| *y == x).count()).max().unwrap_or(0) as u64;
        prop_assert_eq!(s.largest_true, largest(&truth));
        prop_assert_eq!(s.largest_predicted, largest(&pred));
    }

    #[test]
    fn group_merge_equals_brute_force((truth, pred, group, _) in inputs()) {
        let m = group_merge_rate(&group, &truth, &pred).unwrap();
        let (mut cross, mut merged) = (0u64, 0u64);
        for i in 0..truth.len() {
            for j in i + 1..truth.len() {
                if group[i].is_some() && group[i] == group[j] && truth[i] != truth[j] {
                    cross += 1;
                    merged += (pred[i] == pred[j]) as u64;
                }
            }
        }
        prop_assert_eq!((m.cross_entity_pairs, m.merged_pairs), (cross, merged));
    }

    #[test]
    fn subset_recall_equals_brute_force((truth, pred, _, include) in inputs()) {
        let r = subset_recall(&include, &truth, &pred).unwrap();
        let (mut t, mut found) = (0u64, 0u64);
        for i in 0..truth.len() {
            for j in i + 1..truth.len() {
                if include[i] && include[j] && truth[i] == truth[j] {
                    t += 1;
                    found += (pred[i] == pred[j]) as u64;
                }
            }
        }
        prop_assert_eq!((r.true_pairs, r.found_pairs), (t, found));
    }

    #[test]
    fn blocking_with_every_pair_is_complete((truth, _, _, _) in inputs()) {
        let n = truth.len() as u32;
        let all = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
        let q = blocking_quality(&truth, all);
        prop_assert_eq!(q.pair_completeness, 1.0);
        prop_assert_eq!(q.true_pairs_found, q.true_pairs);
        prop_assert!(q.reduction_ratio.abs() < 1e-12 || n < 2);
    }
}

/// Ten million records, a realistic shape (entities of 1-4 records, a clustering that splits
/// and merges some). Run in release: `cargo test --release --test eval_props -- --ignored`.
#[test]
#[ignore = "timing; run in release"]
fn ten_million_records() {
    let n = 10_000_000u32;
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    // Sparse entity labels (up to 1.3e9): the hashing path of relabelling.
    let truth: Vec<u32> = (0..n).map(|i| i / 3 * 401).collect();
    let pred: Vec<u32> = truth
        .iter()
        .map(|&t| {
            if next() % 20 == 0 {
                (next() % n as u64) as u32
            } else {
                t
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let report = omnilink::eval::Report::new(&truth, &pred).unwrap();
    let took = started.elapsed();
    eprintln!("{report}\n10M records evaluated in {took:?}");
    assert_eq!(report.clusters.records, n as u64);
}
