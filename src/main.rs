//! `omnilink`: deduplicate customer exports from the command line.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use omnilink::io::{self, describe_headers, Column, Skip};
use omnilink::privacy::{IdentifierKey, MIN_KEY_BYTES};
use omnilink::settings::Settings;
use omnilink::{Config, Error, Record};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The bundled sample export, used when `resolve` gets no input.
const SAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

#[derive(Parser)]
#[command(
    name = "omnilink",
    version,
    about = "Identity resolution for omnichannel customer data",
    long_about = "Turns the records of many channels (web, app, store tills, call centre, \
                  messengers, e-mail) into customers: normalises identifiers, blocks, scores \
                  pairs with a Fellegi-Sunter model, clusters them and writes golden records."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Resolve one or more exports (CSV or JSON Lines) into customers.
    #[command(after_help = "Examples:\n  \
        omnilink resolve                                   # the bundled sample\n  \
        omnilink resolve web.csv till.csv app.jsonl -o out --region RU\n  \
        omnilink resolve crm.csv --column 'Моб. тел=phone' --config omnilink.toml --pairs\n\n\
        Outputs in DIR: customers.csv, memberships.csv, hubs.csv, summary.json, model.json (and \
        pairs.csv with --pairs, report.html with --report). Exit codes: 0 success, 1 bad input, \
        2 usage.")]
    Resolve(ResolveArgs),
    /// Draw report.html again from an earlier run's outputs.
    #[command(after_help = "Example:\n  omnilink report omnilink-out\n\n\
        Reads summary.json, memberships.csv and hubs.csv (and model.json, pairs.csv when \
        present) from DIR and writes DIR/report.html: one self-contained page, no network \
        needed to view it, no identifier value in it.")]
    Report {
        /// The output directory of an earlier `resolve`.
        dir: PathBuf,
    },
    /// Show the score of one pair of records, comparison by comparison.
    #[command(
        after_help = "Example:\n  omnilink explain web.csv till.csv --pair web/17 till/4411\n\n\
        A record is named SOURCE/ID, or just ID when it is unique."
    )]
    Explain {
        #[command(flatten)]
        input: InputArgs,
        /// The two records.
        #[arg(long, num_args = 2, value_names = ["ID1", "ID2"], required = true)]
        pair: Vec<String>,
    },
    /// Score memberships.csv against a truth file: pairwise and B-cubed precision/recall/F1.
    #[command(
        after_help = "Example:\n  omnilink evaluate --truth examples/data/truth.csv omnilink-out/memberships.csv\n\n\
        The truth file has a record_id column and a label column: entity_id, customer_id, \
        cluster_id or cluster (the first found), or the one named by --truth-column; \
        memberships.csv has record_id and customer_id. Records are matched by record_id."
    )]
    Evaluate {
        /// The truth file (record_id and a label column: entity_id, customer_id, cluster_id
        /// or cluster; optional household_id and namesake_group columns give the hard-case
        /// merge rates).
        #[arg(long)]
        truth: PathBuf,
        /// The truth file's label column, when it is none of the usual names.
        #[arg(long, value_name = "NAME")]
        truth_column: Option<String>,
        /// memberships.csv written by `resolve`.
        memberships: PathBuf,
        /// The resolved records (as given to `resolve`, with the same options): adds the
        /// data's evidence ceiling and recall against it.
        #[arg(long = "records", value_name = "FILE")]
        records: Vec<PathBuf>,
        /// Options for reading the records (as for `resolve`).
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Replace every identifier of the inputs by a keyed hash, for another party to link
    /// against without seeing a clear phone, e-mail, card, device id or handle.
    #[command(after_help = "Example:\n  \
        omnilink pseudonymize crm.csv --key-file shared.key -o crm.tokens.csv\n  \
        # the other party, holding the same key:\n  \
        omnilink resolve ours.csv crm.tokens.csv --key-file shared.key\n\n\
        Names, birth dates and cities are kept; each valid identifier becomes a token \
        hmac-sha256:<kind>:<hex>; values that do not normalise are dropped.")]
    Pseudonymize {
        #[command(flatten)]
        input: InputArgs,
        /// Output CSV file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Generate a synthetic omnichannel export with ground truth (records.csv, truth.csv).
    #[command(
        after_help = "Example:\n  omnilink generate --customers 100000 --seed 42 -o data/synth"
    )]
    Generate {
        /// Number of customers (people) to generate, at least 1.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
        customers: u32,
        /// Seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory.
        #[arg(short, long)]
        out: PathBuf,
    },
}

