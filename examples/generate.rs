//! Generates a synthetic omnichannel export with ground truth.
//!
//! ```text
//! cargo run --release --example generate -- --customers 100000 --seed 42 --out data/synth
//! ```
//!
//! Writes `records.csv` and `truth.csv` into the output directory and prints counts and
//! timings.

use std::process::ExitCode;
use std::time::Instant;

use omnilink::synth::{generate, Config, Tag};

const USAGE: &str = "usage: generate [--customers N] [--seed S] --out DIR";

fn main() -> ExitCode {
    let mut config = Config::default();
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--customers" | "--seed" | "--out" => args.next(),
            _ => {
                eprintln!("unknown argument `{arg}`\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        let Some(value) = value else {
            eprintln!("`{arg}` needs a value\n{USAGE}");
            return ExitCode::from(2);
        };
        let ok = match arg.as_str() {
            "--customers" => value.parse().map(|n| config.customers = n).is_ok(),
            "--seed" => value.parse().map(|s| config.seed = s).is_ok(),
            _ => {
                out = Some(value);
                true
            }
        };
        if !ok {
            eprintln!("`{arg}` needs a non-negative integer\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };

    let started = Instant::now();
    let data = match generate(&config) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let generated = started.elapsed();
    if let Err(e) = data.write_csv(&out) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let total = started.elapsed();

    let count = |tag: Tag| data.truth.iter().filter(|t| t.tags.contains(tag)).count();
    println!(
        "{} customers, {} records (seed {}) -> {out}/records.csv, {out}/truth.csv",
        config.customers,
        data.records.len(),
        config.seed
    );
    for tag in Tag::ALL {
        println!("  records tagged {:<15} {}", tag.as_str(), count(tag));
    }
    println!(
        "generated in {:.2?}, written in {:.2?}",
        generated,
        total - generated
    );
    ExitCode::SUCCESS
}
