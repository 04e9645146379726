//! The incremental resolver: a long-lived value for CRM embedding.
//!
//! A [`Resolver`] holds the blocking index, the model and the customers, takes records one at
//! a time (or in batches), and answers "who is this?" by any identifier. Customer IDs are
//! stable: the oldest ID survives a merge, the largest part keeps it on a split, and an ID is
//! never reused. Every change is reported as [`Event`]s.
//!
//! ```
//! use omnilink::normalize::FieldKind;
//! use omnilink::resolver::{Event, Resolver};
//! use omnilink::{Config, Record};
//!
//! let crm = Resolver::new(Config::for_region("RU")).unwrap();
//! let a = crm.add(Record::new("t1", "store").phone("8 912 345-67-89").full_name("Анна Петрова")).unwrap();
//! let b = crm.add(Record::new("w1", "web").phone("+79123456789").email("anna@mail.ru")).unwrap();
//! assert_eq!(a.customer, b.customer);
//! assert!(matches!(b.events[0], Event::Attached { .. }));
//! assert_eq!(crm.lookup(FieldKind::Email, "Anna@Mail.ru"), vec![a.customer.clone()]);
//! ```
//!
//! Adds are serialised behind a write lock; lookups share a read lock and run concurrently.
//!
//! ## Durable state
//!
//! [`Resolver::open`] keeps the resolver in a directory: a snapshot and a journal of every
//! operation, each acknowledged only once durable (see [`SyncPolicy`]), replayed on the next
//! open with the same customers and IDs; [`Resolver::checkpoint`] folds the journal into a new
//! snapshot. [`Resolver::save`] and [`Resolver::load`] stay for one-off exports.
//!
//! ## Same customers as the batch
//!
//! The batch clusters each connected component of its accepted links on its own (strongest
//! link first, guarded against contradictions, see [`crate::cluster`]), so the resolver keeps
//! every component clustered as the batch would cluster it with the records and frequencies
//! held now. An add takes one of two paths:
//!
//! - the record links to at most one customer, no other record's links moved, and that
//!   customer is *quiet* with the record in: it has no links to other customers, no two of
//!   its records contradict each other and no identifier kind has two values among them.
//!   Then no clustering order can refuse a link inside it, so clustering the component from
//!   scratch would give the old partition plus this record;
//! - otherwise the records connected to it (through accepted links and shared customers) are
//!   clustered again with [`crate::cluster::cluster`] over their candidate pairs, scored as
//!   the batch scores them. "Links moved" means: an identifier value's count of people
//!   changed (a household's phone seen with a second person), a block crossed the hub limit,
//!   or a full name's count changed (a full name's weight falls as more records carry it),
//!   and a customer holding two records of that value is contested (its component has a
//!   link the guard refused, or records that contradict each other: there the order of links
//!   matters) or no longer connected by its own links. To tell, only the pairs of its records
//!   sharing a value whose count moved are scored again, with the counts before and after (a
//!   pair's score reads the counts of the values its records share, and of their other
//!   identifiers only whether they are widely shared; every carrier of a value that crosses
//!   that line is re-clustered): a contested customer is
//!   re-clustered when one of those scores moved, another one when one of those links
//!   appeared or vanished and its records are no longer connected. Removals re-cluster the
//!   removed record's neighbours and every record of a value whose count moved.
//!
//! Adding the records of a data set one by one, in any order, then gives the batch's
//! partition on the same records and model (the tests check this over several data sets and
//! arrival orders). Some approximations remain, none seen to matter in those tests:
//! a family name's frequency moves the weight of every pair sharing it, and those pairs are
//! re-scored only when their component is next re-clustered (the move is `log2((f+1)/f)`
//! bits per record and applies only once the name is common enough to weigh less than the
//! model's exact-match weight); values carried by more than 256 records are not followed
//! (one more record moves a full name's weight by at most `log2(256/255)`, 0.006 bits), and
//! components of more than 4,096 records are re-clustered only around the records that
//! changed; and with an untrained model whose population follows the records held, every
//! score drifts as records arrive beyond 10,000 ([`crate::model::MIN_POPULATION`]).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::block::{count_people, Rule};
use crate::cluster::{cluster_with, Edge};
use crate::compare::{compare, conflict, Features, Key, KeyFrequency, KeyKind, WIDELY_SHARED};
use crate::golden::{golden, GoldenRecord, Member};
use crate::hash::{hash_bytes, mix};
use crate::model::{log2_odds, Model};
use crate::normalize::{normalize_record, FieldKind, NormalizedRecord};
use crate::resolve::{cluster_evidence, record_hash};
use crate::{Config, CustomerId, Error, Record, Result};

mod journal;
pub use journal::{OpenOptions, Recovery, SyncPolicy};

/// What an operation did to the customers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
#[non_exhaustive]
pub enum Event {
    /// A new customer was created for the record.
    Created {
        /// The new customer.
        customer: CustomerId,
    },
    /// The record joined an existing customer.
    Attached {
        /// The customer.
        customer: CustomerId,
    },
    /// Customers were merged; the oldest ID survives.
    Merged {
        /// The surviving ID.
        survivor: CustomerId,
        /// IDs that no longer exist.
        absorbed: Vec<CustomerId>,
    },
    /// A customer was split; the largest part kept the ID.
    Split {
        /// The ID kept by the largest part.
        customer: CustomerId,
        /// New customers for the other parts.
        parts: Vec<CustomerId>,
    },
    /// A customer lost its last record and no longer exists.
    Deleted {
        /// The customer.
        customer: CustomerId,
    },
}

/// The result of adding a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddOutcome {
    /// The customer the record now belongs to.
    pub customer: CustomerId,
    /// What changed, in order.
    pub events: Vec<Event>,
}

/// A customer as the resolver sees it.
#[derive(Clone, Debug)]
pub struct CustomerView {
    /// The ID.
    pub id: CustomerId,
    /// Member records as `(source, id)`.
    pub members: Vec<(String, String)>,
    /// The golden record.
    pub golden: GoldenRecord,
}

/// The resolver's hash maps. Their keys are mostly hashes already; a fast keyed hasher
/// costs less per lookup than the standard one, and an add makes hundreds of lookups.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A record held by the resolver.
#[derive(Clone)]
struct Slot {
    record: Record,
    normalized: NormalizedRecord,
    features: Features,
    customer: u64,
    /// [`record_hash`] of the record: the batch's tie-break.
    tiebreak: u64,
    /// Arrival order among the records held (saved files keep records in this order).
    arrival: u64,
    /// The phonetic given and family name keys (see [`Rule::keys_with`]), computed once.
    phonetic: (u64, u64),
}

/// Records carrying one blocking key. Most keys are carried by one record.
#[derive(Clone, Debug)]
enum Posting {
    One(u32),
    Many(Vec<u32>),
}

impl Posting {
    fn as_slice(&self) -> &[u32] {
        match self {
            Posting::One(x) => std::slice::from_ref(x),
            Posting::Many(v) => v,
        }
    }

    fn push(&mut self, r: u32) {
        match self {
            Posting::One(x) => *self = Posting::Many(vec![*x, r]),
            Posting::Many(v) => v.push(r),
        }
    }

