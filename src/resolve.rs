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
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{block, BlockingConfig, Hub, RuleStats, Sharing};
use crate::cluster::{cluster_components, ClusterEvidence, Edge};
use crate::compare::{compare, compare_each, read_ahead, Features, Field, Key, Level};
use crate::golden::{golden_of, GoldenRecord, Packed, Scratch, View};
use crate::hash::{hash_str, mix};
use crate::model::{log2_odds, Explanation, LevelCounts, Model};
use crate::normalize::{normalize_record, Context, FieldKind, Region, Reject};
use crate::privacy::IdentifierKey;
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
    /// [`crate::cluster::ClusterEvidence`]). The default, 0.91, keeps pairwise precision
    /// above 0.99 on the synthetic benchmark at 20,000 to 200,000 customers (BENCHMARKS.md);
    /// raise it to trade recall for precision.
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
    /// Privacy-preserving mode: with a key, identifiers are blocked and compared only as
    /// keyed hashes ([`crate::privacy`]).
    pub identifier_key: Option<IdentifierKey>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            context: Context::default(),
            sources: BTreeMap::new(),
            blocking: BlockingConfig::default(),
            match_probability: 0.91,
            train: true,
            model: None,
            u_sample_pairs: 300_000,
            em_sample_pairs: 2_000_000,
            em_iterations: 100,
            min_training_pairs: 200,
            identifier_key: None,
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

    /// Checks the settings (probabilities in range, limits at least 2, ...): a
    /// [`crate::ErrorKind::Config`] error naming the setting otherwise.
    pub fn check(&self) -> Result<()> {
        if !(self.match_probability > 0.0 && self.match_probability < 1.0) {
            return Err(Error::config(
                "match_probability must be between 0 and 1 (exclusive)",
            ));
        }
        if self.blocking.max_identifier_block < 2 || self.blocking.max_name_block < 2 {
            return Err(Error::config("block limits must be at least 2"));
        }
        // Each sampled pair is held in memory at once.
        if self.u_sample_pairs > MAX_U_SAMPLE_PAIRS {
            return Err(Error::config(format!(
                "u_sample_pairs must be at most {MAX_U_SAMPLE_PAIRS}"
            )));
        }
        if let Some(k) = &self.identifier_key {
            k.check()?;
        }
        if self.context.attributes.len() > Field::ATTRIBUTES {
            return Err(Error::config(format!(
                "at most {} attributes can be compared (context.attributes)",
                Field::ATTRIBUTES
            )));
        }
        Ok(())
    }

    /// This config, with the attributes the records carry as `context.attributes` when the
    /// config names none: their names sorted, the first [`Field::ATTRIBUTES`] of them (the
    /// others are counted as rejected `attribute/too_many`).
    ///
    /// ```
    /// use omnilink::{AttributeKind, Config, Record};
    /// let records = [
    ///     Record::new("1", "crm").attribute("state", AttributeKind::Category, "NSW"),
    ///     Record::new("2", "crm").attribute("gender", AttributeKind::Category, "f"),
    /// ];
    /// let c = Config::default();
    /// assert_eq!(&*c.with_record_attributes(&records).context.attributes, ["gender", "state"]);
    /// ```
    pub fn with_record_attributes(&self, records: &[Record]) -> std::borrow::Cow<'_, Config> {
        if !self.context.attributes.is_empty() || records.iter().all(|r| r.attributes.is_empty()) {
            return std::borrow::Cow::Borrowed(self);
        }
        let names: std::collections::BTreeSet<&str> = records
            .iter()
            .flat_map(|r| r.attributes.iter().map(|a| a.name.as_str()))
            .collect();
        let mut c = self.clone();
        c.context.attributes = names
            .into_iter()
            .take(Field::ATTRIBUTES)
            .map(str::to_string)
            .collect();
        std::borrow::Cow::Owned(c)
    }
}

