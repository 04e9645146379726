//! Stage 3a: comparing two records field by field.
//!
//! A record is first reduced to [`Features`]: identifiers as 64-bit keys, the name parts that
//! comparisons need, the birth date and the city. A pair of features is then mapped to a
//! [`Comparison`]: one [`Level`] per [`Field`]. The model ([`crate::model`]) turns levels
//! into weights.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::{hash_str, mix};
use crate::normalize::{
    address, id_number, name, Address, Card, DeviceId, Email, IdNumber, NormalizedRecord, Phone,
    Postcode, Script, Social,
};
use crate::record::AttributeKind;

/// The kind of an identifier key; also the domain tag of its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum KeyKind {
    /// A phone number.
    Phone = 1,
    /// A whole e-mail address.
    Email = 2,
    /// The local part of an e-mail address (catches typos in the domain).
    EmailLocal = 3,
    /// A loyalty card.
    Card = 4,
    /// A device id.
    Device = 5,
    /// A social handle.
    Social = 6,
    /// A family name (used for term frequencies only).
    LastName = 7,
    /// A given-name root and family name together (used for term frequencies only).
    FullName = 8,
    /// An identity or customer number.
    IdNumber = 9,
}

impl KeyKind {
    /// The identifier kinds that block and compare as exact keys, in a fixed order.
    pub const IDENTIFIERS: [KeyKind; 7] = [
        KeyKind::Phone,
        KeyKind::Email,
        KeyKind::EmailLocal,
        KeyKind::Card,
        KeyKind::Device,
        KeyKind::Social,
        KeyKind::IdNumber,
    ];

    /// The key kinds of the strong identifiers, in the order of [`Field::STRONG`]: values of
    /// one person, whose disagreement counts against a link (a test keeps the two lists one).
    pub const PERSONAL: [KeyKind; 6] = [
        KeyKind::Phone,
        KeyKind::Email,
        KeyKind::Card,
        KeyKind::Device,
        KeyKind::Social,
        KeyKind::IdNumber,
    ];

    /// A short, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Phone => "phone",
            KeyKind::Email => "email",
            KeyKind::EmailLocal => "email_local",
            KeyKind::Card => "card",
            KeyKind::Device => "device",
            KeyKind::Social => "social",
            KeyKind::LastName => "last_name",
            KeyKind::FullName => "full_name",
            KeyKind::IdNumber => "id_number",
        }
    }
}

/// A typed key: the kind in the top byte, a hash of the canonical value below.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key(pub u64);

impl Key {
    /// Builds a key of `kind` from a hash.
    pub fn new(kind: KeyKind, hash: u64) -> Key {
        Key(((kind as u64) << 56) | (mix(hash) & 0x00ff_ffff_ffff_ffff))
    }

    /// The key's kind.
    pub fn kind(self) -> Option<KeyKind> {
        Some(match (self.0 >> 56) as u8 {
            1 => KeyKind::Phone,
            2 => KeyKind::Email,
            3 => KeyKind::EmailLocal,
            4 => KeyKind::Card,
            5 => KeyKind::Device,
            6 => KeyKind::Social,
            7 => KeyKind::LastName,
            8 => KeyKind::FullName,
            9 => KeyKind::IdNumber,
            _ => return None,
        })
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A key is a hash, not a value: safe to show.
        write!(
            f,
            "Key({:?}, {:014x})",
            self.kind(),
            self.0 & 0x00ff_ffff_ffff_ffff
        )
    }
}

/// What comparisons need of one record, compact and free of raw values.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Features {
    /// Identifier keys, sorted and deduplicated (includes [`KeyKind::LastName`]).
    pub keys: Vec<Key>,
    /// Given name, folded Latin.
    pub first: Option<Box<str>>,
    /// Root of the given name in the nickname tables.
    pub first_root: Option<Box<str>>,
    /// Hash of the given name's phonetic key (transliteration variants such as `zhasur` and
    /// `jasur` share it), 0 when missing or too short to tell names apart.
    pub first_sound: u32,
    /// Family name, folded Latin.
    pub last: Option<Box<str>>,
    /// The name was written in Arabic script (transliteration lost its vowels).
    pub abjad: bool,
    /// Birth date as `yyyymmdd`, 0 when missing.
    pub dob: u32,
    /// City key hash, 0 when missing.
    pub city: u64,
    /// The fields most exports do not carry (identity numbers, postcode, address, other
    /// attributes), boxed so that records without them stay small.
    pub extra: Option<Box<Extra>>,
}

/// What comparisons need of a record's less common fields.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Extra {
    /// Identity numbers in clear, for the one-typo "close" level (empty in keyed mode: there
    /// only exact tokens meet).
    pub id_numbers: Vec<IdNumber>,
    /// The postal code.
    pub postcode: Option<Postcode>,
    /// The postal address.
    pub address: Option<Address>,
    /// Attributes by slot ([`Field::attribute`]): kind and folded value.
    pub attributes: [Option<(AttributeKind, Box<str>)>; Field::ATTRIBUTES],
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extra")
            .field("id_numbers", &self.id_numbers.len())
            .field("postcode", &self.postcode.is_some())
            .field("address", &self.address.is_some())
            .field(
                "attributes",
                &self.attributes.iter().filter(|a| a.is_some()).count(),
            )
            .finish()
    }
}