    /// Removes `r`; returns `true` when nothing is left.
    fn remove(&mut self, r: u32) -> bool {
        match self {
            Posting::One(x) => *x == r,
            Posting::Many(v) => {
                v.retain(|&y| y != r);
                match v.as_slice() {
                    [] => true,
                    &[only] => {
                        *self = Posting::One(only);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CustomerState {
    /// Creation order: the oldest survives a merge.
    seq: u64,
    members: Vec<u32>,
    /// Whether the customer's component holds links refused by the guard or cut by a limit
    /// (`None`: not known, as after loading); only then can the order of its links matter.
    #[serde(skip)]
    contested: Option<bool>,
}

struct State {
    config: Config,
    model: Model,
    /// The model's population follows the number of records held (an untrained model).
    track_population: bool,
    threshold: f64,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_ext: Map<u64, u32>,
    /// Blocking rule key -> records.
    postings: Map<u64, Posting>,
    /// Records per family name and per full name (given-name root and family name).
    counts: Map<Key, u32>,
    /// Full name -> records carrying it: the pairs whose score moves with its count.
    full_names: Map<u64, Posting>,
    /// People per identifier value, for values shared by two or more (as blocking counts them).
    people: Map<Key, u32>,
    customers: Map<u64, CustomerState>,
    next_customer: u64,
    next_arrival: u64,
}

/// Term frequencies from the resolver's state, read as the batch pipeline reads them: for
/// names, how many records carry them; for an identifier value, how many people its records
/// show (see [`crate::block`]).
struct Counts<'a>(&'a State);

impl KeyFrequency for Counts<'_> {
    fn frequency(&self, key: Key) -> u32 {
        let map = if is_name_key(key) {
            &self.0.counts
        } else {
            &self.0.people
        };
        map.get(&key).copied().unwrap_or(1).max(1)
    }
}

/// What a change of frequencies did to the links among some records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moved {
    /// No pair's score moved.
    Nothing,
    /// Some scores moved, no link appeared or vanished.
    Scores,
    /// A link appeared or vanished.
    Links,
}

/// [`Counts`] with the keys of `old` read at their former frequency (sorted by key).
struct Before<'a> {
    now: Counts<'a>,
    old: &'a [(Key, u32)],
}

impl KeyFrequency for Before<'_> {
    fn frequency(&self, key: Key) -> u32 {
        match self.old.binary_search_by_key(&key, |&(k, _)| k) {
            Ok(i) => self.old[i].1.max(1),
            Err(_) => self.now.frequency(key),
        }
    }
}

fn is_name_key(key: Key) -> bool {
    matches!(key.kind(), Some(KeyKind::LastName | KeyKind::FullName))
}

fn customer_id(raw: u64) -> CustomerId {
    CustomerId(format!("C{raw:016x}"))
}

fn parse_customer_id(id: &CustomerId) -> Option<u64> {
    u64::from_str_radix(id.0.strip_prefix('C')?, 16).ok()
}

/// The customer of a record not yet placed. Customer IDs are `mix(n)` for `n >= 1`, and `mix`
/// is a bijection with `mix(0) == 0`, so no customer has this value.
const UNPLACED: u64 = 0;

/// Most records whose scores a changed frequency can move that are re-evaluated at once; a
/// value carried by more records moves each of their scores by little (a full name carried
/// by `f` records changes weight by `log2(f / (f - 1))` when one more arrives).
const REEVALUATE_CAP: usize = 256;

/// Most records re-clustered together; a component larger than this is re-clustered around
/// the records that changed, not as a whole.
const COMPONENT_CAP: usize = 4096;

/// Most records of one customer checked pairwise for contradictions; a larger customer is
/// treated as holding some.
const CHECK_CAP: usize = 64;

/// The identifier kinds clustering compares between clusters (as batch clustering does).
const EVIDENCE_KINDS: [KeyKind; 6] = KeyKind::PERSONAL;

fn push_posting(map: &mut Map<u64, Posting>, k: u64, r: u32) -> usize {
    match map.entry(k) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            e.get_mut().push(r);
            e.get().as_slice().len()
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Posting::One(r));
            1
        }
    }
}

impl State {
    fn limit(&self, rule: Rule) -> usize {
        if rule.key_kind().is_some() {
            self.config.blocking.max_identifier_block
        } else {
            self.config.blocking.max_name_block
        }
    }

    fn new_customer(&mut self) -> u64 {
        // `mix` is a bijection: distinct counters give distinct IDs, never reused.
        let raw = mix(self.next_customer);
        self.customers.insert(
            raw,
            CustomerState {
                seq: self.next_customer,
                members: Vec::new(),
                contested: Some(false),
            },
        );
        self.next_customer += 1;
        raw
    }

    fn slot(&self, r: u32) -> &Slot {
        match &self.slots[r as usize] {
            Some(s) => s,
            None => unreachable!("postings and customers only hold live records"),
        }
    }

    fn live(&self, r: u32) -> bool {
        self.slots.get(r as usize).is_some_and(Option::is_some)
    }

    /// The identifier rule blocking on `key`, when it is configured.
    fn identifier_rule(&self, key: Key) -> Option<Rule> {
        let rule = key.kind().and_then(Rule::for_key_kind)?;
        self.config.blocking.rules.contains(&rule).then_some(rule)
    }

    /// Recomputes how many people carry identifier `key` (blocked by `rule`) from the
    /// records now carrying it, as blocking does; returns the count before when it changed.
    fn update_people(&mut self, rule: Rule, key: Key) -> Option<u32> {
        let kind = rule.key_kind()?;
        let n = match self.postings.get(&rule.identifier_rule_key(key)) {
            None => 0,
            Some(p) if p.as_slice().len() > self.limit(rule) => p.as_slice().len() as u32,
            Some(p) => {
                let mut carriers: Vec<(u64, &Features)> = p
                    .as_slice()
                    .iter()
                    .map(|&r| {
                        let s = self.slot(r);
                        (s.tiebreak, &s.features)
                    })
                    .collect();
                count_people(&mut carriers, kind, &Counts(self))
            }
        };
        let old = self.people.get(&key).copied().unwrap_or(1);
        let new = n.max(1);
        if new >= 2 {
            self.people.insert(key, new);
        } else {
            self.people.remove(&key);
        }
        (old != new).then_some(old)
    }

    /// The records blocking pairs `f` (record `me`) with: every record sharing a key with it
    /// outside hubs, as in batch.
    fn candidates(&self, me: u32, out: &mut Vec<u32>) {
        self.candidates_in(me, out, &mut |k| {
            self.postings.get(&k).map(Posting::as_slice)
        });
    }

