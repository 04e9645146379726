//! Text folding shared by names and cities: Unicode clean-up, Arabic-script letter folding,
//! transliteration to Latin and a Latin spelling fold that makes transliteration variants meet.
//!
//! The composable steps, in order:
//!
//! 1. [`prepare`]: NFKC, lower case, Arabic/Persian letter folding (ي/ى -> ی, ك -> ک, ة -> ه,
//!    hamza-carrying alefs -> ا), harakat, tatweel and ZWNJ removed.
//! 2. Words ([`Splitter`]): words are runs of letters; hyphens and apostrophes join
//!    (`O'Brien`, `Rimsky-Korsakov`, `Oʻktam`), anything else separates.
//! 3. [`transliterate`]: a word becomes ASCII lower-case letters through the whole-word table,
//!    then the per-script letter tables (Cyrillic, Arabic, Devanagari with inherent-vowel
//!    rules, Latin diacritics), and `any_ascii` for every other script.
//! 4. [`latin_fold`]: spelling variants of one name meet (`Aleksey`, `Alexei`, `Алексей` ->
//!    `aleksei`).
//!
//! For speed, [`scan_raw`] runs steps 1 and 2 in one pass over the raw text, character by
//! character, while every character is one NFKC leaves alone (ASCII, the common Cyrillic,
//! Arabic-script and Devanagari letters); otherwise the text is prepared first. Words are
//! handed on as slices of a stack buffer, folded into the caller's buffer ([`fold_chars`],
//! [`fold_ascii`]), so a name costs no allocation until its result is built. The
//! differential `dump` test of the name module compares two builds on a file of inputs.

use crate::normalize::data_lines;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use super::small::Small;
use super::tables::WordHasher;
use super::Script;
use crate::normalize::Region;

const CYRILLIC_TABLE: &str = include_str!("../data/translit_cyrillic.txt");
const ARABIC_TABLE: &str = include_str!("../data/translit_arabic.txt");
const DEVANAGARI_TABLE: &str = include_str!("../data/translit_devanagari.txt");
const LATIN_TABLE: &str = include_str!("../data/translit_latin.txt");
const WORD_TABLE: &str = include_str!("../data/translit_words.txt");

/// A 256-entry table for one Unicode block, indexed by `code point - base`.
struct BlockTable {
    base: u32,
    map: Vec<Option<Latin>>,
}

/// The Latin letters for one letter of another script.
#[derive(Clone, Copy)]
struct Latin {
    /// The first four, for a quick copy.
    head: [u8; 4],
    text: &'static str,
}

impl Latin {
    fn new(text: &'static str) -> Latin {
        let mut head = [0; 4];
        for (h, b) in head.iter_mut().zip(text.bytes()) {
            *h = b;
        }
        Latin { head, text }
    }

    #[inline]
    fn push_to(&self, out: &mut ByteBuf) {
        if self.text.len() <= 4 {
            out.push4(self.head, self.text.len());
        } else {
            push_ascii(out, self.text);
        }
    }
}

impl BlockTable {
    fn parse(text: &'static str, base: u32) -> BlockTable {
        let mut map = vec![None; 256];
        for line in data_lines(text) {
            let mut it = line.split_whitespace();
            let (Some(ch), Some(latin)) = (it.next(), it.next()) else {
                continue;
            };
            let mut chars = ch.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                continue;
            };
            let idx = (c as u32).wrapping_sub(base) as usize;
            if let Some(slot) = map.get_mut(idx) {
                *slot = Some(Latin::new(if latin == "-" { "" } else { latin }));
            }
        }
        BlockTable { base, map }
    }

    #[inline]
    fn get(&self, c: char) -> Option<Latin> {
        let idx = (c as u32).wrapping_sub(self.base) as usize;
        self.map.get(idx).copied().flatten()
    }
}

static CYRILLIC: LazyLock<BlockTable> = LazyLock::new(|| BlockTable::parse(CYRILLIC_TABLE, 0x400));
static ARABIC: LazyLock<BlockTable> = LazyLock::new(|| BlockTable::parse(ARABIC_TABLE, 0x600));
static LATIN: LazyLock<HashMap<char, &'static str>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    for line in data_lines(LATIN_TABLE) {
        let mut it = line.split_whitespace();
        if let (Some(ch), Some(latin)) = (it.next(), it.next()) {
            let mut chars = ch.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                m.insert(c, latin);
            }
        }
    }
    m
});
/// The whole-word table, with the first letters of its words for a quick miss.
struct WordTable {
    /// Keyed by the prepared word's letters, as the splitter hands them out.
    map: HashMap<Box<[char]>, &'static str, BuildHasherDefault<WordHasher>>,
    /// Bit `c % 1024` set for the first letter `c` of some word.
    first: [u64; 16],
}

impl WordTable {
    fn bit(c: char) -> (usize, u64) {
        let b = c as usize % 1024;
        (b / 64, 1 << (b % 64))
    }

    /// `false` when no word of the table begins with `c`.
    #[inline]
    fn may_have(&self, c: char) -> bool {
        let (i, bit) = Self::bit(c);
        self.first[i] & bit != 0
    }
}