impl Extra {
    fn from_normalized(n: &NormalizedRecord) -> Option<Box<Extra>> {
        if n.id_numbers.is_empty()
            && n.postcode.is_none()
            && n.address.is_none()
            && n.attributes.is_empty()
        {
            return None;
        }
        let mut attributes: [Option<(AttributeKind, Box<str>)>; Field::ATTRIBUTES] =
            Default::default();
        for (slot, kind, value) in &n.attributes {
            if let Some(a) = attributes.get_mut(usize::from(*slot)) {
                *a = Some((*kind, value.clone()));
            }
        }
        Some(Box::new(Extra {
            id_numbers: n.id_numbers.clone(),
            postcode: n.postcode.clone(),
            address: n.address.clone(),
            attributes,
        }))
    }

    /// The street and house number of the address, as a hash, 0 without both.
    pub fn street_house(&self) -> u64 {
        match &self.address {
            Some(a) if !a.street_key().is_empty() => a.house().map_or(0, |h| {
                crate::hash::combine(hash_str(40, a.street_key()), hash_str(41, h))
            }),
            _ => 0,
        }
    }

    /// The postcode, as a hash, 0 without one.
    pub fn postcode_hash(&self) -> u64 {
        self.postcode
            .as_ref()
            .map_or(0, |p| hash_str(42, p.as_str()).max(1))
    }

    /// The postcode and house number, as a hash, 0 without both.
    pub fn postcode_house(&self) -> u64 {
        match (
            &self.postcode,
            self.address.as_ref().and_then(Address::house),
        ) {
            (Some(p), Some(h)) => crate::hash::combine(hash_str(42, p.as_str()), hash_str(41, h)),
            _ => 0,
        }
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Features")
            .field("keys", &self.keys.len())
            .field("name", &(self.first.is_some() || self.last.is_some()))
            .field("dob", &(self.dob != 0))
            .field("city", &(self.city != 0))
            .finish()
    }
}

fn key_of(kind: KeyKind, s: &str) -> Key {
    Key::new(kind, hash_str(kind as u8, s))
}

/// The key of a phone number.
pub fn phone_key(p: &Phone) -> Key {
    Key::new(KeyKind::Phone, p.as_u64())
}

/// The key of an e-mail address.
pub fn email_key(e: &Email) -> Key {
    key_of(KeyKind::Email, e.as_str())
}

/// The key of a card (its protected forms never meet its clear form).
pub fn card_key(c: &Card) -> Key {
    let tag = match c {
        Card::Number(_) => 1,
        Card::BankHash(_) => 2,
        Card::BankLast4(_) => 3,
    };
    Key::new(
        KeyKind::Card,
        crate::hash::combine(tag, hash_str(KeyKind::Card as u8, c.as_str())),
    )
}

/// The key of a device id.
pub fn device_key(d: &DeviceId) -> Key {
    let h = match d {
        DeviceId::Uuid(v) => mix((*v as u64) ^ mix((*v >> 64) as u64)),
        DeviceId::Opaque(s) => hash_str(KeyKind::Device as u8, s),
    };
    Key::new(KeyKind::Device, h)
}

/// The key of an identity or customer number.
pub fn id_number_key(i: &IdNumber) -> Key {
    key_of(KeyKind::IdNumber, i.as_str())
}

/// The key of a social handle (the network is part of it).
pub fn social_key(s: &Social) -> Key {
    Key::new(
        KeyKind::Social,
        crate::hash::combine(
            s.network as u64 + 1,
            hash_str(KeyKind::Social as u8, s.handle()),
        ),
    )
}

