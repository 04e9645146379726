//! Timing of the generator at scale. Run in release:
//! `cargo test --release --test synth_speed -- --ignored --nocapture`.
//!
//! Prints wall time and, on Linux, the CPU time of the process (all threads), which is the
//! better figure on a shared machine.

use std::time::Instant;

use omnilink::synth::{generate, Config};

/// User + system CPU seconds of this process so far (Linux), `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[test]
#[ignore = "timing; run in release"]
fn one_million_customers() {
    let cpu0 = cpu_seconds();
    let started = Instant::now();
    let data = generate(&Config::new(1_000_000, 42)).unwrap();
    let generated = started.elapsed();
    let cpu1 = cpu_seconds();
    data.write_records_csv(std::io::sink()).unwrap();
    data.write_truth_csv(std::io::sink()).unwrap();
    let written = started.elapsed() - generated;
    let cpu2 = cpu_seconds();
    let cpu = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}s CPU", b - a),
        _ => "CPU n/a".to_string(),
    };
    eprintln!(
        "1M customers, {} records: generated in {generated:.2?} ({}), CSV formatted in \
         {written:.2?} ({})",
        data.records.len(),
        cpu(cpu0, cpu1),
        cpu(cpu1, cpu2)
    );
    // Dropping two and a half million records is not part of the figure.
    std::mem::forget(data);
}