static WORDS: LazyLock<WordTable> = LazyLock::new(|| {
    let mut map = HashMap::default();
    let mut first = [0u64; 16];
    for line in data_lines(WORD_TABLE) {
        let mut it = line.split_whitespace();
        if let (Some(word), Some(latin)) = (it.next(), it.next()) {
            let mut p = String::new();
            prepare(word, &mut p);
            if let Some(c) = p.chars().next() {
                let (i, bit) = WordTable::bit(c);
                first[i] |= bit;
            }
            map.insert(p.chars().collect(), latin);
        }
    }
    WordTable { map, first }
});

/// Devanagari letter classes.
#[derive(Clone, Copy)]
enum Deva {
    Consonant(&'static str),
    Vowel(&'static str),
    Matra(&'static str),
}

struct DevaTable {
    map: Vec<Option<Deva>>,
    nukta: Vec<Option<&'static str>>,
}

static DEVANAGARI: LazyLock<DevaTable> = LazyLock::new(|| {
    let mut map = vec![None; 128];
    let mut nukta = vec![None; 128];
    for line in data_lines(DEVANAGARI_TABLE) {
        let mut it = line.split_whitespace();
        let (Some(kind), Some(ch), Some(latin)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let Some(c) = ch.chars().next() else { continue };
        let idx = (c as u32).wrapping_sub(0x900) as usize;
        if idx >= 128 {
            continue;
        }
        match kind {
            "c" => map[idx] = Some(Deva::Consonant(latin)),
            "v" => map[idx] = Some(Deva::Vowel(latin)),
            "m" => map[idx] = Some(Deva::Matra(latin)),
            "n" => nukta[idx] = Some(latin),
            _ => {}
        }
    }
    DevaTable { map, nukta }
});

const ZWNJ: char = '\u{200c}';
const ZWJ: char = '\u{200d}';
const TATWEEL: char = '\u{640}';

fn is_arabic_mark(c: char) -> bool {
    matches!(c as u32, 0x610..=0x61a | 0x64b..=0x65f | 0x670 | 0x6d6..=0x6ed)
}

/// Folds one (lower-cased) Arabic-script letter to its Persian standard form.
fn fold_arabic_letter(c: char) -> char {
    match c {
        'ي' | 'ى' | 'ې' | 'ۍ' => 'ی',
        'ك' => 'ک',
        'ة' | 'ۀ' | 'ە' => 'ه',
        'أ' | 'إ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        'ۆ' | 'ۇ' => 'و',
        _ => c,
    }
}

/// Characters that NFKC leaves alone whatever surrounds them, in the scripts we see most
/// (a cheap pre-check; anything else goes through the full normaliser). Arabic letters with
/// compatibility forms (U+0675-U+0678) and Devanagari nukta letters (U+0958-U+095F) are
/// left out; so are combining marks, which may compose with the letter before.
fn nfkc_stable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7e
        | 0x410..=0x44f | 0x401 | 0x451 | 0x406 | 0x456 | 0x40e | 0x45e | 0x490..=0x4ff
        | 0x621..=0x63a | 0x641..=0x64a | 0x67e | 0x686 | 0x698 | 0x6a9 | 0x6af | 0x6cc
        | 0x905..=0x939 | 0x93e..=0x94d
        | 0x200c)
}

/// Lower case of the Russian Cyrillic capitals without the general Unicode tables.
fn cyrillic_lower(c: char) -> Option<char> {
    let u = c as u32;
    let l = match u {
        0x410..=0x42f => u + 0x20,
        0x400..=0x40f => u + 0x50,
        0x430..=0x45f => u,
        _ => return None,
    };
    char::from_u32(l)
}

/// Lower case and Arabic-script letter folding of one character of NFKC text, appended to
/// `out`; joiners, tatweel and harakat are dropped.
#[inline]
fn push_prepared(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if let Some(l) = cyrillic_lower(c) {
        out.push(l);
    } else if c == ZWNJ || c == ZWJ || c == TATWEEL || c == '\u{feff}' || is_arabic_mark(c) {
        // dropped
    } else if matches!(c as u32, 0x600..=0x6ff | 0x900..=0x97f) {
        // caseless scripts
        out.push(fold_arabic_letter(c));
    } else {
        for l in c.to_lowercase() {
            out.push(fold_arabic_letter(l));
        }
    }
}

/// Step 1: NFKC, lower case, Arabic-script letter folding, marks and joiners removed.
/// Appends to `out`.
pub(crate) fn prepare(raw: &str, out: &mut String) {
    out.reserve(raw.len());
    let start = out.len();
    if raw.is_ascii() {
        out.push_str(raw);
        out[start..].make_ascii_lowercase();
        return;
    }
    // One pass while every character is one NFKC leaves alone whatever surrounds it (the
    // common case); at the first other one, start again through the normaliser.
    for c in raw.chars() {
        if !nfkc_stable(c) {
            out.truncate(start);
            if is_nfkc_quick(raw.chars()) == IsNormalized::Yes {
                raw.chars().for_each(|c| push_prepared(out, c));
            } else {
                raw.nfkc().for_each(|c| push_prepared(out, c));
            }
            return;
        }
        push_prepared(out, c);
    }
}

/// The script a single character belongs to, if it is a letter of one we know.
pub(crate) fn char_script(c: char) -> Option<Script> {
    let u = c as u32;
    if c.is_ascii_alphabetic() {
        return Some(Script::Latin);
    }
    if u < 0x80 {
        return None;
    }
    match u {
        0xc0..=0x24f | 0x1e00..=0x1eff if c.is_alphabetic() => Some(Script::Latin),
        0x400..=0x52f => Some(Script::Cyrillic),
        0x620..=0x64a | 0x66e..=0x6d3 => Some(Script::Arabic),
        0x600..=0x6ff | 0x750..=0x77f | 0x8a0..=0x8ff | 0xfb50..=0xfdff | 0xfe70..=0xfeff
            if c.is_alphabetic() =>
        {
            Some(Script::Arabic)
        }
        0x900..=0x963 | 0x971..=0x97f => Some(Script::Devanagari),
        _ if c.is_alphabetic() => Some(Script::Other),
        _ => None,
    }
}

/// `true` for characters that join the parts of one word without being part of it:
/// hyphens and apostrophes (`Rimsky-Korsakov`, `O'Brien`, `Oʻktam`).
pub(crate) fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\''
            | '`'
            | '\u{b4}'
            | '\u{2bb}'
            | '\u{2bc}'
            | '\u{2bd}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{2032}'
    )
}