impl Features {
    /// Reduces a normalised record to comparison features.
    pub fn from_normalized(n: &NormalizedRecord) -> Features {
        let mut keys = Vec::with_capacity(n.phones.len() + 2 * n.emails.len() + 4);
        keys.extend(n.phones.iter().chain(&n.phone_candidates).map(phone_key));
        for e in &n.emails {
            keys.push(email_key(e));
            if e.local().len() >= 4 {
                keys.push(key_of(KeyKind::EmailLocal, e.local()));
            }
        }
        keys.extend(n.cards.iter().map(card_key));
        keys.extend(n.devices.iter().map(device_key));
        keys.extend(n.socials.iter().map(social_key));
        keys.extend(n.id_numbers.iter().map(id_number_key));
        let (mut first, mut first_root, mut last, mut abjad) = (None, None, None, false);
        let mut first_sound = 0;
        if let Some(nm) = &n.name {
            first = nm.first.clone();
            first_sound = nm.first.as_deref().map_or(0, |f| {
                let key = name::phonetic(f);
                // Two-letter keys (`JK`) are shared by too many unrelated names.
                if key.len() < 3 {
                    0
                } else {
                    (hash_str(12, &key) as u32).max(1)
                }
            });
            first_root = nm.first_root.clone().or_else(|| nm.first.clone());
            last = nm.last.clone();
            abjad = nm.script == Script::Arabic;
            if let Some(l) = &nm.last {
                keys.push(key_of(KeyKind::LastName, l));
                if let Some(f) = &first_root {
                    keys.push(Key::new(
                        KeyKind::FullName,
                        crate::hash::combine(hash_str(32, f), hash_str(33, l)),
                    ));
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let dob = n.birth_date.map_or(0, |d| {
            d.year() as u32 * 10_000 + d.month() as u32 * 100 + d.day() as u32
        });
        let city = n.city.as_ref().map_or(0, |c| hash_str(9, c.as_str()));
        Features {
            keys,
            first,
            first_root,
            first_sound,
            last,
            abjad,
            dob,
            city,
            extra: Extra::from_normalized(n),
        }
    }

    /// Keys of one kind.
    pub fn keys_of(&self, kind: KeyKind) -> impl Iterator<Item = Key> + '_ {
        self.keys
            .iter()
            .copied()
            .filter(move |k| k.kind() == Some(kind))
    }

    /// Phonetic key of the given name's root, 0 when missing.
    pub fn first_phonetic(&self) -> u64 {
        self.first_root.as_deref().map_or(0, |f| {
            hash_str(10, &name::phonetic(&skeleton_if(self.abjad, f)))
        })
    }

    /// Phonetic key of the family name, 0 when missing.
    pub fn last_phonetic(&self) -> u64 {
        self.last.as_deref().map_or(0, |l| {
            hash_str(11, &name::phonetic(&skeleton_if(self.abjad, l)))
        })
    }
}

/// Names written in Arabic script lose their short vowels in transliteration; comparing their
/// consonant skeletons lets "mhmd" meet "mohammad".
fn skeleton_if(abjad: bool, s: &str) -> std::borrow::Cow<'_, str> {
    if abjad {
        std::borrow::Cow::Owned(skeleton(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn skeleton(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for (i, c) in s.chars().enumerate() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | '\'');
        if (i == 0 || !vowel) && last != Some(c) {
            out.push(c);
            last = Some(c);
        }
    }
    out
}

/// The fields a pair is compared on, in a fixed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Any shared phone number.
    Phone,
    /// Any shared e-mail address (close: same local part, another domain).
    Email,
    /// Any shared loyalty card.
    Card,
    /// Any shared device id.
    Device,
    /// Any shared social handle.
    Social,
    /// Given name (exact, same nickname root, close spelling).
    FirstName,
    /// Family name.
    LastName,
    /// Birth date (close: day and month swapped, one digit off).
    BirthDate,
    /// City.
    City,
    /// Any shared identity or customer number (close: one character off).
    IdNumber,
    /// Postal code (close: same area).
    Postcode,
    /// Postal address (close: same house number, similar street).
    Address,
    /// The first attribute of [`crate::normalize::Context::attributes`].
    Attribute1,
    /// The second attribute.
    Attribute2,
    /// The third attribute.
    Attribute3,
    /// The fourth attribute.
    Attribute4,
}

impl Field {
    /// Every field, in comparison-vector order.
    pub const ALL: [Field; 16] = [
        Field::Phone,
        Field::Email,
        Field::Card,
        Field::Device,
        Field::Social,
        Field::FirstName,
        Field::LastName,
        Field::BirthDate,
        Field::City,
        Field::IdNumber,
        Field::Postcode,
        Field::Address,
        Field::Attribute1,
        Field::Attribute2,
        Field::Attribute3,
        Field::Attribute4,
    ];

    /// Number of fields.
    pub const COUNT: usize = 16;

    /// How many named attributes a record is compared on.
    pub const ATTRIBUTES: usize = 4;

    /// The field of the attribute in `slot` (its position in
    /// [`crate::normalize::Context::attributes`]).
    pub fn attribute(slot: usize) -> Option<Field> {
        Field::ALL.get(Field::Attribute1 as usize + slot).copied()
    }

    /// The slot of an attribute field.
    pub fn attribute_slot(self) -> Option<usize> {
        (self as usize).checked_sub(Field::Attribute1 as usize)
    }

    /// Fields that name a strong identifier of one person: two records that both carry one
    /// and disagree on it are probably two people.
    pub const STRONG: [Field; 6] = [
        Field::Phone,
        Field::Email,
        Field::Card,
        Field::Device,
        Field::Social,
        Field::IdNumber,
    ];

    /// A short, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Card => "card",
            Field::Device => "device",
            Field::Social => "social",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::BirthDate => "birth_date",
            Field::City => "city",
            Field::IdNumber => "id_number",
            Field::Postcode => "postcode",
            Field::Address => "address",
            Field::Attribute1 => "attribute_1",
            Field::Attribute2 => "attribute_2",
            Field::Attribute3 => "attribute_3",
            Field::Attribute4 => "attribute_4",
        }
    }

    /// The key kind whose exact match this field reports, if it is an identifier.
    pub fn key_kind(self) -> Option<KeyKind> {
        match self {
            Field::Phone => Some(KeyKind::Phone),
            Field::Email => Some(KeyKind::Email),
            Field::Card => Some(KeyKind::Card),
            Field::Device => Some(KeyKind::Device),
            Field::Social => Some(KeyKind::Social),
            Field::IdNumber => Some(KeyKind::IdNumber),
            Field::LastName => Some(KeyKind::LastName),
            _ => None,
        }
    }
}

/// How well one field agrees between two records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Level {
    /// One side or both lack the field: no evidence either way.
    Missing = 0,
    /// Both present, they disagree.
    Different = 1,
    /// Close but not equal (a typo, a swapped day/month, a nickname, another e-mail domain).
    Close = 2,
    /// Equal.
    Exact = 3,
}