/// How input files are read (shared by `resolve`, `explain`, `pseudonymize` and
/// `evaluate --records`).
#[derive(clap::Args, Clone)]
struct ReadArgs {
    /// A TOML config file (sections `[resolve]` and `[input]`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Default region for phones without a country code (two-letter code, e.g. RU).
    #[arg(long)]
    region: Option<String>,
    /// Candidate regions for national-format phones when a record has no country, comma
    /// separated (default: RU,KZ,IR,IN,UZ,US,GB; a number valid in several is resolved by
    /// the record's city or name script, or left unresolved).
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// Map a header explicitly: --column 'HEADER=KIND' (kinds: phone, email, card, device,
    /// social, social_network, instagram, telegram, vk, x, facebook, tiktok, first_name,
    /// middle_name, last_name, full_name, birth_date, city, id_number, postcode, address,
    /// category, text, id, source, country, updated_at, ignore). Several `address` columns
    /// of a row form one address; `category` and `text` columns are compared as attributes
    /// named by their header.
    #[arg(long = "column", value_name = "HEADER=KIND")]
    columns: Vec<String>,
    /// Field delimiter (detected from the header when not given).
    #[arg(long)]
    delimiter: Option<char>,
}

#[derive(clap::Args)]
struct InputArgs {
    /// Input files (CSV, or JSON Lines with .jsonl/.ndjson/.json). None: the bundled sample.
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Privacy-preserving mode: read the identifier key from this file (its text, trimmed;
    /// at least 16 bytes). Identifiers are then blocked and compared only as keyed hashes
    /// (HMAC-SHA-256), and `hmac-sha256:` tokens from another party's export match them.
    #[arg(long, value_name = "PATH", conflicts_with = "key_env")]
    key_file: Option<PathBuf>,
    /// Privacy-preserving mode with the key in this environment variable (its name, not the
    /// key: the key never appears on the command line).
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// Link mode: pair records only across sources (each file is a source unless a column
    /// says otherwise), never two of one source: a CRM export matched against another.
    #[arg(long)]
    link_only: bool,
    /// Allow identifier values in messages (off by default: logs carry no personal data).
    /// Today this only lets a header cell that looks like a value be quoted.
    #[arg(long)]
    show_values: bool,
}

#[derive(clap::Args)]
struct ResolveArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output directory.
    #[arg(short, long, default_value = "omnilink-out")]
    out: PathBuf,
    /// Also write pairs.csv with every linked pair's score and field weights.
    #[arg(long)]
    pairs: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    json: bool,
    /// Also write report.html: the run's figures and charts, one self-contained page.
    #[arg(long)]
    report: bool,
}