/// Candidate pairs one parallel task compares: large enough for [`compare_each`] to read
/// ahead, small enough to balance two to many threads.
const PAIRS_PER_TASK: usize = 4096;

/// How far ahead of the record being normalised, or the customer being built, its thread
/// fetches the data of another.
const READ_AHEAD_DISTANCE: usize = 8;

/// Most random pairs [`Config::u_sample_pairs`] may ask for.
pub const MAX_U_SAMPLE_PAIRS: usize = 50_000_000;

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

/// The pipeline's stages in the order they run: the keys of [`Stats::stage_ms`].
pub const STAGES: [&str; 6] = [
    "normalize",
    "block",
    "train",
    "score",
    "cluster",
    "customers",
];

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
    /// Records left out of the clusters their links reach, because they reach two that
    /// refuse each other about equally (see [`crate::cluster`]).
    pub ambiguous_records: u64,
    /// EM iterations run.
    pub em_iterations: u64,
    /// The model was trained on this data (enough candidate pairs, `train` on).
    pub trained: bool,
    /// EM stopped because its estimates stopped moving, not at `em_iterations`.
    pub em_converged: bool,
    /// The match threshold, in log2 odds (from [`Config::match_probability`]).
    pub threshold: f64,
    /// Customers found.
    pub customers: u64,
    /// Cluster sizes: size -> number of customers.
    pub cluster_sizes: BTreeMap<u32, u64>,
    /// Wall time per stage, in milliseconds.
    pub stage_ms: BTreeMap<String, f64>,
    /// Identifiers were blocked and compared as keyed hashes ([`Config::identifier_key`]).
    pub identifier_key: bool,
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
    /// The config the records were resolved with (to normalise a pair again for `explain`).
    config: Config,
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
    /// The names of the attributes records were compared on, in field order
    /// ([`crate::compare::Field::attribute`]).
    pub fn attributes(&self) -> &[String] {
        &self.config.context.attributes
    }

    /// The score of any pair of the input `records` (the slice given to [`resolve`]), field by
    /// field: the numbers of a waterfall chart. Returns `None` when an index is out of range.
    ///
    /// The two records are normalised again rather than kept from the run: holding every
    /// record's comparison features would cost a few hundred bytes per record.
    ///
    /// ```
    /// use omnilink::{resolve, Config, Record, RecordId};
    /// let records = vec![
    ///     Record::new("1", "web").phone("+7 912 345-67-89").full_name("Anna Petrova"),
    ///     Record::new("2", "store").phone("89123456789").full_name("Петрова Анна"),
    /// ];
    /// let res = resolve(&records, &Config::for_region("RU"))?;
    /// let x = res.explain(&records, RecordId(0), RecordId(1)).unwrap();
    /// assert!(x.score > res.threshold());
    /// # Ok::<(), omnilink::Error>(())
    /// ```
    pub fn explain(&self, records: &[Record], a: RecordId, b: RecordId) -> Option<Explanation> {
        let fa = features_of(records.get(a.index())?, &self.config);
        let fb = features_of(records.get(b.index())?, &self.config);
        Some(self.model.explain(&compare(&fa, &fb, &self.frequencies)))
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

/// A record's comparison features, as the pipeline makes them under `config`.
fn features_of(r: &Record, config: &Config) -> Features {
    let n = normalize_record(r, &config.context_for(&r.source));
    crate::privacy::features(&n, config.identifier_key.as_ref())
}

/// A stable hash of a record's identity (source and id). The batch pipeline computes the same
/// with the source's hash found once per source.
pub(crate) fn record_hash(r: &Record) -> u64 {
    crate::hash::combine(hash_str(20, &r.source), hash_str(21, &r.id))
}

/// The ID of a customer whose representative has hash `h`, in a string of the exact size.
fn customer_id(h: u64) -> CustomerId {
    use std::fmt::Write;
    let mut s = String::with_capacity(17);
    let _ = write!(s, "C{h:016x}");
    CustomerId(s)
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

/// The sources met while normalising, numbered in the order they are first met, and the
/// rejected values counted by the workers.
#[derive(Default)]
struct SourceTable<'a> {
    names: std::sync::Mutex<(HashMap<&'a str, u32>, Vec<&'a str>)>,
    rejected: std::sync::Mutex<HashMap<(FieldKind, Reject), u64>>,
}

impl<'a> SourceTable<'a> {
    /// The number of `name`, given one when it is new.
    fn number(&self, name: &'a str) -> u32 {
        let mut guard = self.names.lock().unwrap_or_else(|e| e.into_inner());
        let (index, names) = &mut *guard;
        *index.entry(name).or_insert_with(|| {
            names.push(name);
            names.len() as u32 - 1
        })
    }

    /// The names by number, and the rejected values by field kind and reason.
    fn finish(self) -> (Vec<&'a str>, HashMap<(FieldKind, Reject), u64>) {
        let names = self.names.into_inner().unwrap_or_else(|e| e.into_inner()).1;
        let rejected = self
            .rejected
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        (names, rejected)
    }
}

/// One source as a normalising worker knows it.
struct KnownSource<'a> {
    name: &'a str,
    /// Number in the [`SourceTable`].
    id: u32,
    hash: u64,
    context: Context,
}

