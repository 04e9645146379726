//! Stage 4: clustering accepted pairs into customers, guarded against over-merging.
//!
//! Accepted pairs are edges; components of the graph are customers. Plain connected
//! components chain strangers together (A-B through a shared phone, B-C through a shared card),
//! so the union-find (petgraph's) is run Kruskal-style: edges from strongest to weakest, and
//! an edge that would join two clusters holding a confident contradiction (different given
//! names, different birth dates) is skipped. The result is what splitting each contradictory
//! component along its weakest links gives, computed in one pass.
//!
//! Edges are ordered by score, then by a hash of the records' external ids, so the partition
//! depends neither on input order nor on the thread count.

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;
use serde::Serialize;

use crate::compare::{conflict, Features};

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
    /// Edges skipped because they would have joined contradicting records.
    pub guarded_edges: u64,
    /// Edges used to join clusters.
    pub joining_edges: u64,
}

/// Most distinct (given name, birth date) profiles kept per cluster for contradiction checks.
const PROFILE_CAP: usize = 16;

/// Clusters `n` records. `tiebreak[i]` is a stable hash of record `i`'s external id.
pub fn cluster(n: usize, edges: &[Edge], features: &[Features], tiebreak: &[u64]) -> Clustering {
    let mut order: Vec<(f32, u64, u64, u32, u32)> = edges
        .par_iter()
        .map(|e| {
            // Oriented by hash too: which side's profile a merge starts from must not
            // depend on how records are numbered.
            let (ha, hb) = (tiebreak[e.a as usize], tiebreak[e.b as usize]);
            if (ha, e.a) <= (hb, e.b) {
                (e.score, ha, hb, e.a, e.b)
            } else {
                (e.score, hb, ha, e.b, e.a)
            }
        })
        .collect();
    order.par_sort_unstable_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
            .then(x.4.cmp(&y.4))
    });

    let mut uf = UnionFind::<u32>::new(n);
    // Profiles are stored by root; a record alone is its own profile.
    let mut profiles: Vec<Vec<u32>> = vec![Vec::new(); n];
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
                .any(|&y| conflict(&features[x as usize], &features[y as usize]))
        });
        if clash {
            guarded += 1;
            continue;
        }
        uf.union(ra, rb);
        joining += 1;
        note(&mut best, a, b, score);
        let root = uf.find(a);
        let mut merged = take_profile(&mut profiles, ra);
        for y in take_profile(&mut profiles, rb) {
            let fy = &features[y as usize];
            let same = merged.iter().any(|&x| {
                let fx = &features[x as usize];
                fx.first_root == fy.first_root && fx.dob == fy.dob
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
