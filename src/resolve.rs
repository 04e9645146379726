//! Stage 5: the batch pipeline, from records to customers, in one call.
//!
//! ```
//! use omnilink::{resolve, Config, Record};
//!
//! let records = vec![
//!     Record::new("1", "store").phone("8 912 345-67-89").full_name("Анна Петрова"),
//!     Record::new("2", "web").phone("+7 912 345 67 89").email("anna.petrova@gmail.com"),
//!     Record::new("3", "app").email("AnnaPetrova+shop@gmail.com").country("RU"),
//! ];
//! let config = Config::for_region("RU");
//! let result = resolve(&records, &config).unwrap();
//! assert_eq!(result.customers.len(), 1);
//! assert_eq!(result.memberships.len(), 3);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{block, BlockingConfig, Hub, RuleStats, Sharing};
use crate::cluster::{cluster_with, ClusterEvidence, Edge};
use crate::compare::{compare, Comparison, Features, Field, Key, Level};
use crate::golden::{golden, GoldenRecord, Member};
use crate::hash::{hash_str, mix};
use crate::model::{log2_odds, Explanation, Model};
use crate::normalize::{normalize_record, Context, NormalizedRecord, Region};
use crate::{Error, Record, RecordId, Result};

/// Settings of one source (channel).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SourceConfig {
    /// Default region for this source's phone numbers and dates.
    pub region: Option<Region>,
    /// Survivorship priority (higher wins ties in golden records).
    pub priority: i32,
}

/// Everything the batch pipeline needs to know. Serialises to and from TOML or JSON; unknown
/// keys are an error.
///
/// ```
/// let cfg: omnilink::Config = toml::from_str(r#"
/// match_probability = 0.995
/// [context]
/// region = "RU"
/// [sources.web]
/// priority = 2
/// "#).unwrap();
/// assert_eq!(cfg.match_probability, 0.995);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Normalisation defaults for every record (region, candidate regions, date order, ...).
    pub context: Context,
    /// Per-source settings, by source name.
    pub sources: BTreeMap<String, SourceConfig>,
    /// Blocking rules and hub limits.
    pub blocking: BlockingConfig,
    /// A pair is linked when its match probability is at least this, and the clusters it
    /// would join do not disagree on identifiers enough to bring it below (see
    /// [`crate::cluster::ClusterEvidence`]). The default, 0.95, keeps pairwise precision
    /// above 0.99 on the synthetic benchmark (BENCHMARKS.md); raise it to trade recall for
    /// precision.
    pub match_probability: f64,
    /// Estimate the model's parameters from the data (EM); otherwise use `model` as given.
    pub train: bool,
    /// A model to start from (or to use as is when `train` is false).
    pub model: Option<Model>,
    /// Random pairs sampled to estimate `u`.
    pub u_sample_pairs: usize,
    /// Most candidate pairs EM looks at (a stable sample of them).
    pub em_sample_pairs: usize,
    /// Most EM iterations.
    pub em_iterations: usize,
    /// Keep households apart: weigh a shared identifier by how often values of its kind are
    /// shared between people in this data ([`crate::block::Sharing`]), so that a record with
    /// no name is not linked through a value alone when such values are often a family's.
    /// Costs recall on records that carry nothing but one identifier.
    pub strict_households: bool,
    /// Fewer candidate pairs than this and the model is not trained: EM needs volume to
    /// tell matches from non-matches, and the starting model is better than a guess on a
    /// handful of pairs.
    pub min_training_pairs: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            context: Context::default(),
            sources: BTreeMap::new(),
            blocking: BlockingConfig::default(),
            match_probability: 0.95,
            train: true,
            model: None,
            u_sample_pairs: 300_000,
            em_sample_pairs: 2_000_000,
            em_iterations: 100,
            min_training_pairs: 5_000,
            strict_households: false,
        }
    }
}

impl Config {
    /// The default config with a default region (two-letter code); an unknown code is ignored.
    pub fn for_region(region: &str) -> Config {
        let mut c = Config::default();
        c.context.region = Region::new(region);
        c
    }

    /// The normalisation context of records from `source`: the config's context, with the
    /// source's default region when it has one.
    pub fn context_for(&self, source: &str) -> Context {
        let mut c = self.context.clone();
        if let Some(r) = self.sources.get(source).and_then(|s| s.region) {
            c.region = Some(r);
        }
        c
    }