/// `true` for characters that are part of a word (letters, and the vowel signs and
/// virama of Devanagari).
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    let u = c as u32;
    // the common letters first, without the general Unicode tables
    if matches!(u, 0x400..=0x481 | 0x48a..=0x52f | 0x620..=0x64a | 0x66e..=0x6d3 | 0x900..=0x963 | 0x971..=0x97f)
    {
        return true;
    }
    c.is_alphabetic() || (c.is_alphanumeric() && !c.is_numeric())
}

/// What a character is to the word splitter.
#[derive(Clone, Copy)]
enum Class {
    /// Part of a word, with its script when it is a letter of one.
    Letter(Option<Script>),
    /// Glues the parts of a word and is dropped.
    Joiner,
    /// Ends a word.
    Separator,
}

/// [`is_joiner`], [`is_word_char`] and [`char_script`] in one, the common letters first.
#[inline]
fn class(c: char) -> Class {
    let u = c as u32;
    if u < 0x80 {
        return if c.is_ascii_alphabetic() {
            Class::Letter(Some(Script::Latin))
        } else if matches!(c, '-' | '\'' | '`') {
            Class::Joiner
        } else {
            Class::Separator
        };
    }
    match u {
        0x400..=0x481 | 0x48a..=0x52f => Class::Letter(Some(Script::Cyrillic)),
        0x620..=0x64a | 0x66e..=0x6d3 => Class::Letter(Some(Script::Arabic)),
        0x900..=0x963 | 0x971..=0x97f => Class::Letter(Some(Script::Devanagari)),
        _ if is_joiner(c) => Class::Joiner,
        _ if is_word_char(c) => Class::Letter(char_script(c)),
        _ => Class::Separator,
    }
}

/// The letters of one word (on the stack while the word is short, as names are).
pub(crate) type CharBuf = Small<char, 48>;

/// ASCII letters of one word.
pub(crate) type ByteBuf = Small<u8, 96>;

/// The buffers of [`scan_raw`].
pub(crate) struct ScanBufs {
    chars: CharBuf,
    bytes: ByteBuf,
    /// The prepared text, when the fast path could not take the raw text.
    prepared: String,
}

impl Default for ScanBufs {
    fn default() -> ScanBufs {
        ScanBufs {
            chars: Small::new('\0'),
            bytes: Small::new(0),
            prepared: String::new(),
        }
    }
}

/// What [`scan`] finds in prepared text.
pub(crate) enum Token<'a> {
    /// A word's letters (joiners dropped) and the script of its letters (`Other` when
    /// mixed).
    Word(&'a [char], Script),
    /// A word of ASCII letters, lower-cased (its script is Latin).
    Ascii(&'a [u8]),
    /// A comma (`,` or the Arabic `،`), which also ends a word.
    Comma,
}

/// Splits a stream of prepared characters into words (step 2), one character at a time:
/// letters gather, joiners are dropped and glue the parts, anything else ends a word.
struct Splitter<'b> {
    buf: &'b mut CharBuf,
    /// The script of the word's letters so far (`Other` when mixed).
    script: Option<Script>,
}

impl<'b> Splitter<'b> {
    fn new(buf: &'b mut CharBuf) -> Self {
        buf.clear();
        Splitter { buf, script: None }
    }

    #[inline]
    fn letter(&mut self, c: char, s: Option<Script>) {
        self.buf.push(c);
        if s.is_some() && s != self.script {
            self.script = match self.script {
                None => s,
                Some(_) => Some(Script::Other),
            };
        }
    }

