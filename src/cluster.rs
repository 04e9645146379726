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
//! Edges are ordered by score, then by a hash of the records' external ids, so the partition
//! depends neither on input order nor on the thread count.

use std::borrow::Borrow;

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;
use serde::Serialize;

use crate::compare::{
    conflict, has_own_value, Features, Key, KeyFrequency, KeyKind, WIDELY_SHARED,
};

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
}

/// Most distinct name and birth-date profiles kept per cluster for contradiction checks.
const PROFILE_CAP: usize = 16;

/// The identifier kinds whose disagreement between two clusters counts against joining them.
const ID_KINDS: [KeyKind; 5] = [
    KeyKind::Phone,
    KeyKind::Email,
    KeyKind::Card,
    KeyKind::Device,
    KeyKind::Social,
];

/// Evidence between clusters, beyond the linking pair: when two clusters both carry
/// identifiers of one kind and share none (one person's e-mails on one side, another's on
/// the other), the join is weighed with that kind's disagreement weight, as if the linking
/// pair itself had disagreed. Namesakes linked by a name and a city are told apart this way.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClusterEvidence {
    /// Score a join needs after the disagreements are added (the match threshold).
    pub threshold: f32,
    /// Weight (bits, at most 0) of disagreeing identifiers, per kind: phone, e-mail, card,
    /// device, handle. All zero turns the check off.
    pub disagreement: [f32; 5],
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
/// [`WIDELY_SHARED`](crate::compare::WIDELY_SHARED) people or more are not weighed, as in
/// [`compare`](crate::compare::compare)).
pub fn cluster_with<F: Borrow<Features>>(
    n: usize,
    edges: &[Edge],
    features: &[F],
    tiebreak: &[u64],
    tf: &impl KeyFrequency,
    evidence: &ClusterEvidence,
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
            pb.iter()
                .any(|&y| conflict(features[x as usize].borrow(), features[y as usize].borrow()))
        });
        if clash {
            guarded += 1;
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
            if score + penalty < evidence.threshold {
                ids[ra as usize] = Some(ka);
                ids[rb as usize] = Some(kb);
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
        // with the same name and no identifiers. 1-3 and 2-3 are name links of 8 bits.
        let f = vec![
            with_keys("anna", &[(KeyKind::Email, 1), (KeyKind::Phone, 5)]),
            with_keys("anna", &[(KeyKind::Email, 1)]),
            with_keys("anna", &[(KeyKind::Email, 2)]),
            with_keys("anna", &[]),
        ];
        let e = |a, b, score| Edge { a, b, score };
        let edges = [e(0, 1, 20.0), e(1, 3, 8.0), e(2, 3, 7.0)];
        let tb: Vec<u64> = (0..4).map(|i| crate::hash::mix(i + 7)).collect();
        let evidence = ClusterEvidence {
            threshold: 6.0,
            disagreement: [-4.0, -5.0, -4.0, -4.0, -6.0],
        };
        let c = cluster_with(4, &edges, &f, &tb, &(), &evidence);
        assert_eq!(c.labels[0], c.labels[1]);
        assert_eq!(c.labels[1], c.labels[3], "the stronger name link joins");
        assert_ne!(
            c.labels[2], c.labels[3],
            "different e-mails outweigh 7 bits"
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
