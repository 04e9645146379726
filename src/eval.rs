//! Match quality against a known truth.
//!
//! Given, for every record, the id of the real person it belongs to (`truth`) and the id of
//! the cluster a resolver put it in (`pred`), this module computes:
//!
//! - [`pairwise`] precision, recall and F1 over pairs of records,
//! - [`bcubed`] precision, recall and F1 (per-record, averaged),
//! - [`cluster_stats`]: entity and cluster counts, the largest of each, how many entities were
//!   split and how many clusters mix people,
//! - [`group_merge_rate`]: inside groups of look-alike people (a household, namesakes), how
//!   often two different people were merged,
//! - [`subset_recall`]: pairwise recall restricted to some records (e.g. customers who changed
//!   phone),
//! - [`blocking_quality`]: reduction ratio and pair completeness of a set of candidate pairs,
//!
//! and a [`Report`] bundling the first three.
//!
//! All but [`blocking_quality`] work from contingency counts (how many records each
//! (entity, cluster) cell holds), never by enumerating pairs: time and memory are linear in
//! the number of records, so ten million records evaluate in seconds.
//!
//! Labels are arbitrary `u32`s; only equality matters. [`Labels::from_strings`] turns string
//! ids into labels.
//!
//! ```
//! use omnilink::eval::{pairwise, Report};
//!
//! // Five records of two people (0 and 1); the resolver split person 0 and merged nobody.
//! let truth = [0, 0, 0, 1, 1];
//! let pred = [7, 7, 8, 9, 9];
//! let p = pairwise(&truth, &pred)?;
//! assert_eq!((p.true_pairs, p.predicted_pairs, p.true_positive_pairs), (4, 2, 2));
//! assert_eq!(p.precision, 1.0);
//! assert_eq!(p.recall, 0.5);
//!
//! let report = Report::new(&truth, &pred)?;
//! assert_eq!(report.clusters.split_entities, 1);
//! println!("{report}");
//! # Ok::<(), omnilink::Error>(())
//! ```
//!
//! ## Conventions for empty denominators
//!
//! A ratio whose denominator is zero takes the value that says "nothing went wrong":
//! precision is `1.0` when nothing was predicted, recall is `1.0` when there was nothing to
//! find, both B-cubed figures are `1.0` on empty input, and F1 is `0.0` only when precision and
//! recall are both `0.0`. A [`GroupMerge::rate`] with no cross-entity pair in any group is
//! `0.0` (nothing was wrongly merged).

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Per-record labels built from string ids: equal strings get equal labels, assigned densely
/// (`0, 1, 2, ...`) in order of first appearance.
///
/// ```
/// use omnilink::eval::Labels;
/// let l = Labels::from_strings(["c-9", "c-2", "c-9"]);
/// assert_eq!(l.as_slice(), &[0, 1, 0]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Vec<u32>);

