//! Stage 2: blocking. Candidate pairs without comparing everything with everything.
//!
//! Each [`Rule`] maps a record's [`Features`] to keys; records sharing a key form a block and
//! every pair inside a block is a candidate. The index is a sorted array of `(key, record)`,
//! so memory is two words per key and grouping is a parallel sort. A block larger than the
//! rule's limit is a [`Hub`] (a store's placeholder phone, a cashier's card, a demo tablet):
//! it is reported and emits no pairs. Pairs from all rules are deduplicated.
//!
//! A name rule's block grows with the population (a common name in a big city), and past a
//! few people its records cannot be told apart by the name alone: a name block over the
//! limit is blocked again on a finer key ([`Rule::split_field`]: the birth year under a name
//! and a city), and only what is still too large then is a hub. Pairs per record stay bounded
//! by the limit, so candidate pairs grow linearly with the records.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::{
    conflict, read_ahead, same_name, Features, Key, KeyFrequency, KeyKind, WIDELY_SHARED,
};
use crate::hash::{combine, mix};

/// A blocking rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Same phone number.
    Phone,
    /// Same e-mail address.
    Email,
    /// Same e-mail local part (another domain: a typo, or another provider).
    EmailLocal,
    /// Same loyalty card.
    Card,
    /// Same device id.
    Device,
    /// Same social handle.
    Social,
    /// Same phonetic given name (nickname root) and family name, and same birth date.
    NameBirthDate,
    /// Same phonetic given name (nickname root) and family name, and same city.
    NameCity,
    /// Same phonetic family name and birth date (catches given-name variants).
    LastNameBirthDate,
    /// Same phonetic given name and birth date (catches family-name changes).
    FirstNameBirthDate,
    /// Same identity or customer number.
    IdNumber,
    /// Same postal code and house number.
    PostcodeHouse,
    /// Same street, house number and city.
    StreetHouseCity,
    /// Same birth date and postal code (catches records whose names and numbers all carry
    /// slips).
    BirthDatePostcode,
}

impl Rule {
    /// Every rule, in a fixed order.
    pub const ALL: [Rule; 14] = [
        Rule::Phone,
        Rule::Email,
        Rule::EmailLocal,
        Rule::Card,
        Rule::Device,
        Rule::Social,
        Rule::NameBirthDate,
        Rule::NameCity,
        Rule::LastNameBirthDate,
        Rule::FirstNameBirthDate,
        Rule::IdNumber,
        Rule::PostcodeHouse,
        Rule::StreetHouseCity,
        Rule::BirthDatePostcode,
    ];

