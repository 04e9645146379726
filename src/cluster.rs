//! Stage 4: clustering accepted pairs into customers, guarded against over-merging.
//!
//! Accepted pairs are edges; components of the graph are customers. Plain connected
//! components chain strangers together (A-B through a shared phone, B-C through a shared card),
//! so the union-find (petgraph's) is run Kruskal-style: edges from strongest to weakest, and
//! an edge that would join two clusters holding a confident contradiction (different given
//! names, different birth dates) is skipped. The result is what splitting each contradictory
//! component along its weakest links gives, computed in one pass.
//!
//! A pair's score only sees its two records. When it joins two clusters, [`cluster_with`]
//! also weighs what the clusters say about each other: identifiers of one kind on both
//! sides with no value in common (two different people's e-mails) count against the join
//! as they would against the pair, so two namesakes linked by a name and a city stay apart
//! when their other records disagree.
//!
//! A record whose links reach two clusters that refuse each other, with about the same
//! strength ([`AMBIGUITY_BITS`]), cannot tell which of the two it belongs to: a bare till
//! record with a family's card, a record with only a common name and a city. Giving it to
//! the side that happened to score a little higher is a coin toss, so such records are set
//! apart: their component is clustered again without their links.
//!
//! Edges are ordered by score, then by a hash of the records' external ids, so the partition
//! depends neither on input order nor on the thread count.

use std::borrow::Borrow;

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;
use serde::Serialize;

use crate::compare::{
    conflict, has_own_value, Features, Key, KeyFrequency, KeyKind, WIDELY_SHARED,
};
use crate::model::Model;

/// An accepted pair.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Edge {
    /// One record.
    pub a: u32,
    /// The other record.
    pub b: u32,
    /// The pair's score (log2 odds).
    pub score: f32,
}

/// The partition of records into clusters.
#[derive(Clone, Debug, Default)]
pub struct Clustering {
    /// For each record, its cluster's representative record (the member with the smallest
    /// tie-break hash), so labels are input-order independent.
    pub labels: Vec<u32>,
    /// For each record, the score of the strongest accepted edge that touches it inside its
    /// cluster (`None` for a record alone).
    pub best_score: Vec<Option<f32>>,
    /// Edges skipped because they would have joined contradicting records, or clusters whose
    /// identifiers disagree too much for the edge's score.
    pub guarded_edges: u64,
    /// Edges used to join clusters.
    pub joining_edges: u64,
    /// Records set apart because their links reach two clusters that refuse each other with
    /// about the same strength (see the module docs).
    pub ambiguous_records: u64,
}

/// How much stronger (bits) a record's link into its cluster must be than a link refused
/// from another cluster for the record to stay: within this, it is ambiguous.
pub const AMBIGUITY_BITS: f32 = 1.0;

/// Most distinct name and birth-date profiles kept per cluster for contradiction checks.
const PROFILE_CAP: usize = 16;

/// The identifier kinds whose disagreement between two clusters counts against joining them.
const ID_KINDS: [KeyKind; 6] = KeyKind::PERSONAL;

/// Evidence between clusters, beyond the linking pair: when two clusters both carry
/// identifiers of one kind and share none (one person's e-mails on one side, another's on
/// the other), the join is weighed with that kind's disagreement weight, as if the linking
/// pair itself had disagreed. Namesakes linked by a name and a city are told apart this way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterEvidence {
    /// The model pairs were scored with: two records that contradict each other
    /// ([`crate::compare::conflict`]) may still be one person when the model overrules the
    /// contradiction ([`Model::contradicts`]). `None`: every contradiction stands.
    pub model: Option<std::sync::Arc<Model>>,
    /// Score a join needs after the disagreements are added (the match threshold).
    pub threshold: f32,
    /// Weight (bits, at most 0) of disagreeing identifiers, per kind: phone, e-mail, card,
    /// device, handle, identity number. All zero turns the check off.
    pub disagreement: [f32; 6],
}