    #[inline]
    fn feed(&mut self, c: char, f: &mut impl FnMut(Scanned<'_>)) {
        match class(c) {
            Class::Letter(s) => self.letter(c, s),
            Class::Joiner => {}
            Class::Separator => {
                self.end(f);
                if c == ',' || c == '،' {
                    f(Scanned::Token(Token::Comma));
                }
            }
        }
    }

    /// Ends the current word, if any.
    #[inline]
    fn end(&mut self, f: &mut impl FnMut(Scanned<'_>)) {
        if !self.buf.is_empty() {
            let script = self.script.unwrap_or(Script::Other);
            f(Scanned::Token(Token::Word(self.buf.as_slice(), script)));
            self.buf.clear();
        }
        self.script = None;
    }
}

/// Steps 1 and 2 at once for a non-ASCII character that NFKC leaves alone whatever
/// surrounds it ([`nfkc_stable`]): its prepared form, which is a letter of the script
/// given. `None` for the other characters (ZWNJ, which is dropped, among them).
#[inline]
fn fast_letter(c: char) -> Option<(char, Script)> {
    let u = c as u32;
    if (0x410..=0x44f).contains(&u) {
        // А-Я -> а-я
        let l = if u < 0x430 { u + 0x20 } else { u };
        return Some((char::from_u32(l)?, Script::Cyrillic));
    }
    match u {
        0x401 | 0x451 | 0x406 | 0x456 | 0x40e | 0x45e => {
            Some((cyrillic_lower(c)?, Script::Cyrillic))
        }
        0x490..=0x4ff => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => Some((l, Script::Cyrillic)),
                _ => None,
            }
        }
        0x621..=0x63a | 0x641..=0x64a | 0x67e | 0x686 | 0x698 | 0x6a9 | 0x6af | 0x6cc => {
            Some((fold_arabic_letter(c), Script::Arabic))
        }
        0x905..=0x939 | 0x93e..=0x94d => Some((c, Script::Devanagari)),
        _ => None,
    }
}

/// Steps 1 and 2 on raw text: one pass, character by character, while every character
/// is one NFKC leaves alone; at the first other one, [`prepare`] and a pass over the
/// prepared text. `f` gets `Start` with the number of commas of the text the words come
/// from before any word, and again if the words start over (a caller then drops what it
/// gathered).
pub(crate) fn scan_raw(raw: &str, bufs: &mut ScanBufs, mut f: impl FnMut(Scanned<'_>)) {
    if raw.is_ascii() {
        f(Scanned::Start(raw.bytes().filter(|&b| b == b',').count()));
        return scan_ascii(raw.as_bytes(), &mut bufs.bytes, |t| f(Scanned::Token(t)));
    }
    f(Scanned::Start(commas(raw)));
    let mut sp = Splitter::new(&mut bufs.chars);
    let mut fast = true;
    for c in raw.chars() {
        if c.is_ascii() {
            sp.feed(c.to_ascii_lowercase(), &mut f);
        } else if let Some((l, s)) = fast_letter(c) {
            sp.letter(l, Some(s));
        } else if c != ZWNJ {
            fast = false;
            break;
        }
    }
    if fast {
        return sp.end(&mut f);
    }
    let prepared = &mut bufs.prepared;
    prepared.clear();
    prepare(raw, prepared);
    f(Scanned::Start(commas(prepared)));
    let mut sp = Splitter::new(&mut bufs.chars);
    for c in prepared.chars() {
        sp.feed(c, &mut f);
    }
    sp.end(&mut f);
}

/// Steps 1 and 2 on ASCII text, which [`prepare`] only lower-cases: words as bytes.
fn scan_ascii(raw: &[u8], buf: &mut ByteBuf, mut f: impl FnMut(Token<'_>)) {
    buf.clear();
    for &b in raw {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' => buf.push(b.to_ascii_lowercase()),
            b'-' | b'\'' | b'`' => {}
            _ => {
                if !buf.is_empty() {
                    f(Token::Ascii(buf.as_slice()));
                    buf.clear();
                }
                if b == b',' {
                    f(Token::Comma);
                }
            }
        }
    }
    if !buf.is_empty() {
        f(Token::Ascii(buf.as_slice()));
        buf.clear();
    }
}

/// What [`scan_raw`] hands on.
pub(crate) enum Scanned<'a> {
    /// The words (re)start; the text has this many commas.
    Start(usize),
    /// A word or a comma.
    Token(Token<'a>),
}

/// The number of commas (`,` or `،`) in text.
fn commas(text: &str) -> usize {
    let b = text.as_bytes();
    let ascii = b.iter().filter(|&&x| x == b',').count();
    // `،` is D8 8C in UTF-8; most text has no D8 at all
    if !b.contains(&0xd8) {
        return ascii;
    }
    ascii
        + b.windows(2)
            .filter(|w| w[0] == 0xd8 && w[1] == 0x8c)
            .count()
}

/// Buffers for folding words, on the stack while words are short.
pub(crate) struct FoldBufs {
    /// The transliteration of the current word.
    translit: ByteBuf,
    /// The input of a second Latin-fold pass (rarely needed).
    pass: Vec<u8>,
    /// Devanagari syllables.
    units: Small<Unit, 16>,
}

impl Default for FoldBufs {
    fn default() -> FoldBufs {
        FoldBufs {
            translit: Small::new(0),
            pass: Vec::new(),
            units: Small::new(Unit {
                consonant: "",
                vowel: None,
                nasal: false,
                visarga: false,
                keep_schwa: false,
            }),
        }
    }
}

impl FoldBufs {
    /// Folds the words `a` and `b` (ranges of `out`) again as one, appended to `out`;
    /// returns where it starts. When the two are the last words of `out`, side by side,
    /// they are replaced.
    pub(crate) fn fold_concat<const N: usize>(
        &mut self,
        out: &mut Small<u8, N>,
        a: std::ops::Range<usize>,
        b: std::ops::Range<usize>,
        region: Option<Region>,
    ) -> usize {
        self.translit.clear();
        self.translit.extend_from_slice(&out.as_slice()[a.clone()]);
        self.translit.extend_from_slice(&out.as_slice()[b.clone()]);
        if a.end == b.start && b.end == out.len() {
            out.truncate(a.start);
        }
        let start = out.len();
        latin_fold_into(
            self.translit.as_slice(),
            region == Some(Region::UZ),
            &mut self.pass,
            out,
        );
        start
    }
}

/// Step 3: one prepared word to ASCII letters (before the Latin fold), appended to `out`.
fn transliterate(chars: &[char], out: &mut ByteBuf, units: &mut Small<Unit, 16>) {
    if let Some(&c) = chars.first() {
        if WORDS.may_have(c) {
            if let Some(latin) = WORDS.map.get(chars) {
                out.extend_from_slice(latin.as_bytes());
                return;
            }
        }
    }
    let (cyrillic, arabic) = (&*CYRILLIC, &*ARABIC);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let u = c as u32;
        if c.is_ascii_lowercase() {
            out.push(c as u8);
        } else if (0x400..0x500).contains(&u) {
            if matches!(c, 'ь' | 'ъ') {
                // a soft or hard sign before a vowel is read as y (Григорьев -> grigoriev,
                // Наталья -> natalia), elsewhere it is silent
                if matches!(chars.get(i + 1), Some('е' | 'и' | 'ю' | 'я' | 'є' | 'ї')) {
                    out.push(b'i');
                }
                i += 1;
                continue;
            }
            match cyrillic.get(c) {
                Some(l) => l.push_to(out),
                None => push_any_ascii(c, out),
            }
        } else if (0x600..0x700).contains(&u) {
            if c == 'و' {
                out.push(waw(chars, i));
            } else {
                match arabic.get(c) {
                    Some(l) => l.push_to(out),
                    None => push_any_ascii(c, out),
                }
            }
        } else if (0x900..0x980).contains(&u) {
            let start = i;
            while i < chars.len() && (0x900..0x980).contains(&(chars[i] as u32)) {
                i += 1;
            }
            devanagari(&chars[start..i], out, units);
            continue;
        } else if let Some(l) = LATIN.get(&c) {
            push_ascii(out, l);
        } else {
            push_any_ascii(c, out);
        }
        i += 1;
    }
}

