//! End-to-end benchmark on synthetic omnichannel data with ground truth.
//!
//! ```text
//! cargo run --release --example benchmark -- --customers 100000 [--seed 42] [--threads 2] [--json out.json]
//! ```
//!
//! Generates the data in memory, resolves it, and prints per-stage time (wall and CPU),
//! candidate pairs (per blocking rule too), peak memory (from the OS; also the memory as each
//! stage starts), and quality: pairwise and B-cubed precision/recall/F1 against the truth, the
//! data's evidence ceiling, and the hard cases (households, namesakes, people who changed
//! phone number). Runs with the mimalloc allocator (see `ALLOCATOR` below).

use std::time::Instant;

use omnilink::eval::{self, Contingency};
use omnilink::synth::{self, Tag};
use omnilink::{resolve_with_progress, Config};
use serde_json::json;

// The figures are taken with mimalloc, as a program embedding the library would pick its
// allocator; the library itself does not choose one. mimalloc keeps freed memory for a while
// before giving it back: the generator's freed working memory would then count as input and
// be reused by the pipeline, which would hide most of the pipeline's memory. The benchmark
// runs itself again with `MIMALLOC_PURGE_DELAY=0` (free memory given back at once) unless the
// variable is set.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The variable that sets how long mimalloc keeps freed memory (milliseconds).
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// Resident and peak resident memory of this process in bytes (Linux), from /proc.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time of this process (all threads, user and system) in seconds (Linux), from /proc:
/// on a loaded machine it moves less than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let field = |i: usize| {
        rest.split_whitespace()
            .nth(i - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, in clock ticks of 1/100 s.
    (field(14) + field(15)) / 100.0
}