/// A normalising worker's state: the sources it has met, and its count of rejected values
/// (added to the table's when the worker is done).
struct Normalizer<'a, 't> {
    config: &'a Config,
    table: &'t SourceTable<'a>,
    sources: Vec<KnownSource<'a>>,
    index: FastMap<&'a str, usize>,
    last: usize,
    rejected: FastMap<(FieldKind, Reject), u64>,
}

/// A hash map with a fast hasher, for the normalising workers' per-record lookups (source
/// names, reject reasons): SipHash costs more than the rest of reading a record's source.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

impl<'a, 't> Normalizer<'a, 't> {
    fn new(config: &'a Config, table: &'t SourceTable<'a>) -> Self {
        Normalizer {
            config,
            table,
            sources: Vec::new(),
            index: FastMap::default(),
            last: 0,
            rejected: FastMap::default(),
        }
    }

    /// The place of `name` in `self.sources` and the source's hash. Records of one source
    /// often come together: the last one met is tried first.
    fn source(&mut self, name: &'a str) -> (usize, u64) {
        if let Some(s) = self.sources.get(self.last) {
            if s.name == name {
                return (self.last, s.hash);
            }
        }
        let at = match self.index.get(name) {
            Some(&at) => at,
            None => {
                self.sources.push(KnownSource {
                    name,
                    id: self.table.number(name),
                    hash: hash_str(20, name),
                    context: self.config.context_for(name),
                });
                self.index.insert(name, self.sources.len() - 1);
                self.sources.len() - 1
            }
        };
        self.last = at;
        (at, self.sources[at].hash)
    }
}