impl Labels {
    /// Labels for a sequence of string ids. Panics never; past `u32::MAX` distinct ids the
    /// label space is exhausted and later new ids share the last label (far beyond any real
    /// input).
    pub fn from_strings<I, S>(ids: I) -> Labels
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut seen: HashMap<Box<str>, u32> = HashMap::new();
        let mut out = Vec::new();
        for id in ids {
            let id = id.as_ref();
            let label = match seen.get(id) {
                Some(&l) => l,
                None => {
                    let l = u32::try_from(seen.len()).unwrap_or(u32::MAX);
                    seen.insert(id.into(), l);
                    l
                }
            };
            out.push(label);
        }
        Labels(out)
    }

    /// The labels, one per record.
    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    /// The labels as a vector.
    pub fn into_vec(self) -> Vec<u32> {
        self.0
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` when there are no records.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u32>> for Labels {
    fn from(v: Vec<u32>) -> Labels {
        Labels(v)
    }
}

impl AsRef<[u32]> for Labels {
    fn as_ref(&self) -> &[u32] {
        &self.0
    }
}

/// Pairwise figures: a pair of records is *true* when both belong to the same entity and
/// *predicted* when both are in the same cluster.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairwiseMetrics {
    /// Pairs of records of the same entity.
    pub true_pairs: u64,
    /// Pairs of records in the same predicted cluster.
    pub predicted_pairs: u64,
    /// Pairs that are both.
    pub true_positive_pairs: u64,
    /// `true_positive_pairs / predicted_pairs`; `1.0` when nothing was predicted.
    pub precision: f64,
    /// `true_positive_pairs / true_pairs`; `1.0` when there are no true pairs.
    pub recall: f64,
    /// Harmonic mean of precision and recall; `0.0` when both are `0.0`.
    pub f1: f64,
}

/// B-cubed figures: for each record, precision is the share of its cluster that is the same
/// entity, recall the share of its entity that is in its cluster; both averaged over records.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BCubed {
    /// Mean per-record precision; `1.0` on empty input.
    pub precision: f64,
    /// Mean per-record recall; `1.0` on empty input.
    pub recall: f64,
    /// Harmonic mean of precision and recall; `0.0` when both are `0.0`.
    pub f1: f64,
}

/// Counts that show how a clustering differs from the truth in shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Records evaluated.
    pub records: u64,
    /// Distinct true entities.
    pub true_entities: u64,
    /// Distinct predicted clusters.
    pub predicted_clusters: u64,
    /// Records of the largest true entity.
    pub largest_true: u64,
    /// Records of the largest predicted cluster.
    pub largest_predicted: u64,
    /// True entities with a single record.
    pub true_singletons: u64,
    /// Predicted clusters with a single record.
    pub predicted_singletons: u64,
    /// True entities whose records lie in more than one predicted cluster.
    pub split_entities: u64,
    /// Predicted clusters holding records of more than one true entity.
    pub mixed_clusters: u64,
}

/// How often look-alike people were merged: among pairs of records that share a group but
/// belong to different entities, those placed in the same predicted cluster.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMerge {
    /// Records that belong to some group.
    pub group_records: u64,
    /// Pairs of records in the same group and of different entities.
    pub cross_entity_pairs: u64,
    /// Of those, pairs in the same predicted cluster (wrong merges).
    pub merged_pairs: u64,
    /// `merged_pairs / cross_entity_pairs`; `0.0` when there are no cross-entity pairs.
    pub rate: f64,
}

/// Pairwise recall over a subset of records.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubsetRecall {
    /// Records in the subset.
    pub records: u64,
    /// Pairs of subset records of the same entity.
    pub true_pairs: u64,
    /// Of those, pairs in the same predicted cluster.
    pub found_pairs: u64,
    /// `found_pairs / true_pairs`; `1.0` when there are no true pairs.
    pub recall: f64,
}

/// How good a set of candidate pairs (the output of blocking) is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockingQuality {
    /// Records.
    pub records: u64,
    /// Candidate pairs counted (self-pairs and out-of-range ids excluded).
    pub candidate_pairs: u64,
    /// Pairs skipped because an id was out of range or both ids were the same record.
    pub ignored_pairs: u64,
    /// Pairs of records of the same entity (what blocking should find).
    pub true_pairs: u64,
    /// Distinct true pairs among the candidates.
    pub true_pairs_found: u64,
    /// `1 - candidate_pairs / (n (n - 1) / 2)`: the share of all pairs not compared;
    /// `1.0` when there are fewer than two records.
    pub reduction_ratio: f64,
    /// `true_pairs_found / true_pairs`; `1.0` when there are no true pairs.
    pub pair_completeness: f64,
    /// `true_pairs_found / candidate_pairs`; `1.0` when there are no candidates.
    pub pair_quality: f64,
}

/// Pairwise, B-cubed and cluster figures of one clustering against the truth.
///
/// `Display` prints a compact table.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Pairwise figures.
    pub pairwise: PairwiseMetrics,
    /// B-cubed figures.
    pub bcubed: BCubed,
    /// Cluster shape figures.
    pub clusters: ClusterStats,
}

impl Report {
    /// Evaluates `pred` against `truth` (one label per record, same length).
    ///
    /// Fails only when the two slices differ in length.
    pub fn new(truth: &[u32], pred: &[u32]) -> Result<Report> {
        Ok(Contingency::new(truth, pred)?.report())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.pairwise;
        let b = &self.bcubed;
        let c = &self.clusters;
        writeln!(
            f,
            "{:<10} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1"
        )?;
        writeln!(
            f,
            "{:<10} {:>9.4} {:>9.4} {:>9.4}   pairs: {} true, {} predicted, {} both",
            "pairwise",
            p.precision,
            p.recall,
            p.f1,
            p.true_pairs,
            p.predicted_pairs,
            p.true_positive_pairs
        )?;
        writeln!(
            f,
            "{:<10} {:>9.4} {:>9.4} {:>9.4}",
            "b-cubed", b.precision, b.recall, b.f1
        )?;
        writeln!(
            f,
            "{:<10} {:>9} {:>9}   records: {}",
            "", "true", "predicted", c.records
        )?;
        writeln!(
            f,
            "{:<10} {:>9} {:>9}",
            "clusters", c.true_entities, c.predicted_clusters
        )?;
        writeln!(
            f,
            "{:<10} {:>9} {:>9}",
            "largest", c.largest_true, c.largest_predicted
        )?;
        writeln!(
            f,
            "{:<10} {:>9} {:>9}",
            "singletons", c.true_singletons, c.predicted_singletons
        )?;
        write!(
            f,
            "split entities: {}, mixed clusters: {}",
            c.split_entities, c.mixed_clusters
        )
    }
}

/// The contingency table of a clustering against the truth: the size of every entity, every
/// cluster, and every non-empty (entity, cluster) cell. Every figure of [`Report`] derives
/// from it; build it once when you need several.
///
/// ```
/// use omnilink::eval::Contingency;
/// let c = Contingency::new(&[1, 1, 2], &[5, 6, 6])?;
/// assert_eq!(c.records(), 3);
/// assert_eq!(c.pairwise().predicted_pairs, 1);
/// # Ok::<(), omnilink::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Contingency {
    records: u64,
    truth_sizes: Vec<u64>,
    pred_sizes: Vec<u64>,
    /// (dense truth label, dense predicted label, records), grouped by truth label.
    cells: Vec<(u32, u32, u64)>,
}