impl ClusterEvidence {
    /// `true` when `a` and `b` cannot be one customer: they contradict each other
    /// ([`conflict`]) and the model, when there is one, does not overrule it.
    pub fn conflict(&self, a: &Features, b: &Features, tf: &impl KeyFrequency) -> bool {
        conflict(a, b)
            && self.model.as_ref().is_none_or(|m| {
                m.contradicts(
                    &crate::compare::compare(a, b, tf),
                    f64::from(self.threshold),
                )
            })
    }
}

/// Fewer edges than this are ordered on the calling thread.
const PARALLEL_EDGES: usize = 4096;

/// Most identifier keys kept per cluster for the disagreement check.
const ID_CAP: usize = 64;

/// Clusters `n` records. `tiebreak[i]` is a stable hash of record `i`'s external id.
pub fn cluster(n: usize, edges: &[Edge], features: &[Features], tiebreak: &[u64]) -> Clustering {
    cluster_with(
        n,
        edges,
        features,
        tiebreak,
        &(),
        &ClusterEvidence::default(),
    )
}

/// [`cluster`], weighing each join with the identifiers the two clusters disagree on.
/// `features` may hold the records' features or references to them; `tf` gives how many
/// people carry each identifier value (values carried by
/// [`WIDELY_SHARED`] people or more are not weighed, as in
/// [`compare`](crate::compare::compare)).
pub fn cluster_with<F: Borrow<Features>>(
    n: usize,
    edges: &[Edge],
    features: &[F],
    tiebreak: &[u64],
    tf: &impl KeyFrequency,
    evidence: &ClusterEvidence,
) -> Clustering {
    let mut refused = Vec::new();
    let mut first = cluster_pass(n, edges, features, tiebreak, tf, evidence, &mut refused);
    // A record whose strongest link into its cluster is not clearly stronger than a link
    // refused from another cluster is ambiguous.
    let mut ambiguous = vec![false; n];
    for &(a, b, score) in &refused {
        for r in [a, b] {
            if first.best_score[r as usize].is_some_and(|best| best <= score + AMBIGUITY_BITS) {
                ambiguous[r as usize] = true;
            }
        }
    }
    let count = ambiguous.iter().filter(|&&a| a).count() as u64;
    if count == 0 {
        return first;
    }
    // Only the components of the edge graph holding ambiguous records can change: they are
    // clustered again without those records' links; the others keep the first pass.
    let mut components = UnionFind::<u32>::new(n);
    for e in edges {
        components.union(e.a, e.b);
    }
    let roots: Vec<u32> = (0..n as u32).map(|r| components.find(r)).collect();
    let mut redo = vec![false; n];
    for r in 0..n {
        if ambiguous[r] {
            redo[roots[r] as usize] = true;
        }
    }
    let again_edges: Vec<Edge> = edges
        .iter()
        .filter(|e| {
            redo[roots[e.a as usize] as usize]
                && !ambiguous[e.a as usize]
                && !ambiguous[e.b as usize]
        })
        .copied()
        .collect();
    let mut refused_again = Vec::new();
    let second = cluster_pass(
        n,
        &again_edges,
        features,
        tiebreak,
        tf,
        evidence,
        &mut refused_again,
    );
    for r in 0..n {
        if redo[roots[r] as usize] {
            first.labels[r] = second.labels[r];
            first.best_score[r] = second.best_score[r];
        }
    }
    let kept_refusals = refused
        .iter()
        .filter(|&&(a, _, _)| !redo[roots[a as usize] as usize])
        .count();
    first.guarded_edges = (kept_refusals + refused_again.len()) as u64;
    first.joining_edges = (0..n).filter(|&r| first.labels[r] != r as u32).count() as u64;
    first.ambiguous_records = count;
    first
}