impl Level {
    /// Number of levels.
    pub const COUNT: usize = 4;

    fn from_u8(v: u8) -> Level {
        match v & 3 {
            0 => Level::Missing,
            1 => Level::Different,
            2 => Level::Close,
            _ => Level::Exact,
        }
    }
}

/// The comparison vector of one pair: a level per field, packed in 32 bits, plus the
/// frequency of the rarest shared value per identifier field (for term-frequency weights).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Comparison {
    /// Levels, two bits per field in [`Field::ALL`] order.
    pub pattern: u32,
    /// For each field with an exact match on a keyed value: how many records carry that value
    /// (1 when unknown). Indexed by [`Field::ALL`] position.
    pub freq: [u32; Field::COUNT],
    /// How many records carry the pair's shared full name (given-name root and family
    /// name), 0 when they do not share one.
    pub full_name_freq: u32,
}

impl Comparison {
    /// The level of `field`.
    pub fn level(&self, field: Field) -> Level {
        Level::from_u8((self.pattern >> (2 * field as u32)) as u8)
    }

    fn set(&mut self, field: Field, level: Level) {
        let shift = 2 * field as u32;
        self.pattern = (self.pattern & !(3 << shift)) | ((level as u32) << shift);
    }

    /// `true` when the pair carries a confident contradiction: given names that are neither
    /// equal, nicknames of one another nor typos, or birth dates that are neither equal nor a
    /// plausible slip. Such a pair is never linked, and two clusters holding such a pair
    /// are never merged.
    ///
    /// See also [`Comparison::names_against_identifiers`].
    ///
    /// An identity number is one person's own (unlike a phone, an e-mail or a card, which a
    /// household shares): two records sharing one are one person unless they disagree on both
    /// the given name and the birth date, so one slip in either does not keep them apart.
    pub fn contradicts(&self) -> bool {
        let first = self.level(Field::FirstName) == Level::Different;
        let dob = self.level(Field::BirthDate) == Level::Different;
        if self.level(Field::IdNumber) == Level::Exact {
            first && dob
        } else {
            first || dob
        }
    }
}

impl Comparison {
    /// `true` when the pair agrees on something one person has and another would not: a
    /// strong identifier ([`Field::STRONG`], exactly or closely) or the birth date.
    ///
    /// An e-mail address counts only when it is the same address: the same local part at
    /// another domain is what two people of one name get when addresses are made of names
    /// (`akazemi@gmail.com`, `akazemi@chmail.ir`).
    pub fn agrees_personally(&self) -> bool {
        self.level(Field::BirthDate) >= Level::Close
            || self.level(Field::Email) == Level::Exact
            || Field::STRONG
                .iter()
                .any(|&f| f != Field::Email && self.level(f) >= Level::Close)
    }

    /// `true` when both records carry an own value of a strong identifier kind
    /// ([`Field::STRONG`]) and the values differ.
    pub fn disagrees_on_identifiers(&self) -> bool {
        Field::STRONG
            .iter()
            .any(|&f| self.level(f) == Level::Different)
    }

    /// `true` for two people of one name: the pair disagrees on a strong identifier both
    /// carry and agrees on nothing personal ([`Comparison::agrees_personally`]), so all it
    /// shares is a name, a city, an address: what namesakes and families share. Such a pair
    /// is never linked, however common or rare the name.
    pub fn names_against_identifiers(&self) -> bool {
        self.disagrees_on_identifiers() && !self.agrees_personally()
    }
}

/// Term frequencies of keys: how many records carry each value. Values carried by one record
/// only are not stored.
pub trait KeyFrequency {
    /// Number of records carrying `key` (at least 1).
    fn frequency(&self, key: Key) -> u32;
}

impl KeyFrequency for () {
    fn frequency(&self, _: Key) -> u32 {
        1
    }
}

impl<S: std::hash::BuildHasher> KeyFrequency for std::collections::HashMap<Key, u32, S> {
    fn frequency(&self, key: Key) -> u32 {
        self.get(&key).copied().unwrap_or(1).max(1)
    }
}

/// Compares two records. Symmetric: `compare(a, b) == compare(b, a)`.
pub fn compare(a: &Features, b: &Features, tf: &impl KeyFrequency) -> Comparison {
    let mut c = Comparison::default();
    compare_keys(a, b, tf, &mut c);
    compare_names(a, b, &mut c);
    c.set(Field::BirthDate, compare_dates(a.dob, b.dob));
    c.set(
        Field::City,
        match (a.city, b.city) {
            (0, _) | (_, 0) => Level::Missing,
            (x, y) if x == y => Level::Exact,
            _ => Level::Different,
        },
    );
    if let (Some(x), Some(y)) = (&a.extra, &b.extra) {
        compare_extra(x, y, &mut c);
    }
    c
}

/// Jaro-Winkler similarity at or above which two attribute texts count as close.
const TEXT_CLOSE: f64 = 0.9;

/// Street similarity ([`address::similarity`]) at or above which two addresses with the same
/// house number count as close.
const STREET_CLOSE: f64 = 0.8;

