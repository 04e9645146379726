//! Person names in Latin, Cyrillic, Arabic-Persian and Devanagari scripts -> folded Latin
//! tokens, nickname roots and phonetic keys.
//!
//! The pipeline, step by step (each step is a small function in [`fold`](self) and the
//! tables are data files under `src/normalize/data/`):
//!
//! 1. **Clean-up**: Unicode NFKC, lower case; Arabic-script letter folding (ي/ى -> ی,
//!    ك -> ک, ة -> ه, أ/إ -> ا), harakat, tatweel and ZWNJ removed.
//! 2. **Words**: letters make words; hyphens and apostrophes glue the parts of one word
//!    (`Римский-Корсаков` -> `rimskikorsakov`, `O'Brien` -> `obrien`, `Oʻktam` -> `oktam`,
//!    `محمد‌رضا` with a ZWNJ -> `mohamadreza`), so the glued and the written-together forms
//!    meet; anything else (spaces, dots, digits) separates.
//! 3. **Transliteration** (`translit_*.txt`): whole-word table first (Persian names, whose
//!    short vowels are not written: `محمد` -> `mohammad`), then per-letter tables: Cyrillic
//!    close to the Russian passport scheme (`й` -> `i`, `х` -> `kh`, `ю` -> `iu`, `ё` -> `e`;
//!    `ь`/`ъ` read as `i` before a vowel, `Григорьев` -> `grigoriev`, silent elsewhere) with
//!    Kazakh and Uzbek letters, Persian letters, Devanagari with the inherent vowel dropped
//!    where Hindi drops it (`राहुल` -> `rahul`, `कमला` -> `kamla`), Latin diacritics
//!    (`ş` -> `sh`), and `any_ascii` for the rest.
//! 4. **Latin folding**, so common spellings of one name meet: `x` -> `ks` (`kh` for Uzbek
//!    records and for a word-initial `x` before a vowel other than `e`: `Xurshid`), `q` ->
//!    `k`, `ye` -> `e` at the start or after a vowel (`Yekaterina`, `Andreyev`), `yo` -> `e`
//!    inside a word (`Fyodor`, `Artyom`), `you` -> `iu`, every other `y` -> `i`
//!    (`Aleksey` -> `aleksei`, `Yuriy` -> `iuri`, `Grigoryev` -> `grigoriev`), `dzh`/`dj`
//!    -> `j`, `sch`/`tch` -> `sh`/`ch`, `ph` -> `f`, `ck` -> `k`, `ee` -> `i` except before
//!    `v` (`Deepak` -> `dipak`, but `Andreev`), `oo`/`ou` -> `u`, a final `-ej`/`-ij` ->
//!    `-ei`/`-ii`, and doubled letters collapse (`Kirill` -> `kiril`, `Mohammad` ->
//!    `mohamad`, `Сергеевна` -> `sergevna`). The rules run to a fixed point, so the fold is
//!    idempotent. Known gaps: ICAO `Grigorev` vs `Grigoriev`, German `Jurij` vs `Yuri`,
//!    `Mihail` vs `Mikhail` stay apart here (the nickname tables or [`phonetic`] join them).
//! 5. **Titles** (`name_titles.txt`: Mr, г-н, Sri, آقای, ...) are dropped; Turkic
//!    patronymic particles written apart (`Алирза оглы`) are glued to the word before, and
//!    the glued word is folded again (the fold is not closed under concatenation: `k` +
//!    `kizi` has a doubled letter), so every word is a fixed point of the fold and
//!    [`Name::canonical_string`] reads back to the same name.
//! 6. **Placeholders** (`name_placeholders.txt`: test, клиент, guest, مشتری, ...).
//! 7. **Order**: `Last, First Middle` with a comma; `Last, First, Middle` with two commas;
//!    otherwise decided from patronymic endings (`-ovich`, `-ovna`, `-ichna`, `uly`,
//!    `qizi`, ...), a given-name dictionary (the nickname tables plus `name_first.txt`) and
//!    family-name endings (`-ov`, `-ski`, `-enko`, ...), so `Иванов Иван Иванович` and
//!    `Ivan Ivanov` both give first `ivan`, last `ivanov`.
//! 8. **Nickname root** (`nick_*.txt`): `Саша`, `Sasha`, `Alex`, `Alexander` ->
//!    `aleksandr`. An ambiguous nickname (Alex: Aleksandr or Aleksei; Sasha: Aleksandr or
//!    Aleksandra; Zhenya: Evgenii or Evgenia) is listed under its most common root only.
//!
//! Arabic-script names not in the word table come out as consonant skeletons (`مهرداد` ->
//! `mhrdad`) that do not equal their Latin spelling; [`phonetic`] drops vowels and so still
//! puts them in one block with it.

