//! No identifier value leaks into `Debug` output, statistics, hub reports or errors.

use omnilink::io::{read_csv_bytes, ReadOptions};
use omnilink::normalize::{normalize_record, Context, Region};
use omnilink::{resolve, synth, Config};

/// Identifier values of the data set, as written and normalised, long enough to be telling.
fn secrets(data: &synth::Dataset) -> Vec<String> {
    let ctx = Context::new().candidate_regions(Region::MARKETS.to_vec());
    let mut out = Vec::new();
    for r in data.records.iter().take(300) {
        out.extend(r.phones.iter().cloned());
        out.extend(r.emails.iter().cloned());
        out.extend(r.cards.iter().cloned());
        out.extend(r.devices.iter().cloned());
        let n = normalize_record(r, &ctx);
        out.extend(n.phones.iter().map(|p| p.e164()));
        out.extend(n.emails.iter().map(|e| e.as_str().to_string()));
        out.extend(n.cards.iter().map(|c| c.as_str().to_string()));
    }
    out.retain(|s| s.trim().len() >= 7);
    out
}

#[test]
fn debug_and_reports_carry_no_values() {
    let data = synth::generate(&synth::Config::new(300, 5)).unwrap();
    let mut cfg = Config::default();
    cfg.context.candidate_regions = Region::MARKETS.to_vec().into();
    let res = resolve(&data.records, &cfg).unwrap();
    let ctx = cfg.context.clone();
    let mut text = format!("{res:?}\n{:?}\n{:?}\n", res.stats, res.hubs);
    for r in data.records.iter().take(300) {
        text.push_str(&format!("{r:?}\n{:?}\n", normalize_record(r, &ctx)));
    }
    for c in res.customers.iter().take(100) {
        text.push_str(&format!("{:?}\n", c.golden));
    }
    text.push_str(&serde_json::to_string(&res.stats).unwrap());
    let leaks: Vec<String> = secrets(&data)
        .into_iter()
        .filter(|s| text.contains(s.as_str()))
        .collect();
    assert!(
        leaks.is_empty(),
        "{} values leaked, e.g. one of length {}",
        leaks.len(),
        leaks[0].len()
    );
}

#[test]
fn input_errors_name_positions_not_values() {
    let bad = "id,colour\n1,+79123456789\n";
    let e = read_csv_bytes(bad.as_bytes(), &ReadOptions::new("t"))
        .unwrap_err()
        .to_string();
    assert!(!e.contains("9123456789"), "{e}");
    let ragged = "id,phone\n1,+79123456789,extra@mail.ru\n2,+79031234567\n";
    let out = read_csv_bytes(ragged.as_bytes(), &ReadOptions::new("t")).unwrap();
    let report = format!(
        "{:?} {}",
        out.skipped,
        serde_json::to_string(&out.skipped).unwrap()
    );
    assert!(
        !report.contains("extra@mail.ru") && !report.contains("9123456789"),
        "{report}"
    );
    assert_eq!(out.skipped[0].line, 2);
}