impl Contingency {
    /// Counts the table. Time and memory are linear in the number of records.
    ///
    /// Fails when the slices differ in length or hold more than `u32::MAX` records.
    pub fn new(truth: &[u32], pred: &[u32]) -> Result<Contingency> {
        check_lengths(truth.len(), pred.len())?;
        let (t, nt) = densify(truth);
        let (p, np) = densify(pred);
        let joint = Joint::new(&t, nt, &p, np);
        Ok(Contingency {
            records: truth.len() as u64,
            truth_sizes: sizes(&t, nt),
            pred_sizes: sizes(&p, np),
            cells: joint.keys,
        })
    }

    /// Records counted.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Pairwise precision, recall and F1.
    pub fn pairwise(&self) -> PairwiseMetrics {
        let true_pairs = sum_pairs(self.truth_sizes.iter().copied());
        let predicted_pairs = sum_pairs(self.pred_sizes.iter().copied());
        let tp = sum_pairs(self.cells.iter().map(|c| c.2));
        let precision = ratio_or(tp, predicted_pairs, 1.0);
        let recall = ratio_or(tp, true_pairs, 1.0);
        PairwiseMetrics {
            true_pairs,
            predicted_pairs,
            true_positive_pairs: tp,
            precision,
            recall,
            f1: f1(precision, recall),
        }
    }

    /// B-cubed precision, recall and F1.
    pub fn bcubed(&self) -> BCubed {
        if self.records == 0 {
            return BCubed {
                precision: 1.0,
                recall: 1.0,
                f1: 1.0,
            };
        }
        // Each of the `n` records of a cell (t, p) has precision n / |p| and recall n / |t|.
        let (mut ps, mut rs) = (0.0f64, 0.0f64);
        for &(t, p, n) in &self.cells {
            let nn = (n as f64) * (n as f64);
            ps += nn / self.pred_sizes[p as usize] as f64;
            rs += nn / self.truth_sizes[t as usize] as f64;
        }
        let n = self.records as f64;
        let (precision, recall) = ((ps / n).min(1.0), (rs / n).min(1.0));
        BCubed {
            precision,
            recall,
            f1: f1(precision, recall),
        }
    }

    /// Entity and cluster counts.
    pub fn clusters(&self) -> ClusterStats {
        let mut truth_cells = vec![0u32; self.truth_sizes.len()];
        let mut pred_cells = vec![0u32; self.pred_sizes.len()];
        for &(t, p, _) in &self.cells {
            truth_cells[t as usize] += 1;
            pred_cells[p as usize] += 1;
        }
        let singletons = |s: &[u64]| s.iter().filter(|&&n| n == 1).count() as u64;
        ClusterStats {
            records: self.records,
            true_entities: self.truth_sizes.len() as u64,
            predicted_clusters: self.pred_sizes.len() as u64,
            largest_true: self.truth_sizes.iter().copied().max().unwrap_or(0),
            largest_predicted: self.pred_sizes.iter().copied().max().unwrap_or(0),
            true_singletons: singletons(&self.truth_sizes),
            predicted_singletons: singletons(&self.pred_sizes),
            split_entities: truth_cells.iter().filter(|&&c| c > 1).count() as u64,
            mixed_clusters: pred_cells.iter().filter(|&&c| c > 1).count() as u64,
        }
    }