/// [`cluster_with`] on each connected component of the edge graph by itself, the components
/// in parallel. A join, a refusal or an ambiguous record never reaches past its component, so
/// the result is the one [`cluster_with`] gives on all the edges at once; each component's
/// records are numbered in input order, which keeps every tie-break. One pass over all the
/// edges is serial, and at millions of records most of its time goes to cache misses across
/// the whole input; a component's records and edges fit in cache.
pub fn cluster_components<F: Borrow<Features> + Sync>(
    n: usize,
    edges: &[Edge],
    features: &[F],
    tiebreak: &[u64],
    tf: &(impl KeyFrequency + Sync),
    evidence: &ClusterEvidence,
) -> Clustering {
    if edges.len() < PARALLEL_EDGES {
        return cluster_with(n, edges, features, tiebreak, tf, evidence);
    }
    let roots = component_roots(n, edges);
    // Edges and records grouped by component (its smallest record), records in input order.
    let mut edge_keys: Vec<u64> = edges
        .par_iter()
        .enumerate()
        .map(|(i, e)| (u64::from(roots[e.a as usize]) << 32) | i as u64)
        .collect();
    edge_keys.par_sort_unstable();
    let mut record_keys: Vec<u64> = edges
        .par_iter()
        .flat_map_iter(|e| {
            let root = u64::from(roots[e.a as usize]) << 32;
            [root | u64::from(e.a), root | u64::from(e.b)]
        })
        .collect();
    record_keys.par_sort_unstable();
    record_keys.dedup();
    drop(roots);
    let same_component = |a: &u64, b: &u64| a >> 32 == b >> 32;
    let components: Vec<(&[u64], &[u64])> = edge_keys
        .chunk_by(same_component)
        .zip(record_keys.chunk_by(same_component))
        .collect();

    struct Part {
        labels: Vec<u32>,
        best: Vec<Option<f32>>,
        guarded: u64,
        joining: u64,
        ambiguous: u64,
    }
    let parts: Vec<Part> = components
        .par_iter()
        .map(|(es, rs)| {
            let members: Vec<u32> = rs.iter().map(|&k| k as u32).collect();
            let local = |r: u32| members.binary_search(&r).unwrap_or(0) as u32;
            let local_edges: Vec<Edge> = es
                .iter()
                .map(|&k| {
                    let e = &edges[k as u32 as usize];
                    Edge {
                        a: local(e.a),
                        b: local(e.b),
                        score: e.score,
                    }
                })
                .collect();
            let local_features: Vec<&Features> = members
                .iter()
                .map(|&r| features[r as usize].borrow())
                .collect();
            let local_tiebreak: Vec<u64> = members.iter().map(|&r| tiebreak[r as usize]).collect();
            let c = cluster_with(
                members.len(),
                &local_edges,
                &local_features,
                &local_tiebreak,
                tf,
                evidence,
            );
            Part {
                labels: c.labels.iter().map(|&l| members[l as usize]).collect(),
                best: c.best_score,
                guarded: c.guarded_edges,
                joining: c.joining_edges,
                ambiguous: c.ambiguous_records,
            }
        })
        .collect();

    let mut out = Clustering {
        labels: (0..n as u32).collect(),
        best_score: vec![None; n],
        ..Clustering::default()
    };
    for ((_, rs), part) in components.iter().zip(&parts) {
        for ((&k, &label), &best) in rs.iter().zip(&part.labels).zip(&part.best) {
            out.labels[k as u32 as usize] = label;
            out.best_score[k as u32 as usize] = best;
        }
        out.guarded_edges += part.guarded;
        out.joining_edges += part.joining;
        out.ambiguous_records += part.ambiguous;
    }
    out
}

/// For each record, the smallest record of its connected component in the edge graph
/// (petgraph's union-find over all the edges, whatever their score).
fn component_roots(n: usize, edges: &[Edge]) -> Vec<u32> {
    let mut uf = UnionFind::<u32>::new(n);
    for e in edges {
        uf.union(e.a, e.b);
    }
    let labels = uf.into_labeling();
    let mut smallest = vec![u32::MAX; n];
    for (i, &l) in labels.iter().enumerate() {
        smallest[l as usize] = smallest[l as usize].min(i as u32);
    }
    labels.iter().map(|&l| smallest[l as usize]).collect()
}

