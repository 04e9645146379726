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
//! let crm = Resolver::new(Config::for_region("RU"));
//! let a = crm.add(Record::new("t1", "store").phone("8 912 345-67-89").full_name("Анна Петрова")).unwrap();
//! let b = crm.add(Record::new("w1", "web").phone("+79123456789").email("anna@mail.ru")).unwrap();
//! assert_eq!(a.customer, b.customer);
//! assert!(matches!(b.events[0], Event::Attached { .. }));
//! assert_eq!(crm.lookup(FieldKind::Email, "Anna@Mail.ru"), vec![a.customer.clone()]);
//! ```
//!
//! Adds are serialised behind a write lock; lookups share a read lock and run concurrently.
//!
//! Order matters where the batch pipeline sees all pairs at once: the batch joins the strongest
//! links first, the resolver joins links as records arrive, and a value becomes a hub only
//! once it has been seen often enough (links it made before stay). The two partitions are
//! measured against each other in the tests.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::block::{count_people, Rule};
use crate::cluster::{cluster, Edge};
use crate::compare::{compare, conflict, Features, Key, KeyFrequency, KeyKind};
use crate::golden::{golden, GoldenRecord, Member};
use crate::hash::{hash_bytes, mix};
use crate::model::{log2_odds, Model};
use crate::normalize::{normalize_record, FieldKind, NormalizedRecord};
use crate::resolve::record_hash;
use crate::{Config, CustomerId, Error, Record, Result};

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

/// A record held by the resolver.
#[derive(Clone)]
struct Slot {
    record: Record,
    normalized: NormalizedRecord,
    features: Features,
    keys: Vec<u64>,
    customer: u64,
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
}

struct State {
    config: Config,
    model: Model,
    /// The model's population follows the number of records held (an untrained model).
    track_population: bool,
    threshold: f64,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    by_ext: HashMap<u64, u32>,
    postings: HashMap<u64, Posting>,
    counts: HashMap<Key, u32>,
    customers: HashMap<u64, CustomerState>,
    next_customer: u64,
}

/// Term frequencies from the resolver's state, read as the batch pipeline reads them: for
/// names, how many records carry them; for an identifier value, how many people its records
/// show (see [`crate::block`]).
struct Counts<'a>(&'a State);

impl KeyFrequency for Counts<'_> {
    fn frequency(&self, key: Key) -> u32 {
        let st = self.0;
        let identifier = key
            .kind()
            .filter(|k| !matches!(k, KeyKind::LastName | KeyKind::FullName))
            .and_then(Rule::for_key_kind);
        match identifier {
            Some(rule) => st.people(rule, key, None),
            None => st.counts.get(&key).copied().unwrap_or(1).max(1),
        }
    }
}

fn customer_id(raw: u64) -> CustomerId {
    CustomerId(format!("C{raw:016x}"))
}

fn parse_customer_id(id: &CustomerId) -> Option<u64> {
    u64::from_str_radix(id.0.strip_prefix('C')?, 16).ok()
}