/// A failure and its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            code: 1,
            message: e.to_string(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn bad_input(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(bad_input(format!("standard output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Appends a line to a `String` (writing to a `String` cannot fail).
macro_rules! line {
    ($s:expr, $($arg:tt)*) => {
        let _ = writeln!($s, $($arg)*);
    };
}

struct Loaded {
    records: Vec<Record>,
    skipped: Vec<Skip>,
    rows: u64,
    duplicate_ids: u64,
    config: Config,
    inputs: Vec<String>,
    read_ms: f64,
}

/// Reports progress: a spinner on a terminal, plain lines otherwise, nothing when quiet.
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            plain: !quiet && !tty,
        }
    }

    fn stage(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        } else if self.plain {
            eprintln!("omnilink: {msg}");
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn sample_inputs() -> Result<Vec<PathBuf>, Failure> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(SAMPLE_DIR)
        .map_err(|e| Failure::from(Error::io(Some(SAMPLE_DIR.into()), e)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv" || x == "jsonl"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("truth"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The identifier key from `--key-file` or `--key-env`, if either is given. Messages name the
/// file or the variable, never the key.
fn identifier_key(args: &InputArgs) -> Result<Option<IdentifierKey>, Failure> {
    let text = if let Some(p) = &args.key_file {
        std::fs::read_to_string(p).map_err(|e| Failure::from(Error::io(Some(p.clone()), e)))?
    } else if let Some(var) = &args.key_env {
        std::env::var(var).map_err(|_| {
            usage(format!(
                "--key-env: the environment variable `{var}` is not set or not UTF-8"
            ))
        })?
    } else {
        return Ok(None);
    };
    IdentifierKey::new(&text).map(Some).map_err(|_| {
        bad_input(format!(
            "the identifier key must be at least {MIN_KEY_BYTES} bytes long"
        ))
    })
}

fn load(args: &InputArgs, progress: &Progress) -> Result<Loaded, Failure> {
    let t = Instant::now();
    let mut settings = match &args.read.config {
        Some(p) => Settings::read(p)?,
        None => Settings::default(),
    };
    if let Some(r) = &args.read.region {
        settings
            .set_region(r)
            .map_err(|e| usage(format!("--{e}")))?;
    }
    if !args.read.regions.is_empty() {
        settings
            .set_regions(&args.read.regions)
            .map_err(|e| usage(format!("--{e}")))?;
    }
    let mut settings = settings.with_defaults();
    if let Some(key) = identifier_key(args)? {
        settings.resolve.identifier_key = Some(key);
    }
    if args.link_only {
        settings.resolve.blocking.link_only = true;
    }
    for spec in &args.read.columns {
        let (h, k) = spec
            .split_once('=')
            .ok_or_else(|| usage(format!("--column expects HEADER=KIND, got `{spec}`")))?;
        let kind = Column::from_name(k).ok_or_else(|| {
            let kinds: Vec<&str> = Column::ALL.iter().map(|c| c.as_str()).collect();
            usage(format!(
                "--column: unknown kind `{}`; kinds are: {}",
                k.trim(),
                kinds.join(", ")
            ))
        })?;
        settings.input.columns.insert(h.trim().to_string(), kind);
    }
    if let Some(d) = args.read.delimiter {
        settings.input.delimiter = Some(d);
    }
    // Checked once here, so that a bad delimiter is a usage error before any file is read.
    settings
        .read_options("input")
        .map_err(|e| usage(e.to_string()))?;
    let inputs = if args.inputs.is_empty() {
        sample_inputs()?
    } else {
        args.inputs.clone()
    };
    let mut out = Loaded {
        records: Vec::new(),
        skipped: Vec::new(),
        rows: 0,
        duplicate_ids: 0,
        config: settings.resolve.clone(),
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
        read_ms: 0.0,
    };
    // Where each file's records start: ids repeated across files are suffixed too.
    let mut starts = Vec::with_capacity(inputs.len());
    for path in &inputs {
        progress.stage(&format!("reading {}", path.display()));
        let source = path
            .file_stem()
            .map_or_else(|| "input".to_string(), |s| s.to_string_lossy().into_owned());
        let mut opts = settings.read_options(source)?;
        opts.show_values = args.show_values;
        let read = io::read_path(path, &opts)?;
        out.rows += read.rows;
        out.duplicate_ids += read.duplicate_ids;
        out.skipped.extend(read.skipped);
        starts.push(out.records.len());
        if out.records.is_empty() {
            out.records = read.records;
        } else {
            out.records.extend(read.records);
        }
    }
    // Each file's ids are unique already; with one file there is nothing to do.
    if inputs.len() > 1 {
        out.duplicate_ids += io::suffix_repeated_ids(&mut out.records, |i| {
            format!("#F{}", starts.partition_point(|&s| s <= i))
        });
    }
    if out.records.is_empty() {
        let mut msg = format!(
            "no readable records in {}: all {} rows were skipped",
            out.inputs.join(", "),
            out.skipped.len()
        );
        for k in out.skipped.iter().take(3) {
            let _ = write!(msg, "; {}: line {}: {}", k.input, k.line, k.reason);
        }
        if out.skipped.len() > 3 {
            msg.push_str("; ...");
        }
        return Err(bad_input(msg));
    }
    out.read_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(out)
}

fn run_resolve(args: &ResolveArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let progress = Progress::new(args.quiet || args.json);
    // The normalisers' tables are built while the file is read rather than by the first
    // record, which would leave the other cores waiting.
    let tables = std::thread::spawn(omnilink::normalize::prepare);
    let loaded = load(&args.input, &progress)?;
    let _ = tables.join();
    // Before the long part: an output directory that cannot be written fails now.
    prepare_out_dir(&args.out)?;
    let res = omnilink::resolve_with_progress(&loaded.records, &loaded.config, &|stage| {
        progress.stage(stage)
    })?;
    progress.stage("writing");
    let t = Instant::now();
    let out = |name: &str| args.out.join(name);
    io::write_customers(&out("customers.csv"), &res)?;
    io::write_memberships(&out("memberships.csv"), &loaded.records, &res)?;
    io::write_hubs(&out("hubs.csv"), &res)?;
    if args.pairs {
        io::write_pairs(&out("pairs.csv"), &loaded.records, &res)?;
    }
    let write_ms = t.elapsed().as_secs_f64() * 1000.0;
    let summary = io::Summary {
        read_ms: loaded.read_ms,
        write_ms,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
        ..io::Summary::new(
            &loaded.inputs,
            loaded.rows,
            &loaded.skipped,
            loaded.duplicate_ids,
            &res,
        )
    };
    io::write_summary(&out("summary.json"), &summary)?;
    omnilink::report::write_model(&out("model.json"), &res)?;
    if args.report {
        progress.stage("writing the report");
        omnilink::report::write_report(&args.out)?;
    }
    progress.finish();
    if args.json {
        let json = serde_json::to_string_pretty(&summary)
            .map_err(|e| bad_input(format!("summary: {e}")))?;
        emit(&(json + "\n"))?;
    } else if !args.quiet {
        let mut text = summary_text(&summary, &args.out);
        if args.report {
            line!(
                text,
                "  report           {}",
                out(omnilink::report::REPORT_FILE).display()
            );
        }
        emit(&text)?;
    }
    // The process ends here: freeing every record and customer one by one would only add
    // to its run time.
    std::mem::forget(res);
    std::mem::forget(loaded);
    Ok(())
}

/// Creates the output directory and checks that a file can be created in it.
fn prepare_out_dir(dir: &Path) -> Result<(), Failure> {
    let fail = |e| Failure::from(Error::io(Some(dir.to_path_buf()), e));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".omnilink-write-check");
    std::fs::File::create(&probe).map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

fn summary_text(s: &io::Summary<'_>, out: &Path) -> String {
    let st = s.stats;
    let mut t = String::new();
    line!(t, "omnilink: {} input(s)", s.inputs.len());
    line!(
        t,
        "  rows read        {:>10}   resolved {}   skipped {}",
        s.rows_read,
        s.records_resolved,
        s.rows_skipped
    );
    for k in s.skipped.iter().take(10) {
        line!(t, "    skipped {}: line {}: {}", k.input, k.line, k.reason);
    }
    if s.skipped.len() > 10 {
        line!(t, "    ... {} more in summary.json", s.skipped.len() - 10);
    }
    if s.duplicate_ids > 0 {
        line!(
            t,
            "  duplicate ids    {:>10}   (kept, suffixed with #L<line>, or #F<file> across files)",
            s.duplicate_ids
        );
    }
    if !st.rejected.is_empty() {
        let parts: Vec<String> = st
            .rejected
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        line!(t, "  values rejected  {}", parts.join(", "));
    }
    line!(
        t,
        "  candidate pairs  {:>10}   reduction ratio {:.6}",
        st.candidate_pairs,
        st.reduction_ratio
    );
    line!(
        t,
        "  model            {}   threshold {:.2} bits",
        if !st.trained {
            "not trained (too few candidate pairs): starting weights".to_string()
        } else if st.em_converged {
            format!("EM converged in {} iterations", st.em_iterations)
        } else {
            format!("EM did NOT converge in {} iterations", st.em_iterations)
        },
        st.threshold
    );
    for r in &st.rules {
        if let Some(rule) = r.rule {
            line!(
                t,
                "    {:<22} pairs {:>9}   hubs {}{}",
                rule.as_str(),
                r.pairs,
                r.hubs,
                if r.skipped {
                    "   SKIPPED: over the pair limit"
                } else {
                    ""
                }
            );
        }
    }
    let skipped: Vec<&str> = st
        .rules
        .iter()
        .filter(|r| r.skipped)
        .filter_map(|r| r.rule.map(|r| r.as_str()))
        .collect();
    if !skipped.is_empty() {
        line!(
            t,
            "  pair limit       rules not expanded: {} (blocking.max_candidate_pairs)",
            skipped.join(", ")
        );
    }
    if st.identifier_key {
        line!(
            t,
            "  privacy mode     identifiers compared as keyed hashes only"
        );
    }
    line!(
        t,
        "  linked pairs     {:>10}   contradicting {}   guarded {}   ambiguous records {}",
        st.accepted_pairs,
        st.contradicting_pairs,
        st.guarded_edges,
        st.ambiguous_records
    );
    line!(t, "  hubs             {:>10}", s.hubs);
    line!(t, "  customers        {:>10}", st.customers);
    let sizes: Vec<String> = st
        .cluster_sizes
        .iter()
        .take(12)
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    line!(t, "  cluster sizes    {}", sizes.join(" "));
    let mut times = vec![format!("read {:.0}", s.read_ms)];
    times.extend(st.stage_ms.iter().map(|(k, v)| format!("{k} {v:.0}")));
    times.push(format!("write {:.0}", s.write_ms));
    line!(
        t,
        "  time (ms)        {}   total {:.0}",
        times.join(", "),
        s.total_ms
    );
    line!(t, "  written to       {}", out.display());
    t
}

fn run_report(dir: &Path) -> Result<(), Failure> {
    let path = omnilink::report::write_report(dir)?;
    emit(&format!("report written to {}\n", path.display()))
}

fn run_pseudonymize(input: &InputArgs, out: &Path) -> Result<(), Failure> {
    if input.key_file.is_none() && input.key_env.is_none() {
        return Err(usage("pseudonymize needs --key-file or --key-env"));
    }
    let progress = Progress::new(false);
    let loaded = load(input, &progress)?;
    let Some(key) = &loaded.config.identifier_key else {
        return Err(usage("pseudonymize needs --key-file or --key-env"));
    };
    progress.stage("pseudonymising");
    let records: Vec<Record> = {
        use rayon::prelude::*;
        loaded
            .records
            .par_iter()
            .map(|r| omnilink::privacy::pseudonymize(r, &loaded.config.context_for(&r.source), key))
            .collect()
    };
    let file = std::fs::File::create(out)
        .map_err(|e| Failure::from(Error::io(Some(out.to_path_buf()), e)))?;
    let data = omnilink::synth::Dataset {
        records,
        truth: Vec::new(),
    };
    data.write_records_csv(std::io::BufWriter::new(file))
        .map_err(|e| bad_input(format!("{}: {e}", out.display())))?;
    progress.finish();
    eprintln!(
        "omnilink: {} records pseudonymised into {} ({} rows skipped)",
        data.records.len(),
        out.display(),
        loaded.skipped.len()
    );
    Ok(())
}

fn run_explain(input: &InputArgs, pair: &[String]) -> Result<(), Failure> {
    let [p1, p2] = pair else {
        return Err(usage("--pair takes exactly two record ids, given once"));
    };
    let progress = Progress::new(true);
    let loaded = load(input, &progress)?;
    let find = |name: &str| -> Result<omnilink::RecordId, Failure> {
        let hits: Vec<usize> = loaded
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id == name || format!("{}/{}", r.source, r.id) == name)
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [i] => Ok(omnilink::RecordId(*i as u32)),
            [] => Err(bad_input(format!("no record `{name}`"))),
            _ => Err(usage(format!(
                "`{name}` names several records; use SOURCE/ID"
            ))),
        }
    };
    let (a, b) = (find(p1)?, find(p2)?);
    let res = omnilink::resolve(&loaded.records, &loaded.config)?;
    let x = res
        .explain(&loaded.records, a, b)
        .ok_or_else(|| usage("record index out of range"))?;
    let mut t = String::new();
    line!(
        t,
        "{:<12} {:<10} {:>8}  frequency",
        "field",
        "level",
        "weight"
    );
    line!(t, "{:<12} {:<10} {:>8.2}", "prior", "", x.prior);
    for f in &x.fields {
        let level = serde_json::to_string(&f.level).unwrap_or_default();
        line!(
            t,
            "{:<12} {:<10} {:>8.2}  {}",
            f.field.as_str(),
            level.trim_matches('"'),
            f.weight,
            f.frequency.map_or(String::new(), |n| n.to_string())
        );
    }
    line!(
        t,
        "score {:.2} bits, probability {:.6}, threshold {:.2}{}",
        x.score,
        x.probability,
        res.threshold(),
        if x.contradiction {
            ", contradiction: never linked"
        } else {
            ""
        }
    );
    let same = res.memberships[a.index()].customer == res.memberships[b.index()].customer;
    line!(t, "same customer: {}", if same { "yes" } else { "no" });
    emit(&t)
}

/// One row of a label file: the source (when the file has a `source` column), the record id
/// and the label.
struct LabelRow {
    source: Option<String>,
    id: String,
    label: String,
    /// `household_id` and `namesake_group`, when the file has them (empty: none).
    groups: [Option<String>; 2],
}

/// The label columns a truth file is read with, in order of preference.
const TRUTH_LABELS: [&str; 4] = ["entity_id", "customer_id", "cluster_id", "cluster"];

/// Reads the `key` column, the first of the `labels` columns the header has (and `source`, if
/// present) of a CSV file.
fn read_labels(path: &Path, key: &str, labels: &[&str]) -> Result<Vec<LabelRow>, Failure> {
    let input =
        |line: Option<u64>, msg: String| Failure::from(Error::input(Some(path.into()), line, msg));
    let mut rdr = csv::Reader::from_path(path).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => Failure::from(Error::io(Some(path.into()), io)),
        _ => input(None, "unreadable file".into()),
    })?;
    let headers = rdr
        .headers()
        .map_err(|_| input(Some(1), "the header is not readable CSV in UTF-8".into()))?
        .clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            let names: Vec<&str> = headers.iter().collect();
            let (list, data) = describe_headers(&names, false);
            let hint = if data {
                "; the first line looks like data: the file needs a header row"
            } else {
                ""
            };
            input(
                Some(1),
                format!("no `{name}` column; columns are: {list}{hint}"),
            )
        })
    };
    let k = col(key)?;
    let l = match labels.iter().find(|&&n| headers.iter().any(|h| h == n)) {
        Some(name) => col(name)?,
        None if labels.len() == 1 => col(labels[0])?,
        None => {
            let names: Vec<&str> = headers.iter().collect();
            let (list, _) = describe_headers(&names, false);
            let wanted: Vec<String> = labels.iter().map(|n| format!("`{n}`")).collect();
            return Err(input(
                Some(1),
                format!(
                    "no label column: expected one of {} (or name it with --truth-column); \
                     columns are: {list}",
                    wanted.join(", ")
                ),
            ));
        }
    };
    let s = headers.iter().position(|h| h == "source");
    let g = ["household_id", "namesake_group"].map(|n| headers.iter().position(|h| h == n));
    let mut out = Vec::new();
    let mut row = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let what = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "invalid UTF-8",
                    csv::ErrorKind::UnequalLengths { .. } => {
                        "another number of fields than the header"
                    }
                    _ => "unreadable row",
                };
                return Err(input(line, what.into()));
            }
        }
        let get = |i: usize| row.get(i).unwrap_or("").to_string();
        out.push(LabelRow {
            source: s.map(get),
            id: get(k),
            label: get(l),
            groups: g.map(|c| c.map(get).filter(|v| !v.is_empty())),
        });
    }
    Ok(out)
}