/// Appends a short table value (one to four letters, usually).
#[inline]
fn push_ascii(out: &mut ByteBuf, s: &str) {
    for &b in s.as_bytes() {
        out.push(b);
    }
}

/// Persian و: a consonant (v) at the start of a word, before a vowel letter or a final ه,
/// or doubled; a vowel (u/o) elsewhere.
fn waw(chars: &[char], i: usize) -> u8 {
    let next = chars.get(i + 1).copied();
    let consonant = i == 0
        || matches!(next, Some('ا' | 'ی' | 'و' | 'آ'))
        || (next == Some('ه') && i + 2 == chars.len());
    if consonant {
        b'v'
    } else {
        b'u'
    }
}

fn push_any_ascii(c: char, out: &mut ByteBuf) {
    let mut buf = [0u8; 4];
    for b in any_ascii::any_ascii(c.encode_utf8(&mut buf)).bytes() {
        if b.is_ascii_alphabetic() {
            out.push(b.to_ascii_lowercase());
        }
    }
}

/// One Devanagari syllable unit: a consonant (or none, for an independent vowel) and what
/// follows it.
#[derive(Clone, Copy)]
struct Unit {
    consonant: &'static str,
    /// `None`: the inherent vowel; `Some("")`: killed by a virama; else a vowel sign.
    vowel: Option<&'static str>,
    /// An anusvara or chandrabindu closes the syllable.
    nasal: bool,
    visarga: bool,
    keep_schwa: bool,
}

