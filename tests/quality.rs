//! Match quality end to end on generated data with ground truth: the thresholds a release
//! must keep (the full-size figures are in BENCHMARKS.md).

use omnilink::eval::{evidence_ceiling, group_merge_rate, Report};
use omnilink::normalize::Region;
use omnilink::synth::{generate, Config as SynthConfig, Dataset};
use omnilink::{resolve, Config};

fn config() -> Config {
    let mut c = Config::default();
    c.context.candidate_regions = Region::MARKETS.to_vec().into();
    c
}

fn data() -> Dataset {
    let customers = if cfg!(debug_assertions) { 1_500 } else { 8_000 };
    generate(&SynthConfig::new(customers, 11)).unwrap()
}

struct Figures {
    precision: f64,
    recall_of_ceiling: f64,
    households: f64,
    namesakes: f64,
    largest: (u64, u64),
}

fn measure(data: &Dataset, config: &Config) -> Figures {
    let truth = data.entity_labels();
    let res = resolve(&data.records, config).unwrap();
    let pred: Vec<u32> = res.memberships.iter().map(|m| m.customer).collect();
    let report = Report::new(&truth, &pred).unwrap();
    let ceiling = evidence_ceiling(&data.records, &truth, config).unwrap();
    let hh = group_merge_rate(&data.household_labels(), &truth, &pred).unwrap();
    let ns = group_merge_rate(&data.namesake_labels(), &truth, &pred).unwrap();
    Figures {
        precision: report.pairwise.precision,
        recall_of_ceiling: report.pairwise.recall / ceiling.recall,
        households: hh.rate,
        namesakes: ns.rate,
        largest: (
            report.clusters.largest_true as u64,
            report.clusters.largest_predicted as u64,
        ),
    }
}

#[test]
fn default_operating_point() {
    let f = measure(&data(), &config());
    assert!(f.precision >= 0.99, "precision {}", f.precision);
    assert!(
        f.recall_of_ceiling >= 0.95,
        "recall / ceiling {}",
        f.recall_of_ceiling
    );
    assert!(f.namesakes <= 0.02, "namesakes merged {}", f.namesakes);
    // Households: what stays merged are records with no name whose one identifier is the
    // family's (see BENCHMARKS.md); strict mode below removes most of it.
    assert!(f.households <= 0.04, "households merged {}", f.households);
    assert!(f.largest.1 <= f.largest.0 + 1, "largest {:?}", f.largest);
}

#[test]
fn strict_households_keep_families_apart() {
    let data = data();
    let loose = measure(&data, &config());
    let mut strict = config();
    strict.strict_households = true;
    strict.match_probability = 0.97;
    let f = measure(&data, &strict);
    assert!(f.households <= 0.01, "households merged {}", f.households);
    assert!(f.households < loose.households);
    assert!(f.precision >= loose.precision);
}