    /// All three groups of figures.
    pub fn report(&self) -> Report {
        Report {
            pairwise: self.pairwise(),
            bcubed: self.bcubed(),
            clusters: self.clusters(),
        }
    }
}

/// Pairwise precision, recall and F1 of `pred` against `truth` (one label per record).
///
/// ```
/// use omnilink::eval::pairwise;
/// // Everyone in one cluster: every true pair found, most predicted pairs wrong.
/// let p = pairwise(&[0, 0, 1, 2], &[0, 0, 0, 0])?;
/// assert_eq!((p.true_pairs, p.predicted_pairs, p.true_positive_pairs), (1, 6, 1));
/// assert_eq!(p.recall, 1.0);
/// # Ok::<(), omnilink::Error>(())
/// ```
pub fn pairwise(truth: &[u32], pred: &[u32]) -> Result<PairwiseMetrics> {
    Ok(Contingency::new(truth, pred)?.pairwise())
}

/// B-cubed precision, recall and F1 of `pred` against `truth`.
///
/// ```
/// use omnilink::eval::bcubed;
/// let b = bcubed(&[0, 0, 1], &[0, 0, 0])?;
/// // Records of entity 0 see 2/3 of their cluster as theirs, the record of entity 1 sees 1/3.
/// assert!((b.precision - 5.0 / 9.0).abs() < 1e-12);
/// assert_eq!(b.recall, 1.0);
/// # Ok::<(), omnilink::Error>(())
/// ```
pub fn bcubed(truth: &[u32], pred: &[u32]) -> Result<BCubed> {
    Ok(Contingency::new(truth, pred)?.bcubed())
}

/// Entity and cluster counts of `pred` against `truth`.
pub fn cluster_stats(truth: &[u32], pred: &[u32]) -> Result<ClusterStats> {
    Ok(Contingency::new(truth, pred)?.clusters())
}

/// Among pairs of records that share a group (`Some(g)`: a household, a namesake group) but
/// belong to different true entities, how many the clustering put together.
///
/// Counted as `(C(g,p) - C(g,p,t)) / (C(g) - C(g,t))`, where `C(..)` is the number of
/// record pairs agreeing on the listed labels. Records with `None` are ignored.
///
/// ```
/// use omnilink::eval::group_merge_rate;
/// // A household (group 1) of two people (entities 10 and 11); the resolver merged them.
/// let group = [Some(1), Some(1), Some(1), None];
/// let truth = [10, 10, 11, 12];
/// let pred = [0, 0, 0, 1];
/// let m = group_merge_rate(&group, &truth, &pred)?;
/// assert_eq!((m.cross_entity_pairs, m.merged_pairs), (2, 2));
/// assert_eq!(m.rate, 1.0);
/// # Ok::<(), omnilink::Error>(())
/// ```
pub fn group_merge_rate(group: &[Option<u32>], truth: &[u32], pred: &[u32]) -> Result<GroupMerge> {
    check_lengths(truth.len(), pred.len())?;
    check_lengths(truth.len(), group.len())?;
    let mut g = Vec::new();
    let mut t = Vec::new();
    let mut p = Vec::new();
    for ((gr, &tr), &pr) in group.iter().zip(truth).zip(pred) {
        if let Some(gr) = gr {
            g.push(*gr);
            t.push(tr);
            p.push(pr);
        }
    }
    let (g, ng) = densify(&g);
    let (t, nt) = densify(&t);
    let (p, np) = densify(&p);
    let gt = Joint::new(&g, ng, &t, nt);
    let gp = Joint::new(&g, ng, &p, np);
    let gtp = Joint::new(&gt.ids, gt.keys.len(), &p, np);
    let c_g = sum_pairs(sizes(&g, ng).into_iter());
    let c_gt = sum_pairs(gt.keys.iter().map(|k| k.2));
    let c_gp = sum_pairs(gp.keys.iter().map(|k| k.2));
    let c_gtp = sum_pairs(gtp.keys.iter().map(|k| k.2));
    let cross = c_g - c_gt;
    let merged = c_gp - c_gtp;
    Ok(GroupMerge {
        group_records: g.len() as u64,
        cross_entity_pairs: cross,
        merged_pairs: merged,
        rate: ratio_or(merged, cross, 0.0),
    })
}

