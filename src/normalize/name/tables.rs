//! The name data files, parsed once into lookup tables.
//!
//! Every entry goes through the same folding as the names it is compared with, so the files
//! can be written in any script (`Алёша`, `lyosha` and `alyosha` are all found).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use super::fold::fold_words;
use crate::normalize::data_lines;
use crate::normalize::Region;

/// Nickname files, in the order their roots win ties; `true` for Uzbek (Latin `x` = kh).
const NICK_FILES: [(&str, bool); 6] = [
    (include_str!("../data/nick_ru.txt"), false),
    (include_str!("../data/nick_en.txt"), false),
    (include_str!("../data/nick_fa.txt"), false),
    (include_str!("../data/nick_kz.txt"), false),
    (include_str!("../data/nick_uz.txt"), true),
    (include_str!("../data/nick_in.txt"), false),
];
const SHARED_NICKNAMES: &str = include_str!("../data/nick_shared.txt");
const FIRST_NAMES: &str = include_str!("../data/name_first.txt");
const TITLES: &str = include_str!("../data/name_titles.txt");
const PLACEHOLDERS: &str = include_str!("../data/name_placeholders.txt");
/// The crate-wide "no value" words (`n/a`, `none`, `нет`), folded like names too.
const SHARED_PLACEHOLDERS: &str = include_str!("../data/placeholders.txt");
const PATRONYMIC_SUFFIXES: &str = include_str!("../data/name_patronymic_suffixes.txt");
const PATRONYMIC_WORDS: &str = include_str!("../data/name_patronymic_words.txt");
const SURNAME_SUFFIXES: &str = include_str!("../data/name_surname_suffixes.txt");

/// A fast non-keyed hash for short words, eight bytes at a step (the multiply-rotate of
/// FxHash). The table keys are words we wrote ourselves and a lookup key only finds them
/// or not, so no attacker can make use of collisions.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

const SEED: u64 = 0x517c_c1b7_2722_0a95;

impl WordHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// A hash table of byte-string keys, built once and then only read: open addressing
/// with linear probing, the full hash kept beside each key, and the hash computed eight
/// bytes at a step (names are short, so one or two steps).
pub(crate) struct WordMap<V> {
    /// `0` for an empty slot, else an index into `entries` plus one.
    slots: Vec<u32>,
    entries: Vec<(u64, Box<[u8]>, V)>,
    /// `64 - log2(slots.len())`: the slot is the top bits of the hash.
    shift: u32,
}

fn word_hash(word: &[u8]) -> u64 {
    let mut h = WordHasher((word.len() as u64).wrapping_mul(SEED));
    h.write(word);
    h.finish() | 1
}

impl<V> WordMap<V> {
    fn new(items: impl IntoIterator<Item = (Box<[u8]>, V)>) -> Self {
        let entries: Vec<(u64, Box<[u8]>, V)> = items
            .into_iter()
            .map(|(k, v)| (word_hash(&k), k, v))
            .collect();
        let size = (entries.len() * 2).next_power_of_two().max(8);
        let mut slots = vec![0u32; size];
        let shift = 64 - size.trailing_zeros();
        for (n, (h, _, _)) in entries.iter().enumerate() {
            let mut i = (h >> shift) as usize;
            while slots[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            slots[i] = u32::try_from(n + 1).unwrap_or(u32::MAX);
        }
        WordMap {
            slots,
            entries,
            shift,
        }
    }

    /// The value of `word`, if the table has it.
    #[inline]
    pub fn get(&self, word: &[u8]) -> Option<&V> {
        let h = word_hash(word);
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let n = *self.slots.get(i)? as usize;
            let (eh, key, v) = self.entries.get(n.checked_sub(1)?)?;
            if *eh == h && key.len() == word.len() && key.iter().zip(word).all(|(a, b)| a == b) {
                return Some(v);
            }
            i = (i + 1) & mask;
        }
    }

