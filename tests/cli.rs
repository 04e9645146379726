//! The `omnilink` binary end to end: every kind of bad input gives the documented exit code, a
//! message that names the file, line or columns and never a value from the input, and the
//! outputs account for every row that was read.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_omnilink");

/// Identifier values that appear in the fixtures; no message may contain them.
const VALUES: [&str; 8] = [
    "+79161234567",
    "79161234567",
    "9161234567",
    "+79031112233",
    "9031112233",
    "anna.petrova@mail.ru",
    "ivan@yandex.ru",
    "oleg@gmail.com",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A directory under the system temp dir, unique per test and process, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("omnilink-cli-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the omnilink binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

/// `resolve INPUT -o OUT --threads 1` plus `extra`.
fn resolve(input: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "resolve".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--threads".as_ref(),
        "1".as_ref(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    run(args)
}

fn assert_no_values(text: &str) {
    for v in VALUES {
        assert!(!text.contains(v), "`{v}` leaked into: {text}");
    }
}

/// An input error: exit code 1, an error line on stderr naming `names`, no values.
fn assert_input_error(r: &Run, names: &[&str]) {
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("error:"), "{}", r.stderr);
    for n in names {
        assert!(r.stderr.contains(n), "`{n}` missing from: {}", r.stderr);
    }
    assert_no_values(&r.stderr);
    assert_no_values(&r.stdout);
}

fn summary(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reads memberships.csv as (record_id, source, customer_id) rows.
fn memberships(out: &Path) -> Vec<(String, String, String)> {
    let mut rdr = csv::Reader::from_path(out.join("memberships.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap(),
        vec!["record_id", "source", "customer_id", "score", "probability"]
    );
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), r[2].to_string())
        })
        .collect()
}

/// Every row read is resolved or skipped, and memberships.csv has a row per resolved record
/// with distinct (source, record_id). Returns the summary.
fn assert_accounts(out: &Path) -> Value {
    let s = summary(out);
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}"));
    assert_eq!(
        n("rows_read"),
        n("records_resolved") + n("rows_skipped"),
        "{s}"
    );
    assert_eq!(
        n("rows_skipped"),
        s["skipped"].as_array().unwrap().len() as u64
    );
    let m = memberships(out);
    assert_eq!(m.len() as u64, n("records_resolved"));
    let ids: std::collections::HashSet<_> = m.iter().map(|(id, src, _)| (src, id)).collect();
    assert_eq!(ids.len(), m.len(), "record ids are not unique");
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert_no_values(&text);
    s
}