/// Resets the peak-memory mark so the pipeline's own peak can be read (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    if std::env::var_os(PURGE_DELAY).is_none() {
        let status = std::env::current_exe().and_then(|exe| {
            std::process::Command::new(exe)
                .args(std::env::args_os().skip(1))
                .env(PURGE_DELAY, "0")
                .status()
        });
        match status {
            Ok(s) => std::process::exit(s.code().unwrap_or(1)),
            Err(e) => {
                eprintln!("benchmark: cannot run itself again with {PURGE_DELAY}=0: {e}");
                std::process::exit(1);
            }
        }
    }
    let mut customers = 100_000u32;
    let mut seed = 42u64;
    let mut threads = 0usize;
    let mut json_out = None;
    let mut digest = false;
    let mut quality = true;
    // The generator's markets, as a multi-country export would be configured.
    let mut config = Config::default();
    config.context.candidate_regions = omnilink::normalize::Region::MARKETS.to_vec().into();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        match (a.as_str(), v) {
            ("--customers", Some(v)) => customers = v.parse().expect("--customers N"),
            ("--seed", Some(v)) => seed = v.parse().expect("--seed S"),
            ("--threads", Some(v)) => threads = v.parse().expect("--threads N"),
            ("--json", Some(v)) => json_out = Some(v),
            ("--digest", Some(v)) => digest = v == "1" || v == "true",
            ("--quality", Some(v)) => quality = !(v == "0" || v == "false"),
            ("--match-probability", Some(v)) => {
                config.match_probability = v.parse().expect("--match-probability P")
            }
            ("--strict-households", Some(v)) => {
                config.strict_households = v.parse().expect("--strict-households true|false")
            }
            ("--config", Some(v)) => {
                config = toml::from_str(&std::fs::read_to_string(v).expect("read config"))
                    .expect("config")
            }
            _ => {
                eprintln!("usage: benchmark [--customers N] [--seed S] [--threads N] [--json FILE] [--digest 1] [--quality 0] [--match-probability P] [--strict-households true|false] [--config FILE.toml]");
                std::process::exit(2);
            }
        }
    }
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .expect("thread pool");
    }

    let t = Instant::now();
    let data = synth::generate(&synth::Config::new(customers, seed)).expect("generate");
    let gen_s = t.elapsed().as_secs_f64();
    let records = &data.records;
    let truth = data.entity_labels();
    let (rss_before, _) = memory();
    reset_peak();

    let t = Instant::now();
    // Resident memory as each stage starts, and the peak reached before it.
    let marks = std::sync::Mutex::new(Vec::new());
    let res = resolve_with_progress(records, &config, &|stage| {
        let (rss, peak) = memory();
        if let Ok(mut m) = marks.lock() {
            m.push((stage.to_string(), rss, peak, cpu_seconds()));
        }
    })
    .expect("resolve");
    let total_s = t.elapsed().as_secs_f64();
    let cpu_end = cpu_seconds();
    let (rss_end, peak) = memory();
    let marks = marks.into_inner().unwrap_or_default();
    // CPU seconds per stage: from its mark to the next one's.
    let stage_cpu: std::collections::BTreeMap<String, f64> = marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let next = marks.get(i + 1).map_or(cpu_end, |x| x.3);
            (m.0.clone(), next - m.3)
        })
        .collect();

    let st = &res.stats;
    let n = records.len();
    println!(
        "omnilink benchmark: {customers} customers, {n} records, seed {seed}, {} threads",
        rayon::current_num_threads()
    );
    println!("  generate            {gen_s:>8.2} s (not counted)");
    for stage in omnilink::resolve::STAGES {
        println!(
            "  {stage:<18}  {:>8.3} s   cpu {:>7.2} s",
            st.stage_ms.get(stage).copied().unwrap_or(0.0) / 1e3,
            stage_cpu.get(stage).copied().unwrap_or(0.0)
        );
    }
    let cpu_total = marks.first().map_or(0.0, |m| cpu_end - m.3);
    println!(
        "  total               {total_s:>8.3} s   cpu {cpu_total:>7.2} s   ({:.0} records/s)",
        n as f64 / total_s
    );
    println!(
        "  candidate pairs     {:>10}   (reduction ratio {:.6})",
        st.candidate_pairs, st.reduction_ratio
    );
    println!(
        "  linked pairs        {:>10}   contradicting {}   guarded {}",
        st.accepted_pairs, st.contradicting_pairs, st.guarded_edges
    );
    println!("  hubs                {:>10}", res.hubs.len());
    for r in &st.rules {
        println!(
            "    {:<22} keys {:>10}  blocks {:>9}  pairs {:>10}  hubs {:>7}  split {:>7}{}",
            r.rule.map_or("", |r| r.as_str()),
            r.keys,
            r.blocks,
            r.pairs,
            r.hubs,
            r.split,
            if r.skipped { "  (skipped)" } else { "" }
        );
    }
    println!(
        "  peak memory         {:>10.1} MiB  ({:.0} bytes/record in all, {:.0} bytes/record above the {:.1} MiB of input)",
        peak as f64 / 1048576.0,
        peak as f64 / n as f64,
        (peak.saturating_sub(rss_before)) as f64 / n as f64,
        rss_before as f64 / 1048576.0
    );
    let mib = |b: u64| b.saturating_sub(rss_before) as f64 / 1048576.0;
    let mut line = String::from("  memory above input (MiB) at start of");
    for (stage, rss, peak_so_far, _) in &marks {
        line.push_str(&format!(
            " {stage} {:.0} (peak {:.0});",
            mib(*rss),
            mib(*peak_so_far)
        ));
    }
    println!("{line} end {:.0}", mib(rss_end));
    let mut quality_json = serde_json::Value::Null;
    if quality {
        let pred: Vec<u32> = res.memberships.iter().map(|m| m.customer).collect();
        let report = Contingency::new(&truth, &pred).expect("labels").report();
        let ceiling = eval::evidence_ceiling(records, &truth, &config).expect("ceiling");
        let household =
            eval::group_merge_rate(&data.household_labels(), &truth, &pred).expect("households");
        let namesake =
            eval::group_merge_rate(&data.namesake_labels(), &truth, &pred).expect("namesakes");
        // Households again, among records that say who they are (a name or a birth date): a
        // record with neither and only the family's phone or card cannot be told apart.
        let household_named = {
            let named = |r: &omnilink::Record| {
                r.first_name.is_some()
                    || r.last_name.is_some()
                    || r.full_name.is_some()
                    || r.birth_date.is_some()
            };
            let idx: Vec<usize> = (0..records.len()).filter(|&i| named(&records[i])).collect();
            let labels = data.household_labels();
            let g: Vec<Option<u32>> = idx.iter().map(|&i| labels[i]).collect();
            let t: Vec<u32> = idx.iter().map(|&i| truth[i]).collect();
            let p: Vec<u32> = idx.iter().map(|&i| pred[i]).collect();
            eval::group_merge_rate(&g, &t, &p).expect("households")
        };
        let changed = eval::subset_recall(&data.tag_mask(Tag::PhoneChanged), &truth, &pred)
            .expect("phone changed");
        let changed_ceiling = {
            let mask = data.tag_mask(Tag::PhoneChanged);
            let idx: Vec<usize> = (0..records.len()).filter(|&i| mask[i]).collect();
            let sub: Vec<omnilink::Record> = idx.iter().map(|&i| records[i].clone()).collect();
            let t: Vec<u32> = idx.iter().map(|&i| truth[i]).collect();
            eval::evidence_ceiling(&sub, &t, &config).expect("ceiling")
        };
        let recall_of_ceiling = report.pairwise.recall / ceiling.recall.max(1e-12);
        println!("{report}");
        println!(
            "  evidence ceiling    recall {:.4}   our recall / ceiling {:.4}",
            ceiling.recall, recall_of_ceiling
        );
        println!(
            "  households          cross-person pairs {:>8}   merged {:>6}  rate {:.4}",
            household.cross_entity_pairs, household.merged_pairs, household.rate
        );
        println!(
            "    with a name or birth date         {:>8}   merged {:>6}  rate {:.4}",
            household_named.cross_entity_pairs, household_named.merged_pairs, household_named.rate
        );
        println!(
            "  namesakes           cross-person pairs {:>8}   merged {:>6}  rate {:.4}",
            namesake.cross_entity_pairs, namesake.merged_pairs, namesake.rate
        );
        println!(
            "  phone changed       recall {:.4}  (ceiling {:.4}) over {} pairs",
            changed.recall, changed_ceiling.recall, changed.true_pairs
        );
        quality_json = json!({
            "report": report, "evidence_ceiling": ceiling.recall,
            "recall_of_ceiling": recall_of_ceiling,
            "household": household, "household_named": household_named, "namesake": namesake,
            "phone_changed": changed, "phone_changed_ceiling": changed_ceiling.recall,
        });
    }

    if digest {
        // A fingerprint of the whole result (customers with their IDs, members and golden
        // records; memberships with scores), to check that a change leaves it identical.
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for c in &res.customers {
            serde_json::to_string(c).expect("customer").hash(&mut h);
        }
        for m in &res.memberships {
            (m.record.0, m.customer, m.score.map(f32::to_bits)).hash(&mut h);
        }
        println!("  result digest       {:016x}", h.finish());
    }

    if let Some(path) = json_out {
        let mut out = json!({
            "customers": customers, "records": n, "seed": seed,
            "threads": rayon::current_num_threads(),
            "stage_ms": st.stage_ms, "total_s": total_s,
            "stage_cpu_s": stage_cpu, "cpu_s": cpu_total,
            "candidate_pairs": st.candidate_pairs, "accepted_pairs": st.accepted_pairs,
            "hubs": res.hubs.len(),
            "peak_bytes": peak, "input_bytes": rss_before,
        });
        if let (Some(o), serde_json::Value::Object(q)) = (out.as_object_mut(), quality_json) {
            o.extend(q);
        }
        std::fs::write(&path, serde_json::to_string_pretty(&out).unwrap()).expect("write json");
        println!("  json                {path}");
    }
}