mod fold;
mod phonetic;
mod small;
mod tables;

pub(crate) use fold::{fold_words, is_joiner, is_word_char, prepare};

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Region, Reject, MAX_RAW_LEN};
use fold::{FoldBufs, ScanBufs, Scanned, Token};
use small::Small;
use tables::{Info, FIRST, PARTICLE, PHRASE_WORD, PLACEHOLDER, TABLES, TITLE};

/// The dominant script a name was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Script {
    /// Latin letters.
    Latin,
    /// Cyrillic (Russian, Kazakh, Uzbek, ...).
    Cyrillic,
    /// Arabic script (Persian, Arabic, ...).
    Arabic,
    /// Devanagari (Hindi, Marathi, ...).
    Devanagari,
    /// Anything else or a mix.
    Other,
}

/// A normalised person name. Every part is folded Latin (`"aleksei"`), whatever the script it
/// was written in. `Debug` does not show the name.
///
/// `first` is one word; `middle` and `last` may hold several words separated by one space.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Name {
    /// Given name.
    pub first: Option<Box<str>>,
    /// Patronymic or middle name.
    pub middle: Option<Box<str>>,
    /// Family name.
    pub last: Option<Box<str>>,
    /// The given name's root in the nickname tables (`"sasha"` -> `"aleksandr"`); equal to
    /// `first` when the table does not know it.
    pub first_root: Option<Box<str>>,
    /// The script the name was written in.
    pub script: Script,
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name(<redacted>, {:?})", self.script)
    }
}

impl Name {
    /// Every word of the name: the given name, the middle words, the family name words.
    ///
    /// ```
    /// use omnilink::normalize::{name, Context};
    /// let n = name::normalize("Иванов Иван Иванович", &Context::new()).unwrap();
    /// assert_eq!(n.tokens().collect::<Vec<_>>(), ["ivan", "ivanovich", "ivanov"]);
    /// ```
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        [&self.first, &self.middle, &self.last]
            .into_iter()
            .flatten()
            .flat_map(|p| p.split(' '))
            .filter(|t| !t.is_empty())
    }

    /// The words sorted and joined by a space: equal for two names with the same words in
    /// any order or roles (`Ivan Ivanov` and `Ivanov, Ivan`).
    ///
    /// ```
    /// use omnilink::normalize::{name, Context};
    /// let ctx = Context::new();
    /// let a = name::normalize("Anna Smith", &ctx).unwrap();
    /// let b = name::normalize("Smith Anna", &ctx).unwrap();
    /// assert_eq!(a.full_key(), b.full_key());
    /// assert_eq!(a.full_key(), "ana smith");
    /// ```
    pub fn full_key(&self) -> String {
        let mut t: Vec<&str> = self.tokens().collect();
        t.sort_unstable();
        t.join(" ")
    }

    /// The canonical text form, `last, first, middle` (a part left empty when missing).
    ///
    /// [`normalize`] reads it back to the same parts and root: the round trip is exact
    /// except for [`Name::script`], which records the script of the *input* and is `Latin`
    /// after a round trip.
    ///
    /// ```
    /// use omnilink::normalize::{name, Context};
    /// let ctx = Context::new();
    /// let n = name::normalize("Алексей Петрович Смирнов", &ctx).unwrap();
    /// assert_eq!(n.canonical_string(), "smirnov, aleksei, petrovich");
    /// let again = name::normalize(&n.canonical_string(), &ctx).unwrap();
    /// assert_eq!((again.first, again.middle, again.last), (n.first, n.middle, n.last));
    /// ```
    pub fn canonical_string(&self) -> String {
        let part = |p: &Option<Box<str>>| p.as_deref().unwrap_or("").to_string();
        format!(
            "{}, {}, {}",
            part(&self.last),
            part(&self.first),
            part(&self.middle)
        )
    }

    /// The phonetic key of the given name (see [`phonetic`]).
    pub fn first_phonetic(&self) -> Option<String> {
        self.first.as_deref().map(phonetic)
    }

    /// The phonetic key of the family name (its words glued).
    pub fn last_phonetic(&self) -> Option<String> {
        self.last.as_deref().map(|l| phonetic(&l.replace(' ', "")))
    }
}