fn devanagari(chars: &[char], out: &mut ByteBuf, units: &mut Small<Unit, 16>) {
    let table = &*DEVANAGARI;
    units.clear();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let idx = (c as u32 - 0x900) as usize;
        match (c, table.map.get(idx).copied().flatten()) {
            ('\u{93c}', _) => {
                // nukta: changes the consonant before it
                if let (Some(u), Some(p)) = (units.last_mut(), i.checked_sub(1)) {
                    let pidx = (chars[p] as u32).wrapping_sub(0x900) as usize;
                    if let Some(l) = table.nukta.get(pidx).copied().flatten() {
                        u.consonant = l;
                    }
                }
            }
            ('\u{94d}', _) => {
                if let Some(u) = units.last_mut() {
                    if !u.consonant.is_empty() && u.vowel.is_none() {
                        u.vowel = Some("");
                    }
                }
            }
            ('\u{901}' | '\u{902}', _) => {
                if let Some(u) = units.last_mut() {
                    u.nasal = true;
                }
            }
            ('\u{903}', _) => {
                if let Some(u) = units.last_mut() {
                    u.visarga = true;
                }
            }
            (_, Some(Deva::Consonant(l))) => {
                // ज्ञ is read gy (gyan)
                if c == 'ञ'
                    && units
                        .last()
                        .is_some_and(|u| u.consonant == "j" && u.vowel == Some(""))
                {
                    if let Some(u) = units.last_mut() {
                        u.consonant = "g";
                        u.vowel = Some("");
                    }
                    units.push(Unit {
                        consonant: "y",
                        vowel: None,
                        nasal: false,
                        visarga: false,
                        keep_schwa: false,
                    });
                } else {
                    units.push(Unit {
                        consonant: l,
                        vowel: None,
                        nasal: false,
                        visarga: false,
                        keep_schwa: false,
                    });
                }
            }
            (_, Some(Deva::Vowel(l))) => units.push(Unit {
                consonant: "",
                vowel: Some(l),
                nasal: false,
                visarga: false,
                keep_schwa: false,
            }),
            (_, Some(Deva::Matra(l))) => match units.last_mut() {
                Some(u) if !u.consonant.is_empty() && u.vowel.is_none() => u.vowel = Some(l),
                _ => units.push(Unit {
                    consonant: "",
                    vowel: Some(l),
                    nasal: false,
                    visarga: false,
                    keep_schwa: false,
                }),
            },
            _ => {}
        }
        i += 1;
    }
    // Inherent-vowel deletion, right to left: dropped at the end of a word (unless after a
    // cluster, कृष्ण -> krishna) and between two voiced syllables (कमला -> kamla).
    let units = units.as_mut_slice();
    let n = units.len();
    for k in (0..n).rev() {
        let u = &units[k];
        if u.consonant.is_empty() || u.vowel.is_some() || u.nasal || u.visarga {
            continue;
        }
        let prev_cluster = k > 0 && units[k - 1].vowel == Some("");
        let keep = if k + 1 == n {
            k == 0 || prev_cluster
        } else {
            let prev_voiced = k > 0 && units[k - 1].vowel != Some("");
            let next = &units[k + 1];
            let next_voiced = !next.consonant.is_empty()
                && (next.vowel.is_some_and(|v| !v.is_empty()) || next.keep_schwa);
            !(prev_voiced && next_voiced) || prev_cluster
        };
        units[k].keep_schwa = keep;
    }
    for k in 0..n {
        let u = &units[k];
        push_ascii(out, u.consonant);
        match u.vowel {
            Some(v) => push_ascii(out, v),
            None if u.keep_schwa || u.nasal || u.visarga => out.push(b'a'),
            None => {}
        }
        if u.nasal {
            let next = units.get(k + 1).map_or("", |n| n.consonant);
            push_ascii(
                out,
                match next.as_bytes().first() {
                    Some(b'p' | b'b' | b'm') => "m",
                    // सिंह -> singh
                    Some(b'h') if next.len() == 1 => "ng",
                    _ => "n",
                },
            );
        }
        if u.visarga {
            out.push(b'h');
        }
    }
}

/// Bytes a rule of [`fold_pass`] may start with, and bytes it drops (all but `a-z`); any
/// other letter is copied unless it doubles the one before.
static RULE_START: [bool; 256] = {
    let mut t = [true; 256];
    let plain = b"abfghiklmnruvwz";
    let mut k = 0;
    while k < plain.len() {
        t[plain[k] as usize] = false;
        k += 1;
    }
    t
};

/// `true` for the ASCII vowels of the Latin fold.
fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Step 4: folds a word of ASCII lower-case letters so that the usual spellings of one
/// name meet. Idempotent. See the module docs of [`super`] for the rules.
pub(crate) fn latin_fold(word: &str, region: Option<Region>) -> String {
    let mut out: ByteBuf = Small::new(0);
    latin_fold_into(
        word.as_bytes(),
        region == Some(Region::UZ),
        &mut Vec::new(),
        &mut out,
    );
    ascii_string(out.as_slice())
}

/// Folded letters (ASCII) as a string.
pub(crate) fn ascii_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// [`latin_fold`] appended to `out`, with a caller's buffer for the passes after the
/// first.
///
/// Passes run until the word is a fixed point. A first pass that copies the word
/// unchanged (most words) shows it is one; otherwise [`fold_changes`] tells, without
/// writing, whether another pass would change it. Chains need many passes (each pass of
/// `tctc...tcch` turns only the last `tch` into `ch`), so there is no small fixed cap.
/// The passes end: after the first there is no `x`, `y` or `q` left, and every later
/// pass that changes the word shortens it, except for turning a final `j` into `i`,
/// which cannot happen twice in a row (a new final `j` comes only from `dj` or `dzh`,
/// which shortens); the bound on passes only guards that argument.
pub(crate) fn latin_fold_into<const N: usize>(
    src: &[u8],
    uz: bool,
    tmp: &mut Vec<u8>,
    out: &mut Small<u8, N>,
) {
    let start = out.len();
    if !fold_pass(src, uz, out) {
        // the word came out as it went in: a fixed point
        return;
    }
    // at most two passes per letter left after the first pass
    for _ in 0..2 * (out.len() - start) + 2 {
        if !fold_changes(&out.as_slice()[start..]) {
            break;
        }
        tmp.clear();
        tmp.extend_from_slice(&out.as_slice()[start..]);
        out.truncate(start);
        fold_pass(tmp, uz, out);
    }
}

