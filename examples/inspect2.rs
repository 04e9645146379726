use omnilink::synth;
use omnilink::{resolve, Config, RecordId};
use std::collections::BTreeMap;
fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let data = synth::generate(&synth::Config::new(n, 42)).unwrap();
    let truth = data.entity_labels();
    let res = resolve(&data.records, &Config::default()).unwrap();
    // group by entity, household
    let mut by_ent: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (i, &e) in truth.iter().enumerate() {
        by_ent.entry(e).or_default().push(i as u32);
    }
    let mut hist_true: BTreeMap<i32, (u64, u64)> = BTreeMap::new();
    let mut pat: BTreeMap<String, u64> = BTreeMap::new();
    for rs in by_ent.values() {
        for (i, &a) in rs.iter().enumerate() {
            for &b in &rs[i + 1..] {
                let x = res.explain(RecordId(a), RecordId(b)).unwrap();
                let linked =
                    res.memberships[a as usize].customer == res.memberships[b as usize].customer;
                let bin = if x.contradiction {
                    -99
                } else {
                    (x.score.floor() as i32).clamp(-30, 30)
                };
                let e = hist_true.entry(bin).or_default();
                if linked {
                    e.0 += 1
                } else {
                    e.1 += 1
                }
                if !linked && !x.contradiction && x.score > -10.0 {
                    let p: Vec<String> = x
                        .fields
                        .iter()
                        .filter(|f| f.level != omnilink::compare::Level::Missing)
                        .map(|f| format!("{}:{:?}", f.field.as_str(), f.level))
                        .collect();
                    let key = p.join(",");
                    let c = pat.entry(key.clone()).or_default();
                    *c += 1;
                    if *c <= 2 && key == "phone:Exact" {
                        let w: Vec<String> = x
                            .fields
                            .iter()
                            .filter(|f| f.weight != 0.0)
                            .map(|f| {
                                format!(
                                    "{}={:?}:{:.2} f{:?}",
                                    f.field.as_str(),
                                    f.level,
                                    f.weight,
                                    f.frequency
                                )
                            })
                            .collect();
                        println!("EX {:.2} prior {:.2} {}", x.score, x.prior, w.join(" "));
                    }
                }
            }
        }
    }
    println!("true pairs by score bin: (linked, not linked)");
    for (k, v) in &hist_true {
        println!("  {k:>4} {:>7} {:>7}", v.0, v.1);
    }
    let mut pv: Vec<_> = pat.into_iter().collect();
    pv.sort_by(|a, b| b.1.cmp(&a.1));
    for (p, c) in pv.iter().take(25) {
        println!("{c:>6} {p}");
    }
    println!(
        "records {} sve {}",
        res.model.records, res.model.shared_value_error
    );
    println!(
        "mpr {:.3} prior {:.2} thr {:.2}",
        res.model.matches_per_record,
        res.model.prior_weight(),
        res.threshold()
    );
    for f in omnilink::compare::Field::ALL {
        println!(
            "{:<12} m {:?} u {:?}",
            f.as_str(),
            res.model.m[f as usize].map(|x| (x * 1000.0).round() / 1000.0),
            res.model.u[f as usize].map(|x| (x * 1e5).round() / 1e5)
        );
    }
    for f in omnilink::compare::Field::ALL {
        println!(
            "{:<12} w {:?}",
            f.as_str(),
            [
                omnilink::compare::Level::Different,
                omnilink::compare::Level::Close,
                omnilink::compare::Level::Exact
            ]
            .map(|l| (res.model.weight(f, l) * 10.0).round() / 10.0)
        );
    }
}