/// One word of a name: its folded text is `text[start..end]` of the call's [`Scratch`].
#[derive(Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    script: Script,
    /// What the tables know about the word, looked up once.
    info: Option<&'static Info>,
}

impl Word {
    fn has(&self, flag: u8) -> bool {
        self.info.is_some_and(|i| i.flags & flag != 0)
    }

    fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The folded words of one call, side by side.
type Text = Small<u8, 160>;

/// The words of one call.
type Words = Small<Word, 12>;

/// The buffers of one call: the folded words side by side, and the word list, all on the
/// stack while the name is of a usual length, so that a call allocates for its result
/// only.
struct Scratch {
    text: Text,
    words: Words,
    bufs: FoldBufs,
    scan: ScanBufs,
}

/// How [`Scratch::read`] found the commas of a text.
struct Slots {
    /// How many comma-separated slots the text has.
    count: usize,
    /// With two or three slots, the word index where each ends (each is a run of its own).
    ends: [usize; 3],
}

const NO_WORD: Word = Word {
    start: 0,
    end: 0,
    script: Script::Other,
    info: None,
};

impl Scratch {
    #[inline]
    fn new() -> Scratch {
        Scratch {
            text: Small::new(0),
            words: Small::new(NO_WORD),
            bufs: FoldBufs::default(),
            scan: ScanBufs::default(),
        }
    }

    fn word(&self, i: usize) -> &Word {
        &self.words.as_slice()[i]
    }

    fn len(&self) -> usize {
        self.words.len()
    }

    /// The folded letters of word `i`.
    fn bytes(&self, i: usize) -> &[u8] {
        &self.text.as_slice()[self.word(i).range()]
    }

    /// The folded word `i` (ASCII letters).
    fn text(&self, i: usize) -> &str {
        std::str::from_utf8(self.bytes(i)).unwrap_or_default()
    }

    /// The folded word `i` as a new string.
    fn boxed(&self, i: usize) -> Box<str> {
        self.text(i).into()
    }

    /// Appends the folded word `i`.
    fn push_to(&self, i: usize, s: &mut String) {
        s.push_str(self.text(i));
    }

    /// Folds trimmed raw text into words: transliterated, particles glued, titles dropped.
    ///
    /// With `run: Some(start)` (one field of [`from_parts`]) the words continue the run
    /// that began at `words[start]`, commas separating words like spaces. With `None` (a
    /// whole name), two or three comma-separated slots are runs of their own, and any
    /// other number of slots is one run.
    fn read(&mut self, t: &str, region: Option<Region>, run: Option<usize>) -> Slots {
        let (words_at, text_at) = (self.words.len(), self.text.len());
        let mut count = 1;
        let mut ends = [words_at; 3];
        // the slot being read, when slots are runs of their own
        let mut slot: Option<usize> = None;
        let mut run_start = run.unwrap_or(words_at);
        let Scratch {
            text,
            words,
            bufs,
            scan,
        } = self;
        fold::scan_raw(t, scan, |s| match s {
            Scanned::Start(commas) => {
                words.truncate(words_at);
                text.truncate(text_at);
                count = commas + 1;
                slot = (run.is_none() && matches!(count, 2 | 3)).then_some(0);
                run_start = run.unwrap_or(words_at);
            }
            Scanned::Token(Token::Word(w, script)) => {
                let start = text.len();
                fold::fold_chars(w, region, bufs, text);
                let word = Word {
                    start,
                    end: text.len(),
                    script,
                    info: None,
                };
                push_word(text, words, bufs, run_start, word, region);
            }
            Scanned::Token(Token::Ascii(w)) => {
                let start = text.len();
                fold::fold_ascii(w, region, bufs, text);
                let word = Word {
                    start,
                    end: text.len(),
                    script: Script::Latin,
                    info: None,
                };
                push_word(text, words, bufs, run_start, word, region);
            }
            Scanned::Token(Token::Comma) => {
                if let Some(k) = slot.as_mut() {
                    if let Some(e) = ends.get_mut(*k) {
                        *e = words.len();
                    }
                    *k += 1;
                    run_start = words.len();
                }
            }
        });
        if let Some(k) = slot {
            for e in ends.iter_mut().skip(k) {
                *e = self.words.len();
            }
        }
        Slots { count, ends }
    }