    /// Every key and value.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        self.entries.iter().map(|(_, k, v)| (&**k, v))
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<WordHasher>>;

/// One data entry folded to a single word (words of a multi-word entry are glued, as
/// hyphens glue them in names).
pub(crate) fn fold_entry(entry: &str, region: Option<Region>) -> String {
    fold_words(entry, region)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// The foldings an entry may take: without a region and, for Uzbek entries where the
/// Uzbek reading of `x` differs, with it (`Baxtiyor`).
fn entry_keys_in(entry: &str, uzbek: bool) -> Vec<String> {
    let mut keys = vec![fold_entry(entry, None)];
    if uzbek && entry.contains(['x', 'X']) {
        let uz = fold_entry(entry, Some(Region::UZ));
        if uz != keys[0] {
            keys.push(uz);
        }
    }
    keys.retain(|k| !k.is_empty());
    keys
}

fn entry_keys(entry: &str) -> Vec<String> {
    entry_keys_in(entry, false)
}

/// What the tables know about one folded word (see [`Tables::words`]).
#[derive(Default)]
pub(crate) struct Info {
    /// [`TITLE`], [`PARTICLE`], [`PLACEHOLDER`], [`PHRASE_WORD`], [`FIRST`].
    pub flags: u8,
    /// The nickname root of a given name in the nickname tables.
    pub root: Option<Box<str>>,
    /// Other roots a nickname may stand for (`nick_shared.txt`: Саша is also Александра).
    pub other_roots: Box<[Box<str>]>,
}

/// A title or honorific (`mr`, `gn`, `sri`), dropped from names.
pub(crate) const TITLE: u8 = 1;
/// A Turkic patronymic particle (`ogli`, `kizi`), glued to the word before.
pub(crate) const PARTICLE: u8 = 2;
/// A one-word placeholder (`test`, `klient`).
pub(crate) const PLACEHOLDER: u8 = 4;
/// A word of a multi-word placeholder (`john`, `doe`).
pub(crate) const PHRASE_WORD: u8 = 8;
/// A known given name.
pub(crate) const FIRST: u8 = 16;

/// The parsed tables.
pub(crate) struct Tables {
    /// Every folded word any table lists, with what the tables say about it: one lookup
    /// per word answers all the questions the name pipeline asks.
    pub words: WordMap<Info>,
    /// Variants listed under more than one root, with the roots that lost (for the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub ambiguous: Vec<(Box<str>, Box<str>, Box<str>)>,
    /// Placeholder lines of several words, words sorted and joined by a space.
    pub placeholder_phrases: FastSet<String>,
    /// Patronymic endings (`ovich`, `kizi`).
    pub patronymic_suffixes: Suffixes,
    /// Family-name endings, `true` for the strong ones.
    pub surname_suffixes: Suffixes,
}

impl Tables {
    /// What the tables know about a folded word.
    #[inline]
    pub fn info(&self, word: &[u8]) -> Option<&Info> {
        self.words.get(word)
    }
}

/// Word endings with a flag, grouped by their last letter so that a word is compared
/// with the few that could match it.
pub(crate) struct Suffixes {
    /// Non-empty endings and their flags, in groups of one last letter.
    list: Vec<(&'static [u8], bool)>,
    /// For each last byte, its group in `list`.
    by_last: Vec<(usize, usize)>,
}

impl Suffixes {
    fn new(items: impl Iterator<Item = (&'static str, bool)>) -> Suffixes {
        let mut list: Vec<(&'static [u8], bool)> = items
            .map(|(s, f)| (s.as_bytes(), f))
            .filter(|(s, _)| !s.is_empty())
            .collect();
        list.sort_by_key(|(s, _)| s.last().copied());
        let mut by_last = vec![(0, 0); 256];
        for (i, (s, _)) in list.iter().enumerate() {
            if let Some(&l) = s.last() {
                let g = &mut by_last[usize::from(l)];
                if g.1 == 0 {
                    g.0 = i;
                }
                g.1 = i + 1;
            }
        }
        Suffixes { list, by_last }
    }

    /// The flags of the endings `w` has with at least `stem` letters before them.
    pub fn ending<'a>(&'a self, w: &'a [u8], stem: usize) -> impl Iterator<Item = bool> + 'a {
        let (a, b) = w.last().map_or((0, 0), |&l| self.by_last[usize::from(l)]);
        self.list[a..b]
            .iter()
            .filter(move |(s, _)| w.len() >= s.len() + stem && w.ends_with(s))
            .map(|&(_, f)| f)
    }
}

fn load() -> Tables {
    let mut words: FastMap<Box<[u8]>, Info> = FastMap::default();
    let mut flag = |key: String, f: u8| {
        words
            .entry(key.into_bytes().into_boxed_slice())
            .or_default()
            .flags |= f;
    };
    let mut nick: FastMap<Box<str>, Box<str>> = FastMap::default();
    let mut ambiguous = Vec::new();
    for (file, uzbek) in NICK_FILES {
        for line in data_lines(file) {
            let entries: Vec<Vec<String>> = line
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|e| entry_keys_in(e, uzbek))
                .filter(|k| !k.is_empty())
                .collect();
            let Some(root_key) = entries.first().map(|k| k[0].clone()) else {
                continue;
            };
            // A line whose root or a variant is already known joins that root
            // (Michael -> Mikhail, Ebrahim's Uzbek spellings -> ebrahim).
            let root: Box<str> = entries
                .iter()
                .flatten()
                .find_map(|k| nick.get(k.as_str()).cloned())
                .unwrap_or_else(|| root_key.into());
            for key in entries.into_iter().flatten() {
                flag(key.clone(), FIRST);
                match nick.get(key.as_str()) {
                    Some(existing) if *existing != root => {
                        ambiguous.push((key.into(), existing.clone(), root.clone()));
                    }
                    Some(_) => {}
                    None => {
                        nick.insert(key.into(), root.clone());
                    }
                }
            }
        }
    }
    for line in data_lines(FIRST_NAMES) {
        for key in entry_keys(line) {
            flag(key, FIRST);
        }
    }
    for key in data_lines(TITLES).flat_map(entry_keys) {
        flag(key, TITLE);
    }
    let mut placeholder_phrases = FastSet::default();
    for line in data_lines(PLACEHOLDERS).chain(data_lines(SHARED_PLACEHOLDERS)) {
        let mut ws: Vec<String> = fold_words(line, None).into_iter().map(|(w, _)| w).collect();
        match ws.len() {
            0 => {}
            1 => flag(ws.remove(0), PLACEHOLDER),
            _ => {
                ws.sort();
                placeholder_phrases.insert(ws.join(" "));
                for w in ws {
                    flag(w, PHRASE_WORD);
                }
            }
        }
    }
    for key in data_lines(PATRONYMIC_WORDS).flat_map(entry_keys) {
        flag(key, PARTICLE);
    }
    for line in data_lines(SHARED_NICKNAMES) {
        let mut entries = line.split(',').map(str::trim).filter(|e| !e.is_empty());
        let Some(nickname) = entries.next() else {
            continue;
        };
        let roots: Box<[Box<str>]> = entries
            .flat_map(entry_keys)
            .map(|k| nick.get(k.as_str()).cloned().unwrap_or_else(|| k.into()))
            .collect();
        for key in entry_keys(nickname) {
            let info = words
                .entry(key.into_bytes().into_boxed_slice())
                .or_default();
            info.flags |= FIRST;
            info.other_roots = roots.clone();
        }
    }
    for (key, root) in nick {
        let key: Box<[u8]> = key.into_boxed_bytes();
        words.entry(key).or_default().root = Some(root);
    }
    let patronymic_suffixes = Suffixes::new(data_lines(PATRONYMIC_SUFFIXES).map(|s| (s, false)));
    let surname_suffixes = Suffixes::new(data_lines(SURNAME_SUFFIXES).filter_map(|l| {
        let (kind, suffix) = l.split_once(' ')?;
        Some((suffix.trim(), kind == "strong"))
    }));
    Tables {
        words: WordMap::new(words),
        ambiguous,
        placeholder_phrases,
        patronymic_suffixes,
        surname_suffixes,
    }
}

/// The tables, parsed on first use.
pub(crate) static TABLES: LazyLock<Tables> = LazyLock::new(load);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::name::fold::latin_fold;

    #[test]
    fn every_word_is_found() {
        let mut n = 0;
        for (k, v) in TABLES.words.iter() {
            let found = TABLES.info(k).map(|i| std::ptr::eq(i, v));
            assert_eq!(found, Some(true), "{}", String::from_utf8_lossy(k));
            n += 1;
        }
        assert!(n > 500, "{n}");
        assert!(TABLES.info(b"").is_none());
        assert!(TABLES.info(b"zzzzqqqq").is_none());
    }

    /// A table word that is not a fixed point of the fold can never equal a folded name
    /// word.
    #[test]
    fn every_word_is_folded() {
        let bad: Vec<String> = TABLES
            .words
            .iter()
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .filter(|k| latin_fold(k, None) != *k)
            .collect();
        assert_eq!(bad, Vec::<String>::new());
    }
}