/// One strongest-first pass over `edges`; the edges it refuses go to `refused` as
/// `(a, b, score)`.
fn cluster_pass<F: Borrow<Features>>(
    n: usize,
    edges: &[Edge],
    features: &[F],
    tiebreak: &[u64],
    tf: &impl KeyFrequency,
    evidence: &ClusterEvidence,
    refused: &mut Vec<(u32, u32, f32)>,
) -> Clustering {
    let weigh = evidence.disagreement.iter().any(|&w| w < 0.0);
    let orient = |e: &Edge| {
        // Oriented by hash too: which side's profile a merge starts from must not depend
        // on how records are numbered.
        let (ha, hb) = (tiebreak[e.a as usize], tiebreak[e.b as usize]);
        if (ha, e.a) <= (hb, e.b) {
            (e.score, ha, hb, e.a, e.b)
        } else {
            (e.score, hb, ha, e.b, e.a)
        }
    };
    let strongest_first = |x: &(f32, u64, u64, u32, u32), y: &(f32, u64, u64, u32, u32)| {
        y.0.total_cmp(&x.0)
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
            .then(x.4.cmp(&y.4))
    };
    // Small inputs (the incremental resolver's components) are sorted in place: handing a
    // few dozen edges to the thread pool costs more than sorting them.
    let mut order: Vec<(f32, u64, u64, u32, u32)>;
    if edges.len() < PARALLEL_EDGES {
        order = edges.iter().map(orient).collect();
        order.sort_unstable_by(strongest_first);
    } else {
        order = edges.par_iter().map(orient).collect();
        order.par_sort_unstable_by(strongest_first);
    }

    let mut uf = UnionFind::<u32>::new(n);
    // Profiles are stored by root; a record alone is its own profile.
    let mut profiles: Vec<Vec<u32>> = vec![Vec::new(); n];
    // Identifier keys by root, filled on first use; see `ids_of`.
    let mut ids: Vec<Option<Vec<Key>>> = vec![None; n];
    let mut best: Vec<Option<f32>> = vec![None; n];
    let mut guarded = 0u64;
    let mut joining = 0u64;
    for &(score, _, _, a, b) in &order {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            note(&mut best, a, b, score);
            continue;
        }
        let (alone_a, alone_b) = ([ra], [rb]);
        let pa = profile_of(&profiles, &alone_a);
        let pb = profile_of(&profiles, &alone_b);
        let clash = pa.iter().any(|&x| {
            pb.iter().any(|&y| {
                evidence.conflict(
                    features[x as usize].borrow(),
                    features[y as usize].borrow(),
                    tf,
                )
            })
        });
        if clash {
            guarded += 1;
            refused.push((a, b, score));
            continue;
        }
        if weigh {
            let (fa, fb) = (features[a as usize].borrow(), features[b as usize].borrow());
            let ka = ids_of(&mut ids, features, tf, ra);
            let kb = ids_of(&mut ids, features, tf, rb);
            let mut penalty = 0.0f32;
            for (i, &kind) in ID_KINDS.iter().enumerate() {
                // The pair's own disagreement is already in its score.
                let pair_compared = has_own_value(fa, kind, tf) && has_own_value(fb, kind, tf);
                if !pair_compared && disjoint_kind(&ka, &kb, kind) {
                    penalty += evidence.disagreement[i];
                }
            }
            // Two clusters that disagree on identifiers are not joined by a link that shares
            // nothing personal (a name and a city): namesakes are not chained through a
            // record that carries only a name.
            let names_only = penalty < 0.0
                && evidence.model.is_some()
                && !crate::compare::compare(fa, fb, tf).agrees_personally();
            if names_only || score + penalty < evidence.threshold {
                ids[ra as usize] = Some(ka);
                ids[rb as usize] = Some(kb);
                refused.push((a, b, score));
                guarded += 1;
                continue;
            }
            let mut merged = ka;
            merged.extend(kb);
            merged.sort_unstable();
            merged.dedup();
            merged.truncate(ID_CAP);
            uf.union(ra, rb);
            ids[uf.find(a) as usize] = Some(merged);
        } else {
            uf.union(ra, rb);
        }
        joining += 1;
        note(&mut best, a, b, score);
        let root = uf.find(a);
        let mut merged = take_profile(&mut profiles, ra);
        for y in take_profile(&mut profiles, rb) {
            let fy = features[y as usize].borrow();
            // Records that every contradiction check treats alike need one representative.
            let same = merged.iter().any(|&x| {
                let fx = features[x as usize].borrow();
                fx.first == fy.first
                    && fx.first_root == fy.first_root
                    && fx.last == fy.last
                    && fx.dob == fy.dob
                    && fx.abjad == fy.abjad
            });
            if !same {
                merged.push(y);
            }
        }
        if merged.len() > PROFILE_CAP {
            merged.sort_unstable_by_key(|&x| (tiebreak[x as usize], x));
            merged.truncate(PROFILE_CAP);
        }
        profiles[root as usize] = merged;
    }

    // Label each cluster by its member with the smallest tie-break hash.
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    let mut rep: Vec<u32> = (0..n as u32).collect();
    for i in 0..n {
        let r = roots[i] as usize;
        let cur = rep[r] as usize;
        if (tiebreak[i], i) < (tiebreak[cur], cur) {
            rep[r] = i as u32;
        }
    }
    Clustering {
        labels: roots.iter().map(|&r| rep[r as usize]).collect(),
        best_score: best,
        guarded_edges: guarded,
        joining_edges: joining,
        ambiguous_records: 0,
    }
}

