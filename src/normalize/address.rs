//! Street addresses -> house number, flat and canonical street words.
//!
//! An address arrives as one string, or as several columns (house number, street, address
//! line 2, flat) that the caller joins with `", "` in column order. The steps, in order:
//!
//! 1. Trim, cap the length ([`super::MAX_RAW_LEN`]); a stand-in such as `n/a`, `-`, `нет`,
//!    `unknown` is [`Reject::Placeholder`].
//! 2. Unicode NFKC, lower case, Arabic-script letter folding (as for names); Persian,
//!    Arabic-Indic, Devanagari and other decimal digits become ASCII digits.
//! 3. Segments: text between spaces and punctuation; hyphens split words, apostrophes join
//!    them (`ko'chasi`), `/` stays inside numbers, `#` is a word of its own. A UK postcode
//!    (`NW1 6XE`) and a bare run of six or more digits (a postal code) are dropped.
//! 4. Numbers: a segment part that starts with a digit is a number, with at most one letter
//!    after each digit run (`12`, `12a`, `12/3`, `5к2` -> `5k2`, `12-14`). A number ending
//!    in an ordinal ending (`1st`, `2nd`, `1-я`, `2-й`; `[ordinal]` in the table) is a
//!    street word instead. Letters glued before a number split off (`кв12` -> `кв 12`).
//! 5. Words: each word is looked up in `data/address_words.txt`, longest phrase first, as
//!    written and then folded to Latin the way names are ([`super::name`]); a known word
//!    becomes its canonical word (`ул.`, `улица`, `ko'chasi`, `خیابان`, `st` -> `street`),
//!    any other word its folded Latin form (`Ленина` -> `lenina`).
//! 6. Markers: a house marker (`д.`, `дом`, `house no`, `پلاک`, `मकान नं`) takes the number
//!    after it as the house, a flat marker (`кв.`, `apt`, `unit`, `flat`, `#`, `واحد`) as
//!    the flat; a building marker (`корп.`, `стр.`) appends its letter and number to the
//!    house (`д. 5 корп. 2` -> `5k2`); floor and entrance are dropped with their number; a
//!    marker with no number after it is dropped. Fillers (`no`, `№`, `номер`) between a
//!    marker and its number are skipped; fillers and city words (`г.`, `город`, `shahri`)
//!    are dropped. A marker glued after its number by a hyphen counts too (`7-uy`,
//!    `12-xonadon`), and a number glued after a name word is part of the name (`Самал-2`
//!    -> `samal-2`). A `[numbered]` street type (`sector`, `мкр`,
//!    `کوچه`) keeps the number after it as part of the street (`sector 15`).
//! 7. Numbers with no marker: with no marked house, the first one is the house; with no
//!    marked flat, the next one after the house is the flat (`Абая 150, 23`); any others
//!    stay among the street words, where they stood (`ул. 8 Марта, д. 5`). With the
//!    [`Context::region`] `AU`, a first unmarked `3/12` is flat 3 of house 12.
//!
//! **House numbers** are kept whole: `12`, `12a`, `12/3` (a corner house, or a building
//! within a plot: one house in Russian and Central Asian use), `5k2` (house 5, korpus 2).
//! They are the part two addresses of one place must agree on, so nothing is dropped from
//! them. `12/3` outside Australia and `12-14` stay one house number; a split into house and
//! flat would be a guess.
//!
//! The canonical text ([`Address::as_str`]) is the street words, then `house <n>`, then
//! `flat <n>`: `street lenina house 5k2 flat 12`. Normalising it again gives the same
//! address, whatever the context.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::name::{fold_words, is_joiner, is_word_char, prepare};
use super::{data_lines, is_placeholder_word, precheck, Context, Region, Reject};

const WORDS: &str = include_str!("data/address_words.txt");

/// Longest number kept, in bytes; longer digit runs are no house or flat numbers.
const MAX_NUMBER_LEN: usize = 16;

/// Fewest digits of a bare number read as a postal code and dropped.
const POSTAL_DIGITS: usize = 6;

/// What a word of the table is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A street type: kept, left out of the street key.
    Type,
    /// A street type whose name is the number after it.
    Numbered,
    /// Any other street word.
    Word,
    /// The number after it is the house.
    House,
    /// The number after it is the flat.
    Flat,
    /// The number after it joins the house after the canonical letter.
    Building,
    /// Dropped with the number after it (floor, entrance).
    Drop,
    /// Dropped (`no`, `№`).
    Filler,
}