    /// [`State::candidates`] with the records of each blocking key looked up by `block`
    /// (which may remember them: the records of one customer share most of their keys).
    fn candidates_in<'a>(
        &'a self,
        me: u32,
        out: &mut Vec<u32>,
        block: &mut impl FnMut(u64) -> Option<&'a [u32]>,
    ) {
        out.clear();
        let mut keys = Vec::new();
        let Slot {
            features: f,
            phonetic,
            ..
        } = self.slot(me);
        for &rule in &self.config.blocking.rules {
            keys.clear();
            rule.keys_with(f, *phonetic, &mut keys);
            for &k in &keys {
                if let Some(p) = block(k) {
                    if p.len() <= self.limit(rule) {
                        out.extend(p.iter().copied().filter(|&c| c != me));
                    }
                }
            }
        }
        if self.config.blocking.link_only {
            // Link mode, as in batch: only records of other sources are candidates.
            let source = &self.slot(me).record.source;
            out.retain(|&c| self.slot(c).record.source != *source);
        }
        out.sort_unstable();
        out.dedup();
    }

    /// The score of an accepted link between two records, as the batch pipeline scores a
    /// candidate pair: `None` when the pair contradicts or scores below the threshold.
    fn link(&self, a: &Features, b: &Features) -> Option<f32> {
        self.link_with(a, b, &Counts(self))
    }

    /// [`State::link`] with other frequencies.
    fn link_with(&self, a: &Features, b: &Features, tf: &impl KeyFrequency) -> Option<f32> {
        let c = compare(a, b, tf);
        if self.model.contradicts(&c, self.threshold) {
            return None;
        }
        let s = self.model.score(&c);
        (s >= self.threshold).then_some(s as f32)
    }

    /// Adds a record's keys to the indexes and counts, and returns the records whose links
    /// the new counts may have changed (other carriers of an identifier whose people count
    /// moved or whose block became a hub, and of a full name whose count moved).
    fn index(&mut self, r: u32, removing: bool) -> Vec<u32> {
        let features = self.slot(r).features.clone();
        let mut touched: Vec<u32> = Vec::new();
        // Blocks that cross the hub limit gain or lose all their pairs.
        let mut buf = Vec::new();
        let phonetic = self.slot(r).phonetic;
        for &rule in &self.config.blocking.rules {
            buf.clear();
            rule.keys_with(&features, phonetic, &mut buf);
            buf.sort_unstable();
            buf.dedup();
            let limit = self.limit(rule);
            for &k in &buf {
                let n = if removing {
                    let n = self.postings.get(&k).map_or(0, |p| p.as_slice().len());
                    if let Some(p) = self.postings.get_mut(&k) {
                        if p.remove(r) {
                            self.postings.remove(&k);
                        }
                    }
                    n
                } else {
                    push_posting(&mut self.postings, k, r)
                };
                if n == limit + 1 {
                    if let Some(p) = self.postings.get(&k) {
                        touched.extend_from_slice(p.as_slice());
                    }
                }
            }
        }
        // Keys whose frequency moved, with the frequency before (when adding).
        let mut changed: Vec<(Key, u32)> = Vec::new();
        for &k in features.keys.iter().filter(|&&k| is_name_key(k)) {
            if removing {
                if let Some(n) = self.counts.get_mut(&k) {
                    *n -= 1;
                    if *n == 0 {
                        self.counts.remove(&k);
                    }
                }
            } else {
                let n = self.counts.entry(k).or_default();
                if *n >= 1 {
                    changed.push((k, *n));
                }
                *n += 1;
            }
        }
        // Other carriers of values whose frequency moved.
        let mut moved: Vec<u32> = Vec::new();
        for &k in features
            .keys
            .iter()
            .filter(|k| k.kind() == Some(KeyKind::FullName))
        {
            if removing {
                if let Some(p) = self.full_names.get_mut(&k.0) {
                    if p.remove(r) {
                        self.full_names.remove(&k.0);
                    }
                }
            } else {
                push_posting(&mut self.full_names, k.0, r);
            }
            if let Some(p) = self.full_names.get(&k.0) {
                let n = p.as_slice().len();
                if n <= REEVALUATE_CAP {
                    moved.extend(p.as_slice().iter().copied().filter(|&x| x != r));
                }
            }
        }
        // Identifier values whose count of people moved. Phones come first: how many people
        // carry a card or a device is read from their carriers' phones (see `count_people`).
        let mut work: Vec<(Rule, Key)> = features
            .keys
            .iter()
            .filter_map(|&k| Some((self.identifier_rule(k)?, k)))
            .collect();
        work.sort_by_key(|&(rule, _)| rule != Rule::Phone);
        // Carriers of values that became (or stopped being) widely shared: their disagreements
        // with other records stop (or start) counting, so links may appear or go.
        let mut crossed: Vec<u32> = Vec::new();
        let mut next = 0;
        while let Some(&(rule, k)) = work.get(next) {
            next += 1;
            if let Some(before) = self.update_people(rule, k) {
                changed.push((k, before));
                let now = Counts(self).frequency(k);
                if let Some(p) = self.postings.get(&rule.identifier_rule_key(k)) {
                    if (before < WIDELY_SHARED) != (now < WIDELY_SHARED) {
                        crossed.extend(p.as_slice().iter().copied().filter(|&x| x != r));
                        if rule == Rule::Phone {
                            for &x in p.as_slice() {
                                work.extend(
                                    self.slot(x)
                                        .features
                                        .keys
                                        .iter()
                                        .filter(|k| {
                                            matches!(
                                                k.kind(),
                                                Some(KeyKind::Card | KeyKind::Device)
                                            )
                                        })
                                        .filter_map(|&k| Some((self.identifier_rule(k)?, k))),
                                );
                            }
                        }
                    }
                    if p.as_slice().len() <= REEVALUATE_CAP {
                        let others = p.as_slice().iter().copied().filter(|&x| x != r);
                        let rose = Counts(self).frequency(k) > before;
                        if rose || removing {
                            moved.extend(others);
                        } else {
                            // Grouping carriers into people is greedy: one more record can
                            // regroup the others into fewer people, and their links grow.
                            touched.extend(others);
                        }
                    }
                }
            }
        }
        if removing {
            // Scores went up: new links may appear between any of the carriers.
            touched.extend(moved);
        } else {
            // Scores went down: links between two customers were refused or are gone, and
            // stay so; only customers holding two of these records can change.
            if !touched.is_empty() {
                let mut per: Vec<(u64, u32)> = touched
                    .iter()
                    .map(|&x| (self.slot(x).customer, x))
                    .collect();
                per.sort_unstable();
                per.dedup();
                touched.clear();
                for group in per.chunk_by(|a, b| a.0 == b.0) {
                    if group.len() >= 2 {
                        touched.extend(group.iter().map(|&(_, x)| x));
                    }
                }
            }
            // A value recounted twice keeps its first count.
            changed.sort_by_key(|&(k, _)| k);
            changed.dedup_by_key(|&mut (k, _)| k);
            touched.extend(self.affected(&moved, &changed));
        }
        touched.extend(crossed.into_iter().filter(|&x| self.live(x)));
        touched.retain(|&x| x != r);
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Of the records carrying values whose frequencies just rose (so the scores of pairs
    /// sharing them fell), those whose customer may cluster differently now: customers
    /// holding two of them and either contested (their component has links refused by the
    /// guard, or records contradicting each other: there the order of links matters) or no
    /// longer connected by their own links. `changed` holds the keys whose frequency moved
    /// with their frequency before, sorted.
    fn affected(&self, moved: &[u32], changed: &[(Key, u32)]) -> Vec<u32> {
        let mut by_customer: Vec<(u64, u32)> =
            moved.iter().map(|&x| (self.slot(x).customer, x)).collect();
        by_customer.sort_unstable();
        by_customer.dedup();
        let before = Before {
            now: Counts(self),
            old: changed,
        };
        let mut out = Vec::new();
        for group in by_customer.chunk_by(|a, b| a.0 == b.0) {
            if group.len() < 2 {
                continue;
            }
            let c = group[0].0;
            let state = self.customers.get(&c);
            let contested = state.is_none_or(|s| s.contested != Some(false));
            // Only the pairs sharing a key whose frequency moved are scored differently. When
            // none of the customer's own pairs moved, its clustering cannot change: a
            // contested customer keeps the order of its links, and one that is not keeps
            // the links that connected it.
            let moved = state.map_or(Moved::Links, |s| {
                self.links_moved(&s.members, &before, contested)
            });
            let redo = match moved {
                Moved::Nothing => false,
                Moved::Scores => contested,
                Moved::Links => contested || !self.connected(c),
            };
            if redo {
                out.extend(group.iter().map(|&(_, x)| x));
            }
        }
        out
    }

    /// What the frequencies in `before`, restored, change among the links between two of
    /// `members`. A comparison reads the frequencies of the keys its two records share, and
    /// of their other identifiers only whether they are widely shared; the carriers of a
    /// value that crossed that line are re-clustered anyway (see [`State::index`]), so only
    /// pairs sharing a key whose frequency moved are scored again; too many members count
    /// as links moved. With `scores` false, moved scores are not looked for (the
    /// answer is then `Nothing` or `Links`).
    fn links_moved(&self, members: &[u32], before: &Before<'_>, scores: bool) -> Moved {
        if members.len() > CHECK_CAP {
            return Moved::Links;
        }
        let carries = |f: &Features, k: Key| f.keys.binary_search(&k).is_ok();
        let mut carriers: Vec<&Features> = Vec::with_capacity(members.len());
        for &m in members {
            let f = &self.slot(m).features;
            if before.old.iter().any(|&(k, _)| carries(f, k)) {
                carriers.push(f);
            }
        }
        let now = Counts(self);
        for (i, a) in carriers.iter().enumerate() {
            for b in &carriers[i + 1..] {
                if !before
                    .old
                    .iter()
                    .any(|&(k, _)| carries(a, k) && carries(b, k))
                {
                    continue;
                }
                let c = compare(a, b, &now);
                if self.model.contradicts(&c, self.threshold) {
                    continue;
                }
                let then = compare(a, b, before);
                let (s, t) = (self.model.score(&c), self.model.score(&then));
                if (s >= self.threshold) != (t >= self.threshold) {
                    return Moved::Links;
                }
                if scores && s >= self.threshold && s as f32 != t as f32 {
                    return Moved::Scores;
                }
            }
        }
        Moved::Nothing
    }

    /// `true` when clustering `members` cannot refuse any link among them, in any order:
    /// no two contradict each other, and no identifier kind has two values among them (so
    /// no two groups of them can disagree on identifiers, see
    /// [`crate::cluster::ClusterEvidence`]). Too many members count as not quiet.
    fn quiet(&self, members: &[u32]) -> bool {
        if members.len() > CHECK_CAP {
            return false;
        }
        let mut seen: [Option<Key>; 16] = [None; 16];
        for &m in members {
            for &k in &self.slot(m).features.keys {
                let Some(kind) = k.kind() else { continue };
                if !EVIDENCE_KINDS.contains(&kind) {
                    continue;
                }
                match &mut seen[kind as usize % 16] {
                    Some(prev) if *prev != k => return false,
                    slot => *slot = Some(k),
                }
            }
        }
        !members.iter().enumerate().any(|(i, &a)| {
            let fa = &self.slot(a).features;
            members[i + 1..]
                .iter()
                .any(|&b| conflict(fa, &self.slot(b).features))
        })
    }

    /// `true` when a customer's records are still connected by accepted links among
    /// themselves.
    fn connected(&self, c: u64) -> bool {
        let Some(members) = self.customers.get(&c).map(|s| &s.members) else {
            return true;
        };
        let mut seen = vec![false; members.len()];
        let mut stack = vec![0usize];
        seen[0] = true;
        let mut cands = Vec::new();
        while let Some(i) = stack.pop() {
            let x = members[i];
            let fx = &self.slot(x).features;
            self.candidates(x, &mut cands);
            for (j, &y) in members.iter().enumerate() {
                if !seen[j]
                    && cands.binary_search(&y).is_ok()
                    && self.link(fx, &self.slot(y).features).is_some()
                {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        seen.into_iter().all(|s| s)
    }

    fn insert(&mut self, record: Record) -> Result<AddOutcome> {
        let ext = record_hash(&record);
        let mut events = Vec::new();
        if self.by_ext.contains_key(&ext) {
            // An update: the new version replaces the old.
            events.extend(self.remove_ext(ext));
        }
        if self.track_population {
            self.model.records = self.by_ext.len() as u64 + 1;
        }
        let ctx = self.config.context_for(&record.source);
        let normalized = normalize_record(&record, &ctx);
        let features = crate::privacy::features(&normalized, self.config.identifier_key.as_ref());
        let phonetic = (features.first_phonetic(), features.last_phonetic());
        let r = match self.free.pop() {
            Some(r) => r,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        self.slots[r as usize] = Some(Slot {
            record,
            normalized,
            features,
            customer: UNPLACED,
            tiebreak: ext,
            arrival: self.next_arrival,
            phonetic,
        });
        self.next_arrival += 1;
        self.by_ext.insert(ext, r);
        let touched = self.index(r, false);

        // Which customers does the record link to?
        let mut cands = Vec::new();
        self.candidates(r, &mut cands);
        let mut homes: Vec<u64> = Vec::new();
        {
            let f = &self.slot(r).features;
            for &c in &cands {
                if self.link(f, &self.slot(c).features).is_some() {
                    homes.push(self.slot(c).customer);
                }
            }
        }
        homes.sort_unstable();
        homes.dedup();

        // Fast path: no other record's links moved, and the record links to no customer, or
        // to one that stays quiet with it in (see the module docs). Strongest-first
        // clustering of the component would then give the old partition plus this record.
        // Otherwise, when the record links to one customer with no links to others, the
        // component is that customer and the record: only their own pairs are clustered.
        let mut closed: Option<Vec<u32>> = None;
        let simple = touched.is_empty()
            && match homes.as_slice() {
                [] => true,
                [h] => {
                    let c = &self.customers[h];
                    c.contested == Some(false) && {
                        let mut with = c.members.clone();
                        with.push(r);
                        let quiet = self.quiet(&with);
                        if !quiet {
                            closed = Some(with);
                        }
                        quiet
                    }
                }
                _ => false,
            };
        if let Some(set) = closed {
            events.extend(self.reevaluate(&set, Some(r), true));
        } else if simple {
            let (customer, event) = match homes.first() {
                Some(&h) => (
                    h,
                    Event::Attached {
                        customer: customer_id(h),
                    },
                ),
                None => {
                    let c = self.new_customer();
                    (
                        c,
                        Event::Created {
                            customer: customer_id(c),
                        },
                    )
                }
            };
            if let Some(s) = self.customers.get_mut(&customer) {
                s.members.push(r);
            }
            if let Some(s) = self.slots[r as usize].as_mut() {
                s.customer = customer;
            }
            events.push(event);
        } else {
            let mut seeds = touched;
            seeds.push(r);
            events.extend(self.reevaluate(&seeds, Some(r), false));
        }
        let customer = self.slot(r).customer;
        Ok(AddOutcome {
            customer: customer_id(customer),
            events,
        })
    }

    fn remove_ext(&mut self, ext: u64) -> Vec<Event> {
        let Some(&r) = self.by_ext.get(&ext) else {
            return Vec::new();
        };
        // Its neighbours and the records whose counts move, while it is still indexed.
        let mut seeds = Vec::new();
        self.candidates(r, &mut seeds);
        let touched = self.index(r, true);
        seeds.extend(touched);
        self.by_ext.remove(&ext);
        let Some(slot) = self.slots[r as usize].take() else {
            return Vec::new();
        };
        self.free.push(r);
        let cid = slot.customer;
        let mut events = Vec::new();
        if let Some(state) = self.customers.get_mut(&cid) {
            state.members.retain(|&m| m != r);
            seeds.extend_from_slice(&state.members);
            if state.members.is_empty() {
                self.customers.remove(&cid);
                events.push(Event::Deleted {
                    customer: customer_id(cid),
                });
            }
        }
        seeds.retain(|&s| s != r && self.live(s));
        seeds.sort_unstable();
        seeds.dedup();
        events.extend(self.reevaluate(&seeds, None, false));
        events
    }

    /// Re-clusters the records connected to `seeds` (through accepted links and shared
    /// customers) with the batch's clustering over their candidate pairs and the current
    /// frequencies, and maps the parts to customer IDs: each old customer's ID goes to the
    /// part holding most of its records; a part inheriting several keeps the oldest (a merge),
    /// a part inheriting none gets a new ID (a split, or a new customer). `new` is a record
    /// being added, not yet in any customer. `closed`: the seeds are known to be a whole
    /// component, so links to other records are not looked for.
    fn reevaluate(&mut self, seeds: &[u32], new: Option<u32>, closed: bool) -> Vec<Event> {
        // The component: closure of the seeds under accepted links and customer membership.
        let mut local: Map<u32, u32> = Map::default();
        let mut members: Vec<u32> = Vec::new();
        let enqueue = |x: u32, local: &mut Map<u32, u32>, members: &mut Vec<u32>| {
            local.entry(x).or_insert_with(|| {
                members.push(x);
                (members.len() - 1) as u32
            });
        };
        for &s in seeds {
            enqueue(s, &mut local, &mut members);
        }
        let mut edges: Vec<Edge> = Vec::new();
        let mut cands = Vec::new();
        // Blocks already looked up: the records of a customer share most of their keys.
        let mut blocks: Map<u64, Option<&[u32]>> = Map::default();
        let mut block = |k: u64| {
            *blocks
                .entry(k)
                .or_insert_with(|| self.postings.get(&k).map(Posting::as_slice))
        };
        let mut capped = false;
        let mut next = 0;
        while next < members.len() {
            let x = members[next];
            let xi = next as u32;
            next += 1;
            let cust = self.slot(x).customer;
            if cust != UNPLACED {
                if let Some(c) = self.customers.get(&cust) {
                    for &m in &c.members {
                        enqueue(m, &mut local, &mut members);
                    }
                }
            }
            self.candidates_in(x, &mut cands, &mut block);
            for &c in &cands {
                // A pair is scored once, from whichever end is taken first.
                match local.get(&c) {
                    Some(&ci) if ci < xi => continue,
                    None if closed => continue,
                    _ => {}
                }
                let Some(score) = self.link(&self.slot(x).features, &self.slot(c).features) else {
                    continue;
                };
                if members.len() >= COMPONENT_CAP && !local.contains_key(&c) {
                    capped = true;
                    continue;
                }
                enqueue(c, &mut local, &mut members);
                edges.push(Edge {
                    a: xi,
                    b: local[&c],
                    score,
                });
            }
        }
        let feats: Vec<&Features> = members.iter().map(|&m| &self.slot(m).features).collect();
        let tiebreak: Vec<u64> = members.iter().map(|&m| self.slot(m).tiebreak).collect();
        let evidence = cluster_evidence(&self.model, self.threshold);
        let clustering = cluster_with(
            members.len(),
            &edges,
            &feats,
            &tiebreak,
            &Counts(self),
            &evidence,
        );

        // Parts, ordered by their smallest tie-break hash (input-order independent).
        let mut by_label: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (i, &l) in clustering.labels.iter().enumerate() {
            by_label.entry(l).or_default().push(i as u32);
        }
        let mut parts: Vec<Vec<u32>> = by_label.into_values().collect();
        parts.sort_by_key(|p| p.iter().map(|&i| tiebreak[i as usize]).min());
        let part_of: Map<u32, usize> = parts
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| p.iter().map(move |&i| (i, pi)))
            .collect();

        // Parts with a link to another part (the guard refused it, or the cap cut the
        // component), or with records that contradict each other (the guard compares a
        // cluster's distinct profiles, not every record): there the order of links matters.
        let mut contested: Vec<bool> = parts
            .iter()
            .map(|p| {
                let global: Vec<u32> = p.iter().map(|&i| members[i as usize]).collect();
                capped || !self.quiet(&global)
            })
            .collect();
        for e in &edges {
            let (pa, pb) = (part_of[&e.a], part_of[&e.b]);
            if pa != pb {
                contested[pa] = true;
                contested[pb] = true;
            }
        }

        // Each old customer's heir: the part holding most of its records (ties: the part
        // holding its oldest record).
        let mut olds: BTreeMap<u64, Vec<(usize, u64)>> = BTreeMap::new();
        for (i, &m) in members.iter().enumerate() {
            let c = self.slot(m).customer;
            if c != UNPLACED {
                olds.entry(c)
                    .or_default()
                    .push((part_of[&(i as u32)], self.slot(m).arrival));
            }
        }
        let mut heirs: Vec<Vec<u64>> = vec![Vec::new(); parts.len()];
        let mut origin: Vec<Vec<(usize, u64)>> = vec![Vec::new(); parts.len()];
        for (&c, ps) in &olds {
            // part -> (records, oldest arrival)
            let mut count: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
            for &(p, m) in ps {
                let e = count.entry(p).or_insert((0, u64::MAX));
                e.0 += 1;
                e.1 = e.1.min(m);
            }
            let heir = count
                .iter()
                .max_by(|a, b| (a.1).0.cmp(&(b.1).0).then((b.1).1.cmp(&(a.1).1)))
                .map_or(0, |(&p, _)| p);
            let count: BTreeMap<usize, usize> =
                count.into_iter().map(|(p, (n, _))| (p, n)).collect();
            heirs[heir].push(c);
            for (&p, &n) in &count {
                origin[p].push((n, c));
            }
        }
        let mut events = Vec::new();
        let mut merges = Vec::new();
        let mut splits: BTreeMap<u64, Vec<CustomerId>> = BTreeMap::new();
        let new_local = new.and_then(|r| local.get(&r).copied());
        for (pi, part) in parts.iter().enumerate() {
            let mut ids = std::mem::take(&mut heirs[pi]);
            ids.sort_by_key(|c| self.customers.get(c).map_or(u64::MAX, |s| s.seq));
            let id = match ids.first() {
                Some(&c) => c,
                None => {
                    let c = self.new_customer();
                    // Split off from the old customer that gave it most records.
                    let from = origin[pi]
                        .iter()
                        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
                        .map(|&(_, c)| c);
                    match from {
                        Some(f) => splits.entry(f).or_default().push(customer_id(c)),
                        None => events.push(Event::Created {
                            customer: customer_id(c),
                        }),
                    }
                    c
                }
            };
            if ids.len() > 1 {
                merges.push(Event::Merged {
                    survivor: customer_id(id),
                    absorbed: ids[1..].iter().map(|&c| customer_id(c)).collect(),
                });
                for gone in &ids[1..] {
                    self.customers.remove(gone);
                }
            }
            let global: Vec<u32> = part.iter().map(|&i| members[i as usize]).collect();
            for &m in &global {
                if let Some(s) = self.slots[m as usize].as_mut() {
                    s.customer = id;
                }
            }
            if new_local.is_some_and(|n| part.contains(&n)) && !ids.is_empty() {
                events.push(Event::Attached {
                    customer: customer_id(id),
                });
            }
            if let Some(s) = self.customers.get_mut(&id) {
                s.members = global;
                s.contested = Some(contested[pi]);
            }
        }
        // A new record that landed in a part split off an old customer joined that part.
        if let Some(n) = new {
            let placed = events
                .iter()
                .any(|e| matches!(e, Event::Attached { .. } | Event::Created { .. }));
            if !placed && self.live(n) {
                events.push(Event::Attached {
                    customer: customer_id(self.slot(n).customer),
                });
            }
        }
        events.extend(merges);
        events.extend(splits.into_iter().map(|(c, parts)| Event::Split {
            customer: customer_id(c),
            parts,
        }));
        events
    }
}

/// A long-lived, thread-safe resolver. See the [module docs](self).
pub struct Resolver {
    state: RwLock<State>,
    /// The state directory's journal, for a resolver opened with [`Resolver::open`].
    journal: Option<journal::Journal>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("records", &self.len())
            .field("customers", &self.customer_count())
            .finish()
    }
}

impl Resolver {
    /// An empty resolver with `config`; its model is `config.model` or the default model.
    /// An error when the config cannot be used (as [`crate::resolve()`] would refuse it).
    pub fn new(config: Config) -> Result<Resolver> {
        let model = config.model.clone().unwrap_or_default();
        Resolver::with_model(config, model)
    }

    /// An empty resolver with a trained model (for example [`crate::Resolution::model`]).
    ///
    /// The normalisers' tables are built here ([`crate::normalize::prepare`]), so that the
    /// first record or lookup does not wait for them.
    pub fn with_model(config: Config, model: Model) -> Result<Resolver> {
        config.check()?;
        crate::normalize::prepare();
        let threshold = log2_odds(config.match_probability);
        Ok(Resolver {
            journal: None,
            state: RwLock::new(State {
                config,
                track_population: model.records == 0,
                model,
                threshold,
                slots: Vec::new(),
                free: Vec::new(),
                by_ext: Map::default(),
                postings: Map::default(),
                counts: Map::default(),
                full_names: Map::default(),
                people: Map::default(),
                customers: Map::default(),
                next_customer: 1,
                next_arrival: 0,
            }),
        })
    }

    /// Resolves `records` with the batch pipeline and holds the result: its trained model,
    /// its customers (with new resolver IDs, oldest first in the batch's ID order) and
    /// indexes, ready for records to come one at a time.
    pub fn from_batch(records: Vec<Record>, config: Config) -> Result<Resolver> {
        let res = crate::resolve(&records, &config)?;
        let resolver = Resolver::with_model(config, res.model.clone())?;
        {
            let mut st = resolver.write();
            let mut slots: Vec<Option<Record>> = records.into_iter().map(Some).collect();
            for c in &res.customers {
                let cid = st.new_customer();
                if let Some(s) = st.customers.get_mut(&cid) {
                    s.contested = None;
                }
                for m in &c.members {
                    if let Some(r) = slots[m.index()].take() {
                        st.restore(r, cid);
                    }
                }
            }
            st.count_people();
            st.mark_contested();
        }
        Ok(resolver)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds (or, for a known `(source, id)`, replaces) a record.
    ///
    /// For a resolver opened with [`Resolver::open`], the record is journaled first and the
    /// call returns once it is durable under the [`SyncPolicy`]. An error means the add was
    /// not acknowledged: when writing the journal failed it was not applied; when the fsync
    /// failed, whether it reached the disk is unknown (reopening tells), and the resolver
    /// refuses further changes until the directory is opened again.
    pub fn add(&self, record: Record) -> Result<AddOutcome> {
        let frame = self.frame(&journal::OpRef::Add(&record))?;
        self.logged(frame, |st| st.insert(record))?
    }

    /// Adds records in order under one lock. For a resolver opened with [`Resolver::open`]
    /// the batch is one journal frame, durable (or lost in a crash) as a whole, with one
    /// fsync.
    pub fn add_batch(&self, records: impl IntoIterator<Item = Record>) -> Result<Vec<AddOutcome>> {
        let records: Vec<Record> = records.into_iter().collect();
        let frame = self.frame(&journal::OpRef::Batch(&records))?;
        self.logged(frame, |st| {
            records.into_iter().map(|r| st.insert(r)).collect()
        })?
    }

    /// Removes a record (a deletion request, or a correction). Its customer is re-evaluated
    /// and split when the record was what held it together. Unknown records change nothing.
    ///
    /// An error only for a resolver opened with [`Resolver::open`] whose journal cannot be
    /// written; the record then stays.
    pub fn remove(&self, source: &str, id: &str) -> Result<Vec<Event>> {
        let ext = record_hash(&Record::new(id, source));
        if self.journal.is_some() && !self.read().by_ext.contains_key(&ext) {
            // Nothing to remove, nothing to journal (a record added meanwhile stays: the
            // removal counts as having come first).
            return Ok(Vec::new());
        }
        let frame = self.frame(&journal::OpRef::Remove(source, id))?;
        self.logged(frame, |st| st.remove_ext(ext))
    }

    /// The customers whose records carry an identifier given raw (normalised here with the
    /// config's default context). Empty when the value is unknown or not a valid identifier.
    pub fn lookup(&self, kind: FieldKind, raw: &str) -> Vec<CustomerId> {
        use crate::compare::{card_key, device_key, email_key, phone_key, social_key};
        use crate::normalize::{card, device, email, phone, social};
        let st = self.read();
        let ctx = &st.config.context;
        let key = match kind {
            FieldKind::Phone => phone::normalize(raw, ctx).ok().map(|v| phone_key(&v)),
            FieldKind::Email => email::normalize(raw, ctx).ok().map(|v| email_key(&v)),
            FieldKind::Card => card::normalize(raw, ctx).ok().map(|v| card_key(&v)),
            FieldKind::Device => device::normalize(raw, ctx).ok().map(|v| device_key(&v)),
            FieldKind::Social => social::normalize(raw, ctx).ok().map(|v| social_key(&v)),
            _ => None,
        };
        let key = match &st.config.identifier_key {
            // In privacy mode the postings hold keyed hashes: key the value the same way.
            Some(secret) if key.is_some() => {
                let probe = match kind {
                    FieldKind::Phone => Record::new("", "").phone(raw),
                    FieldKind::Email => Record::new("", "").email(raw),
                    FieldKind::Card => Record::new("", "").card(raw),
                    FieldKind::Device => Record::new("", "").device(raw),
                    _ => Record::new("", "").social(ctx.social_network, raw),
                };
                let n = normalize_record(&probe, ctx);
                let f = crate::privacy::features(&n, Some(secret));
                key.and_then(|k| k.kind())
                    .and_then(|kind| f.keys_of(kind).next())
            }
            _ => key,
        };
        let Some(key) = key else {
            return Vec::new();
        };
        let mut out: Vec<u64> = Vec::new();
        if let Some(rule) = key.kind().and_then(Rule::for_key_kind) {
            if let Some(p) = st.postings.get(&rule.identifier_rule_key(key)) {
                out.extend(p.as_slice().iter().map(|&r| st.slot(r).customer));
            }
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(customer_id).collect()
    }

    /// The customer of a record, if present.
    pub fn customer_of(&self, source: &str, id: &str) -> Option<CustomerId> {
        let st = self.read();
        let r = *st.by_ext.get(&record_hash(&Record::new(id, source)))?;
        Some(customer_id(st.slot(r).customer))
    }

    /// A customer's members and golden record.
    pub fn customer(&self, id: &CustomerId) -> Option<CustomerView> {
        let st = self.read();
        let state = st.customers.get(&parse_customer_id(id)?)?;
        let members: Vec<Member<'_>> = state
            .members
            .iter()
            .map(|&m| {
                let s = st.slot(m);
                Member {
                    record: &s.record,
                    normalized: &s.normalized,
                    priority: st
                        .config
                        .sources
                        .get(&s.record.source)
                        .map_or(0, |c| c.priority),
                    tiebreak: record_hash(&s.record),
                }
            })
            .collect();
        let mut ids: Vec<(String, String)> = members
            .iter()
            .map(|m| (m.record.source.clone(), m.record.id.clone()))
            .collect();
        ids.sort();
        Some(CustomerView {
            id: id.clone(),
            members: ids,
            golden: golden(&members),
        })
    }

    /// Number of records held.
    pub fn len(&self) -> usize {
        self.read().by_ext.len()
    }

    /// `true` when no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of customers.
    pub fn customer_count(&self) -> usize {
        self.read().customers.len()
    }

    /// Values that reached the hub limit and no longer link: `(rule, key hash, records)`.
    pub fn hubs(&self) -> Vec<(Rule, String, usize)> {
        let st = self.read();
        let mut out = Vec::new();
        for (&k, p) in &st.postings {
            let n = p.as_slice().len();
            if n > st
                .config
                .blocking
                .max_identifier_block
                .min(st.config.blocking.max_name_block)
            {
                // Find the rule by re-deriving a member's keys. As in batch, an oversize
                // block of a rule that splits (its first key) is split, not a hub.
                let r = p.as_slice()[0];
                for &rule in &st.config.blocking.rules {
                    let mut ks = Vec::new();
                    rule.keys(&st.slot(r).features, &mut ks);
                    let split = rule.split_field().is_some() && ks.first() == Some(&k);
                    if ks.contains(&k) && n > st.limit(rule) && !split {
                        out.push((rule, format!("{:016x}", mix(k)), n));
                    }
                }
            }
        }
        out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        out
    }

    /// Every record's customer, as `((source, id), customer)`, sorted.
    pub fn assignments(&self) -> Vec<((String, String), CustomerId)> {
        let st = self.read();
        let mut out: Vec<_> = st
            .slots
            .iter()
            .flatten()
            .map(|s| {
                (
                    (s.record.source.clone(), s.record.id.clone()),
                    customer_id(s.customer),
                )
            })
            .collect();
        out.sort();
        out
    }
}

// ---------------------------------------------------------------------------------------
// Persistence.

const MAGIC: &[u8; 8] = b"OMNILNK\0";
/// The format version this build writes and reads. Version 2 added the model's sharing
/// rates; a state of another version is refused with a clear error (rebuild it from the
/// records), never read half-way.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

#[derive(Serialize, Deserialize)]
struct Saved {
    config_json: String,
    model: Model,
    track_population: bool,
    records: Vec<(Record, u64)>,
    customers: Vec<(u64, CustomerState)>,
    next_customer: u64,
}

impl Resolver {
    /// The whole state as [`Resolver::save`] writes it (header and payload).
    fn state_bytes(&self, st: &State) -> Result<Vec<u8>> {
        let bytes = {
            let mut records = Vec::with_capacity(st.by_ext.len());
            let mut held: Vec<&Slot> = st.slots.iter().flatten().collect();
            held.sort_by_key(|s| s.arrival);
            for s in held {
                records.push((s.record.clone(), s.customer));
            }
            let mut customers: Vec<(u64, CustomerState)> = st
                .customers
                .iter()
                .map(|(&k, v)| {
                    (
                        k,
                        CustomerState {
                            seq: v.seq,
                            members: Vec::new(),
                            contested: None,
                        },
                    )
                })
                .collect();
            customers.sort_by_key(|(k, _)| *k);
            let saved = Saved {
                config_json: serde_json::to_string(&st.config)
                    .map_err(|_| Error::format("config cannot be encoded"))?,
                model: st.model.clone(),
                track_population: st.track_population,
                records,
                customers,
                next_customer: st.next_customer,
            };
            postcard::to_stdvec(&saved).map_err(|_| Error::format("state cannot be encoded"))?
        };
        let mut out = Vec::with_capacity(HEADER_LEN + bytes.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&hash_bytes(0xC5, &bytes).to_le_bytes());
        out.extend_from_slice(&bytes);
        Ok(out)
    }
}

impl Resolver {
    /// Saves the whole state to `path` atomically (a temporary file, fsync, rename): a crash
    /// leaves the old file or the new one, never a torn one.
    ///
    /// The file is a header (magic, format version, payload length, checksum) and the payload.
    /// Derived indexes are not stored; [`Resolver::load`] rebuilds them.
    pub fn save(&self, path: &Path) -> Result<()> {
        let out = self.state_bytes(&self.read())?;
        let io = |e| Error::io(Some(path.to_path_buf()), e);
        let tmp = path.with_extension("tmp-save");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&out).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable where the platform allows.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// Loads a state saved by [`Resolver::save`]. A truncated, corrupted, older- or newer-version file
    /// is an error; nothing is half-loaded.
    pub fn load(path: &Path) -> Result<Resolver> {
        let data = std::fs::read(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
        Resolver::from_bytes(&data)
    }

    /// [`Resolver::load`] from bytes in memory.
    pub fn from_bytes(data: &[u8]) -> Result<Resolver> {
        if data.len() < HEADER_LEN || &data[..8] != MAGIC {
            return Err(Error::format("not an omnilink state file"));
        }
        let word = |at: usize, n: usize| -> u64 {
            let mut b = [0u8; 8];
            b[..n].copy_from_slice(&data[at..at + n]);
            u64::from_le_bytes(b)
        };
        let version = word(8, 4) as u32;
        if version > FORMAT_VERSION {
            return Err(Error::format(format!(
                "state file format v{version} is newer than this build reads (v{FORMAT_VERSION})"
            )));
        }
        if version < FORMAT_VERSION {
            return Err(Error::format(format!(
                "state file format v{version} is older than this build reads (v{FORMAT_VERSION}); \
                 rebuild the state from the records"
            )));
        }
        let len = word(12, 8);
        let sum = word(20, 8);
        let payload = &data[HEADER_LEN..];
        if payload.len() as u64 != len {
            return Err(Error::format(format!(
                "state file is truncated or padded: {} payload bytes, header says {len}",
                payload.len()
            )));
        }
        if hash_bytes(0xC5, payload) != sum {
            return Err(Error::format(
                "state file checksum mismatch: the file is corrupted",
            ));
        }
        let saved: Saved = postcard::from_bytes(payload)
            .map_err(|_| Error::format("state payload is malformed"))?;
        let config: Config = serde_json::from_str(&saved.config_json)
            .map_err(|_| Error::format("saved config is malformed"))?;
        let track = saved.track_population;
        let resolver = Resolver::with_model(config, saved.model)?;
        {
            let mut st = resolver.write();
            st.track_population = track;
            st.next_customer = saved.next_customer;
            // Members are derived (rebuilt below from the records); a file that lists some is
            // not trusted with them, since they index records.
            st.customers = saved
                .customers
                .into_iter()
                .map(|(k, mut c)| {
                    c.members.clear();
                    (k, c)
                })
                .collect();
            for (record, customer) in saved.records {
                if !st.customers.contains_key(&customer) {
                    return Err(Error::format("saved record names an unknown customer"));
                }
                if st.by_ext.contains_key(&record_hash(&record)) {
                    return Err(Error::format("saved state holds a record twice"));
                }
                st.restore(record, customer);
            }
            if st.customers.values().any(|c| c.members.is_empty()) {
                return Err(Error::format("saved customer has no records"));
            }
            st.count_people();
            st.mark_contested();
        }
        Ok(resolver)
    }
}

impl State {
    /// Re-inserts a saved record into a known customer, rebuilding its indexes; call
    /// [`State::count_people`] once all are in.
    fn restore(&mut self, record: Record, customer: u64) {
        let ctx = self.config.context_for(&record.source);
        let normalized = normalize_record(&record, &ctx);
        let features = crate::privacy::features(&normalized, self.config.identifier_key.as_ref());
        let mut keys = Vec::new();
        let phonetic = (features.first_phonetic(), features.last_phonetic());
        for &rule in &self.config.blocking.rules {
            rule.keys_with(&features, phonetic, &mut keys);
        }
        keys.sort_unstable();
        keys.dedup();
        let r = self.slots.len() as u32;
        for &k in &keys {
            push_posting(&mut self.postings, k, r);
        }
        for &k in features.keys.iter().filter(|&&k| is_name_key(k)) {
            *self.counts.entry(k).or_default() += 1;
            if k.kind() == Some(KeyKind::FullName) {
                push_posting(&mut self.full_names, k.0, r);
            }
        }
        if let Some(c) = self.customers.get_mut(&customer) {
            c.members.push(r);
        }
        let tiebreak = record_hash(&record);
        self.by_ext.insert(tiebreak, r);
        self.slots.push(Some(Slot {
            record,
            normalized,
            features,
            customer,
            tiebreak,
            arrival: self.next_arrival,
            phonetic,
        }));
        self.next_arrival += 1;
    }

    /// Finds, for customers where it is not known, whether they have accepted links to
    /// other customers (links the guard refused) or records contradicting each other.
    fn mark_contested(&mut self) {
        use rayon::prelude::*;
        let todo: Vec<(u64, &[u32])> = self
            .customers
            .iter()
            .filter(|(_, c)| c.contested.is_none())
            .map(|(&id, c)| (id, c.members.as_slice()))
            .collect();
        let found: Vec<(u64, bool)> = todo
            .par_iter()
            .map(|&(id, members)| {
                let mut cands = Vec::new();
                let linked_out = members.iter().any(|&m| {
                    let fm = &self.slot(m).features;
                    self.candidates(m, &mut cands);
                    cands.iter().any(|&c| {
                        self.slot(c).customer != id
                            && self.link(fm, &self.slot(c).features).is_some()
                    })
                });
                (id, linked_out || !self.quiet(members))
            })
            .collect();
        for (id, flag) in found {
            if let Some(c) = self.customers.get_mut(&id) {
                c.contested = Some(flag);
            }
        }
    }

    /// Counts the people behind every identifier value held (after [`State::restore`]).
    fn count_people(&mut self) {
        let mut todo: Vec<(Rule, Key)> = Vec::new();
        for s in self.slots.iter().flatten() {
            for &k in &s.features.keys {
                if let Some(rule) = k.kind().and_then(Rule::for_key_kind) {
                    if self.config.blocking.rules.contains(&rule) {
                        todo.push((rule, k));
                    }
                }
            }
        }
        todo.sort_unstable();
        todo.dedup();
        for (rule, k) in todo {
            self.update_people(rule, k);
        }
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Resolver>();
}

#[cfg(test)]
mod load_tests {
    use super::*;

    /// A state file around `saved`, as `save` writes it.
    fn sealed(saved: &Saved) -> Vec<u8> {
        let bytes = postcard::to_stdvec(saved).unwrap();
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&hash_bytes(0xC5, &bytes).to_le_bytes());
        out.extend_from_slice(&bytes);
        out
    }

    fn saved(records: Vec<(Record, u64)>, members: Vec<u32>) -> Saved {
        Saved {
            config_json: serde_json::to_string(&Config::for_region("RU")).unwrap(),
            model: Model::default(),
            track_population: true,
            records,
            customers: vec![(
                1,
                CustomerState {
                    seq: 1,
                    members,
                    contested: None,
                },
            )],
            next_customer: 2,
        }
    }

    /// Found by the `resolver_load` fuzz target: saved members index records, so they are
    /// rebuilt on load, never read (an index past the records made `customer()` panic).
    #[test]
    fn saved_members_are_rebuilt_not_read() {
        let rec = Record::new("1", "web").phone("+7 912 345 67 89");
        let r = Resolver::from_bytes(&sealed(&saved(vec![(rec, 1)], vec![36, 0, 7]))).unwrap();
        assert_eq!(r.len(), 1);
        for (_, c) in r.assignments() {
            assert_eq!(r.customer(&c).map(|v| v.members.len()), Some(1));
        }
    }

    #[test]
    fn a_saved_config_is_checked() {
        let rec = Record::new("1", "web").phone("+7 912 345 67 89");
        let mut s = saved(vec![(rec, 1)], vec![]);
        let mut config = Config::for_region("RU");
        config.match_probability = 1.5;
        s.config_json = serde_json::to_string(&config).unwrap();
        let e = Resolver::from_bytes(&sealed(&s)).unwrap_err();
        assert!(matches!(e.kind(), crate::ErrorKind::Config { .. }), "{e}");
    }

    #[test]
    fn a_record_saved_twice_is_an_error() {
        let rec = Record::new("1", "web").phone("+7 912 345 67 89");
        let e = Resolver::from_bytes(&sealed(&saved(vec![(rec.clone(), 1), (rec, 1)], vec![])))
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