    /// A short, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Phone => "phone",
            Rule::Email => "email",
            Rule::EmailLocal => "email_local",
            Rule::Card => "card",
            Rule::Device => "device",
            Rule::Social => "social",
            Rule::NameBirthDate => "name_birth_date",
            Rule::NameCity => "name_city",
            Rule::LastNameBirthDate => "last_name_birth_date",
            Rule::FirstNameBirthDate => "first_name_birth_date",
            Rule::IdNumber => "id_number",
            Rule::PostcodeHouse => "postcode_house",
            Rule::StreetHouseCity => "street_house_city",
            Rule::BirthDatePostcode => "birth_date_postcode",
        }
    }

    /// The identifier kind this rule blocks on, for identifier rules.
    pub fn key_kind(self) -> Option<KeyKind> {
        match self {
            Rule::Phone => Some(KeyKind::Phone),
            Rule::Email => Some(KeyKind::Email),
            Rule::EmailLocal => Some(KeyKind::EmailLocal),
            Rule::Card => Some(KeyKind::Card),
            Rule::Device => Some(KeyKind::Device),
            Rule::Social => Some(KeyKind::Social),
            Rule::IdNumber => Some(KeyKind::IdNumber),
            _ => None,
        }
    }

    /// The identifier rule that blocks on keys of `kind`.
    pub fn for_key_kind(kind: KeyKind) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.key_kind() == Some(kind))
    }

    /// The rule key of an identifier key (for identifier rules).
    pub fn identifier_rule_key(self, key: Key) -> u64 {
        combine(self as u64 + 1, key.0)
    }

    /// Appends this rule's keys for one record.
    ///
    /// A name rule gives its key and, when the record has the value that splits this rule's
    /// oversize blocks ([`Rule::split_field`]), a finer key under it. Records pair when they
    /// share a key whose block is within the rule's limit: a small block pairs all its
    /// records, an oversize one only those that also share the finer key.
    pub fn keys(self, f: &Features, out: &mut Vec<u64>) {
        if self.key_kind().is_some() {
            self.keys_with(f, (0, 0), out);
        } else {
            self.keys_with(f, (f.first_phonetic(), f.last_phonetic()), out);
        }
    }

    /// [`Rule::keys`] with the record's phonetic given and family name keys computed once
    /// (`(first_phonetic, last_phonetic)`; unused by identifier rules).
    pub(crate) fn keys_with(self, f: &Features, names: (u64, u64), out: &mut Vec<u64>) {
        if let Some(kind) = self.key_kind() {
            let tag = self as u64 + 1;
            out.extend(f.keys_of(kind).map(|k| combine(tag, k.0)));
            return;
        }
        if let Some(key) = self.name_key(f, names) {
            out.push(key);
            out.extend(self.split_key(f, key));
        }
    }

    /// The key of a name rule, `None` when the record lacks a part of it (or for an
    /// identifier rule).
    fn name_key(self, f: &Features, (fp, lp): (u64, u64)) -> Option<u64> {
        let (name, name_ok, other) = match self {
            Rule::NameBirthDate => (combine(fp, lp), fp != 0 && lp != 0, f.dob as u64),
            Rule::NameCity => (combine(fp, lp), fp != 0 && lp != 0, f.city),
            Rule::LastNameBirthDate => (lp, lp != 0, f.dob as u64),
            Rule::FirstNameBirthDate => (fp, fp != 0, f.dob as u64),
            Rule::PostcodeHouse => {
                let key = f.extra.as_ref().map_or(0, |x| x.postcode_house());
                (key, key != 0, 1)
            }
            Rule::StreetHouseCity => {
                let key = f.extra.as_ref().map_or(0, |x| x.street_house());
                (key, key != 0, f.city)
            }
            Rule::BirthDatePostcode => {
                let key = f.extra.as_ref().map_or(0, |x| x.postcode_hash());
                (key, key != 0, f.dob as u64)
            }
            _ => return None,
        };
        (name_ok && other != 0).then(|| combine(self as u64 + 1, combine(name, mix(other))))
    }

    /// What splits an oversize block of a name rule: a value its true matches mostly share
    /// and namesakes mostly do not, outside the rule's own key. Only the name and city rule
    /// has one: a birth date already narrows the other name rules' blocks to a handful, and
    /// every finer key is one more entry per record in the incremental resolver's index.
    pub fn split_field(self) -> Option<SplitField> {
        match self {
            Rule::NameCity => Some(SplitField::BirthYear),
            _ => None,
        }
    }

    /// The finer key under `key` (this rule's key of `f`), when `f` has the split value.
    fn split_key(self, f: &Features, key: u64) -> Option<u64> {
        let (tag, value) = match self.split_field()? {
            SplitField::BirthYear => (1, u64::from(f.dob / 10_000)),
        };
        (value != 0).then(|| combine(key, combine(SPLIT_TAG + tag, mix(value))))
    }
}

/// Tags the finer keys of split blocks apart from every rule's own keys.
const SPLIT_TAG: u64 = 0x5350_4c49_5400;

/// The value that splits an oversize block of a name rule ([`Rule::split_field`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SplitField {
    /// The year of the birth date.
    BirthYear,
}

/// Blocking settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct BlockingConfig {
    /// The rules to apply.
    pub rules: Vec<Rule>,
    /// A block on an identifier larger than this is a hub and emits no pairs.
    pub max_identifier_block: usize,
    /// A block of a name rule larger than this (a common name in a big city) is blocked
    /// again on the rule's finer key when it has one ([`Rule::split_field`]); a block that
    /// cannot be split, or a finer block still larger than this, is a hub. A name and a city
    /// shared by more records than a few people have say little on their own; the other
    /// rules and the finer key still pair their records.
    pub max_name_block: usize,
    /// Most candidate pairs one run may emit, counted per rule before deduplication (what
    /// blocking holds in memory). Rules are expanded in order (the phone rule first); a rule
    /// whose pairs would take the total past this is skipped whole and reported
    /// ([`RuleStats::skipped`]), so the result stays a function of the data and the config.
    pub max_candidate_pairs: u64,
    /// Link mode: pairs only records of different sources (a CRM matched against a
    /// loyalty-programme export), never two of one source. Off: deduplicate everything.
    pub link_only: bool,
}