impl Role {
    fn is_marker(self) -> bool {
        matches!(self, Role::House | Role::Flat | Role::Building | Role::Drop)
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    canonical: &'static str,
    role: Role,
}

/// One token of the text.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A word: its letters as written (lower case, joiners dropped) and folded to Latin;
    /// `glued` when a hyphen joins it to the number before (`7-uy`).
    Word {
        raw: String,
        folded: String,
        glued: bool,
    },
    /// A number (`12`, `12a`, `12/3`), canonical, and what stands before it.
    Num(String, Join),
}

/// What stands between a number and the token before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    /// A hyphen: `Самал-2`.
    Glued,
    /// Spaces or other punctuation.
    Space,
    /// A comma or semicolon: the number starts another part of the address.
    Comma,
}

struct Tables {
    /// Phrases as written (words joined by one space).
    raw: HashMap<String, Entry>,
    /// Phrases folded to Latin.
    folded: HashMap<String, Entry>,
    /// Most words in one phrase.
    max_words: usize,
    /// Ordinal endings, as written and folded.
    ordinals: HashSet<String>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut raw = HashMap::new();
    let mut folded = HashMap::new();
    let mut ordinals = HashSet::new();
    let mut max_words = 1;
    let mut role = None;
    let mut in_ordinals = false;
    let mut aliases: Vec<(&'static str, Entry)> = Vec::new();
    for line in data_lines(WORDS) {
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_ordinals = section == "ordinal";
            role = match section {
                "type" => Some(Role::Type),
                "numbered" => Some(Role::Numbered),
                "word" => Some(Role::Word),
                "house" => Some(Role::House),
                "flat" => Some(Role::Flat),
                "building" => Some(Role::Building),
                "drop" => Some(Role::Drop),
                "filler" => Some(Role::Filler),
                _ => None,
            };
            continue;
        }
        let Some((canonical, list)) = line.split_once(':') else {
            continue;
        };
        if in_ordinals {
            for w in std::iter::once(canonical).chain(list.split(',')) {
                for t in tokens(w.trim(), None, &HashSet::new()) {
                    if let Tok::Word { raw, folded, .. } = t {
                        ordinals.insert(raw);
                        ordinals.insert(folded);
                    }
                }
            }
            continue;
        }
        let Some(role) = role else {
            continue;
        };
        let entry = Entry {
            canonical: canonical.trim(),
            role,
        };
        if role != Role::Building {
            aliases.push((entry.canonical, entry));
        }
        for alias in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            aliases.push((alias, entry));
        }
    }
    // canonical words (at the front) before aliases, Latin aliases before others
    let (canon, rest): (Vec<_>, Vec<_>) = aliases
        .into_iter()
        .partition(|(a, e)| *a == e.canonical && e.role != Role::Building);
    let (latin, other): (Vec<_>, Vec<_>) = rest.into_iter().partition(|(a, _)| a.is_ascii());
    for (alias, entry) in canon.into_iter().chain(latin).chain(other) {
        for region in [None, Some(Region::UZ)] {
            let toks = tokens(alias, region, &HashSet::new());
            let words: Option<Vec<(&str, &str)>> = toks
                .iter()
                .map(|t| match t {
                    Tok::Word { raw, folded, .. } => Some((raw.as_str(), folded.as_str())),
                    Tok::Num(..) => None,
                })
                .collect();
            let Some(words) = words.filter(|w| !w.is_empty()) else {
                continue;
            };
            max_words = max_words.max(words.len());
            let r: Vec<&str> = words.iter().map(|w| w.0).collect();
            let f: Vec<&str> = words.iter().map(|w| w.1).collect();
            raw.entry(r.join(" ")).or_insert(entry);
            folded.entry(f.join(" ")).or_insert(entry);
        }
    }
    Tables {
        raw,
        folded,
        max_words,
        ordinals,
    }
});

/// A street address: house number, flat and canonical street words, folded to Latin.
///
/// `Debug` shows the number of street words only, never the address.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// The canonical text.
    text: Box<str>,
    /// Street words joined by single spaces.
    street: Box<str>,
    /// The street words without street types, joined by single spaces.
    key: Box<str>,
    house: Option<Box<str>>,
    flat: Option<Box<str>>,
}

impl Address {
    /// The canonical text: the street words, then `house <n>`, then `flat <n>`, joined by
    /// single spaces (`street lenina house 5 flat 12`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The house number (`12`, `12a`, `12/3`, `5k2`): the part two addresses of one place
    /// must agree on.
    pub fn house(&self) -> Option<&str> {
        self.house.as_deref()
    }

