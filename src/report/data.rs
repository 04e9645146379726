//! Reading a run's outputs back, keeping only counts, scores, ids and source names.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::model::ModelFile;
use crate::{Error, Result};

/// The largest clusters listed with their channel mix.
pub(crate) const LARGEST: usize = 20;

/// `summary.json`, as far as the report uses it (fields it lacks read as zero).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Summary {
    pub inputs: Vec<String>,
    pub rows_read: u64,
    pub records_resolved: u64,
    pub rows_skipped: u64,
    pub skipped: Vec<SkipRow>,
    pub duplicate_ids: u64,
    pub hubs: u64,
    pub stats: Stats,
    pub read_ms: f64,
    pub write_ms: f64,
    pub total_ms: f64,
}

/// One skipped row: where and why (the reason's details, which may name a column, are not
/// kept).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SkipRow {
    pub input: String,
    pub reason: String,
}

/// The pipeline's figures in `summary.json`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Stats {
    pub rejected: BTreeMap<String, u64>,
    pub rules: Vec<RuleRow>,
    pub candidate_pairs: u64,
    pub reduction_ratio: f64,
    pub contradicting_pairs: u64,
    pub accepted_pairs: u64,
    pub guarded_edges: u64,
    pub ambiguous_records: u64,
    pub em_iterations: u64,
    pub trained: bool,
    pub em_converged: bool,
    pub threshold: f64,
    pub customers: u64,
    pub cluster_sizes: BTreeMap<u32, u64>,
    pub stage_ms: BTreeMap<String, f64>,
    pub identifier_key: bool,
}

/// One blocking rule's figures.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RuleRow {
    pub rule: Option<String>,
    pub pairs: u64,
    pub hubs: u64,
    pub skipped: bool,
}

/// One row of `hubs.csv`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HubRow {
    pub rule: String,
    pub key_hash: String,
    pub records: u64,
    /// `source:count`, most frequent first.
    pub sources: Vec<(String, u64)>,
}

/// A customer and its records per source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub id: String,
    pub records: u64,
    /// `(source index, records)`, most records first.
    pub mix: Vec<(usize, u64)>,
}

/// What `memberships.csv` tells, aggregated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memberships {
    /// Source names, in order of first appearance.
    pub sources: Vec<String>,
    /// Records per source.
    pub records_per_source: Vec<u64>,
    /// `links[a][b]`: customers holding records of both sources `a` and `b` (on the
    /// diagonal: customers holding records of `a`).
    pub links: Vec<Vec<u64>>,
    /// The largest customers, largest first.
    pub largest: Vec<Cluster>,
    /// Scores of records held in their customer by a link.
    pub scores: Vec<f32>,
    /// Records with no score (alone in their customer).
    pub unscored: u64,
    /// Records in all.
    pub records: u64,
    /// Customers in all.
    pub customers: u64,
}

/// The scores of `pairs.csv` and, for the pairs nearest the threshold, their field weights.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pairs {
    /// Every pair's score.
    pub scores: Vec<f32>,
    /// The field names of the weight columns (`w_<field>`).
    pub fields: Vec<String>,
    /// `(score, weights)` of the linked pairs nearest the threshold, nearest first.
    pub nearest: Vec<(f64, Vec<f64>)>,
}

/// Pairs near the threshold drawn as waterfalls.
pub(crate) const WATERFALLS: usize = 3;

/// A run's outputs, read back from its output directory: what the report is drawn from.
///
/// Only counts, scores, customer ids, source names and hashed hub keys are kept; no
/// identifier value is read into it.
#[derive(Clone, Debug)]
pub struct Outputs {
    pub(crate) summary: Summary,
    pub(crate) memberships: Memberships,
    pub(crate) hubs: Vec<HubRow>,
    pub(crate) model: Option<ModelFile>,
    pub(crate) pairs: Option<Pairs>,
}

fn read_err(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(Some(path.to_path_buf()), io),
        _ => Error::input(Some(path.to_path_buf()), line, "unreadable CSV"),
    }
}

/// A CSV reader of `path` and the positions of the `wanted` columns in its header.
fn open_csv<const N: usize>(
    path: &Path,
    wanted: [&str; N],
) -> Result<(csv::Reader<std::fs::File>, [usize; N])> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| read_err(path, e))?;
    let header = rdr.byte_headers().map_err(|e| read_err(path, e))?.clone();
    let mut cols = [0; N];
    for (c, name) in cols.iter_mut().zip(wanted) {
        *c = header
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| {
                Error::input(
                    Some(path.to_path_buf()),
                    Some(1),
                    format!("no `{name}` column"),
                )
            })?;
    }
    Ok((rdr, cols))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Outputs {
    /// Reads the outputs in `dir`: `summary.json`, `memberships.csv`, `hubs.csv`, and
    /// `model.json` and `pairs.csv` when they are there.
    pub fn read(dir: &Path) -> Result<Outputs> {
        let summary = read_summary(&dir.join("summary.json"))?;
        let memberships = read_memberships(&dir.join("memberships.csv"))?;
        let hubs = read_hubs(&dir.join("hubs.csv"))?;
        let model_path = dir.join("model.json");
        let model = if model_path.is_file() {
            let text = std::fs::read_to_string(&model_path)
                .map_err(|e| Error::io(Some(model_path.clone()), e))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                Error::input(
                    Some(model_path.clone()),
                    Some(e.line() as u64),
                    "not a model",
                )
            })?)
        } else {
            None
        };
        let pairs_path = dir.join("pairs.csv");
        let pairs = if pairs_path.is_file() {
            Some(read_pairs(&pairs_path, summary.stats.threshold)?)
        } else {
            None
        };
        Ok(Outputs {
            summary,
            memberships,
            hubs,
            model,
            pairs,
        })
    }
}