/// The identifier keys of the cluster rooted at `root` (widely shared values left out), taken
/// out of the table (put back by the caller); a root never seen is a record alone.
fn ids_of<F: Borrow<Features>>(
    ids: &mut [Option<Vec<Key>>],
    features: &[F],
    tf: &impl KeyFrequency,
    root: u32,
) -> Vec<Key> {
    ids[root as usize].take().unwrap_or_else(|| {
        let mut k: Vec<Key> = features[root as usize]
            .borrow()
            .keys
            .iter()
            .copied()
            .filter(|&k| {
                k.kind().is_some_and(|kind| ID_KINDS.contains(&kind))
                    && tf.frequency(k) < WIDELY_SHARED
            })
            .collect();
        k.truncate(ID_CAP);
        k
    })
}

/// Both key lists (sorted) hold keys of `kind` and share none. A merge walk, no allocation:
/// it runs for every join.
fn disjoint_kind(a: &[Key], b: &[Key], kind: KeyKind) -> bool {
    let mut xa = a.iter().filter(|k| k.kind() == Some(kind)).peekable();
    let mut xb = b.iter().filter(|k| k.kind() == Some(kind)).peekable();
    if xa.peek().is_none() || xb.peek().is_none() {
        return false;
    }
    while let (Some(x), Some(y)) = (xa.peek(), xb.peek()) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => {
                xa.next();
            }
            std::cmp::Ordering::Greater => {
                xb.next();
            }
            std::cmp::Ordering::Equal => return false,
        }
    }
    true
}

/// A cluster's profile, borrowed; `alone` is `[root]`, the profile of a record on its own.
fn profile_of<'a>(profiles: &'a [Vec<u32>], alone: &'a [u32; 1]) -> &'a [u32] {
    let p = &profiles[alone[0] as usize];
    if p.is_empty() {
        alone
    } else {
        p
    }
}

/// A cluster's profile, moved out of the table.
fn take_profile(profiles: &mut [Vec<u32>], root: u32) -> Vec<u32> {
    let p = std::mem::take(&mut profiles[root as usize]);
    if p.is_empty() {
        vec![root]
    } else {
        p
    }
}