    /// The flat, apartment or unit number.
    pub fn flat(&self) -> Option<&str> {
        self.flat.as_deref()
    }

    /// The street words in order: canonical street types (`street`, `avenue`), other words
    /// folded to Latin, numbers that belong to the street (`sector 15`, `8 marta`).
    pub fn street_tokens(&self) -> impl Iterator<Item = &str> {
        self.street.split(' ').filter(|w| !w.is_empty())
    }

    /// The street's name words without street types (`lenina` for `ул. Ленина`), joined by
    /// single spaces; all street words when there is nothing but types. For blocking keys
    /// such as street + house + city. Empty when the address has no street words.
    pub fn street_key(&self) -> &str {
        &self.key
    }

    fn key_tokens(&self) -> impl Iterator<Item = &str> {
        self.key.split(' ').filter(|w| !w.is_empty())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Address(<redacted>, {} tokens)",
            self.street_tokens().count()
        )
    }
}

/// The ASCII digit for a decimal digit of any common script.
fn ascii_digit(c: char) -> Option<char> {
    const ZEROS: [u32; 21] = [
        0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
        0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xff10,
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|&&z| (z..z + 10).contains(&u))
        .and_then(|&z| char::from_digit(u - z, 10))
}

/// One piece of a segment.
#[derive(Debug)]
enum Piece {
    Letters(String),
    Digits(String),
    Slash,
    Hyphen,
    /// A comma or semicolon, alone in its segment.
    Comma,
}

/// Splits prepared text into segments of pieces.
fn segments(prepared: &str) -> Vec<Vec<Piece>> {
    let mut segs = Vec::new();
    let mut cur: Vec<Piece> = Vec::new();
    let end = |cur: &mut Vec<Piece>, segs: &mut Vec<Vec<Piece>>| {
        if !cur.is_empty() {
            segs.push(std::mem::take(cur));
        }
    };
    for c in prepared.chars() {
        if let Some(d) = ascii_digit(c) {
            match cur.last_mut() {
                Some(Piece::Digits(s)) => s.push(d),
                _ => cur.push(Piece::Digits(d.to_string())),
            }
        } else if c == '#' {
            end(&mut cur, &mut segs);
            segs.push(vec![Piece::Letters("#".into())]);
        } else if c == '/' || c == '\\' {
            cur.push(Piece::Slash);
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}') {
            cur.push(Piece::Hyphen);
        } else if is_joiner(c) {
            // apostrophes join the letters around them
        } else if is_word_char(c) || is_devanagari_sign(c) {
            match cur.last_mut() {
                Some(Piece::Letters(s)) => s.push(c),
                _ => cur.push(Piece::Letters(c.to_string())),
            }
        } else {
            end(&mut cur, &mut segs);
            if matches!(c, ',' | ';' | '\u{60c}' | '\u{61b}') {
                segs.push(vec![Piece::Comma]);
            }
        }
    }
    end(&mut cur, &mut segs);
    segs
}

/// Devanagari vowel signs, virama and nukta, which belong to the word they are in.
fn is_devanagari_sign(c: char) -> bool {
    matches!(c as u32, 0x900..=0x903 | 0x93a..=0x94f | 0x951..=0x957 | 0x962 | 0x963)
}

/// Letters folded to Latin, one word.
fn fold(letters: &str, region: Option<Region>) -> String {
    fold_words(letters, region)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// The tokens of a text (raw or an alias of the table).
fn tokens(text: &str, region: Option<Region>, ordinals: &HashSet<String>) -> Vec<Tok> {
    let mut prepared = String::new();
    prepare(text, &mut prepared);
    let segs = segments(&prepared);
    let mut out = Vec::new();
    let mut i = 0;
    let mut comma = false;
    while i < segs.len() {
        if matches!(segs[i].as_slice(), [Piece::Comma]) {
            comma = true;
            i += 1;
            continue;
        }
        if is_uk_postcode(&segs[i], segs.get(i + 1)) {
            i += 2;
            continue;
        }
        let before = out.len();
        segment_tokens(&segs[i], region, ordinals, &mut out);
        if comma {
            if let Some(Tok::Num(_, join @ Join::Space)) = out.get_mut(before) {
                *join = Join::Comma;
            }
        }
        comma = comma && out.len() == before;
        i += 1;
    }
    out
}

/// `NW1 6XE`, `SW1A 1AA`, `M1 1AE`: an outward code of one or two letters, a digit and
/// maybe one more letter or digit, then an inward code of a digit and two letters.
fn is_uk_postcode(seg: &[Piece], next: Option<&Vec<Piece>>) -> bool {
    let ascii_letters = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
    };
    let outward = match seg {
        [Piece::Letters(a), Piece::Digits(d)] => ascii_letters(a, 1..=2) && d.len() <= 2,
        [Piece::Letters(a), Piece::Digits(d), Piece::Letters(b)] => {
            ascii_letters(a, 1..=2) && d.len() == 1 && ascii_letters(b, 1..=1)
        }
        _ => false,
    };
    outward
        && matches!(next.map(Vec::as_slice),
            Some([Piece::Digits(d), Piece::Letters(b)]) if d.len() == 1 && ascii_letters(b, 2..=2))
}

