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
//!    patronymic particles written apart (`Алирза оглы`) are glued to the word before.
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
mod tables;

pub(crate) use fold::fold_words;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Region, Reject, MAX_RAW_LEN};
use tables::TABLES;

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

/// One folded word and the script it was written in.
#[derive(Clone, Debug)]
struct Word {
    text: String,
    script: Script,
}

/// Folds one slot of text into words: transliterated, particles glued, titles dropped.
/// The words appended continue the run that began at `out[start]`.
fn slot_words(slot: &str, region: Option<Region>, out: &mut Vec<Word>, start: usize) {
    fold::split_words(slot, |w, script| {
        let text = fold::fold_word(w, region);
        push_word(out, start, Word { text, script }, region);
    });
}

/// Appends one folded word to the words of a run that began at `start`: a Turkic
/// patronymic particle (`оглы`, `qizi`) is glued to the word before it, a title is
/// dropped.
///
/// The Latin fold is not closed under concatenation (`o` + `uli` has an `ou`, `k` +
/// `kizi` a doubled `k`), so a glued word is folded again, and the result is examined
/// like a new word (it may itself read as a particle). Every word left in a run is then a
/// fixed point of the fold, and no word but the first is a particle or a title, which is
/// what makes the canonical string read back to the same words.
fn push_word(out: &mut Vec<Word>, start: usize, mut word: Word, region: Option<Region>) {
    let t = &*TABLES;
    loop {
        if word.text.is_empty() {
            return;
        }
        if out.len() > start && t.patronymic_words.contains(word.text.as_str()) {
            if let Some(mut prev) = out.pop() {
                prev.text.push_str(&word.text);
                word = Word {
                    text: fold::latin_fold(&prev.text, region),
                    script: prev.script,
                };
                continue;
            }
        }
        if t.titles.contains(word.text.as_str()) {
            return;
        }
        out.push(word);
        return;
    }
}

/// The words of `next` appended to `words` as one run (the middle name gathered from two
/// slots), particles glued across the seam as [`push_word`] glues them.
fn append_run(words: &mut Vec<Word>, next: impl IntoIterator<Item = Word>, region: Option<Region>) {
    for w in next {
        push_word(words, 0, w, region);
    }
}

/// Why no words came out of non-empty text: a placeholder such as `-` or `?`, digits only,
/// or nothing readable. (Placeholders made of words are found on the folded words, which
/// covers the crate-wide list too, so the common path need not call
/// [`is_placeholder_word`].)
fn no_words_reason(trimmed: &str, prepared: &str) -> Reject {
    if is_placeholder_word(trimmed) {
        Reject::Placeholder
    } else if prepared.chars().any(char::is_alphanumeric) {
        Reject::Invalid
    } else {
        Reject::Empty
    }
}

fn is_placeholder(words: &[&str]) -> bool {
    let t = &*TABLES;
    if words.is_empty() {
        return false;
    }
    if words.iter().all(|w| t.placeholder_words.contains(*w)) {
        return true;
    }
    if words.len() > 1
        && words
            .iter()
            .all(|w| t.placeholder_phrase_words.contains(*w))
    {
        let mut sorted = words.to_vec();
        sorted.sort_unstable();
        return t.placeholder_phrases.contains(&sorted.join(" "));
    }
    false
}

fn is_patronymic(w: &str) -> bool {
    TABLES
        .patronymic_suffixes
        .iter()
        .any(|s| w.len() >= s.len() + 3 && w.ends_with(s))
}

fn is_known_first(w: &str) -> bool {
    TABLES.first.contains(w)
}

fn is_surname_like(w: &Word, region: Option<Region>) -> bool {
    let cyrillic_context = w.script == Script::Cyrillic
        || matches!(region, Some(r) if r == Region::RU || r == Region::KZ || r == Region::UZ);
    TABLES.surname_suffixes.iter().any(|(s, strong)| {
        (*strong || cyrillic_context) && w.text.len() >= s.len() + 2 && w.text.ends_with(s)
    })
}

/// How much a word looks like a given name rather than a family name.
fn first_score(w: &Word, region: Option<Region>) -> i32 {
    let known = is_known_first(&w.text);
    let surname = !known && is_surname_like(w, region);
    2 * i32::from(known) - i32::from(surname)
}

type Parts = (Option<String>, Vec<String>, Option<String>);

/// Decides given, middle and family name for words written in one run, no commas.
fn assign_free(words: Vec<Word>, region: Option<Region>) -> Parts {
    let n = words.len();
    if n == 0 {
        return (None, vec![], None);
    }
    let (first_idx, middle, last_idx) = order(&words, region);
    let mut texts: Vec<Option<String>> = words.into_iter().map(|w| Some(w.text)).collect();
    let mut take = |i: Option<usize>| i.and_then(|i| texts.get_mut(i).and_then(Option::take));
    let first = take(first_idx);
    let last = take(last_idx);
    let middle = middle.filter_map(|i| take(Some(i))).collect();
    (first, middle, last)
}

