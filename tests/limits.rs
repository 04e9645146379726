//! Resource limits: field length, values per field, block size and total candidate pairs are
//! capped by the config, and what the caps drop is reported.

use std::collections::BTreeMap;

use omnilink::normalize::{normalize_record, Context, FieldKind, Reject};
use omnilink::{resolve, synth, Config, Record};

fn rejected(res: &omnilink::Resolution, what: &str) -> u64 {
    res.stats.rejected.get(what).copied().unwrap_or(0)
}

#[test]
fn an_over_long_field_is_rejected_whole() {
    // 80 KB of phone numbers in one cell: over the default 64 KiB field cap.
    let cell = vec!["+7 912 345 67 89"; 5000].join(", ");
    assert!(cell.len() > 64 * 1024);
    let r = Record::new("1", "crm")
        .phone(cell.clone())
        .email("anna@mail.ru");
    let n = normalize_record(&r, &Context::new());
    assert!(n.phones.is_empty());
    assert_eq!(n.rejects, [(FieldKind::Phone, Reject::TooLong)]);
    assert_eq!(n.emails.len(), 1);

    // The cap is configurable.
    let mut ctx = Context::new();
    ctx.limits.max_field_bytes = 16;
    let r = Record::new("1", "crm")
        .phone("+7 912 345 67 89")
        .email("anna.petrova@mail.ru");
    let n = normalize_record(&r, &ctx);
    assert_eq!(n.phones.len(), 1, "16 bytes fit");
    assert_eq!(n.rejects, [(FieldKind::Email, Reject::TooLong)]);

    // And reported in the run's figures.
    let res = resolve(&[Record::new("1", "crm").phone(cell)], &Config::default()).unwrap();
    assert_eq!(rejected(&res, "phone/too_long"), 1);
    assert_eq!(res.memberships.len(), 1);
}

#[test]
fn values_past_the_cap_are_reported_once() {
    let phones: Vec<String> = (0..40)
        .map(|i| format!("+7 912 345 {:04}", 1000 + i))
        .collect();
    let r = Record::new("1", "crm").phone(phones.join("; "));
    let n = normalize_record(&r, &Context::new());
    assert_eq!(n.phones.len(), 32, "default cap");
    assert_eq!(n.rejects, [(FieldKind::Phone, Reject::TooMany)]);

    // Counted across the cells of one field, and set from a config file.
    let cfg: Config = toml::from_str("[context.limits]\nmax_values_per_field = 3\n").unwrap();
    assert_eq!(cfg.context.limits.max_values_per_field, 3);
    let mut r = Record::new("1", "crm");
    r.emails = vec![
        "a1@x.ru, a2@x.ru".into(),
        "a3@x.ru".into(),
        "a4@x.ru, a5@x.ru".into(),
    ];
    r = r
        .social(
            Some(omnilink::normalize::Network::Instagram),
            "@one_one; @two_two",
        )
        .social(Some(omnilink::normalize::Network::Vk), "three_3, four_4");
    let n = normalize_record(&r, &cfg.context);
    assert_eq!(n.emails.len(), 3);
    assert_eq!(n.socials.len(), 3);
    let res = resolve(&[r], &cfg).unwrap();
    assert_eq!(rejected(&res, "email/too_many"), 1);
    assert_eq!(rejected(&res, "social/too_many"), 1);
}

#[test]
fn an_oversized_block_is_a_hub_and_emits_no_pairs() {
    // 20 records share a placeholder-like store phone; nothing else links them.
    let records: Vec<Record> = (0..20)
        .map(|i| {
            Record::new(format!("r{i}"), "store")
                .phone("+7 495 123 45 67")
                .email(format!("shopper{i}@mail.ru"))
        })
        .collect();
    let mut cfg = Config::for_region("RU");
    let res = resolve(&records, &cfg).unwrap();
    assert_eq!(res.hubs.len(), 1);
    assert_eq!(res.hubs[0].size, 20);
    assert_eq!(res.stats.candidate_pairs, 0);
    cfg.blocking.max_identifier_block = 25;
    let res = resolve(&records, &cfg).unwrap();
    assert!(res.hubs.is_empty());
    assert_eq!(res.stats.candidate_pairs, 190);
}

/// Customer of each record, by record id.
fn partition(records: &[Record], res: &omnilink::Resolution) -> BTreeMap<String, String> {
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

#[test]
fn the_pair_cap_skips_whole_rules_deterministically() {
    let data = synth::generate(&synth::Config::new(400, 11)).unwrap();
    let cfg = Config::default();
    let full = resolve(&data.records, &cfg).unwrap();
    assert!(full.stats.rules.iter().all(|r| !r.skipped));
    let emitted: u64 = full.stats.rules.iter().map(|r| r.pairs).sum();
    assert!(emitted > 100, "the data should give pairs: {emitted}");

    // A cap one below what the rules emit: at least one rule is skipped, the rest fit.
    let mut capped = cfg.clone();
    capped.blocking.max_candidate_pairs = emitted - 1;
    let res = resolve(&data.records, &capped).unwrap();
    let skipped: Vec<_> = res.stats.rules.iter().filter(|r| r.skipped).collect();
    assert!(!skipped.is_empty());
    let kept: u64 = res
        .stats
        .rules
        .iter()
        .filter(|r| !r.skipped)
        .map(|r| r.pairs)
        .sum();
    assert!(kept < emitted);
    assert!(res.stats.candidate_pairs <= kept);
    assert_eq!(res.memberships.len(), data.records.len());

    // The same data in another order and on one thread: the same rules skipped, the same
    // partition.
    let mut reversed = data.records.clone();
    reversed.reverse();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let again = pool.install(|| resolve(&reversed, &capped)).unwrap();
    let flags = |r: &omnilink::Resolution| -> Vec<bool> {
        r.stats.rules.iter().map(|r| r.skipped).collect()
    };
    assert_eq!(flags(&res), flags(&again));
    assert_eq!(partition(&data.records, &res), partition(&reversed, &again));

    // A cap of zero: no pairs at all, every record its own customer.
    capped.blocking.max_candidate_pairs = 0;
    let none = resolve(&data.records, &capped).unwrap();
    assert_eq!(none.stats.candidate_pairs, 0);
    assert_eq!(none.customers.len(), data.records.len());
    assert!(none.stats.rules.iter().all(|r| r.skipped || r.pairs == 0));
}

#[test]
fn a_sample_that_cannot_fit_in_memory_is_a_config_error() {
    let mut cfg = Config::default();
    cfg.u_sample_pairs = usize::MAX;
    let e = resolve(&[Record::new("1", "a")], &cfg).unwrap_err();
    assert!(e.to_string().contains("u_sample_pairs"), "{e}");
}
