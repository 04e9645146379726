//! Invariants of the batch pipeline: every record lands in exactly one customer, and the
//! partition and the customer IDs depend neither on input order nor on the thread count.

use std::collections::{BTreeMap, BTreeSet};

use omnilink::{resolve, Config, Record};
use proptest::prelude::*;

const PHONES: [&str; 6] = [
    "+7 912 345-67-89",
    "8 (903) 111-22-33",
    "+7 701 555 12 34",
    "0912 345 6789",
    "+44 7700 900123",
    "+91 98765 43210",
];
const EMAILS: [&str; 5] = [
    "anna.petrova@gmail.com",
    "AnnaPetrova+shop@gmail.com",
    "ivanov@mail.ru",
    "r.sharma@yahoo.com",
    "ali.rezaei@gmail.com",
];
const FIRST: [&str; 6] = ["Анна", "Anna", "Иван", "Ivan", "Rahul", "Ali"];
const LAST: [&str; 4] = ["Петрова", "Ivanov", "Sharma", "Rezaei"];
const DOBS: [&str; 4] = ["01.02.1990", "1990-02-01", "15.07.1985", "03/04/1979"];

fn record(i: usize, pick: &[usize; 5]) -> Record {
    let mut r = Record::new(format!("r{i}"), ["web", "store", "app"][i % 3]);
    if pick[0] < PHONES.len() {
        r = r.phone(PHONES[pick[0]]);
    }
    if pick[1] < EMAILS.len() {
        r = r.email(EMAILS[pick[1]]);
    }
    if pick[2] < FIRST.len() {
        r = r.first_name(FIRST[pick[2]]);
    }
    if pick[3] < LAST.len() {
        r = r.last_name(LAST[pick[3]]);
    }
    if pick[4] < DOBS.len() {
        r = r.birth_date(DOBS[pick[4]]);
    }
    r.country("RU")
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec(
        (0usize..8, 0usize..7, 0usize..8, 0usize..6, 0usize..6)
            .prop_map(|(a, b, c, d, e)| [a, b, c, d, e]),
        1..40,
    )
    .prop_map(|picks| {
        picks
            .iter()
            .enumerate()
            .map(|(i, p)| record(i, p))
            .collect()
    })
}

/// Record id -> customer id.
fn assignment(records: &[Record], config: &Config, threads: usize) -> BTreeMap<String, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let res = pool.install(|| resolve(records, config)).unwrap();
    // Every record in exactly one customer.
    assert_eq!(res.memberships.len(), records.len());
    let mut seen = BTreeSet::new();
    for c in &res.customers {
        for m in &c.members {
            assert!(seen.insert(m.index()), "record in two customers");
        }
    }
    assert_eq!(seen.len(), records.len());
    records
        .iter()
        .zip(&res.memberships)
        .map(|(r, m)| {
            (
                r.id.clone(),
                res.customers[m.customer as usize].id.0.clone(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn partition_is_order_and_thread_independent(recs in records(), seed in any::<u64>()) {
        let config = Config::default();
        let base = assignment(&recs, &config, 1);
        let mut shuffled = recs.clone();
        // A seeded Fisher-Yates shuffle.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(&base, &assignment(&shuffled, &config, 2));
        prop_assert_eq!(&base, &assignment(&recs, &config, 8));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// `score(a, b) == score(b, a)` on realistic records, pair by pair.
    #[test]
    fn scores_are_symmetric(seed in any::<u64>()) {
        let data = omnilink::synth::generate(&omnilink::synth::Config::new(60, seed)).unwrap();
        let res = resolve(&data.records, &Config::default()).unwrap();
        let n = data.records.len() as u32;
        for a in 0..n {
            for b in (a + 1)..n.min(a + 8) {
                let x = res.explain(omnilink::RecordId(a), omnilink::RecordId(b)).unwrap();
                let y = res.explain(omnilink::RecordId(b), omnilink::RecordId(a)).unwrap();
                prop_assert_eq!(x.score.to_bits(), y.score.to_bits());
                prop_assert_eq!(x.contradiction, y.contradiction);
            }
        }
    }
}
