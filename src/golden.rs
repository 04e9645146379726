//! Golden records: one best view of each customer, by survivorship rules.
//!
//! Single-valued fields (name, birth date, city) take the value most members agree on; ties go
//! to the most recently updated record, then to the source with the highest priority, then to
//! a stable hash so the result never depends on input order. Identifiers are kept as lists of
//! every distinct value, most frequent first.

use std::collections::HashMap;
use std::sync::Arc;

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
    /// Identity or customer numbers, most frequent first.
    pub id_numbers: Vec<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// Postal address, canonical.
    pub address: Option<String>,
    /// Attributes by slot ([`crate::normalize::Context::attributes`] order), folded.
    pub attributes: Vec<Option<String>>,
    /// Sources the customer was seen in, sorted.
    pub sources: Vec<Arc<str>>,
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

/// The canonical values of one record that a golden record shows (city, identifiers), packed
/// in one allocation: a flags character, then for each value its kind character, its length in
/// 6-bit ASCII digits (low digits first, `0x40` marks "more digits") and its text. The batch
/// pipeline keeps this instead of the whole [`NormalizedRecord`].
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Packed(Box<str>);

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Packed({} bytes)", self.0.len())
    }
}

/// Flag: the record has a name.
const HAS_NAME: u8 = 1;
/// Flag: the record's birth date is implausible (compared, never shown).
const DOB_IMPLAUSIBLE: u8 = 2;

/// Value kinds in a [`Packed`]; lists in golden records are indexed by `kind - PHONE`.
const CITY: u8 = 0;
const PHONE: u8 = 1;
const EMAIL: u8 = 2;
const CARD: u8 = 3;
const DEVICE: u8 = 4;
const SOCIAL: u8 = 5;
const ID_NUMBER: u8 = 6;
/// Identifier kinds listed in golden records.
const LISTS: usize = 6;
/// Single values chosen by majority, indexed by `kind - POSTCODE`: the postcode, the
/// address, then the attributes by slot.
const POSTCODE: u8 = 7;
const ADDRESS: u8 = 8;
const ATTRIBUTE: u8 = 9;
const SINGLES: usize = 2 + crate::compare::Field::ATTRIBUTES;

impl Packed {
    /// Packs what survivorship needs of `n` beyond its name parts and birth date, in one
    /// allocation of the exact size.
    pub(crate) fn of(n: &NormalizedRecord) -> Packed {
        let mut size = 1;
        each_value(n, &mut |_, pieces| {
            let len: usize = pieces.iter().map(|p| p.len()).sum();
            size += 1 + len_digits(len) + len;
        });
        let mut out = String::with_capacity(size);
        let mut flags = if n.name.is_some() { HAS_NAME } else { 0 };
        if n.birth_date.is_some() && !n.birth_date_plausible {
            flags |= DOB_IMPLAUSIBLE;
        }
        out.push(char::from(flags));
        each_value(n, &mut |kind, pieces| put_pieces(&mut out, kind, pieces));
        debug_assert_eq!(out.len(), size);
        Packed(out.into_boxed_str())
    }

    /// Its first byte, read to bring it towards the cache before it is needed.
    pub(crate) fn read_ahead(&self) -> u8 {
        self.0.as_bytes().first().copied().unwrap_or(0)
    }

    fn has_name(&self) -> bool {
        self.0.as_bytes().first().is_some_and(|f| f & HAS_NAME != 0)
    }

    fn dob_implausible(&self) -> bool {
        self.0
            .as_bytes()
            .first()
            .is_some_and(|f| f & DOB_IMPLAUSIBLE != 0)
    }

    /// The values, as `(kind, text)`, in packing order.
    fn values(&self) -> impl Iterator<Item = (u8, &str)> + '_ {
        let text: &str = &self.0;
        let mut at = 1;
        std::iter::from_fn(move || {
            let b = text.as_bytes();
            let kind = *b.get(at)?;
            let mut len = 0usize;
            let mut shift = 0;
            at += 1;
            loop {
                let d = *b.get(at)?;
                at += 1;
                len |= usize::from(d & 0x3f) << shift;
                shift += 6;
                if d & 0x40 == 0 || shift > 60 {
                    break;
                }
            }
            let v = text.get(at..at + len)?;
            at += len;
            Some((kind, v))
        })
    }
}

