//! `omnilink resolve --report` and `omnilink report DIR` end to end on the bundled sample:
//! the page is written, needs nothing from the network, draws every chart, carries the run's
//! figures and no identifier value of the input.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_omnilink");

/// Raw values of the bundled sample (phones as written, e-mails, loyalty cards) and the
/// normalised form of its first phone; none may appear in the report.
const VALUES: [&str; 9] = [
    "+79655527500",
    "79655527500",
    "919355274304",
    "+77769191937",
    "komal878@gmail.com",
    "alikha.n1465@gmail.com",
    "me.nond1379@gmail.com",
    "2770422586502",
    "2770112426873",
];

/// A directory under the system temp dir, unique per test and process, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("omnilink-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/records.csv")
}

/// Runs the binary; returns its exit code and standard error.
fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the omnilink binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

/// A count as the report writes it (thousands separated by thin spaces).
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// The element with id `id`, from its opening tag to the end of the page.
fn element<'a>(page: &'a str, id: &str) -> &'a str {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element `{id}`"));
    &page[at..]
}

fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "<script",
        "<link",
        "@import",
        "url(",
        "@font-face",
    ] {
        assert!(!lower.contains(bad), "the report loads something: `{bad}`");
    }
    // The only URL is the SVG namespace, which is a name, not a request.
    let urls = lower.matches("http://").count() + lower.matches("https://").count();
    let namespaces = lower
        .matches("xmlns=\"http://www.w3.org/2000/svg\"")
        .count();
    assert_eq!(urls, namespaces, "a URL other than the SVG namespace");
}

#[test]
fn resolve_report_on_the_bundled_sample() {
    let t = TempDir::new("sample");
    let out = t.0.join("out");
    let (code, stderr) = run(&[
        "resolve".as_ref(),
        sample().as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--pairs".as_ref(),
        "--report".as_ref(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let path = out.join("report.html");
    assert!(path.is_file());
    let page = std::fs::read_to_string(&path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    assert_self_contained(&page);

    // Every chart is there and drawn: an SVG with marks and text.
    for id in [
        "chart-scores",
        "chart-pair-scores",
        "chart-waterfall-1",
        "chart-model",
        "chart-cluster-sizes",
        "chart-rules",
        "chart-rejected",
        "chart-stage-times",
    ] {
        let fig = element(&page, id);
        let fig = &fig[..fig.find("</figure>").unwrap()];
        assert!(fig.contains("<svg"), "{id}: no SVG");
        assert!(fig.contains("<rect"), "{id}: no bars");
        assert!(fig.contains("<text"), "{id}: no axis text");
    }
    assert!(element(&page, "channels").contains("<table>"));

    // The run's figures.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let stats = &summary["stats"];
    for n in [
        &summary["rows_read"],
        &summary["records_resolved"],
        &stats["customers"],
        &stats["candidate_pairs"],
        &stats["accepted_pairs"],
    ] {
        let n = n.as_u64().unwrap();
        assert!(page.contains(&count(n)), "{n} not in the report");
    }
    assert!(page.contains(&format!("{:.2} bits", stats["threshold"].as_f64().unwrap())));
    let rejected = stats["rejected"].as_object().unwrap();
    assert!(!rejected.is_empty());
    for (kind, n) in rejected {
        let kind = kind.split('/').next().unwrap();
        assert!(element(&page, "rejected").contains(kind));
        assert!(page.contains(&count(n.as_u64().unwrap())));
    }
    for source in ["web", "app", "call_centre"] {
        assert!(element(&page, "channels").contains(source), "{source}");
    }
    // The model written beside the outputs is drawn.
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    assert!(page.contains(&format!(
        "Prior: {:.2} bits",
        model["prior"].as_f64().unwrap()
    )));

    // No identifier value of the input.
    for v in VALUES {
        assert!(!page.contains(v), "`{v}` is in the report");
    }
    let input = std::fs::read_to_string(sample()).unwrap();
    assert!(
        VALUES.iter().all(|v| input.contains(v)),
        "the values are the sample's"
    );

    // `report DIR` draws the same page again from the outputs.
    std::fs::remove_file(&path).unwrap();
    let (code, stderr) = run(&["report".as_ref(), out.as_os_str()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), page);
}

#[test]
fn report_of_a_directory_without_outputs_is_an_input_error() {
    let t = TempDir::new("empty");
    let (code, stderr) = run(&["report".as_ref(), t.0.as_os_str()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("summary.json"), "{stderr}");
    assert!(!t.0.join("report.html").exists());
}

#[test]
fn report_without_model_or_pairs_says_so() {
    let t = TempDir::new("bare");
    let out = t.0.join("out");
    let (code, stderr) = run(&[
        "resolve".as_ref(),
        sample().as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !out.join("report.html").exists(),
        "written without --report"
    );
    std::fs::remove_file(out.join("model.json")).unwrap();
    let (code, stderr) = run(&["report".as_ref(), out.as_os_str()]);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("No model.json"));
    assert!(page.contains("--pairs"));
    assert!(!page.contains("chart-model"));
    assert!(page.contains("chart-scores"));
}