/// Positions of the given name, the middle words and the family name.
fn order(
    words: &[Word],
    region: Option<Region>,
) -> (Option<usize>, std::ops::Range<usize>, Option<usize>) {
    let n = words.len();
    let text = |i: usize| words[i].text.as_str();
    if n == 1 {
        let surname = !is_known_first(text(0))
            && is_surname_like(&words[0], region)
            && !is_patronymic(text(0));
        return if surname {
            (None, 0..0, Some(0))
        } else {
            (Some(0), 0..0, None)
        };
    }
    if text(0).len() > 1 && words[1..].iter().all(|w| w.text.len() == 1) {
        // Ivanov I. I.
        return (Some(1), 2..n, Some(0));
    }
    let (pat_second, pat_last) = (is_patronymic(text(1)), is_patronymic(text(n - 1)));
    let swapped = || first_score(&words[1], region) > first_score(&words[0], region);
    if n == 2 {
        if pat_second && !is_patronymic(text(0)) {
            // Иван Иванович
            return (Some(0), 1..2, None);
        }
        return if swapped() {
            (Some(1), 0..0, Some(0))
        } else {
            (Some(0), 0..0, Some(1))
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
        (Some(1), 2..n, Some(0))
    } else {
        // Ivan Ivanovich Ivanov, Mohammad Reza Ahmadi
        (Some(0), 1..n - 1, Some(n - 1))
    }
}

fn texts(words: Vec<Word>) -> Vec<String> {
    words.into_iter().map(|w| w.text).collect()
}

fn join(words: &[String]) -> Option<String> {
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

fn script_of(words: &[Word]) -> Script {
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

/// Builds the name from decided parts; checks placeholders and initials-only names.
fn finish(
    first: Option<String>,
    middle: Vec<String>,
    last: Option<String>,
    script: Script,
) -> Result<Name, Reject> {
    let mut first = first;
    let mut middle = middle;
    // A middle name with no given name before it is the given name, unless it is a
    // patronymic.
    if first.is_none() && !middle.is_empty() && !is_patronymic(&middle[0]) {
        first = Some(middle.remove(0));
    }
    let middle = join(&middle);
    let all: Vec<&str> = [&first, &middle, &last]
        .into_iter()
        .flatten()
        .flat_map(|p| p.split(' '))
        .collect();
    if all.is_empty() {
        return Err(Reject::Invalid);
    }
    if is_placeholder(&all) {
        return Err(Reject::Placeholder);
    }
    if all.iter().all(|w| w.len() == 1) {
        return Err(Reject::Invalid);
    }
    let first_root = first
        .as_deref()
        .map(|f| TABLES.nick.get(f).map_or_else(|| f.into(), Clone::clone));
    Ok(Name {
        first: first.map(Into::into),
        middle: middle.map(Into::into),
        last: last.map(Into::into),
        first_root,
        script,
    })
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
    let mut prepared = String::with_capacity(t.len());
    fold::prepare(t, &mut prepared);
    let region = ctx.region;
    let slots: Vec<&str> = prepared.split([',', '،']).collect();
    let mut words = Vec::new();
    match slots.len() {
        2 | 3 => {
            let mut per_slot: Vec<Vec<Word>> = Vec::with_capacity(3);
            for s in &slots {
                let mut w = Vec::new();
                slot_words(s, region, &mut w, 0);
                words.extend(w.iter().cloned());
                per_slot.push(w);
            }
            if words.is_empty() {
                return Err(no_words_reason(t, &prepared));
            }
            let script = script_of(&words);
            let mut per_slot = per_slot.into_iter();
            let last = per_slot.next().unwrap_or_default();
            let mut middle = per_slot.next().unwrap_or_default();
            let first = if middle.is_empty() {
                None
            } else {
                Some(middle.remove(0).text)
            };
            if let Some(m) = per_slot.next() {
                append_run(&mut middle, m, region);
            }
            finish(first, texts(middle), join(&texts(last)), script)
        }
        _ => {
            // one run: with more than two commas, the commas are not read as roles
            for s in &slots {
                slot_words(s, region, &mut words, 0);
            }
            if words.is_empty() {
                return Err(no_words_reason(t, &prepared));
            }
            let script = script_of(&words);
            let (first, middle, last) = assign_free(words, region);
            finish(first, middle, last, script)
        }
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
    let mut fold_part = |p: Option<&str>| -> Result<Vec<Word>, Reject> {
        let Some(p) = p else { return Ok(Vec::new()) };
        if p.len() > MAX_RAW_LEN {
            return Err(Reject::TooLong);
        }
        let Ok(t) = precheck(p) else {
            return Ok(Vec::new());
        };
        let mut prepared = String::with_capacity(t.len());
        fold::prepare(t, &mut prepared);
        let mut w = Vec::new();
        slot_words(&prepared, region, &mut w, 0);
        let texts: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
        if is_placeholder(&texts) {
            // a placeholder in one field does not spoil the others
            any_placeholder = true;
            return Ok(Vec::new());
        }
        if w.is_empty() {
            match no_words_reason(t, &prepared) {
                Reject::Placeholder => any_placeholder = true,
                r => {
                    any_text.get_or_insert(r);
                }
            }
        }
        Ok(w)
    };
    let f = fold_part(first)?;
    let m = fold_part(middle)?;
    let l = fold_part(last)?;
    let all: Vec<Word> = f.iter().chain(&m).chain(&l).cloned().collect();
    if all.is_empty() {
        return Err(match (any_text, any_placeholder) {
            (_, true) => Reject::Placeholder,
            (Some(r), false) => r,
            (None, false) => Reject::Empty,
        });
    }
    let script = script_of(&all);
    let filled = [!f.is_empty(), !m.is_empty(), !l.is_empty()];
    if filled.iter().filter(|x| **x).count() == 1 && all.len() > 1 {
        let (first, middle, last) = assign_free(all, region);
        return finish(first, middle, last, script);
    }
    let mut mid = f;
    let first = if mid.is_empty() {
        None
    } else {
        Some(mid.remove(0).text)
    };
    append_run(&mut mid, m, region);
    finish(first, texts(mid), join(&texts(l)), script)
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