/// Calls `f` with the kind and the text (in pieces) of each value [`Packed`] keeps of `n`,
/// in packing order.
fn each_value(n: &NormalizedRecord, f: &mut dyn FnMut(u8, &[&str])) {
    if let Some(c) = &n.city {
        f(CITY, &[c.as_str()]);
    }
    for p in &n.phones {
        let mut digits = [0u8; 20];
        f(PHONE, &["+", decimal(p.as_u64(), &mut digits)]);
    }
    for e in &n.emails {
        f(EMAIL, &[e.as_str()]);
    }
    for c in &n.cards {
        f(CARD, &[c.as_str()]);
    }
    for d in &n.devices {
        let mut buf = uuid::Uuid::encode_buffer();
        let text: &str = match d {
            DeviceId::Uuid(v) => uuid::Uuid::from_u128(*v)
                .hyphenated()
                .encode_lower(&mut buf),
            DeviceId::Opaque(s) => s,
        };
        f(DEVICE, &[text]);
    }
    for s in &n.socials {
        f(SOCIAL, &[s.network.as_str(), ":", s.handle()]);
    }
    for i in &n.id_numbers {
        f(ID_NUMBER, &[i.as_str()]);
    }
    if let Some(p) = &n.postcode {
        f(POSTCODE, &[p.as_str()]);
    }
    if let Some(a) = &n.address {
        f(ADDRESS, &[a.as_str()]);
    }
    for (slot, _, v) in &n.attributes {
        if usize::from(*slot) < crate::compare::Field::ATTRIBUTES {
            f(ATTRIBUTE + slot, &[v]);
        }
    }
}

/// `v` in decimal, written at the end of `buf`.
fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("")
}

/// How many 6-bit digits [`put`] writes for a length.
fn len_digits(mut len: usize) -> usize {
    let mut n = 1;
    while len >= 0x40 {
        len >>= 6;
        n += 1;
    }
    n
}

#[cfg(test)]
fn put(out: &mut String, kind: u8, text: &str) {
    put_pieces(out, kind, &[text]);
}

fn put_pieces(out: &mut String, kind: u8, pieces: &[&str]) {
    out.push(char::from(kind));
    let mut len: usize = pieces.iter().map(|p| p.len()).sum();
    loop {
        let low = (len & 0x3f) as u8;
        len >>= 6;
        if len == 0 {
            out.push(char::from(low));
            break;
        }
        out.push(char::from(low | 0x40));
    }
    for p in pieces {
        out.push_str(p);
    }
}

/// One member as survivorship reads it: borrowed name parts, the birth date, packed values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    /// The raw record (display name, `updated_at`, source).
    pub record: &'a Record,
    /// Its source's priority.
    pub priority: i32,
    /// Stable hash of the record's id.
    pub tiebreak: u64,
    /// Given-name root (the given name when no root is known).
    pub first_root: Option<&'a str>,
    /// Given name, folded Latin.
    pub first: Option<&'a str>,
    /// Family name, folded Latin.
    pub last: Option<&'a str>,
    /// Birth date as `yyyymmdd`, 0 when missing.
    pub dob: u32,
    /// City and identifiers.
    pub packed: &'a Packed,
    /// The record's source name, shared by every golden record that lists it.
    pub source: &'a Arc<str>,
}

/// Tally of distinct values: `(value, count, best position)`, with a hash index once it grows.
struct Tally<T> {
    rows: Vec<(T, u32, u32)>,
    index: Option<HashMap<T, usize>>,
}

impl<T: Eq + std::hash::Hash + Copy> Tally<T> {
    fn new() -> Self {
        Tally {
            rows: Vec::new(),
            index: None,
        }
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.index = None;
    }

    fn add(&mut self, v: T, pos: u32) {
        let found = match &self.index {
            Some(ix) => ix.get(&v).copied(),
            None => self.rows.iter().position(|r| r.0 == v),
        };
        match found {
            Some(i) => {
                let r = &mut self.rows[i];
                r.1 += 1;
                r.2 = r.2.min(pos);
            }
            None => {
                self.rows.push((v, 1, pos));
                if let Some(ix) = &mut self.index {
                    ix.insert(v, self.rows.len() - 1);
                } else if self.rows.len() > 32 {
                    self.index = Some(
                        self.rows
                            .iter()
                            .enumerate()
                            .map(|(i, r)| (r.0, i))
                            .collect(),
                    );
                }
            }
        }
    }

    /// The most carried value, ties to the best-ranked carrier: `(value, best position)`.
    fn winner(&self) -> Option<(T, u32)> {
        self.rows
            .iter()
            .min_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)))
            .map(|r| (r.0, r.2))
    }
}

impl Tally<&str> {
    /// Every distinct value, most frequent first, ties by best-ranked member then value.
    fn sorted_list(&mut self) -> Vec<String> {
        let rows = &mut self.rows;
        rows.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then_with(|| a.0.cmp(b.0)));
        rows.iter().map(|r| r.0.to_string()).collect()
    }
}