impl Default for BlockingConfig {
    fn default() -> Self {
        BlockingConfig {
            rules: Rule::ALL.to_vec(),
            max_identifier_block: 12,
            max_name_block: 8,
            max_candidate_pairs: 250_000_000,
            link_only: false,
        }
    }
}

/// A block too large to emit its pairs: reported, not expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hub {
    /// The rule whose key it is.
    pub rule: Rule,
    /// The key, a hash of the value: safe to show, stable across runs.
    pub key: String,
    /// How many records carry it.
    pub size: u32,
    /// The records' sources with counts, most frequent first (at most five).
    pub sources: Vec<(String, u32)>,
}

/// Per-rule figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    /// The rule.
    pub rule: Option<Rule>,
    /// Keys emitted by all records.
    pub keys: u64,
    /// Blocks of two records or more.
    pub blocks: u64,
    /// Pairs this rule emitted (before deduplication across rules).
    pub pairs: u64,
    /// Blocks set aside as hubs.
    pub hubs: u64,
    /// Blocks of a name rule too large to pair all their records, blocked again on the
    /// finer key of [`Rule::split_field`] (their finer blocks are counted in `blocks` too).
    pub split: u64,
    /// The rule's pairs were not emitted: they would have taken the run past
    /// [`BlockingConfig::max_candidate_pairs`].
    pub skipped: bool,
}

/// The output of blocking.
#[derive(Clone, Debug, Default)]
pub struct Blocking {
    /// Candidate pairs `(a, b)` with `a < b`, sorted, deduplicated.
    pub pairs: Vec<(u32, u32)>,
    /// Hubs, largest first.
    pub hubs: Vec<Hub>,
    /// Figures per rule, in the order of the config's rules.
    pub rules: Vec<RuleStats>,
    /// Term frequencies: for a family name, how many records carry it; for an identifier
    /// value, how many distinct people carry it (estimated from contradictions among its
    /// records: different given names or birth dates, or no phone in common). Only values
    /// with a count of two or more are stored. E-mail local parts are not counted: sharing
    /// one only makes two e-mails close.
    pub frequencies: HashMap<Key, u32>,
    /// Per identifier kind (but e-mail local parts), how often a value is carried by more
    /// than one person: among the values with two or more carriers that give a name, the
    /// share whose carriers contradict each other (a household's phone, a family's card).
    /// Records with no name hide such sharing at the same rate.
    pub sharing: Vec<Sharing>,
}

/// How often values of one identifier kind are shared between people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Sharing {
    /// The identifier kind.
    pub kind: Option<KeyKind>,
    /// Values with two or more named carriers.
    pub observed: u64,
    /// Of those, values whose named carriers contradict each other.
    pub shared: u64,
}

impl Sharing {
    /// `shared / observed`, 0 when nothing was observed.
    pub fn rate(&self) -> f64 {
        if self.observed == 0 {
            0.0
        } else {
            self.shared as f64 / self.observed as f64
        }
    }
}

impl Blocking {
    /// The share of all possible pairs that blocking did not emit.
    pub fn reduction_ratio(&self, records: usize) -> f64 {
        let all = records as f64 * (records as f64 - 1.0) / 2.0;
        if all <= 0.0 {
            1.0
        } else {
            1.0 - self.pairs.len() as f64 / all
        }
    }
}