fn run_evaluate(
    truth_path: &Path,
    truth_column: Option<&str>,
    memberships_path: &Path,
    record_paths: &[PathBuf],
    read: &ReadArgs,
) -> Result<(), Failure> {
    let truth_labels: Vec<&str> = match truth_column {
        Some(c) => vec![c],
        None => TRUTH_LABELS.to_vec(),
    };
    let truth_rows = read_labels(truth_path, "record_id", &truth_labels)?;
    let truth = &truth_rows;
    let members = read_labels(memberships_path, "record_id", &["customer_id"])?;
    // Records are matched by (source, record_id) when both files name sources, else by
    // record_id alone, which must then be unique in memberships.csv.
    let by_source =
        truth.iter().all(|r| r.source.is_some()) && members.iter().all(|r| r.source.is_some());
    let key = |r: &LabelRow| match (&r.source, by_source) {
        (Some(s), true) => format!("{s}/{}", r.id),
        _ => r.id.clone(),
    };
    let mut m: BTreeMap<String, String> = BTreeMap::new();
    let mut repeated = 0u64;
    for r in &members {
        if m.insert(key(r), r.label.clone()).is_some() {
            repeated += 1;
        }
    }
    if repeated > 0 {
        return Err(bad_input(format!(
            "{}: {repeated} record ids appear more than once{}; records cannot be matched to \
             the truth file",
            memberships_path.display(),
            if by_source {
                ""
            } else {
                " (in several sources? add a `source` column to the truth file)"
            }
        )));
    }
    let (mut tl, mut pl) = (Vec::new(), Vec::new());
    let mut groups: [Vec<Option<&str>>; 2] = [Vec::new(), Vec::new()];
    let mut missing = 0u64;
    for r in truth {
        match m.get(&key(r)) {
            Some(c) => {
                tl.push(r.label.as_str());
                pl.push(c.as_str());
                for (g, v) in groups.iter_mut().zip(&r.groups) {
                    g.push(v.as_deref());
                }
            }
            None => missing += 1,
        }
    }
    if tl.is_empty() {
        return Err(bad_input(format!(
            "no record of {} is in {} (records are matched by record_id{})",
            truth_path.display(),
            memberships_path.display(),
            if by_source { " and source" } else { "" }
        )));
    }
    let truth = omnilink::eval::Labels::from_strings(tl.iter().copied());
    let pred = omnilink::eval::Labels::from_strings(pl.iter().copied());
    let report = omnilink::eval::Report::new(truth.as_slice(), pred.as_slice())?;
    let mut t = String::new();
    line!(t, "{report}");
    for (name, g) in ["households", "namesakes"].iter().zip(&groups) {
        if g.iter().all(Option::is_none) {
            continue;
        }
        let labels = omnilink::eval::Labels::from_strings(g.iter().map(|v| v.unwrap_or("")));
        let grouped: Vec<Option<u32>> = g
            .iter()
            .zip(labels.as_slice())
            .map(|(v, &l)| v.map(|_| l))
            .collect();
        let r = omnilink::eval::group_merge_rate(&grouped, truth.as_slice(), pred.as_slice())?;
        line!(
            t,
            "{name:<11} cross-person pairs {:>9}   merged {:>8}   rate {:.4}",
            r.cross_entity_pairs,
            r.merged_pairs,
            r.rate
        );
    }
    if !record_paths.is_empty() {
        let entity: BTreeMap<String, &str> = truth_rows
            .iter()
            .map(|r| (key(r), r.label.as_str()))
            .collect();
        let (ceiling, matched) = ceiling_of(record_paths, read, &entity, by_source)?;
        line!(
            t,
            "evidence ceiling recall {:.4} over {matched} records; recall / ceiling {:.4}",
            ceiling.recall,
            if ceiling.recall > 0.0 {
                report.pairwise.recall / ceiling.recall
            } else {
                0.0
            }
        );
    }
    if missing > 0 {
        line!(
            t,
            "{missing} truth records have no membership (not counted)"
        );
    }
    emit(&t)
}