fn note(best: &mut [Option<f32>], a: u32, b: u32, score: f32) {
    for r in [a, b] {
        let slot = &mut best[r as usize];
        if slot.is_none_or(|s| score > s) {
            *slot = Some(score);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(first: &str, dob: u32) -> Features {
        Features {
            first: Some(first.into()),
            first_root: Some(first.into()),
            last: Some("ivanova".into()),
            dob,
            ..Features::default()
        }
    }

    #[test]
    fn a_record_between_two_people_goes_to_neither() {
        // 0,1: Anna; 2,3: Olga; 4: a record with no name, linked to both about equally
        // (a family card at a till).
        let f = vec![
            person("anna", 19900101),
            person("anna", 19900101),
            person("olga", 19650505),
            person("olga", 19650505),
            Features::default(),
        ];
        let e = |a, b, score| Edge { a, b, score };
        let tb: Vec<u64> = (0..5).map(|i| crate::hash::mix(i + 3)).collect();
        let evidence = ClusterEvidence::default();
        let c = cluster_with(
            5,
            &[e(0, 1, 20.0), e(2, 3, 20.0), e(1, 4, 9.0), e(3, 4, 8.5)],
            &f,
            &tb,
            &(),
            &evidence,
        );
        assert_eq!(c.ambiguous_records, 1);
        assert_eq!(c.labels[0], c.labels[1]);
        assert_eq!(c.labels[2], c.labels[3]);
        assert_ne!(c.labels[0], c.labels[2]);
        assert!(
            c.labels[..4].iter().all(|&l| l != c.labels[4]),
            "{:?}",
            c.labels
        );
        assert_eq!(c.labels[4], 4);
        assert_eq!(c.joining_edges, 2);
        // Clearly closer to Anna: it stays with her.
        let c = cluster_with(
            5,
            &[e(0, 1, 20.0), e(2, 3, 20.0), e(1, 4, 12.0), e(3, 4, 8.5)],
            &f,
            &tb,
            &(),
            &evidence,
        );
        assert_eq!(c.ambiguous_records, 0);
        assert_eq!(c.labels[4], c.labels[0]);
        assert_ne!(c.labels[4], c.labels[2]);
    }

    #[test]
    fn chain_through_a_shared_value_is_cut_at_the_weakest_link() {
        // 0,1: Anna; 2: Anna (no dob); 3,4: Olga. 2-3 is a weak household link.
        let f = vec![
            person("anna", 19900101),
            person("anna", 19900101),
            person("anna", 0),
            person("olga", 19650505),
            person("olga", 19650505),
        ];
        let edges = [
            Edge {
                a: 0,
                b: 1,
                score: 20.0,
            },
            Edge {
                a: 1,
                b: 2,
                score: 15.0,
            },
            Edge {
                a: 3,
                b: 4,
                score: 18.0,
            },
            Edge {
                a: 2,
                b: 3,
                score: 5.0,
            },
        ];
        let tb: Vec<u64> = (0..5).map(|i| crate::hash::mix(i + 100)).collect();
        let c = cluster(5, &edges, &f, &tb);
        assert_eq!(c.labels[0], c.labels[1]);
        assert_eq!(c.labels[1], c.labels[2]);
        assert_eq!(c.labels[3], c.labels[4]);
        assert_ne!(c.labels[2], c.labels[3]);
        assert_eq!(c.guarded_edges, 1);
        assert_eq!(c.best_score[2], Some(15.0));
    }

    fn with_keys(first: &str, keys: &[(KeyKind, u64)]) -> Features {
        let mut f = person(first, 0);
        f.keys = keys.iter().map(|&(k, h)| Key::new(k, h)).collect();
        f.keys.sort_unstable();
        f
    }

    #[test]
    fn clusters_with_different_identifiers_need_more_than_a_weak_link() {
        // 0-1: one person (shared e-mail); 2: a namesake with another e-mail; 3: a record
        // with the same name and no identifiers. 1-3 and 2-3 are name links of 8 and 6.5 bits.
        let f = vec![
            with_keys("anna", &[(KeyKind::Email, 1), (KeyKind::Phone, 5)]),
            with_keys("anna", &[(KeyKind::Email, 1)]),
            with_keys("anna", &[(KeyKind::Email, 2)]),
            with_keys("anna", &[]),
        ];
        let e = |a, b, score| Edge { a, b, score };
        let edges = [e(0, 1, 20.0), e(1, 3, 8.0), e(2, 3, 6.5)];
        let tb: Vec<u64> = (0..4).map(|i| crate::hash::mix(i + 7)).collect();
        let evidence = ClusterEvidence {
            model: None,
            threshold: 6.0,
            disagreement: [-4.0, -5.0, -4.0, -4.0, -6.0, -6.0],
        };
        let c = cluster_with(4, &edges, &f, &tb, &(), &evidence);
        assert_eq!(c.labels[0], c.labels[1]);
        assert_eq!(c.labels[1], c.labels[3], "the stronger name link joins");
        assert_ne!(
            c.labels[2], c.labels[3],
            "different e-mails outweigh 6.5 bits"
        );
        assert_eq!(c.guarded_edges, 1);
        // Without the evidence, the name links chain all four together.
        let plain = cluster(4, &edges, &f, &tb);
        assert!(plain.labels.iter().all(|&l| l == plain.labels[0]));
        // When e-mail 2 is widely shared (a family's address), it is no evidence against.
        let mut tf = std::collections::HashMap::new();
        tf.insert(Key::new(KeyKind::Email, 2), WIDELY_SHARED);
        let shared = cluster_with(4, &edges, &f, &tb, &tf, &evidence);
        assert!(shared.labels.iter().all(|&l| l == shared.labels[0]));
        assert_eq!(shared.guarded_edges, 0);
    }

    #[test]
    fn components_apart_give_the_one_pass_result() {
        // Many small components, with namesakes, refused joins and ambiguous records, and
        // more edges than the component split starts at.
        let n = 30_000u32;
        let h = |x: u64| crate::hash::mix(x);
        let f: Vec<Features> = (0..n as u64)
            .map(|i| {
                let mut p = person(["anna", "olga", "ivan"][(h(i) % 3) as usize], 0);
                if h(i + 1) % 3 == 0 {
                    p.dob = 19_900_101 + (h(i + 2) % 4) as u32;
                }
                let kinds = [KeyKind::Email, KeyKind::Phone, KeyKind::Card];
                p.keys = (0..h(i + 3) % 3)
                    .map(|k| Key::new(kinds[(h(i + k) % 3) as usize], h(i + 9 * k) % 50_000))
                    .collect();
                p.keys.sort_unstable();
                p
            })
            .collect();
        let mut edges = Vec::new();
        for i in 0..n {
            // Runs of about 8 records, each linked to the next few.
            if i % 8 == 7 {
                continue;
            }
            for d in 1..=(1 + h(u64::from(i) + 5) % 3) as u32 {
                let j = i + d;
                if j < n && j / 8 == i / 8 {
                    edges.push(Edge {
                        a: if i % 2 == 0 { i } else { j },
                        b: if i % 2 == 0 { j } else { i },
                        score: 6.0 + (h(u64::from(i * 7 + d)) % 40) as f32 / 4.0,
                    });
                }
            }
        }
        assert!(edges.len() >= PARALLEL_EDGES);
        // Records numbered apart from their hash order, and a few equal hashes.
        let tb: Vec<u64> = (0..u64::from(n)).map(|i| h(i / 2 * 2 + 11)).collect();
        let evidence = ClusterEvidence {
            model: None,
            threshold: 6.0,
            disagreement: [-4.0, -5.0, -4.0, -4.0, -6.0, -6.0],
        };
        let one = cluster_with(n as usize, &edges, &f, &tb, &(), &evidence);
        let apart = cluster_components(n as usize, &edges, &f, &tb, &(), &evidence);
        assert!(one.ambiguous_records > 0 && one.guarded_edges > 0 && one.joining_edges > 0);
        assert_eq!(apart.labels, one.labels);
        assert_eq!(apart.best_score, one.best_score);
        assert_eq!(apart.guarded_edges, one.guarded_edges);
        assert_eq!(apart.joining_edges, one.joining_edges);
        assert_eq!(apart.ambiguous_records, one.ambiguous_records);
        // On one thread too.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let single =
            pool.install(|| cluster_components(n as usize, &edges, &f, &tb, &(), &evidence));
        assert_eq!(single.labels, one.labels);
    }

    #[test]
    fn component_roots_are_the_smallest_members() {
        let e = |a, b| Edge { a, b, score: 1.0 };
        let roots = component_roots(7, &[e(5, 3), e(6, 1), e(3, 4), e(1, 2)]);
        assert_eq!(roots, [0, 1, 1, 3, 3, 3, 1]);
    }

    #[test]
    fn independent_of_edge_order() {
        let f: Vec<Features> = (0..6).map(|i| person(["a", "b"][i % 2], 0)).collect();
        let mut edges: Vec<Edge> = (0..5)
            .map(|i| Edge {
                a: i,
                b: i + 1,
                score: 1.0,
            })
            .collect();
        let tb: Vec<u64> = (0..6).map(crate::hash::mix).collect();
        let x = cluster(6, &edges, &f, &tb);
        edges.reverse();
        let y = cluster(6, &edges, &f, &tb);
        assert_eq!(x.labels, y.labels);
    }
}