/// Blocks `records`. `sources[i]` indexes `source_names` for record `i` (for hub reports);
/// `tiebreak[i]` is a stable hash of record `i`'s id, so that estimates made inside a block do
/// not depend on input order.
pub fn block(
    records: &[Features],
    sources: &[u32],
    source_names: &[String],
    tiebreak: &[u64],
    config: &BlockingConfig,
) -> Blocking {
    // Family-name frequencies, from the records' own keys (independent of rules).
    let frequencies = key_frequencies_where(records, |k| {
        matches!(k.kind(), Some(KeyKind::LastName | KeyKind::FullName))
    });
    let mut out = Blocking {
        frequencies,
        ..Blocking::default()
    };

    let mut all_pairs: Vec<u64> = Vec::new();
    let mut emitted: u64 = 0;
    // The phone rule runs first: its people counts are read when counting cards and devices.
    let mut rules = config.rules.clone();
    rules.sort_by_key(|&r| r != Rule::Phone);
    let mut rule_entries = rule_entries(records, &rules);
    for (at, &rule) in rules.iter().enumerate() {
        let limit = if rule.key_kind().is_some() {
            config.max_identifier_block
        } else {
            config.max_name_block
        };
        let mut entries = std::mem::take(&mut rule_entries[at]);
        entries.par_sort_unstable();
        let mut groups = group_ranges(&entries);
        let mut stats = RuleStats {
            rule: Some(rule),
            keys: entries.len() as u64,
            ..RuleStats::default()
        };
        if rule.split_field().is_some() && groups.iter().any(|&(s, e)| e - s > limit) {
            // Oversize blocks of a name rule are blocked again on the finer key, their
            // records only; the blocks within the limit stay as they are.
            let mut fine: Vec<(u64, u32)> = groups
                .par_iter()
                .filter(|&&(s, e)| e - s > limit)
                .flat_map_iter(|&(s, e)| {
                    entries[s..e]
                        .iter()
                        .filter_map(|&(k, r)| Some((rule.split_key(&records[r as usize], k)?, r)))
                })
                .collect();
            fine.par_sort_unstable();
            stats.keys += fine.len() as u64;
            let mut kept: Vec<(u64, u32)> = Vec::new();
            let mut kept_groups = Vec::new();
            for &(s, e) in &groups {
                if e - s > limit {
                    stats.split += 1;
                    stats.blocks += 1;
                } else {
                    kept_groups.push((kept.len(), kept.len() + e - s));
                    kept.extend_from_slice(&entries[s..e]);
                }
            }
            let offset = kept.len();
            kept_groups.extend(
                group_ranges(&fine)
                    .into_iter()
                    .map(|(s, e)| (s + offset, e + offset)),
            );
            kept.append(&mut fine);
            entries = kept;
            groups = kept_groups;
        }
        let small = |s: usize, e: usize| e - s <= limit;
        for &(s, e) in &groups {
            let n = (e - s) as u64;
            stats.blocks += 1;
            if !small(s, e) {
                stats.hubs += 1;
                out.hubs
                    .push(hub(rule, &entries[s..e], sources, source_names));
            } else {
                stats.pairs += n * (n - 1) / 2;
            }
        }
        // Per block within the limit: how many people carry the value, and whether two or
        // more of its carriers give a name (observed) and contradict each other. A shared
        // e-mail local part only makes two e-mails close, whatever its count: not counted.
        if let Some(kind) = rule.key_kind().filter(|&k| k != KeyKind::EmailLocal) {
            let counted = &out.frequencies;
            let per_block: Vec<BlockPeople> = groups
                .par_chunks(BLOCKS_PER_TASK)
                .flat_map_iter(|chunk| {
                    let mut carriers = Vec::new();
                    let mut scratch = Vec::new();
                    // The carriers of a chunk of blocks are read once first, all together
                    // (see `compare_each`).
                    let carried = chunk
                        .iter()
                        .filter(|&&(s, e)| small(s, e))
                        .flat_map(|&(s, e)| &entries[s..e]);
                    std::hint::black_box(read_ahead(records, carried.map(|&(_, r)| r)));
                    chunk
                        .iter()
                        .map(|&(s, e)| {
                            let block = &entries[s..e];
                            if !small(s, e) {
                                return BlockPeople {
                                    people: block.len() as u32,
                                    observed: false,
                                    contradicted: false,
                                };
                            }
                            carriers.clear();
                            carriers.extend(
                                block
                                    .iter()
                                    .map(|&(_, r)| (tiebreak[r as usize], &records[r as usize])),
                            );
                            let people =
                                count_people_with(&mut carriers, kind, counted, &mut scratch);
                            let named =
                                || carriers.iter().map(|c| c.1).filter(|f| f.first.is_some());
                            let observed = named().nth(1).is_some();
                            // One person counted: no two carriers contradict each other (a
                            // record joins a group only if it contradicts none of its members).
                            let contradicted = observed
                                && people >= 2
                                && named()
                                    .enumerate()
                                    .any(|(i, x)| named().skip(i + 1).any(|y| conflict(x, y)));
                            BlockPeople {
                                people,
                                observed,
                                contradicted,
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let shared_values: Vec<(Key, u32)> = groups
                .par_iter()
                .zip(per_block.par_iter())
                .filter(|&(_, b)| b.people >= 2)
                .filter_map(|(&(s, _), b)| {
                    let (k, r) = entries[s];
                    Some((identifier_key(&records[r as usize], rule, k)?, b.people))
                })
                .collect();
            out.frequencies.reserve(shared_values.len());
            out.frequencies.extend(shared_values);
            let (observed, shared) = per_block.iter().fold((0, 0), |(o, c), b| {
                (o + u64::from(b.observed), c + u64::from(b.contradicted))
            });
            out.sharing.push(Sharing {
                kind: Some(kind),
                observed,
                shared,
            });
        }
        if emitted.saturating_add(stats.pairs) > config.max_candidate_pairs {
            stats.skipped = true;
            out.rules.push(stats);
            continue;
        }
        emitted += stats.pairs;
        let link_only = config.link_only;
        let pairs: Vec<u64> = groups
            .par_iter()
            .filter(|&&(s, e)| small(s, e))
            .flat_map_iter(|&(s, e)| {
                let block = &entries[s..e];
                (0..block.len()).flat_map(move |i| {
                    (i + 1..block.len()).filter_map(move |j| {
                        let (a, b) = (block[i].1, block[j].1);
                        if link_only && sources[a as usize] == sources[b as usize] {
                            return None;
                        }
                        let (a, b) = if a < b { (a, b) } else { (b, a) };
                        Some(((a as u64) << 32) | b as u64)
                    })
                })
            })
            .collect();
        all_pairs.extend(pairs);
        out.rules.push(stats);
    }
    all_pairs.par_sort_unstable();
    all_pairs.dedup();
    out.pairs = all_pairs
        .into_iter()
        .map(|p| ((p >> 32) as u32, p as u32))
        .collect();
    out.hubs
        .sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.key.cmp(&b.key)));
    out
}

/// The `(key, record)` entries of each rule of `rules`, at the same places, taken in one
/// pass over the records: a pass per rule would read every record again for each rule. The
/// phonetic name keys are computed once per record for all name rules.
fn rule_entries(records: &[Features], rules: &[Rule]) -> Vec<Vec<(u64, u32)>> {
    let none = || vec![Vec::new(); rules.len()];
    let names_needed = rules.iter().any(|r| r.key_kind().is_none());
    records
        .par_iter()
        .enumerate()
        .fold(
            || (none(), Vec::new()),
            |(mut acc, mut keys), (i, f)| {
                let names = if names_needed {
                    (f.first_phonetic(), f.last_phonetic())
                } else {
                    (0, 0)
                };
                for (entries, rule) in acc.iter_mut().zip(rules) {
                    keys.clear();
                    if rule.key_kind().is_some() {
                        rule.keys_with(f, (0, 0), &mut keys);
                        keys.sort_unstable();
                        keys.dedup();
                    } else {
                        keys.extend(rule.name_key(f, names));
                    }
                    entries.extend(keys.iter().map(|&k| (k, i as u32)));
                }
                (acc, keys)
            },
        )
        .map(|(acc, _)| acc)
        .reduce(none, |mut a, b| {
            for (x, mut y) in a.iter_mut().zip(b) {
                x.append(&mut y);
            }
            a
        })
}

/// The identifier key behind a rule key, found again from one record of the block.
fn identifier_key(f: &Features, rule: Rule, rule_key: u64) -> Option<Key> {
    let kind = rule.key_kind()?;
    let tag = rule as u64 + 1;
    f.keys_of(kind).find(|k| combine(tag, k.0) == rule_key)
}

/// Blocks of identifier values whose carriers one parallel task counts.
const BLOCKS_PER_TASK: usize = 256;

/// What the carriers of one identifier value tell.
struct BlockPeople {
    /// How many different people carry the value.
    people: u32,
    /// Two or more of its carriers give a name.
    observed: bool,
    /// Two of those contradict each other.
    contradicted: bool,
}

/// Estimates how many different people carry one identifier value, from `(tiebreak,
/// features)` of the records carrying it (sorted here): records go, in the tiebreak order,
/// into the first group none of whose members they contradict (another given name or birth
/// date; or, for values other than phones, no phone in common and no agreeing name). `tf`
/// holds the people counts of phones: phones that many people carry (a store's placeholder
/// number) do not tell two carriers of a card apart.
pub(crate) fn count_people(
    carriers: &mut [(u64, &Features)],
    kind: KeyKind,
    tf: &impl KeyFrequency,
) -> u32 {
    count_people_with(carriers, kind, tf, &mut Vec::new())
}

/// [`count_people`] with a buffer of group numbers to reuse.
fn count_people_with(
    carriers: &mut [(u64, &Features)],
    kind: KeyKind,
    tf: &impl KeyFrequency,
    group_of: &mut Vec<u32>,
) -> u32 {
    carriers.sort_unstable_by_key(|c| c.0);
    group_of.clear();
    let mut groups = 0;
    for (i, &(_, f)) in carriers.iter().enumerate() {
        let fits = |g: u32| {
            group_of
                .iter()
                .zip(carriers[..i].iter())
                .filter(|&(&h, _)| h == g)
                .all(|(_, &(_, other))| {
                    !(conflict(f, other)
                        || (matches!(kind, KeyKind::Card | KeyKind::Device)
                            && phones_disjoint(f, other, tf)
                            && !same_name(f, other)))
                })
        };
        let g = (0..groups).find(|&g| fits(g)).unwrap_or(groups);
        groups = groups.max(g + 1);
        group_of.push(g);
    }
    groups
}

/// Both records have phones of their own (not widely shared) and share none.
fn phones_disjoint(a: &Features, b: &Features, tf: &impl KeyFrequency) -> bool {
    let own = |k: &Key| tf.frequency(*k) < WIDELY_SHARED;
    let mut pa = a.keys_of(KeyKind::Phone).filter(own).peekable();
    let mut pb = b.keys_of(KeyKind::Phone).filter(own).peekable();
    if pa.peek().is_none() || pb.peek().is_none() {
        return false;
    }
    !pa.any(|k| b.keys_of(KeyKind::Phone).any(|x| x == k))
}

/// Ranges `[start, end)` of entries sharing a key, for blocks of two or more.
fn group_ranges(entries: &[(u64, u32)]) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[start].0 {
            if i - start >= 2 {
                groups.push((start, i));
            }
            start = i;
        }
    }
    groups
}

fn hub(rule: Rule, block: &[(u64, u32)], sources: &[u32], names: &[String]) -> Hub {
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for &(_, r) in block {
        if let Some(&s) = sources.get(r as usize) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let mut by_source: Vec<(String, u32)> = counts
        .into_iter()
        .map(|(s, n)| (names.get(s as usize).cloned().unwrap_or_default(), n))
        .collect();
    by_source.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_source.truncate(5);
    Hub {
        rule,
        key: format!("{:016x}", mix(block[0].0)),
        size: block.len() as u32,
        sources: by_source,
    }
}

/// Counts how many records carry each key; keys carried by one record are left out.
pub fn key_frequencies(records: &[Features]) -> HashMap<Key, u32> {
    key_frequencies_where(records, |_| true)
}

/// [`key_frequencies`] of the keys `keep` accepts.
fn key_frequencies_where(
    records: &[Features],
    keep: impl Fn(Key) -> bool + Sync,
) -> HashMap<Key, u32> {
    let mut keys: Vec<Key> = records
        .par_iter()
        .flat_map_iter(|f| f.keys.iter().copied().filter(|&k| keep(k)))
        .collect();
    keys.par_sort_unstable();
    // Sized once: the table of a large input would otherwise be rehashed as it grows.
    let repeated = (1..keys.len())
        .filter(|&i| keys[i] == keys[i - 1] && (i == 1 || keys[i - 1] != keys[i - 2]))
        .count();
    let mut out = HashMap::with_capacity(repeated);
    let mut start = 0;
    for i in 1..=keys.len() {
        if i == keys.len() || keys[i] != keys[start] {
            if i - start >= 2 {
                out.insert(keys[start], (i - start) as u32);
            }
            start = i;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_phone(p: u64) -> Features {
        Features {
            keys: vec![Key::new(KeyKind::Phone, p)],
            ..Features::default()
        }
    }

    #[test]
    fn planted_hub_emits_no_pairs() {
        // 30 records share a placeholder phone; two pairs share real phones.
        let mut recs: Vec<Features> = (0..30).map(|_| with_phone(70000000000)).collect();
        recs.push(with_phone(79123456789));
        recs.push(with_phone(79123456789));
        recs.push(with_phone(79031112233));
        recs.push(with_phone(79031112233));
        let sources: Vec<u32> = (0..recs.len() as u32).map(|i| i % 2).collect();
        let names = vec!["store".to_string(), "web".to_string()];
        let tb: Vec<u64> = (0..recs.len() as u64).map(crate::hash::mix).collect();
        let b = block(&recs, &sources, &names, &tb, &BlockingConfig::default());
        assert_eq!(b.pairs, vec![(30, 31), (32, 33)]);
        assert_eq!(b.hubs.len(), 1);
        assert_eq!(b.hubs[0].size, 30);
        assert_eq!(b.hubs[0].rule, Rule::Phone);
        assert_eq!(
            b.hubs[0].sources,
            vec![("store".into(), 15), ("web".into(), 15)]
        );
        assert_eq!(b.frequencies[&Key::new(KeyKind::Phone, 70000000000)], 30);
        let phone = &b.rules[0];
        assert_eq!((phone.pairs, phone.hubs, phone.blocks), (2, 1, 3));
    }

    #[test]
    fn pairs_are_deduplicated_across_rules() {
        let mut a = with_phone(79123456789);
        a.keys.push(Key::new(KeyKind::Card, 42));
        a.keys.sort();
        let b = a.clone();
        let blk = block(
            &[a, b],
            &[0, 0],
            &["x".into()],
            &[1, 2],
            &BlockingConfig::default(),
        );
        assert_eq!(blk.pairs, vec![(0, 1)]);
        assert_eq!(blk.rules.iter().map(|r| r.pairs).sum::<u64>(), 2);
    }

    #[test]
    fn sharing_rate_counts_values_whose_named_carriers_contradict() {
        let named = |first: &str, dob: u32, phone: u64| Features {
            first: Some(first.into()),
            first_root: Some(first.into()),
            dob,
            ..with_phone(phone)
        };
        let recs = vec![
            // A household's phone: two people.
            named("anna", 19900101, 1),
            named("oleg", 19600505, 1),
            // One person's phone, twice.
            named("ivan", 19800101, 2),
            named("ivan", 19800101, 2),
            // No names: says nothing about sharing.
            with_phone(3),
            with_phone(3),
        ];
        let tb: Vec<u64> = (0..recs.len() as u64).map(crate::hash::mix).collect();
        let b = block(
            &recs,
            &[0; 6],
            &["x".into()],
            &tb,
            &BlockingConfig::default(),
        );
        let phone = b
            .sharing
            .iter()
            .find(|s| s.kind == Some(KeyKind::Phone))
            .unwrap();
        assert_eq!((phone.observed, phone.shared), (2, 1));
        assert_eq!(phone.rate(), 0.5);
        assert_eq!(b.frequencies[&Key::new(KeyKind::Phone, 1)], 2);
    }

    #[test]
    fn widely_shared_phones_do_not_tell_card_holders_apart() {
        let card = Key::new(KeyKind::Card, 9);
        let till = |phone: u64| {
            let mut f = with_phone(phone);
            f.keys.push(card);
            f.keys.sort_unstable();
            f
        };
        // One shopper's card, once with the shopper's phone and once with the store's number.
        let recs = [till(1), till(2)];
        let mut carriers: Vec<(u64, &Features)> = recs.iter().map(|f| (0, f)).collect();
        assert_eq!(count_people(&mut carriers, KeyKind::Card, &()), 2);
        let mut tf = HashMap::new();
        tf.insert(Key::new(KeyKind::Phone, 2), WIDELY_SHARED);
        assert_eq!(count_people(&mut carriers, KeyKind::Card, &tf), 1);
        // The same through blocking: the store's number is on many records.
        let mut all: Vec<Features> = recs.to_vec();
        all.extend((0..4).map(|_| with_phone(2)));
        for (i, f) in all.iter_mut().enumerate().skip(2) {
            f.first = Some(format!("p{i}").into());
            f.first_root = f.first.clone();
        }
        let tb: Vec<u64> = (0..all.len() as u64).map(crate::hash::mix).collect();
        let b = block(
            &all,
            &[0; 6],
            &["x".into()],
            &tb,
            &BlockingConfig::default(),
        );
        assert!(b.frequencies[&Key::new(KeyKind::Phone, 2)] >= WIDELY_SHARED);
        assert!(
            !b.frequencies.contains_key(&card),
            "one person carries the card"
        );
    }

    fn person(first: &str, last: &str, city: u64, dob: u32) -> Features {
        Features {
            first: Some(first.into()),
            first_root: Some(first.into()),
            last: Some(last.into()),
            city,
            dob,
            ..Features::default()
        }
    }

    fn name_rules(limit: usize) -> BlockingConfig {
        BlockingConfig {
            rules: vec![Rule::NameCity],
            max_name_block: limit,
            ..BlockingConfig::default()
        }
    }

    #[test]
    fn oversize_name_block_is_split_by_birth_year() {
        // Eight namesakes in one city: over the limit of 4. Records 0 and 1 were born the
        // same year (a day and month swapped), 2 and 3 in other years, 4..8 give no date.
        let mut recs = vec![
            person("anna", "ivanova", 7, 19900312),
            person("anna", "ivanova", 7, 19901203),
            person("anna", "ivanova", 7, 19850101),
            person("anna", "ivanova", 7, 19700101),
        ];
        recs.extend((0..4).map(|_| person("anna", "ivanova", 7, 0)));
        // Two namesakes in another city: within the limit, paired whatever their dates.
        recs.push(person("anna", "ivanova", 9, 19600101));
        recs.push(person("anna", "ivanova", 9, 0));
        let n = recs.len();
        let tb: Vec<u64> = (0..n as u64).map(crate::hash::mix).collect();
        let b = block(&recs, &vec![0; n], &["x".into()], &tb, &name_rules(4));
        assert_eq!(b.pairs, vec![(0, 1), (8, 9)]);
        assert!(b.hubs.is_empty());
        let st = &b.rules[0];
        assert_eq!((st.split, st.hubs, st.pairs), (1, 0, 2));

        // With room for all eight, every pair of the city is a candidate.
        let b = block(&recs, &vec![0; n], &["x".into()], &tb, &name_rules(8));
        assert_eq!(b.pairs.len(), 28 + 1);
        assert_eq!(b.rules[0].split, 0);
    }

    #[test]
    fn split_block_still_too_large_is_a_hub() {
        let recs: Vec<Features> = (0..6)
            .map(|i| person("oleg", "petrov", 3, 19800101 + i))
            .collect();
        let tb: Vec<u64> = (0..6).map(crate::hash::mix).collect();
        let b = block(&recs, &[0; 6], &["x".into()], &tb, &name_rules(4));
        assert!(b.pairs.is_empty());
        assert_eq!(b.hubs.len(), 1);
        assert_eq!(b.hubs[0].size, 6);
        assert_eq!((b.rules[0].split, b.rules[0].hubs), (1, 1));
    }

    /// Batch pairs are exactly the pairs of records sharing a key of [`Rule::keys`] whose
    /// records number at most the limit: what an index of those keys (the incremental
    /// resolver's) finds.
    #[test]
    fn batch_pairs_are_those_of_small_key_postings() {
        let firsts = ["anna", "olga", "ivan"];
        let lasts = ["ivanova", "petrova"];
        let mut recs = Vec::new();
        let mut x = 12345u64;
        for _ in 0..160 {
            x = crate::hash::mix(x);
            let dob = match x % 4 {
                0 => 0,
                d => 19_800_101 + 10_000 * (d as u32) + (x >> 8) as u32 % 3,
            };
            recs.push(person(
                firsts[(x >> 16) as usize % 3],
                lasts[(x >> 20) as usize % 2],
                1 + (x >> 24) % 3,
                dob,
            ));
        }
        let n = recs.len();
        let tb: Vec<u64> = (0..n as u64).map(crate::hash::mix).collect();
        for limit in [3, 6, 12, 40] {
            let config = BlockingConfig {
                max_name_block: limit,
                max_identifier_block: limit,
                ..BlockingConfig::default()
            };
            let b = block(&recs, &vec![0; n], &["x".into()], &tb, &config);
            let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
            for (i, f) in recs.iter().enumerate() {
                let mut keys = Vec::new();
                for rule in &config.rules {
                    rule.keys(f, &mut keys);
                }
                keys.sort_unstable();
                keys.dedup();
                for k in keys {
                    postings.entry(k).or_default().push(i as u32);
                }
            }
            let mut want: Vec<(u32, u32)> = postings
                .values()
                .filter(|p| p.len() <= limit)
                .flat_map(|p| {
                    p.iter()
                        .enumerate()
                        .flat_map(|(i, &a)| p[i + 1..].iter().map(move |&b| (a, b)))
                })
                .collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(b.pairs, want, "limit {limit}");
            assert!(!want.is_empty());
            // The small limits split blocks, the large one does not need to.
            let split: u64 = b.rules.iter().map(|r| r.split).sum();
            assert_eq!(split > 0, limit < 40, "limit {limit}");
        }
    }
}
