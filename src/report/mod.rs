//! The HTML report of a run: one self-contained `report.html` drawn from the files `resolve`
//! writes, so that a data team can see what came out without reading CSV.
//!
//! The report is read back from the output directory ([`Outputs::read`]) rather than from a
//! [`Resolution`] in memory, so `omnilink resolve --report` and `omnilink report DIR` (for an
//! earlier run) draw the same page. It reads `summary.json`, `memberships.csv`, `hubs.csv`,
//! and, when present, `model.json` and `pairs.csv`. It never reads `customers.csv`: every
//! figure it needs is in `memberships.csv`, and the golden values in `customers.csv` have no
//! place in a report. The page shows counts, hashed hub keys, customer ids and source names,
//! never an identifier value.
//!
//! # Why plotters
//!
//! The charts are inline SVG drawn by the [`plotters`] crate's SVG backend. The file must
//! open from disk with no network: a JavaScript charting library (Vega-Lite, for example)
//! would have to be inlined, some hundreds of kilobytes of script in every report, and the
//! page would draw nothing where scripts are blocked (a mail client, a locked-down viewer).
//! SVG drawn at write time is static, small (5 to 20 kilobytes a chart), needs no script,
//! prints, and can be checked by a test that reads the file. plotters is maintained, pure
//! Rust, and with its default features off it pulls in no font, image or system library:
//! text is written as SVG `<text>` elements in the viewer's sans-serif font, laid out by
//! plotters' own estimate of text size.
//!
//! ```
//! use omnilink::{io, report, resolve, Config, Record};
//!
//! let records = vec![
//!     Record::new("w1", "web").phone("+7 912 345-67-89").full_name("Anna Petrova"),
//!     Record::new("s1", "store").phone("8 912 345 67 89").full_name("Anna Petrova"),
//!     Record::new("s2", "store").email("ivan@example.com").full_name("Ivan Sokolov"),
//! ];
//! let res = resolve(&records, &Config::default()).unwrap();
//! let dir = std::env::temp_dir().join(format!("omnilink-report-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! io::write_memberships(&dir.join("memberships.csv"), &records, &res).unwrap();
//! io::write_hubs(&dir.join("hubs.csv"), &res).unwrap();
//! report::write_model(&dir.join("model.json"), &res).unwrap();
//! let inputs = vec!["crm.csv".to_string()];
//! let summary = io::Summary::new(&inputs, 3, &[], 0, &res);
//! io::write_summary(&dir.join("summary.json"), &summary).unwrap();
//!
//! let html = report::report_html(&dir).unwrap();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("<svg"));
//! assert!(!html.contains("912")); // no identifier value
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! [`Resolution`]: crate::Resolution

mod chart;
mod data;
mod html;
mod model;

use std::path::{Path, PathBuf};

use crate::{Error, Result};

pub use data::Outputs;
pub use model::{write_model, FieldFigures, LevelFigures, ModelFile};

/// The file name of the report in an output directory.
pub const REPORT_FILE: &str = "report.html";

/// The report of the run whose outputs are in `dir`, as one self-contained HTML page.
///
/// Fails when `summary.json`, `memberships.csv` or `hubs.csv` is missing or unreadable;
/// `model.json` and `pairs.csv` are optional (their sections then say so). See the
/// [module documentation](self) for an example.
pub fn report_html(dir: &Path) -> Result<String> {
    Ok(render(&Outputs::read(dir)?))
}

/// The report of outputs already read.
pub fn render(outputs: &Outputs) -> String {
    html::page(outputs)
}

/// Writes `report.html` into `dir` from the outputs there, and returns its path.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let page = report_html(dir)?;
    let path = dir.join(REPORT_FILE);
    std::fs::write(&path, page).map_err(|e| Error::io(Some(path.clone()), e))?;
    Ok(path)
}
