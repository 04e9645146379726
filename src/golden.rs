//! Golden records: one best view of each customer, by survivorship rules.
//!
//! Single-valued fields (name, birth date, city) take the value most members agree on; ties go
//! to the most recently updated record, then to the source with the highest priority, then to
//! a stable hash so the result never depends on input order. Identifiers are kept as lists of
//! every distinct value, most frequent first.

use std::collections::HashMap;

use serde::Serialize;

use crate::normalize::{DeviceId, NormalizedRecord};
use crate::Record;

/// The best view of one customer. Values are canonical (E.164 phones, canonical e-mails);
/// `Debug` shows only counts.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GoldenRecord {
    /// The name as written in the chosen record.
    pub name: Option<String>,
    /// The chosen name folded to Latin (`first last`).
    pub name_latin: Option<String>,
    /// Birth date, ISO 8601.
    pub birth_date: Option<String>,
    /// City key.
    pub city: Option<String>,
    /// Phones in E.164, most frequent first.
    pub phones: Vec<String>,
    /// E-mail addresses, most frequent first.
    pub emails: Vec<String>,
    /// Card numbers (or their protected forms).
    pub cards: Vec<String>,
    /// Device ids.
    pub devices: Vec<String>,
    /// Social handles as `network:handle`.
    pub socials: Vec<String>,
    /// Sources the customer was seen in, sorted.
    pub sources: Vec<String>,
    /// The most recent `updated_at` among members.
    pub updated_at: Option<String>,
}

impl std::fmt::Debug for GoldenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoldenRecord")
            .field("phones", &self.phones.len())
            .field("emails", &self.emails.len())
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

/// One member of a customer, as survivorship sees it.
#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    /// The raw record.
    pub record: &'a Record,
    /// Its normalised form.
    pub normalized: &'a NormalizedRecord,
    /// Its source's priority (higher wins ties).
    pub priority: i32,
    /// A stable hash of the record's id, the last tie-break.
    pub tiebreak: u64,
}

/// Ranks members for tie-breaks: most recent, then highest priority, then stable hash.
fn rank<'a>(m: &Member<'a>) -> (std::cmp::Reverse<&'a str>, std::cmp::Reverse<i32>, u64) {
    (
        std::cmp::Reverse(m.record.updated_at.as_deref().unwrap_or("")),
        std::cmp::Reverse(m.priority),
        m.tiebreak,
    )
}

/// Picks the value most members carry; ties to the best-ranked member.
fn pick<'a, T: Eq + std::hash::Hash + Clone>(
    members: &[Member<'a>],
    get: impl Fn(&Member<'a>) -> Option<T>,
) -> Option<(T, usize)> {
    let mut counts: HashMap<T, (usize, usize)> = HashMap::new(); // value -> (count, best member)
    for (i, m) in members.iter().enumerate() {
        if let Some(v) = get(m) {
            let e = counts.entry(v).or_insert((0, i));
            e.0 += 1;
            if rank(&members[i]) < rank(&members[e.1]) {
                e.1 = i;
            }
        }
    }
    counts
        .into_iter()
        .min_by(|a, b| {
            b.1 .0
                .cmp(&a.1 .0)
                .then_with(|| rank(&members[a.1 .1]).cmp(&rank(&members[b.1 .1])))
        })
        .map(|(v, (_, i))| (v, i))
}

/// Every distinct value, most frequent first, ties by best-ranked member then value.
fn collect<'a>(members: &[Member<'a>], get: impl Fn(&Member<'a>) -> Vec<String>) -> Vec<String> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        for v in get(m) {
            let e = counts.entry(v).or_insert((0, i));
            e.0 += 1;
            if rank(&members[i]) < rank(&members[e.1]) {
                e.1 = i;
            }
        }
    }
    let mut v: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    v.sort_by(|a, b| {
        b.1 .0
            .cmp(&a.1 .0)
            .then_with(|| rank(&members[a.1 .1]).cmp(&rank(&members[b.1 .1])))
            .then_with(|| a.0.cmp(&b.0))
    });
    v.into_iter().map(|(s, _)| s).collect()
}

fn display_name(r: &Record) -> Option<String> {
    if r.first_name.is_some() || r.last_name.is_some() {
        let parts: Vec<&str> = [&r.first_name, &r.middle_name, &r.last_name]
            .iter()
            .filter_map(|p| p.as_deref())
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    } else {
        r.full_name.as_ref().map(|s| s.trim().to_string())
    }
}

/// Builds the golden record of one customer from its members.
pub fn golden(members: &[Member<'_>]) -> GoldenRecord {
    let mut g = GoldenRecord::default();
    if let Some(((_, last), i)) = pick(members, |m| {
        m.normalized
            .name
            .as_ref()
            .map(|n| (n.first_root.clone().or(n.first.clone()), n.last.clone()))
    }) {
        g.name = display_name(members[i].record);
        let latin: Vec<&str> = [
            members[i]
                .normalized
                .name
                .as_ref()
                .and_then(|n| n.first.as_deref()),
            last.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        g.name_latin = (!latin.is_empty()).then(|| latin.join(" "));
    }
    g.birth_date = pick(members, |m| m.normalized.birth_date.map(|d| d.iso())).map(|x| x.0);
    g.city = pick(members, |m| {
        m.normalized.city.as_ref().map(|c| c.as_str().to_string())
    })
    .map(|x| x.0);
    g.phones = collect(members, |m| {
        m.normalized.phones.iter().map(|p| p.e164()).collect()
    });
    g.emails = collect(members, |m| {
        m.normalized
            .emails
            .iter()
            .map(|e| e.as_str().to_string())
            .collect()
    });
    g.cards = collect(members, |m| {
        m.normalized
            .cards
            .iter()
            .map(|c| c.as_str().to_string())
            .collect()
    });
    g.devices = collect(members, |m| {
        m.normalized
            .devices
            .iter()
            .map(DeviceId::to_canonical_string)
            .collect()
    });
    g.socials = collect(members, |m| {
        m.normalized
            .socials
            .iter()
            .map(|s| {
                let net = serde_json::to_string(&s.network).unwrap_or_default();
                format!("{}:{}", net.trim_matches('"'), s.handle())
            })
            .collect()
    });
    let mut sources: Vec<String> = members.iter().map(|m| m.record.source.clone()).collect();
    sources.sort();
    sources.dedup();
    g.sources = sources;
    g.updated_at = members
        .iter()
        .filter_map(|m| m.record.updated_at.clone())
        .max();
    g
}