/// Tokens of one segment.
fn segment_tokens(
    seg: &[Piece],
    region: Option<Region>,
    ordinals: &HashSet<String>,
    out: &mut Vec<Tok>,
) {
    let mut i = 0;
    // a hyphen joins the next word to the number before it
    let mut glue_next = false;
    while i < seg.len() {
        match &seg[i] {
            Piece::Letters(l) => {
                let folded = if l == "#" { l.clone() } else { fold(l, region) };
                if !folded.is_empty() {
                    out.push(Tok::Word {
                        raw: l.clone(),
                        folded,
                        glued: glue_next,
                    });
                }
                glue_next = false;
                i += 1;
            }
            Piece::Slash | Piece::Hyphen | Piece::Comma => i += 1,
            Piece::Digits(first) => {
                let join = if i >= 2
                    && matches!(seg[i - 1], Piece::Hyphen)
                    && matches!(seg[i - 2], Piece::Letters(_))
                {
                    Join::Glued
                } else {
                    Join::Space
                };
                // a number: digit runs and one-letter runs, `/` kept, `-` kept between two
                // digit runs and between two letters
                let mut text = first.clone();
                let mut digits_only = true;
                i += 1;
                while i < seg.len() {
                    let sep = match seg[i] {
                        Piece::Slash => Some('/'),
                        Piece::Hyphen => Some('-'),
                        _ => None,
                    };
                    let j = i + usize::from(sep.is_some());
                    let after_digit = text.ends_with(|c: char| c.is_ascii_digit());
                    match seg.get(j) {
                        Some(Piece::Digits(d)) => {
                            if sep == Some('/') || (sep == Some('-') && after_digit) {
                                text.extend(sep);
                            }
                            text.push_str(d);
                            digits_only = false;
                            i = j + 1;
                        }
                        Some(Piece::Letters(l)) if l != "#" => {
                            let f = fold(l, region);
                            let ordinal = after_digit
                                && digits_only
                                && (ordinals.contains(l.as_str()) || ordinals.contains(&f))
                                && (f.len() >= 2 || sep == Some('-'));
                            if ordinal {
                                let word = if f.len() >= 2 {
                                    format!("{text}{f}")
                                } else {
                                    format!("{text}-{f}")
                                };
                                out.push(Tok::Word {
                                    raw: word.clone(),
                                    folded: word,
                                    glued: false,
                                });
                                text.clear();
                                i = j + 1;
                                break;
                            }
                            let before_digits = matches!(seg.get(j + 1), Some(Piece::Digits(_)));
                            let joins = f.len() == 1
                                && ((after_digit && sep != Some('/')) || before_digits);
                            if !joins {
                                // a word of its own: the number ends here
                                glue_next = sep == Some('-');
                                i = j;
                                break;
                            }
                            if sep == Some('/') || (sep == Some('-') && !after_digit) {
                                text.extend(sep);
                            }
                            text.push_str(&f);
                            digits_only = false;
                            i = j + 1;
                        }
                        _ => {
                            i = j;
                            break;
                        }
                    }
                }
                if text.is_empty() {
                    continue;
                }
                if digits_only && text.len() >= POSTAL_DIGITS {
                    continue;
                }
                if text.len() <= MAX_NUMBER_LEN {
                    out.push(Tok::Num(text, join));
                }
            }
        }
    }
}

/// What a token or phrase turned out to be.
#[derive(Debug)]
enum Item {
    /// A word of the table; `true` when glued to the number before it.
    Known(Entry, bool),
    /// Any other word, folded.
    Word(String),
    /// A number and what stands before it.
    Num(String, Join),
}