    /// Glues the first word of the next slot, `words[at]`, to the run
    /// `words[run_start..at]` as [`push_word`] would (the middle name gathered from two
    /// slots or fields). Returns how many words fewer there are.
    fn seam(&mut self, run_start: usize, at: usize, region: Option<Region>) -> usize {
        let before = self.words.len();
        let Some(next) = self.words.remove(at) else {
            return 0;
        };
        let mut tail: Words = Small::new(NO_WORD);
        tail.extend_from_slice(&self.words.as_slice()[at..]);
        self.words.truncate(at);
        push_word(
            &mut self.text,
            &mut self.words,
            &mut self.bufs,
            run_start,
            next,
            region,
        );
        self.words.extend_from_slice(tail.as_slice());
        before - self.words.len()
    }

    /// `true` if the words in `idx` are a placeholder (`test`, `John Doe`).
    fn is_placeholder(&self, idx: impl Iterator<Item = usize> + Clone) -> bool {
        let mut all = idx.clone().peekable();
        if all.peek().is_none() {
            return false;
        }
        if idx.clone().all(|i| self.word(i).has(PLACEHOLDER)) {
            return true;
        }
        if idx.clone().nth(1).is_some() && idx.clone().all(|i| self.word(i).has(PHRASE_WORD)) {
            let mut sorted: Vec<&str> = idx.map(|i| self.text(i)).collect();
            sorted.sort_unstable();
            return TABLES.placeholder_phrases.contains(&sorted.join(" "));
        }
        false
    }

    /// The words in `range` joined by a space, `None` for none.
    fn join(&self, range: Range<usize>) -> Option<Box<str>> {
        if range.len() == 1 {
            return Some(self.boxed(range.start));
        }
        let len: usize = range.clone().map(|i| self.bytes(i).len() + 1).sum();
        let mut out = String::with_capacity(len.checked_sub(1)?);
        for i in range {
            if !out.is_empty() {
                out.push(' ');
            }
            self.push_to(i, &mut out);
        }
        Some(out.into_boxed_str())
    }

