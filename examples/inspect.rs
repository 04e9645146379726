use omnilink::synth;
use omnilink::{resolve, Config, RecordId};
fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let which = std::env::args().nth(2).unwrap_or("household".into());
    let data = synth::generate(&synth::Config::new(n, 42)).unwrap();
    let truth = data.entity_labels();
    let res = resolve(&data.records, &Config::default()).unwrap();
    let mut shown = 0;
    for c in &res.customers {
        let ents: std::collections::BTreeSet<u32> =
            c.members.iter().map(|m| truth[m.index()]).collect();
        if ents.len() < 2 {
            continue;
        }
        let tag_ok = c
            .members
            .iter()
            .any(|m| format!("{}", data.truth[m.index()].tags).contains(&which));
        if !tag_ok {
            continue;
        }
        println!(
            "=== customer {} ({} records, {} entities)",
            c.id,
            c.members.len(),
            ents.len()
        );
        for m in &c.members {
            let r = &data.records[m.index()];
            let t = &data.truth[m.index()];
            println!("  e{} [{}] {} | ph {:?} em {:?} card {:?} dev {:?} soc {} | {:?} / {:?} {:?} {:?} | dob {:?} city {:?}",
                t.entity, t.tags, r.source, r.phones, r.emails, r.cards, r.devices, r.socials.len(), r.full_name, r.first_name, r.middle_name, r.last_name, r.birth_date, r.city);
        }
        // explain cross-entity member pairs
        for (i, a) in c.members.iter().enumerate() {
            for b in &c.members[i + 1..] {
                if truth[a.index()] != truth[b.index()] {
                    let x = res.explain(RecordId(a.0), RecordId(b.0)).unwrap();
                    let f: Vec<String> = x
                        .fields
                        .iter()
                        .filter(|f| f.weight != 0.0)
                        .map(|f| format!("{}={:?}:{:.1}", f.field.as_str(), f.level, f.weight))
                        .collect();
                    println!("    {}-{} {:.1} {}", a.0, b.0, x.score, f.join(" "));
                }
            }
        }
        shown += 1;
        if shown >= 4 {
            break;
        }
    }
    println!("model mpr {:.3}", res.model.matches_per_record);
    for f in omnilink::compare::Field::ALL {
        println!(
            "{:<12} m {:?} u {:?}",
            f.as_str(),
            res.model.m[f as usize].map(|x| (x * 1000.0).round() / 1000.0),
            res.model.u[f as usize].map(|x| (x * 1e5).round() / 1e5)
        );
    }
}