/// One pass of the Latin fold over `s`, appended to `out`; bytes other than `a-z` are
/// dropped. Returns `false` when the pass copied `s` unchanged.
fn fold_pass<const N: usize>(s: &[u8], uz: bool, out: &mut Small<u8, N>) -> bool {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    // the last letter written for this word, 0 before the first
    let mut last = 0u8;
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if !RULE_START[usize::from(c)] {
            // a letter no rule starts with: kept, unless it doubles the one before
            if c != last {
                out.push(c);
                last = c;
            } else {
                changed = true;
            }
            i += 1;
            continue;
        }
        let (n1, n2) = (at(i + 1), at(i + 2));
        let prev_consonant = last != 0 && !is_vowel(last);
        let (emit, used): (&[u8], usize) = match c {
            b'y' if n1 == b'o' && n2 == b'u' => (b"iu", 3),
            b'y' if n1 == b'o' && i > 0 => (b"e", 2),
            b'y' if n1 == b'e' && (i == 0 || !prev_consonant) => (b"e", 2),
            b'y' => (b"i", 1),
            b'x' if uz || (i == 0 && is_vowel(n1) && n1 != b'e') => (b"kh", 1),
            b'x' => (b"ks", 1),
            b'q' => (b"k", 1),
            b'd' if n1 == b'z' && n2 == b'h' => (b"j", 3),
            b'd' if n1 == b'j' => (b"j", 2),
            b't' if n1 == b'c' && n2 == b'h' => (b"ch", 3),
            b's' if n1 == b'c' && n2 == b'h' => (b"sh", 3),
            b'p' if n1 == b'h' => (b"f", 2),
            b'c' if n1 == b'k' => (b"k", 2),
            b'e' if n1 == b'e' && n2 != b'v' => (b"i", 2),
            b'o' if n1 == b'o' || n1 == b'u' => (b"u", 2),
            b'j' if i + 1 == s.len() && matches!(last, b'e' | b'i') => (b"i", 1),
            _ if c.is_ascii_lowercase() => (std::slice::from_ref(&s[i]), 1),
            _ => (&[], 1),
        };
        changed |= used != 1 || emit != [c];
        for &b in emit {
            if last != b {
                out.push(b);
                last = b;
            } else {
                changed = true;
            }
        }
        i += used;
    }
    changed
}

/// `true` when a [`fold_pass`] over `s` would change it: the first position where a rule
/// fires, a doubled letter collapses or a byte is dropped. Up to that position the pass
/// copies `s`, so the letter before is `s[i - 1]`.
fn fold_changes(s: &[u8]) -> bool {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut prev = 0u8;
    for (i, &c) in s.iter().enumerate() {
        if c == prev {
            return true;
        }
        if !RULE_START[usize::from(c)] {
            prev = c;
            continue;
        }
        let (n1, n2) = (at(i + 1), at(i + 2));
        let fires = !c.is_ascii_lowercase()
            || match c {
                b'x' | b'y' | b'q' => true,
                b'd' => (n1 == b'z' && n2 == b'h') || n1 == b'j',
                b't' | b's' => n1 == b'c' && n2 == b'h',
                b'p' => n1 == b'h',
                b'c' => n1 == b'k',
                // `ee` becomes `i`, or before `v` collapses
                b'e' => n1 == b'e',
                b'o' => n1 == b'o' || n1 == b'u',
                b'j' => i + 1 == s.len() && matches!(prev, b'e' | b'i'),
                _ => false,
            };
        if fires {
            return true;
        }
        prev = c;
    }
    false
}

/// Runs steps 3 and 4 on one prepared word, appended to `out`, with the caller's buffers.
pub(crate) fn fold_chars<const N: usize>(
    chars: &[char],
    region: Option<Region>,
    bufs: &mut FoldBufs,
    out: &mut Small<u8, N>,
) {
    bufs.translit.clear();
    transliterate(chars, &mut bufs.translit, &mut bufs.units);
    latin_fold_into(
        bufs.translit.as_slice(),
        region == Some(Region::UZ),
        &mut bufs.pass,
        out,
    );
}

/// [`fold_chars`] for a word of ASCII lower-case letters (step 3 has nothing to do).
pub(crate) fn fold_ascii<const N: usize>(
    word: &[u8],
    region: Option<Region>,
    bufs: &mut FoldBufs,
    out: &mut Small<u8, N>,
) {
    latin_fold_into(word, region == Some(Region::UZ), &mut bufs.pass, out);
}