/// The evidence ceiling over the records of `paths` that the truth file labels (`entity`, by
/// record key: `source/id` when `by_source`, else the id), and how many records that is.
fn ceiling_of(
    paths: &[PathBuf],
    read: &ReadArgs,
    entity: &BTreeMap<String, &str>,
    by_source: bool,
) -> Result<(omnilink::eval::SubsetRecall, usize), Failure> {
    let input = InputArgs {
        inputs: paths.to_vec(),
        read: read.clone(),
        threads: None,
        key_file: None,
        key_env: None,
        link_only: false,
        show_values: false,
    };
    let loaded = load(&input, &Progress::new(true))?;
    let (mut records, mut labels) = (Vec::new(), Vec::new());
    for r in loaded.records {
        let k = if by_source {
            format!("{}/{}", r.source, r.id)
        } else {
            r.id.clone()
        };
        if let Some(&e) = entity.get(&k) {
            labels.push(e);
            records.push(r);
        }
    }
    let truth = omnilink::eval::Labels::from_strings(labels.iter().copied());
    let ceiling = omnilink::eval::evidence_ceiling(&records, truth.as_slice(), &loaded.config)?;
    Ok((ceiling, records.len()))
}

fn run_generate(customers: u32, seed: u64, out: &Path) -> Result<(), Failure> {
    let data = omnilink::synth::generate(&omnilink::synth::Config::new(customers, seed))?;
    data.write_csv(out)?;
    emit(&format!(
        "{customers} customers, {} records -> {}/records.csv, truth.csv\n",
        data.records.len(),
        out.display()
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let threads = match &cli.command {
        Command::Resolve(a) => a.input.threads,
        Command::Explain { input, .. } => input.threads,
        Command::Pseudonymize { input, .. } => input.threads,
        _ => None,
    };
    if let Some(n) = threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("omnilink: threads: {e}");
            return ExitCode::from(2);
        }
    }
    let result = match &cli.command {
        Command::Resolve(a) => run_resolve(a),
        Command::Report { dir } => run_report(dir),
        Command::Explain { input, pair } => run_explain(input, pair),
        Command::Pseudonymize { input, out } => run_pseudonymize(input, out),
        Command::Evaluate {
            truth,
            truth_column,
            memberships,
            records,
            read,
        } => run_evaluate(truth, truth_column.as_deref(), memberships, records, read),
        Command::Generate {
            customers,
            seed,
            out,
        } => run_generate(*customers, *seed, out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("omnilink: error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