    /// Builds the name from decided parts (word indices); checks placeholders and
    /// initials-only names.
    fn finish(
        &self,
        first: Option<usize>,
        middle: Range<usize>,
        last: Range<usize>,
        script: Script,
    ) -> Result<Name, Reject> {
        let mut first = first;
        let mut middle = middle;
        // A middle name with no given name before it is the given name, unless it is a
        // patronymic.
        if first.is_none() && !middle.is_empty() && !is_patronymic(self.bytes(middle.start)) {
            first = Some(middle.start);
            middle.start += 1;
        }
        let all = first.into_iter().chain(middle.clone()).chain(last.clone());
        if all.clone().next().is_none() {
            return Err(Reject::Invalid);
        }
        if self.is_placeholder(all.clone()) {
            return Err(Reject::Placeholder);
        }
        if all.clone().all(|i| self.bytes(i).len() == 1) {
            return Err(Reject::Invalid);
        }
        let first_root = first.map(|i| match self.word(i).info.and_then(|x| x.root.as_ref()) {
            Some(root) => root.clone(),
            None => self.boxed(i),
        });
        Ok(Name {
            first: first.map(|i| self.boxed(i)),
            middle: self.join(middle),
            last: self.join(last),
            first_root,
            script,
        })
    }
}

/// Appends one folded word to the words of a run that began at `words[run_start]`: a
/// Turkic patronymic particle (`оглы`, `qizi`) is glued to the word before it, a title is
/// dropped, an empty word too.
///
/// The Latin fold is not closed under concatenation (`o` + `uli` has an `ou`, `k` +
/// `kizi` a doubled `k`), so a glued word is folded again, and the result is examined
/// like a new word (it may itself read as a particle). Every word left in a run is then a
/// fixed point of the fold, and no word but the first is a particle or a title, which is
/// what makes the canonical string read back to the same words.
fn push_word(
    text: &mut Text,
    words: &mut Words,
    bufs: &mut FoldBufs,
    run_start: usize,
    mut word: Word,
    region: Option<Region>,
) {
    loop {
        if word.start == word.end {
            return;
        }
        word.info = TABLES.info(&text.as_slice()[word.range()]);
        if words.len() > run_start && word.has(PARTICLE) {
            if let Some(prev) = words.pop() {
                let start = bufs.fold_concat(text, prev.range(), word.range(), region);
                word = Word {
                    start,
                    end: text.len(),
                    script: prev.script,
                    info: None,
                };
                continue;
            }
        }
        if !word.has(TITLE) {
            words.push(word);
        }
        return;
    }
}

/// Why no words came out of non-empty text: a placeholder such as `-` or `?`, digits only,
/// or nothing readable. (Placeholders made of words are found on the folded words, which
/// covers the crate-wide list too, so the common path need not call
/// [`is_placeholder_word`].)
fn no_words_reason(trimmed: &str) -> Reject {
    if is_placeholder_word(trimmed) {
        return Reject::Placeholder;
    }
    let mut prepared = String::new();
    fold::prepare(trimmed, &mut prepared);
    if prepared.chars().any(char::is_alphanumeric) {
        Reject::Invalid
    } else {
        Reject::Empty
    }
}

fn is_patronymic(w: &[u8]) -> bool {
    TABLES.patronymic_suffixes.ending(w, 3).next().is_some()
}

fn is_surname_like(text: &[u8], script: Script, region: Option<Region>) -> bool {
    let cyrillic_context = script == Script::Cyrillic
        || matches!(region, Some(r) if r == Region::RU || r == Region::KZ || r == Region::UZ);
    TABLES
        .surname_suffixes
        .ending(text, 2)
        .any(|strong| strong || cyrillic_context)
}

/// How much a word looks like a given name rather than a family name.
/// A strong family-name ending (`-ova`, `-enko`) outweighs a weak one (`-ina`, which many
/// given names share), so `Королёва Эвелина` reads as family name first.
fn first_score(sc: &Scratch, i: usize, region: Option<Region>) -> i32 {
    let w = sc.word(i);
    if w.has(FIRST) {
        return 4;
    }
    let strong = TABLES.surname_suffixes.ending(sc.bytes(i), 2).any(|s| s);
    if strong {
        -2
    } else {
        -i32::from(is_surname_like(sc.bytes(i), w.script, region))
    }
}

/// Positions of the given name, the middle words and the family name, for all the words
/// written in one run, no commas.
fn order(sc: &Scratch, region: Option<Region>) -> (Option<usize>, Range<usize>, Range<usize>) {
    let n = sc.len();
    let text = |i: usize| sc.bytes(i);
    let one = |i: usize| i..i + 1;
    if n == 1 {
        let surname = !sc.word(0).has(FIRST)
            && is_surname_like(text(0), sc.word(0).script, region)
            && !is_patronymic(text(0));
        return if surname {
            (None, 0..0, one(0))
        } else {
            (Some(0), 0..0, 0..0)
        };
    }
    if text(0).len() > 1 && (1..n).all(|i| text(i).len() == 1) {
        // Ivanov I. I.
        return (Some(1), 2..n, one(0));
    }
    let (pat_second, pat_last) = (is_patronymic(text(1)), is_patronymic(text(n - 1)));
    let swapped = || first_score(sc, 1, region) > first_score(sc, 0, region);
    if n == 2 {
        if pat_second && !is_patronymic(text(0)) {
            // Иван Иванович
            return (Some(0), 1..2, 0..0);
        }
        return if swapped() {
            (Some(1), 0..0, one(0))
        } else {
            (Some(0), 0..0, one(1))
        };
    }
    let last_first = if pat_last && !pat_second {
        true
    } else if pat_second && !pat_last {
        false
    } else {
        swapped()
    };
    if last_first {
        // Иванов Иван Иванович
        (Some(1), 2..n, one(0))
    } else {
        // Ivan Ivanovich Ivanov, Mohammad Reza Ahmadi
        (Some(0), 1..n - 1, one(n - 1))
    }
}

fn script_of(words: &Words) -> Script {
    let words = words.as_slice();
    let mut it = words.iter().map(|w| w.script);
    let Some(first) = it.next() else {
        return Script::Other;
    };
    if it.all(|s| s == first) {
        first
    } else {
        Script::Other
    }
}

/// Normalises a full name in one string ("Иванов Иван Иванович", "Anna Smith").
///
/// `Last, First Middle` (one comma) and `Last, First, Middle` (two commas, the
/// [`Name::canonical_string`] form) fix the roles; without commas the order is decided
/// from patronymics, a given-name dictionary and family-name endings.
///
/// ```
/// use omnilink::normalize::{name, Context, Reject, Script};
/// let ctx = Context::new();
/// let a = name::normalize("Иванов Иван Иванович", &ctx).unwrap();
/// let b = name::normalize("Ivan Ivanov", &ctx).unwrap();
/// assert_eq!((a.first.as_deref(), a.last.as_deref()), (Some("ivan"), Some("ivanov")));
/// assert_eq!((a.first, a.last), (b.first, b.last));
/// assert_eq!(a.script, Script::Cyrillic);
///
/// let c = name::normalize("Mr. Alexey Smirnov", &ctx).unwrap();
/// assert_eq!(c.first.as_deref(), Some("aleksei"));
/// let d = name::normalize("Лёша Смирнов", &ctx).unwrap();
/// assert_eq!(c.first_root, d.first_root);
///
/// assert_eq!(name::normalize("Гость", &ctx), Err(Reject::Placeholder));
/// assert_eq!(name::normalize("12345", &ctx), Err(Reject::Invalid));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Name, Reject> {
    let t = precheck(raw)?;
    let region = ctx.region;
    let mut sc = Scratch::new();
    let slots = sc.read(t, region, None);
    if sc.words.is_empty() {
        return Err(no_words_reason(t));
    }
    let script = script_of(&sc.words);
    if matches!(slots.count, 2 | 3) {
        let given = slots.ends[0]..slots.ends[1];
        if given.len() >= 2 && sc.words.len() > given.end {
            // the middle name is the given slot's other words and the third slot
            sc.seam(given.start + 1, given.end, region);
        }
        let (first, middle_start) = if given.is_empty() {
            (None, given.start)
        } else {
            (Some(given.start), given.start + 1)
        };
        sc.finish(
            first,
            middle_start..sc.words.len(),
            0..slots.ends[0],
            script,
        )
    } else {
        let (first, middle, last) = order(&sc, region);
        sc.finish(first, middle, last, script)
    }
}