/// The whole chain on free text: every word folded, empty ones dropped (commas separate
/// words like any other punctuation).
pub(crate) fn fold_words(raw: &str, region: Option<Region>) -> Vec<(String, Script)> {
    let mut bufs = FoldBufs::default();
    let mut scan = ScanBufs::default();
    let mut f: ByteBuf = Small::new(0);
    let mut out = Vec::new();
    scan_raw(raw, &mut scan, |t| {
        f.clear();
        let script = match t {
            Scanned::Start(_) => {
                out.clear();
                return;
            }
            Scanned::Token(Token::Comma) => return,
            Scanned::Token(Token::Word(w, s)) => {
                fold_chars(w, region, &mut bufs, &mut f);
                s
            }
            Scanned::Token(Token::Ascii(w)) => {
                fold_ascii(w, region, &mut bufs, &mut f);
                Script::Latin
            }
        };
        if !f.is_empty() {
            out.push((ascii_string(f.as_slice()), script));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> String {
        fold_words(s, None)
            .into_iter()
            .map(|(w, _)| w)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn devanagari_names() {
        for (d, l) in [
            ("राहुल", "rahul"),
            ("कमला", "kamla"),
            ("अमित", "amit"),
            ("सचिन", "sachin"),
            ("शर्मा", "sharma"),
            ("प्रिया", "pria"),
            ("लक्ष्मी", "lakshmi"),
            ("मुंबई", "mumbai"),
            ("अजय", "ajai"),
            ("संजय", "sanjai"),
            ("दीपक", "dipak"),
            ("गुप्ता", "gupta"),
            ("कुमार", "kumar"),
            ("सिंह", "singh"),
            ("नरेंद्र", "narendra"),
            ("आरती", "arti"),
            ("पूजा", "puja"),
            ("ज्ञान", "gian"),
            ("विजय", "vijai"),
            ("सुनीता", "sunita"),
            ("राजेश", "rajesh"),
        ] {
            assert_eq!(f(d), l, "{d}");
        }
    }

    /// The fast path of steps 1 and 2 agrees with [`prepare`] and [`class`] on every
    /// character it takes, and takes every non-ASCII character [`nfkc_stable`] lets by
    /// but the dropped ZWNJ.
    #[test]
    fn fast_letter_agrees_with_prepare() {
        for c in (0x80..0x3_0000).filter_map(char::from_u32) {
            let mut p = String::new();
            prepare(&c.to_string(), &mut p);
            match fast_letter(c) {
                Some((l, s)) => {
                    assert!(nfkc_stable(c), "{c:?}");
                    assert_eq!(p, l.to_string(), "{c:?}");
                    assert!(
                        matches!(class(l), Class::Letter(Some(x)) if x == s),
                        "{c:?}"
                    );
                }
                None => assert!(!nfkc_stable(c) || c == ZWNJ, "{c:?}"),
            }
        }
    }

    fn scanned(raw: &str) -> Vec<String> {
        let mut out = Vec::new();
        scan_raw(raw, &mut ScanBufs::default(), |t| match t {
            Scanned::Start(n) => {
                out.clear();
                out.push(format!("start {n}"));
            }
            Scanned::Token(Token::Word(w, s)) => {
                out.push(format!("{}:{s:?}", w.iter().collect::<String>()));
            }
            Scanned::Token(Token::Ascii(w)) => {
                out.push(format!("{}:Latin", String::from_utf8_lossy(w)));
            }
            Scanned::Token(Token::Comma) => out.push(",".into()),
        });
        out
    }

    proptest::proptest! {
        /// The one-pass scan gives what the prepared-text scan gives (a trailing ligature
        /// sends the text the slow way).
        #[test]
        fn scan_fast_path_agrees(s in "[a-zA-Zа-яА-ЯёЁәғқңөұүһіўҳیيكکةهاآپچژگ\u{200c}वकमलाि्ं ,.'ʻ-]{0,30}") {
            let mut fast = scanned(&s);
            fast.push("fi:Latin".into());
            let mut slow = scanned(&format!("{s} \u{fb01}"));
            if let (Some(a), Some(b)) = (slow.first_mut(), fast.first()) {
                *a = b.clone();
            }
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn scan_raw_fast_and_slow_agree() {
        let words = scanned;
        for raw in [
            "Иванов, Иван-Петрович ОГЛЫ",
            "محمد\u{200c}رضا، حسینی",
            "राहुल शर्मा",
            "O'Brien, Mary-Anne",
            "Ａｎｎａ Smith",
            "Jose\u{301} María",
        ] {
            // a character the fast path does not take sends the whole text the slow way
            let slow = format!("{raw} \u{fb01}");
            let mut fast = words(raw);
            fast.push("fi:Latin".into());
            let mut expected = words(&slow);
            if let Some(s) = expected.first_mut() {
                *s = fast[0].clone();
            }
            assert_eq!(fast, expected, "{raw}");
        }
    }

    #[test]
    fn latin_fold_is_idempotent_on_samples() {
        for w in [
            "aleksei",
            "xavier",
            "mirziyoyev",
            "yekaterina",
            "ieeiev",
            "yyyy",
            "sschh",
        ] {
            let once = latin_fold(w, None);
            assert_eq!(latin_fold(&once, None), once, "{w}");
        }
    }
}