/// Levels of the less common fields. Id numbers' exact level comes from the shared keys
/// ([`compare_keys`]); here a one-character slip makes a different pair close.
fn compare_extra(a: &Extra, b: &Extra, c: &mut Comparison) {
    if c.level(Field::IdNumber) == Level::Different {
        let typo = a.id_numbers.iter().any(|x| {
            b.id_numbers
                .iter()
                .any(|y| id_number::close(x.as_str(), y.as_str()))
        });
        if typo {
            c.set(Field::IdNumber, Level::Close);
        }
    }
    if let (Some(x), Some(y)) = (&a.postcode, &b.postcode) {
        c.set(
            Field::Postcode,
            if x == y {
                Level::Exact
            } else if x.area() == y.area() {
                Level::Close
            } else {
                Level::Different
            },
        );
    }
    if let (Some(x), Some(y)) = (&a.address, &b.address) {
        c.set(Field::Address, address_level(x, y));
    }
    for (slot, (x, y)) in a.attributes.iter().zip(&b.attributes).enumerate() {
        let (Some((kind, x)), Some((_, y))) = (x, y) else {
            continue;
        };
        let level = if x == y {
            Level::Exact
        } else if *kind == AttributeKind::Text && jaro_winkler(x, y) >= TEXT_CLOSE {
            Level::Close
        } else {
            Level::Different
        };
        if let Some(field) = Field::attribute(slot) {
            c.set(field, level);
        }
    }
}

/// Two addresses: the house number must agree (when both give one); then the street words
/// decide between exact, close and different.
fn address_level(a: &Address, b: &Address) -> Level {
    if let (Some(x), Some(y)) = (a.house(), b.house()) {
        if x != y {
            return Level::Different;
        }
    }
    if a.as_str() == b.as_str() {
        return Level::Exact;
    }
    let sim = address::similarity(a, b);
    if sim >= STREET_CLOSE {
        Level::Close
    } else {
        Level::Different
    }
}

/// Pairs whose records [`compare_each`] reads ahead together.
const READ_AHEAD: usize = 64;

/// [`compare`] for each pair of `pairs`, in order, handing `(a, b, comparison)` to `each`.
///
/// The two records of a candidate pair lie far apart in memory, and one comparison's loads
/// wait on each other (the record, then its keys, then its names). So the pairs go in
/// groups: every record of a group is read once first, with no dependency between those
/// reads, which the processor overlaps; the comparisons then find their records in cache.
/// On a million records this halves the time of scoring, with the same results.
///
/// ```
/// use omnilink::compare::{compare_each, Features};
///
/// let records = vec![Features::default(), Features::default(), Features::default()];
/// let mut seen = Vec::new();
/// compare_each(&records, [(0, 1), (1, 2)], &(), |a, b, _| seen.push((a, b)));
/// assert_eq!(seen, [(0, 1), (1, 2)]);
/// ```
pub fn compare_each(
    records: &[Features],
    pairs: impl IntoIterator<Item = (u32, u32)>,
    tf: &impl KeyFrequency,
    mut each: impl FnMut(u32, u32, Comparison),
) {
    let mut group = [(0u32, 0u32); READ_AHEAD];
    let mut flush = |group: &[(u32, u32)]| {
        std::hint::black_box(read_ahead(records, group.iter().flat_map(|&(a, b)| [a, b])));
        for &(a, b) in group {
            each(
                a,
                b,
                compare(&records[a as usize], &records[b as usize], tf),
            );
        }
    };
    let mut n = 0;
    for pair in pairs {
        group[n] = pair;
        n += 1;
        if n == READ_AHEAD {
            flush(&group);
            n = 0;
        }
    }
    flush(&group[..n]);
}

/// Touches what [`compare`] reads first of each record of `ids`: the record, its first key
/// and the first byte of its names. The sum only keeps the reads from being optimised away.
pub(crate) fn read_ahead(records: &[Features], ids: impl IntoIterator<Item = u32>) -> u64 {
    let byte = |s: &Option<Box<str>>| {
        s.as_deref()
            .and_then(|s| s.as_bytes().first())
            .map_or(0, |&b| u64::from(b))
    };
    ids.into_iter().fold(0, |acc, r| {
        acc.wrapping_add(records.get(r as usize).map_or(0, |f| {
            f.keys.first().map_or(0, |k| k.0) ^ byte(&f.first) ^ byte(&f.first_root) ^ byte(&f.last)
        }))
    })
}

/// People carrying one identifier value from which on it no longer tells people apart: a
/// store's placeholder phone, a cashier's card, a family tablet. Disagreeing with such a
/// value is no evidence against a match (the person's own value is elsewhere).
pub const WIDELY_SHARED: u32 = 3;

/// `f` carries a value of `kind` that fewer than [`WIDELY_SHARED`] people carry: one whose
/// disagreement with another record's value counts.
pub fn has_own_value(f: &Features, kind: KeyKind, tf: &impl KeyFrequency) -> bool {
    f.keys_of(kind).any(|k| tf.frequency(k) < WIDELY_SHARED)
}