    fn check(&self) -> Result<()> {
        if !(self.match_probability > 0.0 && self.match_probability < 1.0) {
            return Err(Error::config(
                "match_probability must be between 0 and 1 (exclusive)",
            ));
        }
        if self.blocking.max_identifier_block < 2 || self.blocking.max_name_block < 2 {
            return Err(Error::config("block limits must be at least 2"));
        }
        Ok(())
    }
}

/// A stable customer ID: `C` and 16 hex digits, a function of the customer's records.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerId(pub String);

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One customer: its ID, members and golden record.
#[derive(Clone, Debug, Serialize)]
pub struct Customer {
    /// Stable ID.
    pub id: CustomerId,
    /// Member records, by dense index into the input.
    pub members: Vec<RecordId>,
    /// The golden record.
    pub golden: GoldenRecord,
}

/// Where one input record went.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Membership {
    /// The record (dense index into the input).
    pub record: RecordId,
    /// Index into [`Resolution::customers`].
    pub customer: u32,
    /// Score (log2 odds) of the strongest link that holds the record in its customer.
    pub score: Option<f32>,
}

/// Figures of one run.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Input records.
    pub records: u64,
    /// Values rejected during normalisation, by `kind/reason`.
    pub rejected: BTreeMap<String, u64>,
    /// Per blocking rule figures.
    pub rules: Vec<RuleStats>,
    /// Candidate pairs after deduplication.
    pub candidate_pairs: u64,
    /// Share of all possible pairs not compared.
    pub reduction_ratio: f64,
    /// How often identifier values of each kind are shared between people.
    pub sharing: Vec<Sharing>,
    /// Candidate pairs with a confident contradiction (never linked).
    pub contradicting_pairs: u64,
    /// Pairs at or above the threshold.
    pub accepted_pairs: u64,
    /// Accepted pairs not used because they would join contradicting clusters.
    pub guarded_edges: u64,
    /// EM iterations run.
    pub em_iterations: u64,
    /// Customers found.
    pub customers: u64,
    /// Cluster sizes: size -> number of customers.
    pub cluster_sizes: BTreeMap<u32, u64>,
    /// Wall time per stage, in milliseconds.
    pub stage_ms: BTreeMap<String, f64>,
}

/// The result of [`resolve`].
pub struct Resolution {
    /// Customers, ordered by ID.
    pub customers: Vec<Customer>,
    /// One entry per input record, in input order.
    pub memberships: Vec<Membership>,
    /// Values set aside as hubs.
    pub hubs: Vec<Hub>,
    /// Figures.
    pub stats: Stats,
    /// The model used (trained when the config asked).
    pub model: Model,
    features: Vec<Features>,
    frequencies: HashMap<Key, u32>,
    threshold: f64,
}

impl fmt::Debug for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolution")
            .field("customers", &self.customers.len())
            .field("records", &self.memberships.len())
            .field("hubs", &self.hubs.len())
            .finish_non_exhaustive()
    }
}

impl Resolution {
    /// The score of any pair of input records, field by field (the numbers of a waterfall
    /// chart). Returns `None` when an index is out of range.
    pub fn explain(&self, a: RecordId, b: RecordId) -> Option<Explanation> {
        let fa = self.features.get(a.index())?;
        let fb = self.features.get(b.index())?;
        Some(self.model.explain(&compare(fa, fb, &self.frequencies)))
    }

    /// The link threshold in log2 odds.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The customer of a record.
    pub fn customer_of(&self, r: RecordId) -> Option<&Customer> {
        let m = self.memberships.get(r.index())?;
        self.customers.get(m.customer as usize)
    }
}

/// A stable hash of a record's identity (source and id).
pub(crate) fn record_hash(r: &Record) -> u64 {
    crate::hash::combine(hash_str(20, &r.source), hash_str(21, &r.id))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// A deterministic stream of pseudo-random numbers (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
}

/// Runs the whole pipeline: normalise, block, train, score, cluster, golden records.
///
/// The result depends only on the records and the config: not on their order, not on the
/// number of threads of the rayon pool it runs in.
pub fn resolve(records: &[Record], config: &Config) -> Result<Resolution> {
    resolve_with_progress(records, config, &|_| {})
}