impl Drop for Normalizer<'_, '_> {
    fn drop(&mut self) {
        if self.rejected.is_empty() {
            return;
        }
        let mut all = self
            .table
            .rejected
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (&k, &v) in &self.rejected {
            *all.entry(k).or_default() += v;
        }
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
    let config = &*config.with_record_attributes(records);
    if records.len() >= u32::MAX as usize {
        return Err(Error::config(
            "more records than one run can index (2^32 - 1)",
        ));
    }
    let mut stats = Stats {
        records: records.len() as u64,
        identifier_key: config.identifier_key.is_some(),
        ..Stats::default()
    };

    // 1. Normalise. Each record becomes its comparison features and the few canonical values
    // golden records show; the normalised record itself is not kept. Sources are indexed in
    // the same pass (the first index a source gets depends on the thread that meets it
    // first, so they are put in sorted order after), as reading every record's source once
    // more costs a pass over the whole input.
    progress("normalize");
    let t = Instant::now();
    let found = SourceTable::default();
    #[allow(clippy::type_complexity)]
    let (mut features, (packed, (tiebreak, mut sources))): (
        Vec<Features>,
        (Vec<Packed>, (Vec<u64>, Vec<u32>)),
    ) = records
        .par_iter()
        .enumerate()
        .map_init(
            || Normalizer::new(config, &found),
            |w, (i, r)| {
                // A thread works through a run of consecutive records: the one it will
                // reach a few records from now is fetched meanwhile.
                if let Some(ahead) = records.get(i + READ_AHEAD_DISTANCE) {
                    std::hint::black_box(ahead.read_ahead());
                }
                let (s, source_hash) = w.source(&r.source);
                let n = normalize_record(r, &w.sources[s].context);
                for &(k, why) in &n.rejects {
                    *w.rejected.entry((k, why)).or_default() += 1;
                }
                let mut f = crate::privacy::features(&n, config.identifier_key.as_ref());
                f.keys.shrink_to_fit();
                (
                    f,
                    (
                        Packed::of(&n),
                        (
                            crate::hash::combine(source_hash, hash_str(21, &r.id)),
                            w.sources[s].id,
                        ),
                    ),
                )
            },
        )
        .unzip();
    let (source_names, rejected) = found.finish();
    // First-met indices to sorted ones.
    let remap: Vec<u32> = {
        let mut order: Vec<u32> = (0..source_names.len() as u32).collect();
        order.sort_by(|&a, &b| source_names[a as usize].cmp(source_names[b as usize]));
        let mut m = vec![0u32; order.len()];
        for (k, &i) in order.iter().enumerate() {
            m[i as usize] = k as u32;
        }
        m
    };
    sources.par_iter_mut().for_each(|s| *s = remap[*s as usize]);
    let mut source_names: Vec<String> = source_names.iter().map(|s| s.to_string()).collect();
    source_names.sort();
    for ((k, why), count) in rejected {
        *stats.rejected.entry(format!("{k}/{why}")).or_default() += count;
    }
    stats.stage_ms.insert("normalize".into(), ms(t));

    // 2. Block.
    progress("block");
    let t = Instant::now();
    let mut blocking = block(
        &features,
        &sources,
        &source_names,
        &tiebreak,
        &config.blocking,
    );
    stats.rules = std::mem::take(&mut blocking.rules);
    let pairs = std::mem::take(&mut blocking.pairs);
    stats.candidate_pairs = pairs.len() as u64;
    stats.reduction_ratio = {
        let all = records.len() as f64 * (records.len() as f64 - 1.0) / 2.0;
        if all <= 0.0 {
            1.0
        } else {
            1.0 - pairs.len() as f64 / all
        }
    };
    stats.stage_ms.insert("block".into(), ms(t));

    // 3. Train: u from random pairs, m and the prior by EM over a stable sample of candidates.
    progress("train");
    let t = Instant::now();
    let mut model = config.model.clone().unwrap_or_default();
    model.records = records.len() as u64;
    if config.train && pairs.len() >= config.min_training_pairs.max(1) {
        // Sample in an order that does not depend on the input order.
        let mut by_hash: Vec<u32> = (0..records.len() as u32).collect();
        by_hash.par_sort_unstable_by_key(|&i| (tiebreak[i as usize], i));
        let mut rng = SplitMix(0x6f6d_6e69_6c69_6e6b);
        let n = by_hash.len() as u64;
        let mut sample: Vec<(u32, u32)> = (0..config.u_sample_pairs)
            .map(|_| {
                let a = by_hash[(rng.next() % n) as usize];
                let b = by_hash[(rng.next() % n) as usize];
                (a, b)
            })
            .filter(|(a, b)| a != b)
            .collect();
        // Only the counts matter, not the order: sorted, one record of each pair is read in
        // memory order.
        sample.par_sort_unstable();
        let counts = sample
            .par_chunks(PAIRS_PER_TASK)
            .fold(LevelCounts::default, |mut counts, chunk| {
                compare_each(&features, chunk.iter().copied(), &(), |_, _, c| {
                    counts.add(&c)
                });
                counts
            })
            .reduce(LevelCounts::default, |mut a, b| {
                a.merge(&b);
                a
            });
        drop(sample);
        model.set_u_from_counts(&counts);

        let keep = (pairs.len() / config.em_sample_pairs.max(1)).max(1) as u64;
        let patterns: HashMap<u32, u64> = pairs
            .par_chunks(PAIRS_PER_TASK)
            .fold(HashMap::new, |mut acc: HashMap<u32, u64>, chunk| {
                let sampled = chunk.iter().copied().filter(|&(a, b)| {
                    keep == 1
                        || mix(tiebreak[a as usize] ^ tiebreak[b as usize]).is_multiple_of(keep)
                });
                compare_each(&features, sampled, &(), |_, _, c| {
                    *acc.entry(c.pattern).or_default() += 1;
                });
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
        stats.trained = true;
        stats.em_converged = iterations < config.em_iterations;
        // Matches among candidates, spread over all records: the prior of a random pair.
        model.matches_per_record =
            (2.0 * lambda * pairs.len() as f64 / records.len() as f64).max(1e-3);
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
    stats.threshold = threshold;
    let (edges, contradicting): (Vec<Edge>, u64) = pairs
        .par_chunks(PAIRS_PER_TASK)
        .fold(
            || (Vec::new(), 0u64),
            |(mut edges, mut contra), chunk| {
                let tf = &blocking.frequencies;
                compare_each(&features, chunk.iter().copied(), tf, |a, b, c| {
                    if model.contradicts(&c, threshold) {
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
                });
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
    drop(pairs);
    stats.accepted_pairs = edges.len() as u64;
    stats.contradicting_pairs = contradicting;
    stats.stage_ms.insert("score".into(), ms(t));

    // 5. Cluster.
    progress("cluster");
    let t = Instant::now();
    let evidence = cluster_evidence(&model, threshold);
    let clustering = cluster_components(
        records.len(),
        &edges,
        &features,
        &tiebreak,
        &blocking.frequencies,
        &evidence,
    );
    stats.guarded_edges = clustering.guarded_edges;
    stats.ambiguous_records = clustering.ambiguous_records;
    drop(edges);
    stats.stage_ms.insert("cluster".into(), ms(t));

    // 6. Customers: IDs from the representative (smallest record hash), golden records.
    progress("customers");
    let t = Instant::now();
    // Records grouped by cluster label. Golden records are built in label order, where a
    // record alone (the most common customer) is read in input order, then the customers are
    // put in the order of their representative's hash.
    let labels = &clustering.labels;
    let mut by_label: Vec<u64> = labels
        .par_iter()
        .enumerate()
        .map(|(i, &l)| (u64::from(l) << 32) | i as u64)
        .collect();
    by_label.par_sort_unstable();
    let members: Vec<RecordId> = by_label.iter().map(|&x| RecordId(x as u32)).collect();
    let mut groups: Vec<(u32, u32)> = Vec::new();
    let mut start = 0;
    for i in 1..=by_label.len() {
        if i == by_label.len() || by_label[i] >> 32 != by_label[start] >> 32 {
            groups.push((start as u32, i as u32));
            start = i;
        }
    }
    drop(by_label);
    let reps: Vec<u32> = groups
        .iter()
        .map(|g| labels[members[g.0 as usize].index()])
        .collect();
    // `dest[g]`: the place of group g among customers ordered by (representative hash, index).
    let mut dest: Vec<u32> = {
        // The sort keys are gathered first: read inside the comparisons, each would be a
        // cache miss.
        let mut order: Vec<(u64, u32, u32)> = reps
            .par_iter()
            .enumerate()
            .map(|(g, &rep)| (tiebreak[rep as usize], rep, g as u32))
            .collect();
        order.par_sort_unstable();
        let mut dest = vec![0u32; groups.len()];
        for (k, &(_, _, g)) in order.iter().enumerate() {
            dest[g as usize] = k as u32;
        }
        dest
    };
    let mut customer_of_rep: Vec<u32> = vec![0; records.len()];
    for (g, &rep) in reps.iter().enumerate() {
        customer_of_rep[rep as usize] = dest[g];
    }
    // Memberships first, so that the clustering is freed before golden records are built.
    let memberships: Vec<Membership> = labels
        .par_iter()
        .zip(clustering.best_score.par_iter())
        .enumerate()
        .map(|(i, (&l, &score))| Membership {
            record: RecordId(i as u32),
            customer: customer_of_rep[l as usize],
            score,
        })
        .collect();
    drop(customer_of_rep);
    drop(clustering);
    let priorities: Vec<i32> = source_names
        .iter()
        .map(|s| config.sources.get(s).map_or(0, |c| c.priority))
        .collect();
    // One shared copy of each source name for all the golden records that list it.
    let shared_names: Vec<Arc<str>> = source_names.iter().map(|s| Arc::from(s.as_str())).collect();
    // In batches, so that the packed values of the customers done are freed (and their memory
    // reused) while the next ones are built.
    let mut customers: Vec<Customer> = Vec::with_capacity(groups.len());
    let batch = groups.len() / 64 + 1;
    let mut packed = packed;
    // The batch of each record: at most 64 batches.
    let mut batch_of = vec![0u8; records.len()];
    for (k, gs) in groups.chunks(batch).enumerate() {
        if let (Some(first), Some(last)) = (gs.first(), gs.last()) {
            for r in &members[first.0 as usize..last.1 as usize] {
                batch_of[r.index()] = k as u8;
            }
        }
    }
    for (batch_no, (gs, rs)) in groups.chunks(batch).zip(reps.chunks(batch)).enumerate() {
        customers.par_extend(gs.par_iter().zip(rs.par_iter()).enumerate().map_init(
            Scratch::new,
            |scratch, (k, (g, &rep))| {
                // As in normalising: the members of a customer a few ahead are fetched
                // meanwhile (a customer's records, and records alone, lie scattered).
                if let Some(next) = gs.get(k + READ_AHEAD_DISTANCE) {
                    let ahead = &members[next.0 as usize..next.1 as usize];
                    let fetched = ahead.iter().fold(0u64, |acc, r| {
                        let i = r.index();
                        acc ^ u64::from(records[i].read_ahead() ^ packed[i].read_ahead())
                    });
                    let ids = ahead.iter().map(|r| r.0);
                    std::hint::black_box(fetched ^ read_ahead(&features, ids));
                }
                let ids = &members[g.0 as usize..g.1 as usize];
                scratch.views.clear();
                scratch.views.extend(ids.iter().map(|r| {
                    let (i, f) = (r.index(), &features[r.index()]);
                    View {
                        record: &records[i],
                        priority: priorities[sources[i] as usize],
                        source: &shared_names[sources[i] as usize],
                        tiebreak: tiebreak[i],
                        first_root: f.first_root.as_deref(),
                        first: f.first.as_deref(),
                        last: f.last.as_deref(),
                        dob: f.dob,
                        packed: &packed[i],
                    }
                }));
                Customer {
                    id: customer_id(tiebreak[rep as usize]),
                    members: ids.to_vec(),
                    golden: golden_of(scratch),
                }
            },
        ));
        // The batch's records are freed in parallel, in input order (they lie scattered).
        features
            .par_iter_mut()
            .zip(packed.par_iter_mut())
            .zip(batch_of.par_iter())
            .filter(|&(_, &b)| usize::from(b) == batch_no)
            .for_each(|((f, p), _)| {
                *f = Features::default();
                *p = Packed::default();
            });
    }
    drop(packed);
    drop(features);
    drop(members);
    drop(reps);
    for g in &groups {
        *stats.cluster_sizes.entry(g.1 - g.0).or_default() += 1;
    }
    drop(groups);
    // Move every customer to its place, one swap per customer placed.
    for i in 0..customers.len() {
        while dest[i] as usize != i {
            let d = dest[i] as usize;
            customers.swap(i, d);
            dest.swap(i, d);
        }
    }
    drop(dest);
    stats.customers = customers.len() as u64;
    stats.stage_ms.insert("customers".into(), ms(t));

    Ok(Resolution {
        customers,
        memberships,
        hubs: blocking.hubs,
        stats,
        model,
        config: config.clone(),
        frequencies: blocking.frequencies,
        threshold,
    })
}

/// What clustering weighs beyond each linking pair: the model's weights for disagreeing
/// identifiers, against the match threshold.
pub(crate) fn cluster_evidence(model: &Model, threshold: f64) -> ClusterEvidence {
    ClusterEvidence {
        model: Some(Arc::new(model.clone())),
        threshold: threshold as f32,
        disagreement: Field::STRONG.map(|f| model.weight(f, Level::Different).min(0.0) as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_times_are_keyed_by_the_stages() {
        let res = resolve(&records(), &Config::for_region("RU")).unwrap();
        let keys: Vec<&str> = res.stats.stage_ms.keys().map(String::as_str).collect();
        let mut stages = STAGES.to_vec();
        stages.sort_unstable();
        assert_eq!(keys, stages);
    }

    /// Records of three sources, interleaved, some with values that do not normalise.
    fn records() -> Vec<Record> {
        let names = [
            "Anna Petrova",
            "Ivan Sidorov",
            "Olga Smirnova",
            "Pavel Orlov",
            "Daria Volkova",
        ];
        let mut out = Vec::new();
        for i in 0..60usize {
            let (source, person) = (["web", "store_ru", "app"][i % 3], i / 6);
            let mut r = Record::new(format!("r{i}"), source).full_name(names[person % 5]);
            r = match source {
                // National format: read as Russian only through the source's region.
                "store_ru" => r.phone(format!("8 912 345-{person:02}-55")),
                "web" => r.phone(format!("+7 912 345 {person:02} 55")),
                _ => r.email(format!("person{person}@example.com")),
            };
            if i % 4 == 0 {
                r = r.email("not an e-mail").birth_date("31/31/1990");
            }
            out.push(r);
        }
        out
    }

    fn config() -> Config {
        let mut c = Config::default();
        c.sources.insert(
            "store_ru".into(),
            SourceConfig {
                region: Region::new("RU"),
                priority: 1,
            },
        );
        c
    }

    #[test]
    fn sources_and_rejects_counted_in_the_normalising_pass() {
        let (recs, cfg) = (records(), config());
        let res = resolve(&recs, &cfg).unwrap();
        // Rejected values, as normalising each record in its source's context counts them.
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        for r in &recs {
            for (k, why) in normalize_record(r, &cfg.context_for(&r.source)).rejects {
                *want.entry(format!("{k}/{why}")).or_default() += 1;
            }
        }
        assert!(!want.is_empty());
        assert_eq!(res.stats.rejected, want);
        // The store's national numbers were read with its region: its records join the web's.
        let store = res.customer_of(RecordId(1)).unwrap();
        assert!(store.members.contains(&RecordId(0)));
        let sources = &store.golden.sources;
        assert!(sources.windows(2).all(|w| w[0] < w[1]));
        assert!(
            sources.iter().any(|s| &**s == "store_ru") && sources.iter().any(|s| &**s == "web")
        );
        // The same result whatever the thread count and the input order.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let mut reversed = recs.clone();
        reversed.reverse();
        let again = pool.install(|| resolve(&reversed, &cfg)).unwrap();
        assert_eq!(again.stats.rejected, res.stats.rejected);
        let golden = |r: &Resolution| -> Vec<(String, GoldenRecord)> {
            r.customers
                .iter()
                .map(|c| (c.id.0.clone(), c.golden.clone()))
                .collect()
        };
        assert_eq!(golden(&again), golden(&res));
    }
}