/// Walks the two sorted key lists once, noting per kind whether both have one, and the rarest
/// shared value.
fn compare_keys(a: &Features, b: &Features, tf: &impl KeyFrequency, c: &mut Comparison) {
    const KINDS: usize = 16;
    let mut has_a = [false; KINDS];
    let mut has_b = [false; KINDS];
    let mut shared = [0u32; KINDS]; // 0 = none, else min frequency
    for k in &a.keys {
        has_a[(k.0 >> 56) as usize % KINDS] = true;
    }
    for k in &b.keys {
        has_b[(k.0 >> 56) as usize % KINDS] = true;
    }
    let (mut i, mut j) = (0, 0);
    while i < a.keys.len() && j < b.keys.len() {
        let (x, y) = (a.keys[i], b.keys[j]);
        match x.cmp(&y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let kind = (x.0 >> 56) as usize % KINDS;
                let f = tf.frequency(x);
                shared[kind] = if shared[kind] == 0 {
                    f
                } else {
                    shared[kind].min(f)
                };
                i += 1;
                j += 1;
            }
        }
    }
    for (field, kind) in Field::STRONG.into_iter().zip(KeyKind::PERSONAL) {
        let k = kind as usize;
        let level = if shared[k] > 0 {
            c.freq[field as usize] = shared[k];
            Level::Exact
        } else if field == Field::Email && shared[KeyKind::EmailLocal as usize] > 0 {
            Level::Close
        } else if has_a[k] && has_b[k] && has_own_value(a, kind, tf) && has_own_value(b, kind, tf) {
            Level::Different
        } else {
            Level::Missing
        };
        c.set(field, level);
    }
    let ln = KeyKind::LastName as usize;
    if shared[ln] > 0 {
        c.freq[Field::LastName as usize] = shared[ln];
    }
    c.full_name_freq = shared[KeyKind::FullName as usize];
}

/// Jaro-Winkler similarity at or above which two name spellings count as close.
const NAME_CLOSE: f64 = 0.9;