/// Pairwise recall over the records with `include[i] == true`: of the pairs of such records
/// that belong to the same entity, how many share a predicted cluster.
///
/// To measure recall on entities carrying a tag (say, customers who changed phone), include
/// every record of those entities.
///
/// ```
/// use omnilink::eval::subset_recall;
/// let include = [true, true, true, false, false];
/// let truth = [0, 0, 0, 1, 1];
/// let pred = [0, 0, 1, 2, 2];
/// let r = subset_recall(&include, &truth, &pred)?;
/// assert_eq!((r.true_pairs, r.found_pairs), (3, 1));
/// # Ok::<(), omnilink::Error>(())
/// ```
pub fn subset_recall(include: &[bool], truth: &[u32], pred: &[u32]) -> Result<SubsetRecall> {
    check_lengths(truth.len(), pred.len())?;
    check_lengths(truth.len(), include.len())?;
    let (t, p): (Vec<u32>, Vec<u32>) = include
        .iter()
        .zip(truth.iter().zip(pred))
        .filter(|(&inc, _)| inc)
        .map(|(_, (&t, &p))| (t, p))
        .unzip();
    let m = Contingency::new(&t, &p)?.pairwise();
    Ok(SubsetRecall {
        records: t.len() as u64,
        true_pairs: m.true_pairs,
        found_pairs: m.true_positive_pairs,
        recall: m.recall,
    })
}

/// Reduction ratio and pair completeness of candidate pairs (record indices into `truth`).
///
/// The only function here that iterates pairs: it looks at each candidate once and keeps the
/// true pairs found in a set, so a pair given twice (or as `(a, b)` and `(b, a)`) is counted
/// once in `true_pairs_found` but twice in `candidate_pairs`; pass distinct pairs. Self-pairs
/// and indices out of range are skipped and counted in `ignored_pairs`.
///
/// ```
/// use omnilink::eval::blocking_quality;
/// let truth = [0, 0, 1, 1];
/// let q = blocking_quality(&truth, [(0, 1), (1, 2)]);
/// assert_eq!((q.candidate_pairs, q.true_pairs, q.true_pairs_found), (2, 2, 1));
/// assert_eq!(q.pair_completeness, 0.5);
/// assert!((q.reduction_ratio - (1.0 - 2.0 / 6.0)).abs() < 1e-12);
/// ```
pub fn blocking_quality<I>(truth: &[u32], candidate_pairs: I) -> BlockingQuality
where
    I: IntoIterator<Item = (u32, u32)>,
{
    let n = truth.len() as u64;
    let (dense, nt) = densify(truth);
    let true_pairs = sum_pairs(sizes(&dense, nt).into_iter());
    let mut found: std::collections::HashSet<u64, BuildHasherDefault<MixHasher>> =
        Default::default();
    let (mut candidates, mut ignored) = (0u64, 0u64);
    for (a, b) in candidate_pairs {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let (Some(&tl), Some(&th)) = (truth.get(lo as usize), truth.get(hi as usize)) else {
            ignored += 1;
            continue;
        };
        if lo == hi {
            ignored += 1;
            continue;
        }
        candidates += 1;
        if tl == th {
            found.insert((u64::from(lo) << 32) | u64::from(hi));
        }
    }
    let all_pairs = pairs_of(n);
    let found_n = found.len() as u64;
    BlockingQuality {
        records: n,
        candidate_pairs: candidates,
        ignored_pairs: ignored,
        true_pairs,
        true_pairs_found: found_n,
        reduction_ratio: if all_pairs == 0 {
            1.0
        } else {
            1.0 - candidates as f64 / all_pairs as f64
        },
        pair_completeness: ratio_or(found_n, true_pairs, 1.0),
        pair_quality: ratio_or(found_n, candidates, 1.0),
    }
}

// ---------------------------------------------------------------------------------------------

fn check_lengths(a: usize, b: usize) -> Result<()> {
    if a != b {
        return Err(Error::input(
            None,
            None,
            format!("label slices differ in length ({a} and {b} records)"),
        ));
    }
    if u32::try_from(a).is_err() {
        return Err(Error::input(
            None,
            None,
            "more than u32::MAX records to evaluate",
        ));
    }
    Ok(())
}

/// `n (n - 1) / 2`, saturating.
fn pairs_of(n: u64) -> u64 {
    let n = u128::from(n);
    u64::try_from(n * n.saturating_sub(1) / 2).unwrap_or(u64::MAX)
}

fn sum_pairs(sizes: impl Iterator<Item = u64>) -> u64 {
    sizes.map(pairs_of).fold(0u64, u64::saturating_add)
}