fn read_summary(path: &Path) -> Result<Summary> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(Some(path.into()), e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(
            Some(path.into()),
            Some(e.line() as u64),
            "not a summary written by omnilink",
        )
    })
}

fn read_hubs(path: &Path) -> Result<Vec<HubRow>> {
    let (mut rdr, [rule, key, records, sources]) =
        open_csv(path, ["rule", "key_hash", "records", "sources"])?;
    let mut out = Vec::new();
    let mut row = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut row)
        .map_err(|e| read_err(path, e))?
    {
        let field = |i: usize| row.get(i).unwrap_or_default();
        let sources = text(field(sources))
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|s| match s.rsplit_once(':') {
                Some((name, n)) => (name.to_string(), n.parse().unwrap_or(0)),
                None => (s.to_string(), 0),
            })
            .collect();
        out.push(HubRow {
            rule: text(field(rule)),
            key_hash: text(field(key)),
            records: text(field(records)).parse().unwrap_or(0),
            sources,
        });
    }
    out.sort_by_key(|h| std::cmp::Reverse(h.records));
    Ok(out)
}

fn read_memberships(path: &Path) -> Result<Memberships> {
    let (mut rdr, [source_col, customer_col, score_col]) =
        open_csv(path, ["source", "customer_id", "score"])?;
    let state = foldhash::fast::RandomState::default();
    let mut customer_index: HashMap<Box<[u8]>, u32, _> = HashMap::with_hasher(state);
    let mut customer_ids: Vec<Box<[u8]>> = Vec::new();
    let mut out = Memberships::default();
    // (customer, source) per record: sorted, they give each customer's mix.
    let mut held: Vec<(u32, u32)> = Vec::new();
    let mut row = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut row)
        .map_err(|e| read_err(path, e))?
    {
        let field = |i: usize| row.get(i).unwrap_or_default();
        let source = field(source_col);
        // Sources are few: a linear search beats hashing.
        let s = match out.sources.iter().position(|x| x.as_bytes() == source) {
            Some(s) => s,
            None => {
                out.sources.push(text(source));
                out.records_per_source.push(0);
                out.sources.len() - 1
            }
        };
        out.records_per_source[s] += 1;
        let id = field(customer_col);
        let c = match customer_index.get(id) {
            Some(&c) => c,
            None => {
                let c = customer_ids.len() as u32;
                customer_ids.push(id.into());
                customer_index.insert(id.into(), c);
                c
            }
        };
        held.push((c, s as u32));
        let score = field(score_col);
        match std::str::from_utf8(score)
            .ok()
            .and_then(|x| x.parse::<f32>().ok())
        {
            Some(x) if x.is_finite() => out.scores.push(x),
            _ => out.unscored += 1,
        }
        out.records += 1;
    }
    drop(customer_index);
    out.customers = customer_ids.len() as u64;
    held.sort_unstable();
    let n = out.sources.len();
    out.links = vec![vec![0; n]; n];
    // The largest customers: (records, customer), kept to the top LARGEST.
    let mut sizes: Vec<(u64, u32)> = Vec::new();
    let mut mix: Vec<(usize, u64)> = Vec::new();
    for group in held.chunk_by(|a, b| a.0 == b.0) {
        mix.clear();
        for run in group.chunk_by(|a, b| a.1 == b.1) {
            mix.push((run[0].1 as usize, run.len() as u64));
        }
        for (i, &(a, _)) in mix.iter().enumerate() {
            for &(b, _) in &mix[i..] {
                out.links[a][b] += 1;
                if a != b {
                    out.links[b][a] += 1;
                }
            }
        }
        sizes.push((group.len() as u64, group[0].0));
    }
    let top = LARGEST.min(sizes.len());
    if top > 0 && top < sizes.len() {
        sizes.select_nth_unstable_by(top - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    sizes.truncate(top);
    sizes.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (records, c) in sizes {
        let lo = held.partition_point(|h| h.0 < c);
        let hi = held.partition_point(|h| h.0 <= c);
        let mut mix: Vec<(usize, u64)> = held[lo..hi]
            .chunk_by(|a, b| a.1 == b.1)
            .map(|run| (run[0].1 as usize, run.len() as u64))
            .collect();
        mix.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.largest.push(Cluster {
            id: text(&customer_ids[c as usize]),
            records,
            mix,
        });
    }
    Ok(out)
}

fn read_pairs(path: &Path, threshold: f64) -> Result<Pairs> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| read_err(path, e))?;
    let header = rdr.byte_headers().map_err(|e| read_err(path, e))?.clone();
    let score_col = header
        .iter()
        .position(|h| h == b"score")
        .ok_or_else(|| Error::input(Some(path.into()), Some(1), "no `score` column"))?;
    let weight_cols: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix(b"w_").map(|f| (i, text(f))))
        .collect();
    let mut out = Pairs {
        fields: weight_cols.iter().map(|(_, f)| f.clone()).collect(),
        ..Pairs::default()
    };
    // The pairs nearest the threshold so far: (distance, score, row number).
    let mut nearest: Vec<(f64, f64, Vec<f64>)> = Vec::new();
    let mut row = csv::ByteRecord::new();
    let number = |b: &[u8]| -> Option<f64> {
        std::str::from_utf8(b)
            .ok()?
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
    };
    while rdr
        .read_byte_record(&mut row)
        .map_err(|e| read_err(path, e))?
    {
        let Some(score) = row.get(score_col).and_then(number) else {
            continue;
        };
        out.scores.push(score as f32);
        let distance = (score - threshold).abs();
        if nearest.len() < WATERFALLS || distance < nearest[nearest.len() - 1].0 {
            let weights = weight_cols
                .iter()
                .map(|&(i, _)| row.get(i).and_then(number).unwrap_or(0.0))
                .collect();
            nearest.push((distance, score, weights));
            nearest.sort_by(|a, b| a.0.total_cmp(&b.0));
            nearest.truncate(WATERFALLS);
        }
    }
    out.nearest = nearest.into_iter().map(|(_, s, w)| (s, w)).collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "omnilink-report-data-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn memberships_give_mixes_links_and_scores() {
        let d = dir("memberships");
        let path = d.join("memberships.csv");
        std::fs::write(
            &path,
            "record_id,source,customer_id,score,probability\n\
             w1,web,C1,20.5,0.99\n\
             s1,store,C1,20.5,0.99\n\
             s2,store,C1,18.0,0.99\n\
             a1,app,C2,,\n\
             w2,web,C3,12.25,0.9\n\
             a2,app,C3,12.25,0.9\n",
        )
        .unwrap();
        let m = read_memberships(&path).unwrap();
        assert_eq!(m.sources, ["web", "store", "app"]);
        assert_eq!(m.records_per_source, [2, 2, 2]);
        assert_eq!((m.records, m.customers, m.unscored), (6, 3, 1));
        assert_eq!(m.scores, [20.5, 20.5, 18.0, 12.25, 12.25]);
        // web-store: C1; web-app: C3; store-app: none. Diagonal: customers with the source.
        assert_eq!(m.links, [[2, 1, 1], [1, 1, 0], [1, 0, 2]]);
        assert_eq!(m.largest[0].id, "C1");
        assert_eq!(m.largest[0].records, 3);
        assert_eq!(m.largest[0].mix, [(1, 2), (0, 1)]);
        assert_eq!(m.largest.len(), 3);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn hubs_and_pairs_are_read_and_bad_files_name_themselves() {
        let d = dir("hubs");
        let hubs = d.join("hubs.csv");
        std::fs::write(
            &hubs,
            "rule,key_hash,records,sources\nphone,ab12,40,web:30;app:10\nemail,cd34,90,store:90\n",
        )
        .unwrap();
        let h = read_hubs(&hubs).unwrap();
        assert_eq!(h[0].key_hash, "cd34");
        assert_eq!(
            h[1].sources,
            [("web".to_string(), 30), ("app".to_string(), 10)]
        );
        let pairs = d.join("pairs.csv");
        std::fs::write(
            &pairs,
            "record_a,record_b,score,probability,w_phone,w_email\n\
             a,b,30.0,1,25,5\nc,d,9.5,0.9,4,5.5\ne,f,8.0,0.9,8,0\ng,h,40,1,20,20\nx,y,7.0,0.9,7,0\n",
        )
        .unwrap();
        let p = read_pairs(&pairs, 8.5).unwrap();
        assert_eq!(p.fields, ["phone", "email"]);
        assert_eq!(p.scores.len(), 5);
        let near: Vec<f64> = p.nearest.iter().map(|x| x.0).collect();
        assert_eq!(near, [8.0, 9.5, 7.0]);
        assert_eq!(p.nearest[1].1, [4.0, 5.5]);
        std::fs::write(d.join("summary.json"), "not json").unwrap();
        let e = Outputs::read(&d).unwrap_err().to_string();
        assert!(e.contains("summary.json"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