/// (line, reason) of each skipped row in the summary.
fn skipped(s: &Value) -> Vec<(u64, String)> {
    s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["line"].as_u64().unwrap(),
                k["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn empty_file() {
    let t = TempDir::new("empty");
    let r = resolve(&fixture("empty.csv"), &t.join("out"), &[]);
    assert_input_error(&r, &["empty.csv", "empty"]);
    assert!(!t.join("out").exists(), "no output for a failed read");
}

#[test]
fn header_only() {
    let t = TempDir::new("header");
    let r = resolve(&fixture("header_only.csv"), &t.join("out"), &[]);
    assert_input_error(&r, &["header_only.csv", "no rows"]);
}

#[test]
fn missing_identifier_columns_names_the_columns_found() {
    let t = TempDir::new("noid");
    let r = resolve(&fixture("no_identifiers.csv"), &t.join("out"), &[]);
    assert_input_error(
        &r,
        &[
            "no_identifiers.csv",
            "line 1",
            "colour, size, notes",
            "--column",
        ],
    );
}

#[test]
fn a_file_without_a_header_row_is_described_without_its_values() {
    let t = TempDir::new("nohead");
    let r = resolve(&fixture("no_header.csv"), &t.join("out"), &[]);
    assert_input_error(&r, &["no_header.csv", "header row"]);
    assert!(!r.stderr.contains("Анна"), "{}", r.stderr);
    // --show-values lets the cells be quoted.
    let r = resolve(
        &fixture("no_header.csv"),
        &t.join("out"),
        &["--show-values"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("anna.petrova@mail.ru"), "{}", r.stderr);
}

#[test]
fn ragged_rows_are_skipped_with_line_numbers() {
    let t = TempDir::new("ragged");
    let out = t.join("out");
    let r = resolve(&fixture("ragged.csv"), &out, &["--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = assert_accounts(&out);
    assert_eq!(s["rows_read"], 5);
    assert_eq!(
        skipped(&s),
        [(3, "ragged".to_string()), (5, "ragged".to_string())]
    );
    assert_eq!(s["skipped"][0]["expected"], 4);
    assert_eq!(s["skipped"][0]["found"], 2);
    assert_eq!(s["skipped"][1]["found"], 5);
    assert!(s["skipped"][0]["input"]
        .as_str()
        .unwrap()
        .ends_with("ragged.csv"));
    // r1 and r3 share phone, e-mail and name.
    let m = memberships(&out);
    let cid = |id: &str| m.iter().find(|x| x.0 == id).unwrap().2.clone();
    assert_eq!(cid("r1"), cid("r3"));
}

#[test]
fn unterminated_quote_is_an_error_with_its_line() {
    let t = TempDir::new("quote");
    let r = resolve(&fixture("unterminated_quote.csv"), &t.join("out"), &[]);
    assert_input_error(
        &r,
        &[
            "unterminated_quote.csv",
            "line 3",
            "`phone`",
            "unterminated",
        ],
    );
}

#[test]
fn a_quote_inside_an_unquoted_cell_is_text() {
    let t = TempDir::new("midquote");
    let input = t.join("in.csv");
    std::fs::write(
        &input,
        "record_id,phone,full_name\nr1,+79161234567,Anna 5\" Petrova\nr2,+79031112233,Ivan\n",
    )
    .unwrap();
    let out = t.join("out");
    let r = resolve(&input, &out, &["--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(assert_accounts(&out)["records_resolved"], 2);
}

#[test]
fn invalid_utf8_in_one_cell_skips_that_row_only() {
    let t = TempDir::new("utf8");
    let out = t.join("out");
    let r = resolve(&fixture("invalid_utf8.csv"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_values(&r.stdout);
    assert_no_values(&r.stderr);
    assert!(r.stdout.contains("line 3"), "{}", r.stdout);
    let s = assert_accounts(&out);
    assert_eq!(skipped(&s), [(3, "invalid_utf8".to_string())]);
    assert_eq!(s["skipped"][0]["column"], "full_name");
    let ids: Vec<String> = memberships(&out).into_iter().map(|m| m.0).collect();
    assert_eq!(ids, ["r1", "r3"]);
}

#[test]
fn a_10_mb_cell_skips_its_row() {
    let t = TempDir::new("bigcell");
    let input = t.join("big.csv");
    let mut data = String::from(
        "record_id,phone,email\nr1,+79161234567,anna.petrova@mail.ru\nr2,+79031112233,",
    );
    data.push_str(&"x".repeat(10 << 20));
    data.push_str("\nr3,+79161234567,anna.petrova@mail.ru\n");
    std::fs::write(&input, data).unwrap();
    let out = t.join("out");
    let started = std::time::Instant::now();
    let r = resolve(&input, &out, &["--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(started.elapsed().as_secs() < 10);
    let s = assert_accounts(&out);
    assert_eq!(skipped(&s), [(3, "cell_too_long".to_string())]);
    assert_eq!(s["skipped"][0]["column"], "email");
    assert_eq!(s["skipped"][0]["bytes"], 10 << 20);
    assert_eq!(s["records_resolved"], 2);
}

#[test]
fn duplicate_record_ids_are_kept_and_counted() {
    let t = TempDir::new("dup");
    let out = t.join("out");
    let r = resolve(&fixture("duplicate_ids.csv"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("duplicate ids"), "{}", r.stdout);
    let s = assert_accounts(&out);
    assert_eq!(s["duplicate_ids"], 1);
    assert_eq!(s["records_resolved"], 3);
    let ids: Vec<String> = memberships(&out).into_iter().map(|m| m.0).collect();
    assert_eq!(ids, ["r1", "r1#L3", "r2"]);
}

#[test]
fn ids_repeated_across_files_of_one_source_are_kept_and_counted() {
    let t = TempDir::new("dup2");
    let out = t.join("out");
    let input = fixture("duplicate_ids.csv");
    let r = run([
        "resolve".as_ref(),
        input.as_os_str(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = assert_accounts(&out);
    assert_eq!(s["records_resolved"], 6);
    assert_eq!(s["duplicate_ids"], 5);
}

#[test]
fn a_missing_file_is_named() {
    let t = TempDir::new("missing");
    let input = t.join("no-such-export.csv");
    let r = resolve(&input, &t.join("out"), &[]);
    assert_input_error(&r, &["no-such-export.csv"]);
}

#[test]
fn an_output_directory_that_cannot_be_created_is_named() {
    let t = TempDir::new("outfile");
    // The parent of the output directory is a regular file: not writable, even as root.
    let file = t.join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("out");
    let r = resolve(&fixture("duplicate_ids.csv"), &out, &[]);
    assert_input_error(&r, &["plain-file"]);
}

#[test]
fn a_config_with_an_unknown_key_names_it() {
    let t = TempDir::new("config");
    let config = fixture("unknown_key.toml");
    let r = resolve(
        &fixture("duplicate_ids.csv"),
        &t.join("out"),
        &["--config", config.to_str().unwrap()],
    );
    assert!(r.code == 1 || r.code == 2, "{} {}", r.code, r.stderr);
    for s in ["unknown_key.toml", "threshhold", "line 7"] {
        assert!(r.stderr.contains(s), "`{s}` missing from {}", r.stderr);
    }
    let missing = t.join("nope.toml");
    let r = resolve(
        &fixture("duplicate_ids.csv"),
        &t.join("out"),
        &["--config", missing.to_str().unwrap()],
    );
    assert_input_error(&r, &["nope.toml"]);
}

#[test]
fn windows_1251_is_reported_as_not_utf8() {
    let t = TempDir::new("cp1251");
    for name in ["cp1251.csv", "cp1251_data.csv"] {
        let r = resolve(&fixture(name), &t.join("out"), &[]);
        assert_input_error(&r, &[name, "not UTF-8", "Windows-1251"]);
    }
}

#[test]
fn utf16_is_reported() {
    let t = TempDir::new("utf16");
    let input = t.join("excel.csv");
    let mut data = vec![0xff, 0xfe];
    for u in "record_id\tphone\r\nr1\t+79161234567\r\n".encode_utf16() {
        data.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&input, data).unwrap();
    let r = resolve(&input, &t.join("out"), &[]);
    assert_input_error(&r, &["excel.csv", "UTF-16"]);
}

#[test]
fn a_workbook_is_not_csv() {
    let t = TempDir::new("xlsx");
    let input = t.join("export.xlsx");
    std::fs::write(&input, b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00").unwrap();
    let r = resolve(&input, &t.join("out"), &[]);
    assert_input_error(&r, &["export.xlsx", "xlsx", "CSV UTF-8"]);
}

#[test]
fn json_lines_with_a_bad_line() {
    let t = TempDir::new("jsonl");
    let out = t.join("out");
    let r = resolve(&fixture("bad_line.jsonl"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_no_values(&r.stdout);
    assert_no_values(&r.stderr);
    let s = assert_accounts(&out);
    assert_eq!(s["rows_read"], 3);
    assert_eq!(skipped(&s), [(2, "invalid_json".to_string())]);
    let m = memberships(&out);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].2, m[1].2, "j1 and j3 share a phone");
}

#[test]
fn a_json_array_is_not_json_lines() {
    let t = TempDir::new("jsonarray");
    let input = t.join("export.json");
    std::fs::write(
        &input,
        "[\n  {\"phone\": \"+79161234567\"},\n  {\"phone\": \"+79031112233\"}\n]\n",
    )
    .unwrap();
    let r = resolve(&input, &t.join("out"), &[]);
    assert_input_error(&r, &["export.json", "JSON array"]);
}

#[test]
fn column_with_an_unknown_kind_is_a_usage_error() {
    let t = TempDir::new("column");
    let r = resolve(
        &fixture("duplicate_ids.csv"),
        &t.join("out"),
        &["--column", "Моб. тел=telephone"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("`telephone`"), "{}", r.stderr);
    assert!(r.stderr.contains("phone, email"), "{}", r.stderr);
    let r = resolve(
        &fixture("duplicate_ids.csv"),
        &t.join("out"),
        &["--column", "no-equals-sign"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn column_maps_an_unknown_header() {
    let t = TempDir::new("columnok");
    let out = t.join("out");
    let r = resolve(
        &fixture("no_identifiers.csv"),
        &out,
        &["-q", "--column", "notes=phone"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(assert_accounts(&out)["records_resolved"], 2);
}

#[test]
fn other_usage_errors_exit_2() {
    for args in [
        &["resolve", "--region", "Russia"][..],
        &["resolve", "--delimiter", ";;"],
        &["generate", "--customers", "0", "-o", "x"],
        &["explain", "--pair", "a"],
        &["frobnicate"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn help_of_every_command_has_an_example() {
    for cmd in ["resolve", "explain", "evaluate", "generate"] {
        let r = run([cmd, "--help"]);
        assert_eq!(r.code, 0, "{cmd}: {}", r.stderr);
        assert!(r.stdout.contains("Example"), "{cmd} --help: {}", r.stdout);
        assert!(
            r.stdout.contains(&format!("omnilink {cmd}")),
            "{}",
            r.stdout
        );
    }
    let r = run(["--help"]);
    assert_eq!(r.code, 0);
    for cmd in ["resolve", "explain", "evaluate", "generate"] {
        assert!(r.stdout.contains(cmd));
    }
}

#[test]
fn resolve_on_the_bundled_sample() {
    let t = TempDir::new("sample");
    let out = t.join("out");
    let r = run([
        "resolve".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        "--pairs".as_ref(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in [
        "customers.csv",
        "memberships.csv",
        "hubs.csv",
        "summary.json",
        "pairs.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(!out.join(".omnilink-write-check").exists());
    let s = assert_accounts(&out);
    assert!(s["records_resolved"].as_u64().unwrap() > 1000);
    assert!(s["inputs"][0].as_str().unwrap().ends_with("records.csv"));
    assert!(r.stdout.contains("customers"), "{}", r.stdout);
    let customers = csv::Reader::from_path(out.join("customers.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(s["stats"]["customers"], customers as u64);
    // The sample's social_network column gives its handles their networks.
    let text = std::fs::read_to_string(out.join("customers.csv")).unwrap();
    assert!(
        ["instagram", "telegram", "vk"]
            .iter()
            .any(|n| text.contains(n)),
        "no network in customers.csv"
    );
}

#[test]
fn social_network_column_sets_the_network() {
    let t = TempDir::new("social");
    let out = t.join("out");
    let r = resolve(&fixture("good.csv"), &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_accounts(&out);
    let mut rdr = csv::Reader::from_path(out.join("customers.csv")).unwrap();
    let col = rdr.headers().unwrap().iter().position(|h| h == "socials");
    let socials: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap()[col.unwrap()].to_string())
        .collect();
    let all = socials.join(";");
    for net in ["instagram", "vk", "telegram"] {
        assert!(all.contains(net), "{net} missing from {all}");
    }
}

#[test]
fn generate_resolve_evaluate_round_trip() {
    let t = TempDir::new("roundtrip");
    let data = t.join("data");
    let out = t.join("out");
    let r = run([
        "generate".as_ref(),
        "--customers".as_ref(),
        "150".as_ref(),
        "--seed".as_ref(),
        "5".as_ref(),
        "-o".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(data.join("records.csv").is_file() && data.join("truth.csv").is_file());
    let r = resolve(&data.join("records.csv"), &out, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = assert_accounts(&out);
    assert_eq!(s["rows_skipped"], 0);
    let truth_rows = csv::Reader::from_path(data.join("truth.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(s["records_resolved"], truth_rows as u64);
    let truth = data.join("truth.csv");
    let members = out.join("memberships.csv");
    let r = run([
        "evaluate".as_ref(),
        "--truth".as_ref(),
        truth.as_os_str(),
        members.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("pairwise") && r.stdout.contains("b-cubed"));
    let precision: f64 = r
        .stdout
        .lines()
        .find(|l| l.starts_with("pairwise"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|p| p.parse().ok())
        .unwrap();
    assert!(precision > 0.9, "{}", r.stdout);
    // With the records: the evidence ceiling, and the hard cases from the truth's columns.
    let records = data.join("records.csv");
    let r = run([
        "evaluate".as_ref(),
        "--truth".as_ref(),
        truth.as_os_str(),
        members.as_os_str(),
        "--records".as_ref(),
        records.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let field = |prefix: &str, after: &str| -> f64 {
        let line = r.stdout.lines().find(|l| l.starts_with(prefix)).unwrap();
        let rest = &line[line.find(after).unwrap() + after.len()..];
        rest.split_whitespace().next().unwrap().parse().unwrap()
    };
    let ceiling = field("evidence ceiling", "recall");
    let of_ceiling = field("evidence ceiling", "recall / ceiling");
    assert!(ceiling > 0.3 && ceiling <= 1.0, "{}", r.stdout);
    assert!(of_ceiling > 0.5 && of_ceiling <= 1.0, "{}", r.stdout);
    assert!(field("households", "rate") <= 1.0, "{}", r.stdout);
    // The files swapped: memberships.csv reads as a truth file (record_id, customer_id),
    // and truth.csv, given as memberships, is refused for its missing column.
    let r = run([
        "evaluate".as_ref(),
        "--truth".as_ref(),
        members.as_os_str(),
        truth.as_os_str(),
    ]);
    assert_input_error(&r, &["truth.csv", "customer_id"]);
}

#[test]
fn evaluate_refuses_ambiguous_record_ids() {
    let t = TempDir::new("evalamb");
    let truth = t.join("truth.csv");
    let members = t.join("memberships.csv");
    std::fs::write(&truth, "record_id,entity_id\n1,a\n2,a\n").unwrap();
    std::fs::write(
        &members,
        "record_id,source,customer_id\n1,web,C1\n1,till,C2\n2,web,C1\n",
    )
    .unwrap();
    let args = [
        "evaluate".as_ref(),
        "--truth".as_ref(),
        truth.as_os_str(),
        members.as_os_str(),
    ];
    let r = run(args);
    assert_input_error(&r, &["memberships.csv", "more than once"]);
    // With sources in the truth file, records match by source and id.
    std::fs::write(
        &truth,
        "record_id,source,entity_id\n1,web,a\n1,till,a\n2,web,a\n",
    )
    .unwrap();
    let r = run(args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("pairwise"));
}

#[test]
fn json_prints_valid_json_on_stdout() {
    let t = TempDir::new("json");
    let out = t.join("out");
    let r = resolve(&fixture("ragged.csv"), &out, &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("stdout is JSON");
    assert_eq!(v["rows_read"], 5);
    assert_eq!(v["rows_skipped"], 2);
    assert_eq!(v["records_resolved"], summary(&out)["records_resolved"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn quiet_prints_nothing() {
    let t = TempDir::new("quiet");
    let out = t.join("out");
    let r = resolve(&fixture("ragged.csv"), &out, &["--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "");
    assert!(out.join("summary.json").is_file());
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let t = TempDir::new("pipe");
    let out = t.join("out");
    let mut child = Command::new(BIN)
        .args(["resolve".as_ref(), "-o".as_ref(), out.as_os_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn explain_a_pair() {
    let input = fixture("good.csv");
    let r = run([
        "explain".as_ref(),
        input.as_os_str(),
        "--pair".as_ref(),
        "web/w1".as_ref(),
        "t1".as_ref(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("score") && r.stdout.contains("phone"));
    assert!(r.stdout.contains("same customer: yes"), "{}", r.stdout);
    let r = run([
        "explain".as_ref(),
        input.as_os_str(),
        "--pair".as_ref(),
        "w1".as_ref(),
        "nobody".as_ref(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("`nobody`"), "{}", r.stderr);
}

#[test]
fn evaluate_reads_common_truth_layouts() {
    let t = TempDir::new("evallayouts");
    let truth = t.join("truth.csv");
    let members = t.join("memberships.csv");
    std::fs::write(&members, "record_id,customer_id\n1,C1\n2,C1\n3,C2\n4,C3\n").unwrap();
    let args = [
        "evaluate".as_ref(),
        "--truth".as_ref(),
        truth.as_os_str(),
        members.as_os_str(),
    ];
    let pairwise = |r: &Run| -> String {
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
            .lines()
            .find(|l| l.starts_with("pairwise"))
            .unwrap()
            .to_string()
    };
    let mut seen = Vec::new();
    for label in ["entity_id", "customer_id", "cluster_id", "cluster"] {
        std::fs::write(&truth, format!("record_id,{label}\n1,a\n2,a\n3,b\n4,b\n")).unwrap();
        seen.push(pairwise(&run(args)));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    // The first of the usual names wins; another column is named with --truth-column.
    std::fs::write(
        &truth,
        "record_id,cluster,person\n1,a,x\n2,a,x\n3,b,y\n4,b,y\n",
    )
    .unwrap();
    assert_eq!(pairwise(&run(args)), seen[0]);
    let mut named: Vec<&OsStr> = args.to_vec();
    named.extend([OsStr::new("--truth-column"), OsStr::new("person")]);
    assert_eq!(pairwise(&run(&named)), seen[0]);
    // None of them: an error listing the names looked for and the columns found.
    std::fs::write(&truth, "record_id,person\n1,x\n").unwrap();
    let r = run(args);
    assert_input_error(
        &r,
        &[
            "truth.csv",
            "entity_id",
            "cluster",
            "--truth-column",
            "person",
        ],
    );
    let mut missing: Vec<&OsStr> = args.to_vec();
    missing.extend([OsStr::new("--truth-column"), OsStr::new("nobody")]);
    assert_input_error(&run(&missing), &["truth.csv", "nobody"]);
}