/// Working space of [`golden_of`], reused from one customer to the next.
pub(crate) struct Scratch<'a> {
    /// The members of the customer at hand.
    pub views: Vec<View<'a>>,
    order: Vec<u32>,
    pos: Vec<u32>,
    names: Tally<(Option<&'a str>, Option<&'a str>)>,
    dobs: Tally<u32>,
    cities: Tally<&'a str>,
    lists: [Tally<&'a str>; LISTS],
    singles: [Tally<&'a str>; SINGLES],
    sources: Vec<&'a Arc<str>>,
}

impl<'a> Scratch<'a> {
    /// Empty working space.
    pub(crate) fn new() -> Self {
        Scratch {
            views: Vec::new(),
            order: Vec::new(),
            pos: Vec::new(),
            names: Tally::new(),
            dobs: Tally::new(),
            cities: Tally::new(),
            lists: std::array::from_fn(|_| Tally::new()),
            singles: std::array::from_fn(|_| Tally::new()),
            sources: Vec::new(),
        }
    }
}

fn display_name(r: &Record) -> Option<String> {
    if r.first_name.is_some() || r.last_name.is_some() {
        let parts = [&r.first_name, &r.middle_name, &r.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let mut out = String::with_capacity(parts.clone().map(|p| p.len() + 1).sum());
        for p in parts {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(p);
        }
        (!out.is_empty()).then_some(out)
    } else {
        r.full_name.as_ref().map(|s| s.trim().to_string())
    }
}

/// Builds the golden record of one customer from its members.
pub fn golden(members: &[Member<'_>]) -> GoldenRecord {
    let packed: Vec<Packed> = members.iter().map(|m| Packed::of(m.normalized)).collect();
    let sources: Vec<Arc<str>> = members
        .iter()
        .map(|m| Arc::from(m.record.source.as_str()))
        .collect();
    let mut scratch = Scratch::new();
    scratch.views.extend(
        members
            .iter()
            .zip(&packed)
            .zip(&sources)
            .map(|((m, p), source)| {
                let name = m.normalized.name.as_ref();
                let first = name.and_then(|n| n.first.as_deref());
                View {
                    record: m.record,
                    priority: m.priority,
                    tiebreak: m.tiebreak,
                    first_root: name.and_then(|n| n.first_root.as_deref()).or(first),
                    first,
                    last: name.and_then(|n| n.last.as_deref()),
                    dob: m.normalized.birth_date.map_or(0, |d| {
                        d.year() as u32 * 10_000 + d.month() as u32 * 100 + d.day() as u32
                    }),
                    packed: p,
                    source,
                }
            }),
    );
    golden_of(&mut scratch)
}

/// [`golden`] over `scratch.views`, the members as the batch pipeline keeps them.
pub(crate) fn golden_of(scratch: &mut Scratch<'_>) -> GoldenRecord {
    let Scratch {
        views: members,
        order,
        pos,
        names,
        dobs,
        cities,
        lists,
        singles,
        sources,
    } = scratch;
    // Rank for tie-breaks: most recent, then highest priority, then stable hash; `pos[i]` is
    // member i's place in that order (equal ranks keep member order).
    order.clear();
    order.extend(0..members.len() as u32);
    if members.len() > 1 {
        let key = |i: u32| {
            let m = &members[i as usize];
            (
                std::cmp::Reverse(m.record.updated_at.as_deref().unwrap_or("")),
                std::cmp::Reverse(m.priority),
                m.tiebreak,
            )
        };
        order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    }
    pos.clear();
    pos.resize(members.len(), 0);
    for (p, &i) in order.iter().enumerate() {
        pos[i as usize] = p as u32;
    }

    names.clear();
    dobs.clear();
    cities.clear();
    for t in lists.iter_mut().chain(singles.iter_mut()) {
        t.clear();
    }
    for (m, &p) in members.iter().zip(pos.iter()) {
        if m.packed.has_name() {
            names.add((m.first_root, m.last), p);
        }
        if m.dob != 0 && !m.packed.dob_implausible() {
            dobs.add(m.dob, p);
        }
        for (kind, v) in m.packed.values() {
            if kind == CITY {
                cities.add(v, p);
            } else if let Some(t) = lists.get_mut(usize::from(kind.wrapping_sub(PHONE))) {
                t.add(v, p);
            } else if let Some(t) = singles.get_mut(usize::from(kind.wrapping_sub(POSTCODE))) {
                t.add(v, p);
            }
        }
    }

    let mut g = GoldenRecord::default();
    if let Some(((_, last), best)) = names.winner() {
        let m = &members[order[best as usize] as usize];
        g.name = display_name(m.record);
        g.name_latin = match (m.first, last) {
            (Some(f), Some(l)) => {
                let mut s = String::with_capacity(f.len() + 1 + l.len());
                s.push_str(f);
                s.push(' ');
                s.push_str(l);
                Some(s)
            }
            (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
            (None, None) => None,
        };
    }
    g.birth_date = dobs.winner().map(|(d, _)| {
        use std::fmt::Write;
        let mut s = String::with_capacity(10);
        let _ = write!(s, "{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100);
        s
    });
    g.city = cities.winner().map(|(c, _)| c.to_string());
    let [phones, emails, cards, devices, socials, id_numbers] = lists;
    g.id_numbers = id_numbers.sorted_list();
    let winner = |t: &Tally<&str>| t.winner().map(|(v, _)| v.to_string());
    g.postcode = winner(&singles[0]);
    g.address = winner(&singles[usize::from(ADDRESS - POSTCODE)]);
    let attributes = &singles[usize::from(ATTRIBUTE - POSTCODE)..];
    if let Some(last) = attributes.iter().rposition(|t| !t.rows.is_empty()) {
        g.attributes = attributes[..=last].iter().map(winner).collect();
    }
    g.phones = phones.sorted_list();
    g.emails = emails.sorted_list();
    g.cards = cards.sorted_list();
    g.devices = devices.sorted_list();
    g.socials = socials.sorted_list();
    sources.clear();
    sources.extend(members.iter().map(|m| m.source));
    sources.sort_unstable();
    sources.dedup();
    g.sources = sources.iter().map(|&s| Arc::clone(s)).collect();
    g.updated_at = members
        .iter()
        .filter_map(|m| m.record.updated_at.as_deref())
        .max()
        .map(str::to_string);
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{normalize_record, Context, Region};

    fn member<'a>(r: &'a Record, n: &'a NormalizedRecord, tiebreak: u64) -> Member<'a> {
        Member {
            record: r,
            normalized: n,
            priority: 0,
            tiebreak,
        }
    }

    #[test]
    fn packed_values_round_trip() {
        let r = Record::new("1", "web")
            .phone("+7 912 345 67 89")
            .email("anna.petrova@gmail.com")
            .city("Moscow")
            .full_name("Anna Petrova");
        let n = normalize_record(&r, &Context::new().region(Region::RU));
        let p = Packed::of(&n);
        let v: Vec<(u8, &str)> = p.values().collect();
        assert!(p.has_name());
        assert_eq!(v.iter().filter(|x| x.0 == CITY).count(), 1);
        assert_eq!(
            v.iter().find(|x| x.0 == PHONE).map(|x| x.1),
            Some("+79123456789")
        );
        let emails: Vec<&str> = v.iter().filter(|x| x.0 == EMAIL).map(|x| x.1).collect();
        assert_eq!(emails, [n.emails[0].as_str()]);
        // Lengths of one, two and three digits.
        let texts = ["", "ab", &"é".repeat(40), &"x".repeat(5000)];
        let mut raw = String::from("\0");
        for (i, t) in texts.iter().enumerate() {
            put(&mut raw, i as u8, t);
        }
        let packed = Packed(raw.into());
        let back: Vec<(u8, &str)> = packed.values().collect();
        let want: Vec<(u8, &str)> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u8, *t))
            .collect();
        assert_eq!(back, want);
        assert!(!Packed::of(&NormalizedRecord::default()).has_name());
        assert_eq!(Packed::of(&NormalizedRecord::default()).values().count(), 0);
    }

    #[test]
    fn most_carried_value_wins_then_most_recent() {
        let ctx = Context::new().region(Region::RU);
        let recs = [
            Record::new("1", "web")
                .phone("+7 912 345 67 89")
                .full_name("Anna Petrova")
                .updated_at("2024-01-01"),
            Record::new("2", "app")
                .phone("+7 903 111 22 33")
                .phone("+7 912 345 67 89")
                .full_name("Anna Petrova")
                .updated_at("2023-01-01"),
            Record::new("3", "store")
                .phone("+7 903 111 22 34")
                .full_name("Maria Ivanova")
                .birth_date("1990-05-17")
                .updated_at("2025-01-01"),
        ];
        let norm: Vec<NormalizedRecord> = recs.iter().map(|r| normalize_record(r, &ctx)).collect();
        let members: Vec<Member<'_>> = recs
            .iter()
            .zip(&norm)
            .enumerate()
            .map(|(i, (r, n))| member(r, n, i as u64))
            .collect();
        let g = golden(&members);
        assert_eq!(g.name.as_deref(), Some("Anna Petrova"));
        assert_eq!(g.birth_date.as_deref(), Some("1990-05-17"));
        // Two members carry the first phone; the others once each, the most recent first.
        assert_eq!(g.phones, ["+79123456789", "+79031112234", "+79031112233"]);
        assert_eq!(
            g.sources.iter().map(|s| &**s).collect::<Vec<_>>(),
            ["app", "store", "web"]
        );
        assert_eq!(g.updated_at.as_deref(), Some("2025-01-01"));
        // Member order does not matter.
        let mut rev = members.clone();
        rev.reverse();
        assert_eq!(golden(&rev), g);
    }
}