/// Words and phrases looked up in the table.
fn items(toks: &[Tok]) -> Vec<Item> {
    let t = &*TABLES;
    let mut out = Vec::new();
    let mut i = 0;
    'outer: while i < toks.len() {
        let Tok::Word { folded, glued, .. } = &toks[i] else {
            if let Tok::Num(n, join) = &toks[i] {
                out.push(Item::Num(n.clone(), *join));
            }
            i += 1;
            continue;
        };
        for n in (1..=t.max_words.min(toks.len() - i)).rev() {
            let words: Option<Vec<(&str, &str)>> = toks[i..i + n]
                .iter()
                .map(|t| match t {
                    Tok::Word { raw, folded, .. } => Some((raw.as_str(), folded.as_str())),
                    Tok::Num(..) => None,
                })
                .collect();
            let Some(words) = words else { continue };
            let r: Vec<&str> = words.iter().map(|w| w.0).collect();
            let f: Vec<&str> = words.iter().map(|w| w.1).collect();
            let (r, f) = (r.join(" "), f.join(" "));
            let hit = t
                .raw
                .get(&r)
                .or_else(|| t.raw.get(&f))
                .or_else(|| t.folded.get(&f));
            if let Some(&e) = hit {
                out.push(Item::Known(e, *glued));
                i += n;
                continue 'outer;
            }
        }
        out.push(Item::Word(folded.clone()));
        i += 1;
    }
    out
}

/// A street word and whether it is a street type (left out of the key).
struct StreetWord {
    text: String,
    is_type: bool,
}

/// Normalises one raw address.
///
/// ```
/// use omnilink::normalize::{address, Context};
/// let ctx = Context::new();
/// let a = address::normalize("ул. Ленина, д. 5, кв. 12", &ctx).unwrap();
/// let b = address::normalize("улица Ленина дом 5 квартира 12", &ctx).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "street lenina house 5 flat 12");
/// assert_eq!((a.house(), a.flat(), a.street_key()), (Some("5"), Some("12"), "lenina"));
/// let c = address::normalize("Flat 3, 12 Baker St", &ctx).unwrap();
/// assert_eq!(c.as_str(), "baker street house 12 flat 3");
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Address, Reject> {
    let first = normalize_once(raw, ctx)?;
    // Folding can bring words together that the table reads as one phrase only once they
    // are Latin (a symbol folded to `b` beside an `r`): reading the canonical text once more
    // settles them, so that normalising is idempotent.
    // A canonical text that does not read again (only type words left) is no address.
    normalize_once(first.as_str(), ctx)
}