/// [`resolve`], calling `progress` with each stage's name (`"normalize"`, `"block"`, `"train"`,
/// `"score"`, `"cluster"`, `"customers"`) as it starts.
pub fn resolve_with_progress(
    records: &[Record],
    config: &Config,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Resolution> {
    config.check()?;
    if records.len() >= u32::MAX as usize {
        return Err(Error::config(
            "more records than one run can index (2^32 - 1)",
        ));
    }
    let mut stats = Stats {
        records: records.len() as u64,
        ..Stats::default()
    };

    // Sources, indexed in sorted order.
    let mut source_names: Vec<String> = records.iter().map(|r| r.source.clone()).collect();
    source_names.sort();
    source_names.dedup();
    let source_index: HashMap<&str, u32> = source_names
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as u32))
        .collect();
    let contexts: Vec<Context> = source_names.iter().map(|s| config.context_for(s)).collect();
    let sources: Vec<u32> = records
        .iter()
        .map(|r| source_index[r.source.as_str()])
        .collect();

    // 1. Normalise.
    progress("normalize");
    let t = Instant::now();
    let normalized: Vec<NormalizedRecord> = records
        .par_iter()
        .zip(sources.par_iter())
        .map(|(r, &s)| normalize_record(r, &contexts[s as usize]))
        .collect();
    let features: Vec<Features> = normalized
        .par_iter()
        .map(Features::from_normalized)
        .collect();
    let tiebreak: Vec<u64> = records.par_iter().map(record_hash).collect();
    for n in &normalized {
        for (k, r) in &n.rejects {
            *stats.rejected.entry(format!("{k}/{r}")).or_default() += 1;
        }
    }
    stats.stage_ms.insert("normalize".into(), ms(t));

    // 2. Block.
    progress("block");
    let t = Instant::now();
    let blocking = block(
        &features,
        &sources,
        &source_names,
        &tiebreak,
        &config.blocking,
    );
    stats.rules = blocking.rules.clone();
    stats.candidate_pairs = blocking.pairs.len() as u64;
    stats.reduction_ratio = blocking.reduction_ratio(records.len());
    stats.stage_ms.insert("block".into(), ms(t));

    // 3. Train: u from random pairs, m and the prior by EM over a stable sample of candidates.
    progress("train");
    let t = Instant::now();
    let mut model = config.model.clone().unwrap_or_default();
    model.records = records.len() as u64;
    if config.train && blocking.pairs.len() >= config.min_training_pairs.max(1) {
        // Sample in an order that does not depend on the input order.
        let mut by_hash: Vec<u32> = (0..records.len() as u32).collect();
        by_hash.par_sort_unstable_by_key(|&i| (tiebreak[i as usize], i));
        let mut rng = SplitMix(0x6f6d_6e69_6c69_6e6b);
        let n = by_hash.len() as u64;
        let sample: Vec<Comparison> = (0..config.u_sample_pairs)
            .map(|_| {
                let a = by_hash[(rng.next() % n) as usize];
                let b = by_hash[(rng.next() % n) as usize];
                (a, b)
            })
            .filter(|(a, b)| a != b)
            .collect::<Vec<_>>()
            .par_iter()
            .map(|&(a, b)| compare(&features[a as usize], &features[b as usize], &()))
            .collect();
        model.set_u_from_sample(&sample);

        let keep = (blocking.pairs.len() / config.em_sample_pairs.max(1)).max(1) as u64;
        let patterns: HashMap<u32, u64> = blocking
            .pairs
            .par_iter()
            .filter(|&&(a, b)| {
                keep == 1 || mix(tiebreak[a as usize] ^ tiebreak[b as usize]) % keep == 0
            })
            .fold(HashMap::new, |mut acc: HashMap<u32, u64>, &(a, b)| {
                let c = compare(&features[a as usize], &features[b as usize], &());
                *acc.entry(c.pattern).or_default() += 1;
                acc
            })
            .reduce(HashMap::new, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        let (lambda, iterations) = model.fit_em(&patterns, config.em_iterations, 1e-6);
        stats.em_iterations = iterations as u64;
        // Matches among candidates, spread over all records: the prior of a random pair.
        model.matches_per_record =
            (2.0 * lambda * blocking.pairs.len() as f64 / records.len() as f64).max(1e-3);
    }
    if config.strict_households {
        for sharing in &blocking.sharing {
            if let Some(field) = Field::ALL
                .iter()
                .find(|f| f.key_kind() == sharing.kind && **f != Field::LastName)
            {
                model.shared_value_rates[*field as usize] = sharing.rate();
            }
        }
    }
    stats.sharing = blocking.sharing.clone();
    stats.stage_ms.insert("train".into(), ms(t));

    // 4. Score.
    progress("score");
    let t = Instant::now();
    let threshold = log2_odds(config.match_probability);
    let (edges, contradicting): (Vec<Edge>, u64) = blocking
        .pairs
        .par_iter()
        .fold(
            || (Vec::new(), 0u64),
            |(mut edges, mut contra), &(a, b)| {
                let c = compare(
                    &features[a as usize],
                    &features[b as usize],
                    &blocking.frequencies,
                );
                if c.contradicts() {
                    contra += 1;
                } else {
                    let s = model.score(&c);
                    if s >= threshold {
                        edges.push(Edge {
                            a,
                            b,
                            score: s as f32,
                        });
                    }
                }
                (edges, contra)
            },
        )
        .reduce(
            || (Vec::new(), 0),
            |(mut e1, c1), (mut e2, c2)| {
                e1.append(&mut e2);
                (e1, c1 + c2)
            },
        );
    stats.accepted_pairs = edges.len() as u64;
    stats.contradicting_pairs = contradicting;
    stats.stage_ms.insert("score".into(), ms(t));

    // 5. Cluster.
    progress("cluster");
    let t = Instant::now();
    let evidence = cluster_evidence(&model, threshold);
    let clustering = cluster_with(records.len(), &edges, &features, &tiebreak, &evidence);
    stats.guarded_edges = clustering.guarded_edges;
    stats.stage_ms.insert("cluster".into(), ms(t));

    // 6. Customers: IDs from the representative (smallest record hash), golden records.
    progress("customers");
    let t = Instant::now();
    let mut members_of: HashMap<u32, Vec<RecordId>> = HashMap::new();
    for (i, &l) in clustering.labels.iter().enumerate() {
        members_of.entry(l).or_default().push(RecordId(i as u32));
    }
    let mut groups: Vec<(u32, Vec<RecordId>)> = members_of.into_iter().collect();
    groups.sort_unstable_by_key(|(rep, _)| (tiebreak[*rep as usize], *rep));
    let priority = |s: u32| {
        config
            .sources
            .get(&source_names[s as usize])
            .map_or(0, |c| c.priority)
    };
    let customers: Vec<Customer> = groups
        .par_iter()
        .map(|(rep, members)| {
            let ms: Vec<Member<'_>> = members
                .iter()
                .map(|r| Member {
                    record: &records[r.index()],
                    normalized: &normalized[r.index()],
                    priority: priority(sources[r.index()]),
                    tiebreak: tiebreak[r.index()],
                })
                .collect();
            Customer {
                id: CustomerId(format!("C{:016x}", tiebreak[*rep as usize])),
                members: members.clone(),
                golden: golden(&ms),
            }
        })
        .collect();
    let mut memberships = vec![
        Membership {
            record: RecordId(0),
            customer: 0,
            score: None
        };
        records.len()
    ];
    for (ci, c) in customers.iter().enumerate() {
        *stats
            .cluster_sizes
            .entry(c.members.len() as u32)
            .or_default() += 1;
        for &r in &c.members {
            memberships[r.index()] = Membership {
                record: r,
                customer: ci as u32,
                score: clustering.best_score[r.index()],
            };
        }
    }
    stats.customers = customers.len() as u64;
    stats.stage_ms.insert("customers".into(), ms(t));

    Ok(Resolution {
        customers,
        memberships,
        hubs: blocking.hubs,
        stats,
        model,
        features,
        frequencies: blocking.frequencies,
        threshold,
    })
}

/// What clustering weighs beyond each linking pair: the model's weights for disagreeing
/// identifiers, against the match threshold.
pub(crate) fn cluster_evidence(model: &Model, threshold: f64) -> ClusterEvidence {
    ClusterEvidence {
        threshold: threshold as f32,
        disagreement: [
            Field::Phone,
            Field::Email,
            Field::Card,
            Field::Device,
            Field::Social,
        ]
        .map(|f| model.weight(f, Level::Different).min(0.0) as f32),
    }
}