/// Normalises a name given in separate parts; any may be missing.
///
/// Extra words in the given-name field go to the middle name (`"Anna Maria"` -> first
/// `anna`, middle `maria`). When only one field is filled and it holds several words
/// (a full name typed into the family-name column), it is read as a full name.
///
/// ```
/// use omnilink::normalize::{name, Context};
/// let ctx = Context::new();
/// let n = name::from_parts(Some("Саша"), Some("Петрович"), Some("Смирнов"), &ctx).unwrap();
/// assert_eq!(n.first.as_deref(), Some("sasha"));
/// assert_eq!(n.first_root.as_deref(), Some("aleksandr"));
/// assert_eq!(n.middle.as_deref(), Some("petrovich"));
/// assert_eq!(n.last.as_deref(), Some("smirnov"));
/// ```
pub fn from_parts(
    first: Option<&str>,
    middle: Option<&str>,
    last: Option<&str>,
    ctx: &Context,
) -> Result<Name, Reject> {
    let region = ctx.region;
    let mut any_placeholder = false;
    let mut any_text: Option<Reject> = None;
    let mut sc = Scratch::new();
    // the words of each field
    let mut fields = [0..0, 0..0, 0..0];
    for (k, part) in [first, middle, last].into_iter().enumerate() {
        let start = sc.words.len();
        fields[k] = start..start;
        let Some(p) = part else { continue };
        if p.len() > MAX_RAW_LEN {
            return Err(Reject::TooLong);
        }
        let Ok(t) = precheck(p) else {
            continue;
        };
        sc.read(t, region, Some(start));
        if sc.is_placeholder(start..sc.words.len()) {
            // a placeholder in one field does not spoil the others
            any_placeholder = true;
            sc.words.truncate(start);
            continue;
        }
        if sc.words.len() == start {
            match no_words_reason(t) {
                Reject::Placeholder => any_placeholder = true,
                r => {
                    any_text.get_or_insert(r);
                }
            }
        }
        fields[k] = start..sc.words.len();
    }
    if sc.words.is_empty() {
        return Err(match (any_text, any_placeholder) {
            (_, true) => Reject::Placeholder,
            (Some(r), false) => r,
            (None, false) => Reject::Empty,
        });
    }
    let script = script_of(&sc.words);
    let filled = fields.iter().filter(|f| !f.is_empty()).count();
    if filled == 1 && sc.words.len() > 1 {
        let (first, middle, last) = order(&sc, region);
        return sc.finish(first, middle, last, script);
    }
    let [f, m, mut l] = fields;
    if f.len() >= 2 && !m.is_empty() {
        // the middle name is the given-name field's other words and the middle field
        let gone = sc.seam(f.start + 1, m.start, region);
        l = l.start - gone..l.end - gone;
    }
    let (first, middle_start) = if f.is_empty() {
        (None, f.start)
    } else {
        (Some(f.start), f.start + 1)
    };
    sc.finish(first, middle_start..l.start, l, script)
}