fn normalize_once(raw: &str, ctx: &Context) -> Result<Address, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let toks = tokens(t, ctx.region, &TABLES.ordinals);
    let items = items(&toks);

    let mut street: Vec<StreetWord> = Vec::new();
    let mut house: Option<String> = None;
    let mut flat: Option<String> = None;
    let mut buildings: Vec<String> = Vec::new();
    // numbers with no marker, and how many street words stood before each
    let mut loose: Vec<(String, usize)> = Vec::new();
    // where the house was set: the number of loose numbers before it, or none yet
    let mut house_at: Option<usize> = None;
    let mut known_only = false;

    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Known(e, _) if e.role.is_marker() || e.role == Role::Filler => {
                known_only = true;
                // the number after the marker, past fillers and markers of the same kind
                let mut j = i + 1;
                while let Some(Item::Known(n, _)) = items.get(j) {
                    if n.role == Role::Filler || (n.role == e.role && e.role != Role::Filler) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let Some(Item::Num(n, _)) = items.get(j) else {
                    i += 1;
                    continue;
                };
                match e.role {
                    Role::House if house.is_none() => {
                        house = Some(n.clone());
                        house_at = Some(loose.len());
                    }
                    Role::Flat if flat.is_none() => flat = Some(n.clone()),
                    Role::Building => buildings.push(format!("{}{n}", e.canonical)),
                    Role::Filler => {
                        // `No 5`: a number with no marker
                        i = j;
                        continue;
                    }
                    _ => {}
                }
                i = j + 1;
            }
            Item::Known(e, _) => {
                known_only = true;
                street.push(StreetWord {
                    text: e.canonical.to_string(),
                    is_type: e.role == Role::Type,
                });
                if e.role == Role::Numbered {
                    if let Some(Item::Num(n, Join::Space | Join::Glued)) = items.get(i + 1) {
                        street.push(StreetWord {
                            text: n.clone(),
                            is_type: false,
                        });
                        i += 1;
                    }
                }
                i += 1;
            }
            Item::Word(w) => {
                // `Самал-2`, `Chilanzar-9`: a number glued to a name is part of it
                let text = match items.get(i + 1) {
                    Some(Item::Num(n, Join::Glued)) => {
                        i += 1;
                        format!("{w}-{n}")
                    }
                    _ => w.clone(),
                };
                street.push(StreetWord {
                    text,
                    is_type: false,
                });
                i += 1;
            }
            Item::Num(n, _) => {
                // `7-uy`, `12-xonadon`: a marker glued after its number
                match items.get(i + 1) {
                    Some(Item::Known(e, true)) if e.role == Role::House && house.is_none() => {
                        house = Some(n.clone());
                        house_at = Some(loose.len());
                        i += 1;
                    }
                    Some(Item::Known(e, true)) if e.role == Role::Flat && flat.is_none() => {
                        flat = Some(n.clone());
                        i += 1;
                    }
                    _ => loose.push((n.clone(), street.len())),
                }
                i += 1;
            }
        }
    }

    // unmarked numbers: the first is the house, the next after the house the flat
    let mut rest: Vec<(String, usize)> = Vec::new();
    for (k, (n, at)) in loose.into_iter().enumerate() {
        if house.is_none() {
            let au = ctx.region.is_some_and(|r| r.as_str() == "AU");
            match n.split_once('/') {
                Some((f, h))
                    if au
                        && flat.is_none()
                        && !h.contains('/')
                        && !f.is_empty()
                        && h.starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    flat = Some(f.to_string());
                    house = Some(h.to_string());
                }
                _ => house = Some(n),
            }
            house_at = Some(k + 1);
        } else if flat.is_none() && house_at.is_some_and(|h| k >= h) {
            flat = Some(n);
        } else {
            rest.push((n, at));
        }
    }
    for (n, at) in rest.into_iter().rev() {
        street.insert(
            at.min(street.len()),
            StreetWord {
                text: n,
                is_type: false,
            },
        );
    }
    if let Some(h) = house.as_mut() {
        for b in buildings {
            if h.ends_with(|c: char| c.is_ascii_alphabetic()) {
                h.push('-');
            }
            h.push_str(&b);
        }
    }

    let words: Vec<&str> = street.iter().map(|w| w.text.as_str()).collect();
    let street_text = words.join(" ");
    if house.is_none() && flat.is_none() {
        if street.iter().all(|w| w.is_type) {
            return Err(if known_only {
                Reject::Placeholder
            } else {
                nothing_left(t)
            });
        }
        if is_placeholder_word(&street_text) {
            return Err(Reject::Placeholder);
        }
    }
    let mut key: Vec<&str> = street
        .iter()
        .filter(|w| !w.is_type)
        .map(|w| w.text.as_str())
        .collect();
    if key.is_empty() {
        key = words;
    }
    let mut text = street_text.clone();
    for (marker, v) in [("house", &house), ("flat", &flat)] {
        if let Some(v) = v {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(marker);
            text.push(' ');
            text.push_str(v);
        }
    }
    Ok(Address {
        text: text.into(),
        street: street_text.into(),
        key: key.join(" ").into(),
        house: house.map(Into::into),
        flat: flat.map(Into::into),
    })
}

/// Why a text with no address in it is rejected: only punctuation is [`Reject::Empty`],
/// anything else (letters, digits of a dropped postal code, symbols) [`Reject::Invalid`].
fn nothing_left(t: &str) -> Reject {
    let punctuation = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || c.is_ascii_punctuation()
            || matches!(c as u32,
                0xa1 | 0xab | 0xb7 | 0xbb | 0xbf | 0x2010..=0x2027 | 0x2030..=0x205e
                | 0x3000..=0x303f | 0x60c | 0x61b | 0x61f | 0x66a..=0x66d | 0x964 | 0x965
                | 0xfeff)
    };
    if t.chars().all(punctuation) {
        Reject::Empty
    } else {
        Reject::Invalid
    }
}

/// Token similarity of two addresses in `[0, 1]`, from their street words without street
/// types ([`Address::street_key`]; house and flat are left to the caller, who compares them
/// exactly).
///
/// A symmetric Monge-Elkan: each word of one address is matched to its most similar word of
/// the other by Jaro-Winkler, the best scores are averaged, and the two directions are
/// averaged. A word closer than 0.8 counts fully (a typo), a more distant one not at all,
/// and numbers count only when equal. Two addresses with no street words are 1.0 apart when
/// both have none, else 0.0.
///
/// ```
/// use omnilink::normalize::{address, Context};
/// let ctx = Context::new();
/// let a = address::normalize("12 Baker Street", &ctx).unwrap();
/// let b = address::normalize("12 Bakr St", &ctx).unwrap();
/// let c = address::normalize("12 Oxford Street", &ctx).unwrap();
/// assert!(address::similarity(&a, &b) > 0.85);
/// assert!(address::similarity(&a, &c) < 0.6);
/// ```
pub fn similarity(a: &Address, b: &Address) -> f64 {
    let x: Vec<&str> = a.key_tokens().collect();
    let y: Vec<&str> = b.key_tokens().collect();
    match (x.is_empty(), y.is_empty()) {
        (true, true) => return 1.0,
        (true, false) | (false, true) => return 0.0,
        _ => {}
    }
    (monge_elkan(&x, &y) + monge_elkan(&y, &x)) / 2.0
}