/// Jaro-Winkler similarity, equal to `strsim::jaro_winkler` (a property test checks it).
/// Folded names are short ASCII: for those the matched positions are bit sets on the
/// stack, where strsim allocates two vectors per call; anything else goes to strsim.
fn jaro_winkler(x: &str, y: &str) -> f64 {
    let (a, b) = (x.as_bytes(), y.as_bytes());
    if !x.is_ascii() || !y.is_ascii() || a.len() > 64 || b.len() > 64 {
        return strsim::jaro_winkler(x, y);
    }
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return 1.0,
        (true, false) | (false, true) => return 0.0,
        _ => {}
    }
    // A character matches an unused equal one of the other name at most `window` away.
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut in_a, mut in_b) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &ch) in a.iter().enumerate() {
        let near = i.saturating_sub(window)..(i + window + 1).min(b.len());
        if let Some(j) = near.into_iter().find(|&j| in_b >> j & 1 == 0 && b[j] == ch) {
            in_a |= 1 << i;
            in_b |= 1 << j;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Matched characters of both names, read in order, that differ: twice the transpositions.
    fn matched(s: &[u8], set: u64) -> impl Iterator<Item = u8> + '_ {
        s.iter()
            .enumerate()
            .filter(move |&(i, _)| set >> i & 1 == 1)
            .map(|(_, &c)| c)
    }
    let half = matched(a, in_a)
        .zip(matched(b, in_b))
        .filter(|(p, q)| p != q)
        .count();
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (matches - half / 2) as f64 / m) / 3.0;
    if jaro > 0.7 {
        let prefix = a.iter().zip(b).take(4).take_while(|(p, q)| p == q).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

fn name_level(x: Option<&str>, y: Option<&str>, abjad: bool) -> Level {
    match (x, y) {
        (Some(x), Some(y)) => {
            if x == y {
                Level::Exact
            } else if (abjad && skeleton(x) == skeleton(y)) || jaro_winkler(x, y) >= NAME_CLOSE {
                Level::Close
            } else {
                Level::Different
            }
        }
        _ => Level::Missing,
    }
}

fn first_level(a: &Features, b: &Features, abjad: bool) -> Level {
    match name_level(a.first.as_deref(), b.first.as_deref(), abjad) {
        Level::Different if a.first_sound != 0 && a.first_sound == b.first_sound => Level::Close,
        level @ (Level::Different | Level::Close) => {
            let roots = match (&a.first, &a.first_root, &b.first, &b.first_root) {
                (Some(fa), Some(ra), Some(fb), Some(rb)) => name::may_share_root(fa, ra, fb, rb),
                _ => false,
            };
            if roots {
                Level::Close
            } else {
                level
            }
        }
        l => l,
    }
}

fn compare_names(a: &Features, b: &Features, c: &mut Comparison) {
    let abjad = a.abjad != b.abjad;
    let first = first_level(a, b, abjad);
    let last = name_level(a.last.as_deref(), b.last.as_deref(), abjad);
    // The same two names in swapped order ("Ivanov Ivan" typed as first "Ivanov").
    let (first, last) = if first == Level::Different && last == Level::Different {
        let swapped = |x: &Option<Box<str>>, y: &Option<Box<str>>| {
            name_level(x.as_deref(), y.as_deref(), abjad) >= Level::Close
        };
        if swapped(&a.first, &b.last) && swapped(&a.last, &b.first) {
            (Level::Close, Level::Close)
        } else {
            (first, last)
        }
    } else {
        (first, last)
    };
    // A given name alone against a full name whose order was misread ("Королёва Эвелина"
    // taken as given name "koroleva"): the lone name may be the other's "family" name.
    let lone_is_last = |x: &Features, y: &Features| {
        x.last.is_none() && name_level(x.first.as_deref(), y.last.as_deref(), abjad) == Level::Exact
    };
    let first = if first == Level::Different && (lone_is_last(a, b) || lone_is_last(b, a)) {
        Level::Close
    } else {
        first
    };
    c.set(Field::FirstName, first);
    c.set(Field::LastName, last);
}

/// Birth dates: equal; close when day and month are swapped, one digit differs, or only the
/// year differs by one; different otherwise.
fn compare_dates(a: u32, b: u32) -> Level {
    if a == 0 || b == 0 {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    let split = |d: u32| (d / 10_000, d / 100 % 100, d % 100);
    let (ya, ma, da) = split(a);
    let (yb, mb, db) = split(b);
    if ya == yb && ma == db && da == mb {
        return Level::Close;
    }
    let digits = |d: u32| {
        let mut out = [0u8; 8];
        let mut v = d;
        for slot in out.iter_mut().rev() {
            *slot = (v % 10) as u8;
            v /= 10;
        }
        out
    };
    let (x, y) = (digits(a), digits(b));
    let differing = x.iter().zip(&y).filter(|(p, q)| p != q).count();
    if differing == 1 || (ma == mb && da == db && ya.abs_diff(yb) == 1) {
        Level::Close
    } else {
        Level::Different
    }
}

/// `true` when both records carry given and family names and both agree (exactly, as
/// nicknames, or as close spellings).
pub fn same_name(a: &Features, b: &Features) -> bool {
    let mut c = Comparison::default();
    compare_names(a, b, &mut c);
    c.level(Field::FirstName) >= Level::Close && c.level(Field::LastName) >= Level::Close
}

/// `true` when two records confidently disagree on who they are (given name or birth date,
/// see [`Comparison::contradicts`]). Of the identifiers, only a shared identity number is
/// looked at.
pub fn conflict(a: &Features, b: &Features) -> bool {
    let mut c = Comparison::default();
    compare_names(a, b, &mut c);
    c.set(Field::BirthDate, compare_dates(a.dob, b.dob));
    if c.contradicts() && a.extra.is_some() && b.extra.is_some() {
        let shared = a
            .keys_of(KeyKind::IdNumber)
            .any(|k| b.keys_of(KeyKind::IdNumber).any(|l| l == k));
        if shared {
            c.set(Field::IdNumber, Level::Exact);
        }
    }
    c.contradicts()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_fields_and_personal_keys_are_one_list() {
        assert_eq!(
            Field::STRONG.map(|f| f.key_kind()),
            KeyKind::PERSONAL.map(Some)
        );
    }

    fn feat(first: &str, last: &str, dob: u32) -> Features {
        Features {
            first: Some(first.into()),
            first_root: Some(first.into()),
            last: Some(last.into()),
            dob,
            ..Features::default()
        }
    }

    fn named(first: &str, last: Option<&str>) -> Features {
        let n = crate::normalize::name::normalize(
            &match last {
                Some(l) => format!("{first} {l}"),
                None => first.to_string(),
            },
            &crate::normalize::Context::default(),
        )
        .unwrap();
        let nr = NormalizedRecord {
            name: Some(n),
            ..NormalizedRecord::default()
        };
        Features::from_normalized(&nr)
    }

    #[test]
    fn given_names_that_may_be_one_person_do_not_contradict() {
        let close = |a: &Features, b: &Features| {
            let c = compare(a, b, &());
            assert_eq!(
                c.level(Field::FirstName),
                Level::Close,
                "{:?} {:?} / {:?} {:?}",
                a.first,
                a.last,
                b.first,
                b.last
            );
            assert!(!c.contradicts());
        };
        // A nickname of two names: Саша is Aleksandr or Aleksandra.
        close(&named("Саша", None), &named("Александра", None));
        close(&named("Женя", None), &named("Евгения", None));
        close(&named("Sam", None), &named("Samantha", None));
        // Transliteration variants that only the phonetic key joins.
        close(&named("Жасур", None), &named("Jasur", None));
        close(&named("Swati", None), &named("स्वाति", None));
        // A lone given name against a full name whose order was misread.
        let swapped = Features {
            first: Some("koroleva".into()),
            first_root: Some("koroleva".into()),
            last: Some("evelina".into()),
            ..Features::default()
        };
        close(&named("Evelina", None), &swapped);
        // Different names stay different.
        let c = compare(&named("Саша", None), &named("Ольга", None), &());
        assert!(c.contradicts());
        let c = compare(&named("Ivan", None), &named("Boris", None), &());
        assert!(c.contradicts());
    }

    #[test]
    fn date_levels() {
        assert_eq!(compare_dates(19900305, 19900305), Level::Exact);
        assert_eq!(compare_dates(19900305, 19900503), Level::Close);
        assert_eq!(compare_dates(19900305, 19900306), Level::Close);
        assert_eq!(compare_dates(19900305, 19910305), Level::Close);
        assert_eq!(compare_dates(19900305, 19851120), Level::Different);
        assert_eq!(compare_dates(0, 19851120), Level::Missing);
    }

    #[test]
    fn name_levels_and_swaps() {
        let a = feat("ivan", "petrov", 0);
        let b = feat("petrov", "ivan", 0);
        let c = compare(&a, &b, &());
        assert_eq!(c.level(Field::FirstName), Level::Close);
        assert_eq!(c.level(Field::LastName), Level::Close);
        let d = compare(&a, &feat("boris", "petrov", 0), &());
        assert_eq!(d.level(Field::FirstName), Level::Different);
        assert_eq!(d.level(Field::LastName), Level::Exact);
        assert!(d.contradicts());
        let e = compare(&a, &feat("ivna", "petrov", 0), &());
        assert_eq!(e.level(Field::FirstName), Level::Close);
    }

    #[test]
    fn abjad_skeletons_meet() {
        let mut a = feat("mhmd", "rzayy", 0);
        a.abjad = true;
        let b = feat("mohammad", "rezaei", 0);
        let c = compare(&a, &b, &());
        assert_eq!(c.level(Field::FirstName), Level::Close);
    }

    proptest::proptest! {
        #[test]
        fn jaro_winkler_is_strsims(a in "[a-e]{0,12}", b in "[a-e]{0,12}", c in "\\PC{0,8}") {
            proptest::prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
            proptest::prop_assert_eq!(jaro_winkler(&a, &c).to_bits(), strsim::jaro_winkler(&a, &c).to_bits());
        }
    }

    #[test]
    fn jaro_winkler_of_long_and_known_names() {
        let long = "a".repeat(70);
        assert_eq!(jaro_winkler(&long, &long), 1.0);
        for (x, y) in [
            ("martha", "marhta"),
            ("dixon", "dicksonx"),
            ("ivan", "ivna"),
            ("", ""),
        ] {
            assert_eq!(
                jaro_winkler(x, y).to_bits(),
                strsim::jaro_winkler(x, y).to_bits()
            );
        }
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-4);
    }

    #[test]
    fn compare_each_gives_every_pair_in_order_as_compare_does() {
        let names = ["anna", "anya", "boris", "ivan", "maria", "mariya"];
        let records: Vec<Features> = (0..40u32)
            .map(|i| {
                let mut f = feat(names[i as usize % 6], "petrova", 19900101 + i % 3);
                f.keys = vec![Key::new(KeyKind::Phone, u64::from(i % 7))];
                f
            })
            .collect();
        // More pairs than one read-ahead group, and a partial group at the end.
        let pairs: Vec<(u32, u32)> = (0..40u32)
            .flat_map(|a| (a + 1..40).map(move |b| (a, b)))
            .take(READ_AHEAD * 2 + 5)
            .collect();
        let mut tf = std::collections::HashMap::new();
        tf.insert(Key::new(KeyKind::Phone, 3), 4u32);
        let mut got = Vec::new();
        compare_each(&records, pairs.iter().copied(), &tf, |a, b, c| {
            got.push((a, b, c))
        });
        let want: Vec<(u32, u32, Comparison)> = pairs
            .iter()
            .map(|&(a, b)| {
                (
                    a,
                    b,
                    compare(&records[a as usize], &records[b as usize], &tf),
                )
            })
            .collect();
        assert_eq!(got, want);
        let mut none = 0;
        compare_each(&records, std::iter::empty(), &tf, |_, _, _| none += 1);
        assert_eq!(none, 0);
    }

    #[test]
    fn keys_and_frequencies() {
        let p = Key::new(KeyKind::Phone, 79123456789);
        let q = Key::new(KeyKind::Phone, 79030000001);
        let mut a = feat("anna", "ivanova", 0);
        a.keys = vec![p];
        let mut b = feat("anna", "ivanova", 0);
        b.keys = vec![p, q];
        b.keys.sort();
        let mut tf = std::collections::HashMap::new();
        tf.insert(p, 3u32);
        let c = compare(&a, &b, &tf);
        assert_eq!(c.level(Field::Phone), Level::Exact);
        assert_eq!(c.freq[Field::Phone as usize], 3);
        assert_eq!(c.level(Field::Email), Level::Missing);
        let mut d = feat("anna", "ivanova", 0);
        d.keys = vec![q];
        assert_eq!(compare(&a, &d, &()).level(Field::Phone), Level::Different);
    }

    #[test]
    fn widely_shared_values_do_not_disagree() {
        // A cashier's card typed in for walk-in shoppers, against a shopper's own card.
        let cashier = Key::new(KeyKind::Card, 27_700_000_001);
        let own = Key::new(KeyKind::Card, 27_700_000_002);
        let mut a = feat("anna", "ivanova", 0);
        a.keys = vec![cashier];
        let mut b = feat("anna", "ivanova", 0);
        b.keys = vec![own];
        let mut tf = std::collections::HashMap::new();
        tf.insert(cashier, WIDELY_SHARED - 1);
        assert_eq!(compare(&a, &b, &tf).level(Field::Card), Level::Different);
        tf.insert(cashier, WIDELY_SHARED);
        assert_eq!(compare(&a, &b, &tf).level(Field::Card), Level::Missing);
        assert_eq!(compare(&b, &a, &tf).level(Field::Card), Level::Missing);
        // Beside an own value, the record disagrees again.
        let other = Key::new(KeyKind::Card, 27_700_000_003);
        a.keys = vec![cashier, other];
        a.keys.sort();
        assert_eq!(compare(&a, &b, &tf).level(Field::Card), Level::Different);
    }

    #[test]
    fn symmetric() {
        let a = feat("aleksei", "smirnov", 19800101);
        let b = feat("smirnov", "aleksey", 19800110);
        assert_eq!(compare(&a, &b, &()), compare(&b, &a, &()));
    }
}