/// `true` when two given names (folded, each with its root) may name one person: the same
/// root, or a nickname that stands for several names (`Саша`: Александр or Александра) one
/// of which is the other's root.
pub(crate) fn may_share_root(first_a: &str, root_a: &str, first_b: &str, root_b: &str) -> bool {
    let others = |w: &str| {
        TABLES
            .info(w.as_bytes())
            .map_or(&[][..], |i| &i.other_roots[..])
    };
    root_a == root_b
        || others(first_a).iter().any(|r| &**r == root_b)
        || others(first_b).iter().any(|r| &**r == root_a)
}

/// A phonetic key of one folded Latin token, for blocking (similar-sounding spellings of one
/// name share it).
///
/// Vowels are dropped, similar consonants share a class (`b/p`, `f/v/w`, `k/g/q`,
/// `s/z/ts`, `t/d`, `h/kh`, `j/zh`), repeats collapse, a final `h` is dropped. Input that is
/// not folded Latin yet is folded first.
///
/// ```
/// use omnilink::normalize::name::phonetic;
/// assert_eq!(phonetic("mohammad"), phonetic("muhammad"));
/// assert_eq!(phonetic("Mohamed"), phonetic("محمد"));
/// assert_eq!(phonetic("aleksey"), phonetic("alexei"));
/// assert_eq!(phonetic("yekaterina"), phonetic("ekaterina"));
/// assert_eq!(phonetic("aleksei"), "LKS");
/// ```
pub fn phonetic(token: &str) -> String {
    phonetic::key(token)
}

#[cfg(test)]
mod tests;