/// `true` when two sorted key lists share a key.
fn shares_key(a: &[u64], b: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Most members compared when checking a customer for contradictions.
const CHECK_CAP: usize = 64;

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

    /// How many people carry identifier `key` (blocked by `rule`), counting `extra` too.
    fn people(&self, rule: Rule, key: Key, extra: Option<(u64, &Features)>) -> u32 {
        let Some(kind) = rule.key_kind() else {
            return 1;
        };
        let mut carriers: Vec<(u64, &Features)> = Vec::new();
        if let Some(p) = self.postings.get(&rule.identifier_rule_key(key)) {
            if p.as_slice().len() >= self.limit(rule) {
                return p.as_slice().len() as u32 + u32::from(extra.is_some());
            }
            for &r in p.as_slice() {
                let s = self.slot(r);
                carriers.push((record_hash(&s.record), &s.features));
            }
        }
        carriers.extend(extra);
        count_people(&mut carriers, kind).max(1)
    }

    fn clashes(&self, f: &Features, members: &[u32]) -> bool {
        members
            .iter()
            .take(CHECK_CAP)
            .any(|&m| conflict(f, &self.slot(m).features))
    }

    fn customers_clash(&self, a: &[u32], b: &[u32]) -> bool {
        a.iter()
            .take(CHECK_CAP)
            .any(|&x| self.clashes(&self.slot(x).features, b))
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
        let mut keys = Vec::new();
        let mut candidates: Vec<u32> = Vec::new();
        for &rule in &self.config.blocking.rules {
            let start = keys.len();
            rule.keys(&features, &mut keys);
            for &k in &keys[start..] {
                if let Some(p) = self.postings.get(&k) {
                    if p.as_slice().len() < self.limit(rule) {
                        candidates.extend_from_slice(p.as_slice());
                    }
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        candidates.sort_unstable();
        candidates.dedup();

        // Identifier values this record makes shared by a second person: the customers that
        // were linked through them are re-evaluated once the record is in.
        let ext_hash = ext;
        let mut newly_shared: Vec<u64> = Vec::new();
        for &k in &features.keys {
            let Some(rule) = k.kind().and_then(Rule::for_key_kind) else {
                continue;
            };
            if !self.config.blocking.rules.contains(&rule) || rule == Rule::EmailLocal {
                continue;
            }
            let before = self.people(rule, k, None);
            if before == 1 && self.people(rule, k, Some((ext_hash, &features))) >= 2 {
                if let Some(p) = self.postings.get(&rule.identifier_rule_key(k)) {
                    newly_shared.extend(p.as_slice().iter().map(|&r| self.slot(r).customer));
                }
            }
        }

        // Score against every candidate; keep links per customer.
        let tf = Counts(self);
        let mut links: BTreeMap<u64, f64> = BTreeMap::new();
        for &c in &candidates {
            let other = self.slot(c);
            let cmp = compare(&features, &other.features, &tf);
            if cmp.contradicts() {
                continue;
            }
            let s = self.model.score(&cmp);
            if s >= self.threshold {
                let e = links.entry(other.customer).or_insert(f64::MIN);
                *e = e.max(s);
            }
        }
        // Strongest link first; ties to the oldest customer.
        let mut order: Vec<(f64, u64, u64)> = links
            .into_iter()
            .map(|(c, s)| (s, self.customers[&c].seq, c))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

        let r = match self.free.pop() {
            Some(r) => r,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let mut home: Option<u64> = None;
        let mut absorbed = Vec::new();
        for (_, _, c) in order {
            let members = self.customers[&c].members.clone();
            match home {
                None => {
                    if !self.clashes(&features, &members) {
                        home = Some(c);
                    }
                }
                Some(h) => {
                    let mine = self.customers[&h].members.clone();
                    if self.clashes(&features, &members) || self.customers_clash(&mine, &members) {
                        continue;
                    }
                    // Merge: the oldest ID survives.
                    let (survivor, gone) = if self.customers[&h].seq <= self.customers[&c].seq {
                        (h, c)
                    } else {
                        (c, h)
                    };
                    let moved = self
                        .customers
                        .remove(&gone)
                        .map(|s| s.members)
                        .unwrap_or_default();
                    for &m in &moved {
                        if let Some(s) = self.slots[m as usize].as_mut() {
                            s.customer = survivor;
                        }
                    }
                    if let Some(s) = self.customers.get_mut(&survivor) {
                        s.members.extend(moved);
                    }
                    absorbed.push(customer_id(gone));
                    home = Some(survivor);
                }
            }
        }
        let customer = match home {
            Some(h) => {
                events.push(Event::Attached {
                    customer: customer_id(h),
                });
                h
            }
            None => {
                let c = self.new_customer();
                events.push(Event::Created {
                    customer: customer_id(c),
                });
                c
            }
        };
        if !absorbed.is_empty() {
            events.push(Event::Merged {
                survivor: customer_id(customer),
                absorbed,
            });
        }
        if let Some(s) = self.customers.get_mut(&customer) {
            s.members.push(r);
        }
        for &k in &keys {
            self.postings
                .entry(k)
                .and_modify(|p| p.push(r))
                .or_insert(Posting::One(r));
        }
        for &k in &features.keys {
            *self.counts.entry(k).or_default() += 1;
        }
        self.by_ext.insert(ext, r);
        self.slots[r as usize] = Some(Slot {
            record,
            normalized,
            features,
            keys,
            customer,
        });
        newly_shared.sort_unstable();
        newly_shared.dedup();
        for c in newly_shared {
            if self.customers.contains_key(&c) {
                events.extend(self.recluster(c));
            }
        }
        let customer = self.slot(r).customer;
        Ok(AddOutcome {
            customer: customer_id(customer),
            events,
        })
    }

    fn remove_ext(&mut self, ext: u64) -> Vec<Event> {
        let Some(r) = self.by_ext.remove(&ext) else {
            return Vec::new();
        };
        let Some(slot) = self.slots[r as usize].take() else {
            return Vec::new();
        };
        self.free.push(r);
        for k in &slot.keys {
            if let Some(p) = self.postings.get_mut(k) {
                if p.remove(r) {
                    self.postings.remove(k);
                }
            }
        }
        for k in &slot.features.keys {
            if let Some(n) = self.counts.get_mut(k) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(k);
                }
            }
        }
        let cid = slot.customer;
        let Some(state) = self.customers.get_mut(&cid) else {
            return Vec::new();
        };
        state.members.retain(|&m| m != r);
        if state.members.is_empty() {
            self.customers.remove(&cid);
            return vec![Event::Deleted {
                customer: customer_id(cid),
            }];
        }
        self.recluster(cid)
    }

    /// Re-evaluates one customer's members (after a removal) and splits it if its links no
    /// longer hold it together.
    fn recluster(&mut self, cid: u64) -> Vec<Event> {
        let members = self.customers[&cid].members.clone();
        let tf = Counts(self);
        let mut edges = Vec::new();
        for (i, &a) in members.iter().enumerate() {
            for (j, &b) in members.iter().enumerate().skip(i + 1) {
                // Only pairs that blocking would have proposed, as in batch.
                if !shares_key(&self.slot(a).keys, &self.slot(b).keys) {
                    continue;
                }
                let c = compare(&self.slot(a).features, &self.slot(b).features, &tf);
                if c.contradicts() {
                    continue;
                }
                let s = self.model.score(&c);
                if s >= self.threshold {
                    edges.push(Edge {
                        a: i as u32,
                        b: j as u32,
                        score: s as f32,
                    });
                }
            }
        }
        let feats: Vec<Features> = members
            .iter()
            .map(|&m| self.slot(m).features.clone())
            .collect();
        let tiebreak: Vec<u64> = members
            .iter()
            .map(|&m| record_hash(&self.slot(m).record))
            .collect();
        let clustering = cluster(members.len(), &edges, &feats, &tiebreak);
        let mut parts: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (i, &l) in clustering.labels.iter().enumerate() {
            parts.entry(l).or_default().push(members[i]);
        }
        if parts.len() <= 1 {
            return Vec::new();
        }
        // The largest part keeps the ID; ties to the part holding the oldest record slot.
        let mut parts: Vec<Vec<u32>> = parts.into_values().collect();
        parts.sort_by(|a, b| {
            b.len()
                .cmp(&a.len())
                .then(a.iter().min().cmp(&b.iter().min()))
        });
        let mut new_ids = Vec::new();
        for (i, part) in parts.into_iter().enumerate() {
            let target = if i == 0 { cid } else { self.new_customer() };
            for &m in &part {
                if let Some(s) = self.slots[m as usize].as_mut() {
                    s.customer = target;
                }
            }
            if let Some(s) = self.customers.get_mut(&target) {
                s.members = part;
            }
            if i > 0 {
                new_ids.push(customer_id(target));
            }
        }
        vec![Event::Split {
            customer: customer_id(cid),
            parts: new_ids,
        }]
    }
}

/// A long-lived, thread-safe resolver. See the [module docs](self).
pub struct Resolver {
    state: RwLock<State>,
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
    pub fn new(config: Config) -> Resolver {
        let model = config.model.clone().unwrap_or_default();
        Resolver::with_model(config, model)
    }

    /// An empty resolver with a trained model (for example [`crate::Resolution::model`]).
    pub fn with_model(config: Config, model: Model) -> Resolver {
        let threshold = log2_odds(config.match_probability);
        Resolver {
            state: RwLock::new(State {
                config,
                track_population: model.records == 0,
                model,
                threshold,
                slots: Vec::new(),
                free: Vec::new(),
                by_ext: HashMap::new(),
                postings: HashMap::new(),
                counts: HashMap::new(),
                customers: HashMap::new(),
                next_customer: 1,
            }),
        }
    }

    /// Resolves `records` with the batch pipeline and holds the result: its trained model,
    /// its customers (with new resolver IDs, oldest first in the batch's ID order) and
    /// indexes, ready for records to come one at a time.
    pub fn from_batch(records: Vec<Record>, config: Config) -> Result<Resolver> {
        let res = crate::resolve(&records, &config)?;
        let resolver = Resolver::with_model(config, res.model.clone());
        {
            let mut st = resolver.write();
            let mut slots: Vec<Option<Record>> = records.into_iter().map(Some).collect();
            for c in &res.customers {
                let cid = st.new_customer();
                for m in &c.members {
                    if let Some(r) = slots[m.index()].take() {
                        st.restore(r, cid);
                    }
                }
            }
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
    pub fn add(&self, record: Record) -> Result<AddOutcome> {
        self.write().insert(record)
    }

    /// Adds records in order under one lock.
    pub fn add_batch(&self, records: impl IntoIterator<Item = Record>) -> Result<Vec<AddOutcome>> {
        let mut st = self.write();
        records.into_iter().map(|r| st.insert(r)).collect()
    }

    /// Removes a record (a deletion request, or a correction). Its customer is re-evaluated
    /// and split when the record was what held it together. Unknown records change nothing.
    pub fn remove(&self, source: &str, id: &str) -> Vec<Event> {
        let probe = Record::new(id, source);
        self.write().remove_ext(record_hash(&probe))
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
            if n >= st
                .config
                .blocking
                .max_identifier_block
                .min(st.config.blocking.max_name_block)
            {
                // Find the rule by re-deriving a member's keys.
                let r = p.as_slice()[0];
                for &rule in &st.config.blocking.rules {
                    let mut ks = Vec::new();
                    rule.keys(&st.slot(r).features, &mut ks);
                    if ks.contains(&k) && n >= st.limit(rule) {
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
/// The format version this build writes; it reads this and older ones.
pub const FORMAT_VERSION: u32 = 1;
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
    /// Saves the whole state to `path` atomically (a temporary file, fsync, rename): a crash
    /// leaves the old file or the new one, never a torn one.
    ///
    /// The file is a header (magic, format version, payload length, checksum) and the payload.
    /// Derived indexes are not stored; [`Resolver::load`] rebuilds them.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = {
            let st = self.read();
            let mut records = Vec::with_capacity(st.by_ext.len());
            for s in st.slots.iter().flatten() {
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

    /// Loads a state saved by [`Resolver::save`]. A truncated, corrupted or newer-version file
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
        let resolver = Resolver::with_model(config, saved.model);
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
        }
        Ok(resolver)
    }
}

impl State {
    /// Re-inserts a saved record into a known customer, rebuilding its indexes.
    fn restore(&mut self, record: Record, customer: u64) {
        let ctx = self.config.context_for(&record.source);
        let normalized = normalize_record(&record, &ctx);
        let features = crate::privacy::features(&normalized, self.config.identifier_key.as_ref());
        let mut keys = Vec::new();
        for &rule in &self.config.blocking.rules {
            rule.keys(&features, &mut keys);
        }
        keys.sort_unstable();
        keys.dedup();
        let r = self.slots.len() as u32;
        for &k in &keys {
            self.postings
                .entry(k)
                .and_modify(|p| p.push(r))
                .or_insert(Posting::One(r));
        }
        for &k in &features.keys {
            *self.counts.entry(k).or_default() += 1;
        }
        if let Some(c) = self.customers.get_mut(&customer) {
            c.members.push(r);
        }
        self.by_ext.insert(record_hash(&record), r);
        self.slots.push(Some(Slot {
            record,
            normalized,
            features,
            keys,
            customer,
        }));
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
            customers: vec![(1, CustomerState { seq: 1, members })],
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
    fn a_record_saved_twice_is_an_error() {
        let rec = Record::new("1", "web").phone("+7 912 345 67 89");
        let e = Resolver::from_bytes(&sealed(&saved(vec![(rec.clone(), 1), (rec, 1)], vec![])))
            .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }
}