fn ratio_or(num: u64, den: u64, empty: f64) -> f64 {
    if den == 0 {
        empty
    } else {
        num as f64 / den as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Records per dense label.
fn sizes(dense: &[u32], n: usize) -> Vec<u64> {
    let mut s = vec![0u64; n];
    for &d in dense {
        s[d as usize] += 1;
    }
    s
}

/// A multiplicative hasher for integer keys (labels are not attacker-chosen here, and the
/// default SipHash would dominate the run time on ten million records).
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(b);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

/// Relabels to `0..k` in order of first appearance; returns the labels and `k`.
fn densify(labels: &[u32]) -> (Vec<u32>, usize) {
    let mut out = Vec::with_capacity(labels.len());
    let mut next = 0u32;
    let max = labels.iter().copied().max().unwrap_or(0) as usize;
    if max <= labels.len().saturating_mul(4).max(1 << 16) {
        // Labels are small: a direct table beats hashing.
        let mut table = vec![u32::MAX; max + 1];
        for &l in labels {
            let slot = &mut table[l as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            out.push(*slot);
        }
    } else {
        let mut map: HashMap<u32, u32, BuildHasherDefault<MixHasher>> = HashMap::default();
        for &l in labels {
            let d = *map.entry(l).or_insert_with(|| {
                next += 1;
                next - 1
            });
            out.push(d);
        }
    }
    (out, next as usize)
}

/// The non-empty cells of two dense labelings: per record the id of its cell, and per cell
/// `(a, b, records)`. Linear: records are bucketed by `a`, and within a bucket each `b` is
/// given a cell on first sight.
struct Joint {
    ids: Vec<u32>,
    keys: Vec<(u32, u32, u64)>,
}

impl Joint {
    fn new(a: &[u32], na: usize, b: &[u32], nb: usize) -> Joint {
        // Counting sort of record indices by `a`.
        let mut start = vec![0usize; na + 1];
        for &x in a {
            start[x as usize + 1] += 1;
        }
        for i in 0..na {
            start[i + 1] += start[i];
        }
        let mut order = vec![0u32; a.len()];
        let mut fill = start.clone();
        for (i, &x) in a.iter().enumerate() {
            order[fill[x as usize]] = i as u32;
            fill[x as usize] += 1;
        }
        // Within each `a` bucket, `mark[b]` says which bucket last gave `b` a cell.
        let mut mark = vec![u32::MAX; nb];
        let mut cell_of_b = vec![0u32; nb];
        let mut ids = vec![0u32; a.len()];
        let mut keys: Vec<(u32, u32, u64)> = Vec::new();
        for x in 0..na {
            for &r in &order[start[x]..start[x + 1]] {
                let y = b[r as usize] as usize;
                if mark[y] != x as u32 {
                    mark[y] = x as u32;
                    cell_of_b[y] = keys.len() as u32;
                    keys.push((x as u32, y as u32, 0));
                }
                let c = cell_of_b[y];
                keys[c as usize].2 += 1;
                ids[r as usize] = c;
            }
        }
        Joint { ids, keys }
    }
}

/// The pairwise recall reachable from the evidence in the data: the share of true pairs whose
/// records are joined, transitively within their entity, by sharing an identifier (phone,
/// e-mail, card, device, handle) or a name (given-name root and family name) plus a birth date
/// or a city. No linker that needs evidence can do better; report recall against it.
///
/// Records are normalised with `config`'s contexts, as [`crate::resolve()`] would.
pub fn evidence_ceiling(
    records: &[crate::Record],
    truth: &[u32],
    config: &crate::Config,
) -> Result<SubsetRecall> {
    use crate::compare::{Features, KeyKind};
    use crate::normalize::normalize_record;
    use rayon::prelude::*;

    if records.len() != truth.len() {
        return Err(crate::Error::input(
            None,
            None,
            "evidence_ceiling: records and truth differ in length",
        ));
    }
    let features: Vec<Features> = records
        .par_iter()
        .map(|r| Features::from_normalized(&normalize_record(r, &config.context_for(&r.source))))
        .collect();
    // (key, entity, record): records of one entity sharing a key are joined.
    let mut entries: Vec<(u64, u32, u32)> = features
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, f)| {
            let e = truth[i];
            let mut keys: Vec<u64> = f
                .keys
                .iter()
                .filter(|k| {
                    !matches!(
                        k.kind(),
                        Some(KeyKind::LastName | KeyKind::FullName | KeyKind::EmailLocal) | None
                    )
                })
                .map(|k| k.0)
                .collect();
            if let (Some(first), Some(last)) = (f.first_root.as_deref(), f.last.as_deref()) {
                let name = crate::hash::combine(
                    crate::hash::hash_str(30, first),
                    crate::hash::hash_str(31, last),
                );
                if f.dob != 0 {
                    keys.push(crate::hash::combine(name, f.dob as u64 | (1 << 40)));
                }
                if f.city != 0 {
                    keys.push(crate::hash::combine(name, f.city));
                }
            }
            keys.into_iter().map(move |k| (k, e, i as u32))
        })
        .collect();
    entries.par_sort_unstable();
    let mut uf = petgraph::unionfind::UnionFind::<u32>::new(records.len());
    for w in entries.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
            uf.union(w[0].2, w[1].2);
        }
    }
    let components: Vec<u32> = (0..records.len() as u32).map(|i| uf.find(i)).collect();
    // Components never span entities, so pairs inside them are all true pairs.
    let found = pairwise(truth, &components)?;
    let all = pairwise(truth, truth)?;
    Ok(SubsetRecall {
        records: records.len() as u64,
        true_pairs: all.true_pairs,
        found_pairs: found.true_positive_pairs,
        recall: if all.true_pairs == 0 {
            1.0
        } else {
            found.true_positive_pairs as f64 / all.true_pairs as f64
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn empty_input() {
        let r = Report::new(&[], &[]).unwrap();
        assert_eq!(r.pairwise.true_pairs, 0);
        assert_eq!(r.pairwise.precision, 1.0);
        assert_eq!(r.pairwise.recall, 1.0);
        assert_eq!(r.pairwise.f1, 1.0);
        assert_eq!(r.bcubed.f1, 1.0);
        assert_eq!(r.clusters.true_entities, 0);
        assert_eq!(r.clusters.largest_predicted, 0);
    }

    #[test]
    fn singletons_only() {
        // Every record its own entity and its own cluster: nothing to find, nothing wrong.
        let truth = [4, 5, 6, 7];
        let pred = [0, 1, 2, 3];
        let r = Report::new(&truth, &pred).unwrap();
        assert_eq!(r.pairwise.true_pairs, 0);
        assert_eq!(r.pairwise.predicted_pairs, 0);
        assert_eq!(r.pairwise.f1, 1.0);
        assert_eq!(r.bcubed.precision, 1.0);
        assert_eq!(r.bcubed.recall, 1.0);
        assert_eq!(r.clusters.true_singletons, 4);
        assert_eq!(r.clusters.split_entities, 0);
        assert_eq!(r.clusters.mixed_clusters, 0);
    }

    #[test]
    fn predicted_singletons_against_real_pairs() {
        // Two people with two records each, the resolver merged nothing.
        let r = Report::new(&[0, 0, 1, 1], &[0, 1, 2, 3]).unwrap();
        assert_eq!(r.pairwise.true_pairs, 2);
        assert_eq!(r.pairwise.precision, 1.0);
        assert_eq!(r.pairwise.recall, 0.0);
        assert_eq!(r.pairwise.f1, 0.0);
        assert_eq!(r.bcubed.precision, 1.0);
        assert!(close(r.bcubed.recall, 0.5));
        assert_eq!(r.clusters.split_entities, 2);
    }

    #[test]
    fn all_in_one_cluster() {
        // Entities of sizes 3, 2, 1 all in one cluster of 6.
        let truth = [0, 0, 0, 1, 1, 2];
        let pred = [9; 6];
        let r = Report::new(&truth, &pred).unwrap();
        assert_eq!(r.pairwise.true_pairs, 3 + 1);
        assert_eq!(r.pairwise.predicted_pairs, 15);
        assert_eq!(r.pairwise.true_positive_pairs, 4);
        assert!(close(r.pairwise.precision, 4.0 / 15.0));
        assert_eq!(r.pairwise.recall, 1.0);
        // B-cubed precision: (3 * 3/6 + 2 * 2/6 + 1 * 1/6) / 6 = (14/6) / 6.
        assert!(close(r.bcubed.precision, 14.0 / 36.0));
        assert_eq!(r.bcubed.recall, 1.0);
        assert_eq!(r.clusters.mixed_clusters, 1);
        assert_eq!(r.clusters.largest_predicted, 6);
        assert_eq!(r.clusters.largest_true, 3);
    }

    #[test]
    fn textbook_example() {
        // Truth: A = {1,2,3,4,5}, B = {6,7}, C = {8,9,10,11,12} (records numbered 1..12).
        // Predicted: X = {1,2,3,4,5,8}, Y = {6,7,9,10,11,12}.
        //
        // Cells: (A,X)=5, (C,X)=1, (B,Y)=2, (C,Y)=4.
        // True pairs: C(5)+C(2)+C(5) = 10+1+10 = 21. Predicted: C(6)+C(6) = 30.
        // True positives: C(5)+C(1)+C(2)+C(4) = 10+0+1+6 = 17.
        // Precision 17/30, recall 17/21.
        // B-cubed precision: (25/6 + 1/6 + 4/6 + 16/6) / 12 = (46/6)/12 = 46/72.
        // B-cubed recall: (25/5 + 1/5 + 4/2 + 16/5) / 12 = (5 + 0.2 + 2 + 3.2)/12 = 10.4/12.
        let truth = [0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2];
        let pred = [7, 7, 7, 7, 7, 3, 3, 7, 3, 3, 3, 3];
        let c = Contingency::new(&truth, &pred).unwrap();
        let p = c.pairwise();
        assert_eq!(
            (p.true_pairs, p.predicted_pairs, p.true_positive_pairs),
            (21, 30, 17)
        );
        assert!(close(p.precision, 17.0 / 30.0));
        assert!(close(p.recall, 17.0 / 21.0));
        let b = c.bcubed();
        assert!(close(b.precision, 46.0 / 72.0));
        assert!(close(b.recall, 10.4 / 12.0));
        let s = c.clusters();
        assert_eq!(s.split_entities, 1); // C
        assert_eq!(s.mixed_clusters, 2); // X has A and C, Y has B and C
    }

    #[test]
    fn length_mismatch_is_an_error() {
        assert!(pairwise(&[1, 2], &[1]).is_err());
        assert!(group_merge_rate(&[None], &[1, 2], &[1, 2]).is_err());
        assert!(subset_recall(&[true], &[1, 2], &[1, 2]).is_err());
    }

    #[test]
    fn large_and_sparse_labels() {
        // Labels far apart take the hashing path; the result does not depend on the path.
        let truth = [u32::MAX, u32::MAX, 0, 7_000_000];
        let pred = [3_000_000_000, 3_000_000_000, 3_000_000_000, 1];
        let p = pairwise(&truth, &pred).unwrap();
        assert_eq!(
            (p.true_pairs, p.predicted_pairs, p.true_positive_pairs),
            (1, 3, 1)
        );
    }

    #[test]
    fn group_merge_counts() {
        // Household 0: people 1 (2 records) and 2 (1 record); namesake-free group 1: person 3.
        let group = [Some(0), Some(0), Some(0), Some(1), None];
        let truth = [1, 1, 2, 3, 4];
        // Person 1's first record merged with person 2, second record alone.
        let pred = [5, 6, 5, 7, 5];
        let m = group_merge_rate(&group, &truth, &pred).unwrap();
        assert_eq!(m.group_records, 4);
        assert_eq!(m.cross_entity_pairs, 2);
        assert_eq!(m.merged_pairs, 1);
        assert!(close(m.rate, 0.5));
        let none = group_merge_rate(&[None, None], &[1, 2], &[1, 1]).unwrap();
        assert_eq!((none.cross_entity_pairs, none.rate), (0, 0.0));
    }

    #[test]
    fn blocking_edge_cases() {
        let q = blocking_quality(&[0, 0, 1], [(0, 1), (1, 0), (2, 2), (0, 9)]);
        assert_eq!(q.candidate_pairs, 2);
        assert_eq!(q.ignored_pairs, 2);
        assert_eq!(q.true_pairs_found, 1);
        assert_eq!(q.pair_completeness, 1.0);
        let empty = blocking_quality(&[], std::iter::empty());
        assert_eq!(empty.reduction_ratio, 1.0);
        assert_eq!(empty.pair_completeness, 1.0);
    }

    #[test]
    fn labels_from_strings() {
        let l = Labels::from_strings(vec!["a".to_string(), "b".into(), "a".into()]);
        assert_eq!(l.as_slice(), &[0, 1, 0]);
        assert_eq!(l.len(), 3);
        assert!(Labels::from_strings(Vec::<&str>::new()).is_empty());
    }

    #[test]
    fn display_is_compact() {
        let r = Report::new(&[0, 0, 1], &[0, 0, 0]).unwrap();
        let s = r.to_string();
        assert!(s.contains("pairwise") && s.contains("b-cubed") && s.contains("largest"));
        assert!(s.lines().count() <= 8);
    }
}