/// Least Jaro-Winkler similarity of two words still counted as one word misspelt.
const TYPO: f64 = 0.8;

fn token_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let numeric = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
    if numeric(a) || numeric(b) {
        return 0.0;
    }
    let s = strsim::jaro_winkler(a, b);
    if s >= TYPO {
        s
    } else {
        0.0
    }
}

fn monge_elkan(x: &[&str], y: &[&str]) -> f64 {
    let sum: f64 = x
        .iter()
        .map(|a| y.iter().map(|b| token_similarity(a, b)).fold(0.0, f64::max))
        .sum();
    sum / x.len() as f64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn n(raw: &str) -> Address {
        normalize(raw, &Context::new()).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    /// `house | flat | street words | key`.
    fn show(raw: &str, ctx: &Context) -> String {
        let a = normalize(raw, ctx).unwrap_or_else(|e| panic!("{raw}: {e}"));
        format!(
            "{} | {} | {} | {}",
            a.house().unwrap_or("-"),
            a.flat().unwrap_or("-"),
            a.street_tokens().collect::<Vec<_>>().join(" "),
            a.street_key()
        )
    }

    #[test]
    fn markers_and_numbers() {
        let c = Context::new();
        for (raw, want) in [
            (
                "ул. Ленина, д. 5, кв. 12",
                "5 | 12 | street lenina | lenina",
            ),
            ("12 Baker St Apt 3", "12 | 3 | baker street | baker"),
            ("Flat 3, 12 Baker Street", "12 | 3 | baker street | baker"),
            (
                "пр-т Мира 10 корп. 2 стр. 1",
                "10k2s1 | - | avenue mira | mira",
            ),
            ("Абая көшесі 150, 23", "150 | 23 | abaia street | abaia"),
            ("ул. 8 Марта, д. 5", "5 | - | street 8 marta | 8 marta"),
            (
                "House No 123, Sector 15, Gurgaon",
                "123 | - | sector 15 gurgaon | sector 15 gurgaon",
            ),
            ("#3, 12 MG Road", "12 | 3 | mg road | mg"),
            ("Apt #4B, 7 Elm Dr", "7 | 4b | elm drive | elm"),
            ("5th Avenue 725", "725 | - | 5th avenue | 5th"),
            ("д. 12/3", "12/3 | - |  | "),
            ("кв. 7", "- | 7 |  | "),
            ("ул. Мира 3, этаж 4, кв 9", "3 | 9 | street mira | mira"),
            (
                "221B Baker Street, London NW1 6XE",
                "221b | - | baker street london | baker london",
            ),
        ] {
            assert_eq!(show(raw, &c), want, "{raw}");
        }
    }

    #[test]
    fn abbreviations_meet() {
        let groups: &[&[&str]] = &[
            &[
                "ул. Ленина, д. 5",
                "улица Ленина, дом 5",
                "Ulitsa Lenina 5",
                "ul. Lenina d.5",
            ],
            &[
                "12 Baker St",
                "12 baker street",
                "12 BAKER STREET.",
                "No. 12, Baker Str",
            ],
            &["пр-т Мира 10", "проспект Мира, д. 10", "просп. Мира 10"],
            &["Abay dangyly 5", "Абай даңғылы 5", "Абай даңғ. 5"],
            &["Navoiy ko'chasi 7", "Navoiy ko‘chasi 7", "Navoiy kuchasi 7"],
            &[
                "15 Main Rd, Unit 4",
                "Unit 4, 15 Main Road",
                "15 main road apt. 4",
            ],
        ];
        for group in groups {
            let first = n(group[0]);
            for raw in *group {
                assert_eq!(n(raw), first, "{raw} vs {}", group[0]);
            }
        }
    }

    #[test]
    fn australian_units() {
        let au = Context::new().region(Region::new("AU").unwrap_or(Region::GB));
        assert_eq!(show("3/12 Smith St", &au), "12 | 3 | smith street | smith");
        assert_eq!(
            show("3/12 Smith St", &Context::new()),
            "3/12 | - | smith street | smith"
        );
    }

    #[test]
    fn rejects() {
        let c = Context::new();
        assert_eq!(normalize("", &c), Err(Reject::Empty));
        assert_eq!(normalize(" ,. ", &c), Err(Reject::Empty));
        assert_eq!(normalize("n/a", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("-", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("нет", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("Unknown", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("ул.", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("★★★", &c), Err(Reject::Invalid));
        assert_eq!(normalize("123456", &c), Err(Reject::Invalid));
        assert_eq!(normalize(&"a".repeat(5000), &c), Err(Reject::TooLong));
    }

    #[test]
    fn digits_of_other_scripts() {
        assert_eq!(n("پلاک ۱۲").house(), Some("12"));
        assert_eq!(n("मकान नं १२").house(), Some("12"));
        assert_eq!(n("д. ١٢").house(), Some("12"));
        assert_eq!(n("Ｄ．１２").as_str(), n("д 12").as_str().replace('д', "d"));
    }

    #[test]
    fn debug_redacts() {
        let a = n("ул. Ленина, д. 5, кв. 12");
        let d = format!("{a:?}");
        assert!(!d.contains("lenina") && !d.contains('5'), "{d}");
        assert!(d.contains("2 tokens"), "{d}");
    }

    /// Every canonical word of the table reads back as itself, so canonical text is stable.
    #[test]
    fn canonical_words_are_fixed_points() {
        for e in TABLES.raw.values().filter(|e| e.role != Role::Building) {
            let toks = tokens(e.canonical, None, &TABLES.ordinals);
            let words: Vec<&str> = toks
                .iter()
                .filter_map(|t| match t {
                    Tok::Word { raw, .. } => Some(raw.as_str()),
                    Tok::Num(..) => None,
                })
                .collect();
            assert_eq!(words, [e.canonical], "{}", e.canonical);
            let hit = TABLES.raw.get(e.canonical).map(|h| h.canonical);
            assert_eq!(hit, Some(e.canonical));
        }
    }

    #[test]
    fn similarity_bounds() {
        let a = n("ул. Ленина, д. 5");
        let typo = n("ул. Лениан, д. 5");
        let other = n("ул. Пушкина, д. 5");
        assert!(similarity(&a, &typo) > 0.85, "{}", similarity(&a, &typo));
        assert!(similarity(&a, &other) < 0.6, "{}", similarity(&a, &other));
        let b = n("12 Baker Street");
        let b2 = n("12 Baker St");
        let c = n("12 Oxford Street");
        assert_eq!(similarity(&b, &b2), 1.0);
        assert!(similarity(&b, &n("12 Bakre Street")) > 0.85);
        assert!(similarity(&b, &c) < 0.6);
        assert!(similarity(&n("Amir Temur shoh ko'chasi 1"), &n("Amir Timur avenue 1")) > 0.85);
        assert!(similarity(&n("Tverskaya ul 1"), &n("Тверская улица 1")) > 0.85);
        for (x, y) in [(&a, &typo), (&a, &other), (&b, &c), (&a, &b)] {
            assert_eq!(similarity(x, y), similarity(y, x));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn total(s in "\\PC{0,80}") {
            let _ = normalize(&s, &Context::new());
        }

        #[test]
        fn idempotent(s in "[a-zA-Zа-яА-Я0-9۰-۹خیابنکوچهپلاکواحد#/ .,'-]{0,40}", au in any::<bool>()) {
            let c = if au { Context::new().region(Region::new("AU").unwrap_or(Region::GB)) } else { Context::new() };
            if let Ok(a) = normalize(&s, &c) {
                prop_assert_eq!(normalize(a.as_str(), &c), Ok(a.clone()));
                prop_assert_eq!(normalize(a.as_str(), &Context::new()), Ok(a));
            }
        }

        #[test]
        fn similarity_symmetric_and_bounded(x in "[a-zа-я ]{0,20}", y in "[a-zа-я ]{0,20}") {
            let c = Context::new();
            if let (Ok(a), Ok(b)) = (normalize(&x, &c), normalize(&y, &c)) {
                let s = similarity(&a, &b);
                prop_assert!((0.0..=1.0).contains(&s));
                prop_assert_eq!(s, similarity(&b, &a));
                prop_assert_eq!(similarity(&a, &a), 1.0);
            }
        }
    }
}
