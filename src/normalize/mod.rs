//! Stage 1: turn raw, messy identifiers into typed, canonical values.
//!
//! One module per identifier kind. Each exposes a pure function
//! `normalize(raw: &str, ctx: &Context) -> Result<T, Reject>`; a [`Reject`] says *why* a value
//! was not kept (empty, placeholder, invalid, ...) so reports can count it without ever
//! showing the value itself.
//!
//! Every normaliser is idempotent on its own canonical output: feeding the canonical form back
//! in gives the same value.
//!
//! [`normalize_record`] applies all of them to a [`Record`](crate::Record), splitting
//! multi-valued fields ("+7 912 ..., +7 903 ...") and deriving hints (a region from the city
//! or the script of the name) for phones written without a country code.

pub mod address;
pub mod attribute;
pub mod card;
pub mod city;
pub mod date;
pub mod device;
pub mod email;
pub mod id_number;
pub mod name;
pub mod phone;
pub mod postcode;
pub mod region;
pub mod social;

mod record;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use address::Address;
pub use card::{Card, CardPolicy};
pub use city::City;
pub use date::{BirthDate, DateOrder};
pub use device::DeviceId;
pub use email::Email;
pub use id_number::{IdNumber, Scheme};
pub use name::{Name, Script};
pub use phone::{LineType, Phone};
pub use postcode::Postcode;
pub use record::{normalize_record, split_values, NormalizedRecord};
pub use region::Region;
pub use social::{Network, Social};

/// Why a raw value was not turned into an identifier.
///
/// A rejection never carries the value itself: it is safe to log, count and display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reject {
    /// Nothing there after trimming (or only separators and punctuation).
    Empty,
    /// A stand-in for "no value": `n/a`, `0000000`, `test@test.com`, `1900-01-01`, the nil UUID.
    Placeholder,
    /// Not a well-formed value of this kind.
    Invalid,
    /// Well-formed, but which value it stands for cannot be decided (a national phone number
    /// valid in several candidate regions with no hint to choose).
    Ambiguous,
    /// Longer than any real value of this kind; not parsed further.
    TooLong,
    /// One value too many in a multi-valued cell ([`Limits::max_values_per_field`]), or an
    /// attribute past the number a record can be compared on.
    TooMany,
    /// Well-formed but implausible: a birth date in the future or before
    /// [`Context::earliest_birth_year`]. Such a value is still compared (two records sharing
    /// an odd date share evidence) but never shown in a golden record.
    Implausible,
}

impl Reject {
    /// A short, stable, lower-case name for reports (`"placeholder"`, `"invalid"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::Empty => "empty",
            Reject::Placeholder => "placeholder",
            Reject::Invalid => "invalid",
            Reject::Ambiguous => "ambiguous",
            Reject::TooLong => "too_long",
            Reject::TooMany => "too_many",
            Reject::Implausible => "implausible",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of field omnilink understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// A telephone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A discount or loyalty card number.
    Card,
    /// A mobile advertising or vendor device identifier.
    Device,
    /// A social network or messenger handle.
    Social,
    /// A person's name.
    Name,
    /// A date of birth.
    BirthDate,
    /// A city or town.
    City,
    /// An identity or customer number.
    IdNumber,
    /// A postal code.
    Postcode,
    /// A postal address.
    Address,
    /// Another attribute (text or category).
    Attribute,
}

impl FieldKind {
    /// Every kind, in a fixed order.
    pub const ALL: [FieldKind; 12] = [
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Card,
        FieldKind::Device,
        FieldKind::Social,
        FieldKind::Name,
        FieldKind::BirthDate,
        FieldKind::City,
        FieldKind::IdNumber,
        FieldKind::Postcode,
        FieldKind::Address,
        FieldKind::Attribute,
    ];

    /// A short, stable, lower-case name (`"phone"`, `"birth_date"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::Card => "card",
            FieldKind::Device => "device",
            FieldKind::Social => "social",
            FieldKind::Name => "name",
            FieldKind::BirthDate => "birth_date",
            FieldKind::City => "city",
            FieldKind::IdNumber => "id_number",
            FieldKind::Postcode => "postcode",
            FieldKind::Address => "address",
            FieldKind::Attribute => "attribute",
        }
    }

    /// The kind a short name ([`FieldKind::as_str`]) names.
    pub fn from_name(name: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// One value of this kind normalised and written as text: the form a value is compared
    /// in (E.164 for a phone, the folded address for an e-mail, `yyyy-mm-dd` for a date, ...),
    /// or why it is not a value.
    ///
    /// ```
    /// use omnilink::normalize::{Context, FieldKind, Reject, Region};
    /// let ctx = Context::new().region(Region::new("RU").unwrap());
    /// assert_eq!(FieldKind::Phone.canonical("8 (912) 345-67-89", &ctx), Ok("+79123456789".into()));
    /// assert_eq!(FieldKind::Email.canonical("n/a", &ctx), Err(Reject::Placeholder));
    /// ```
    pub fn canonical(self, raw: &str, ctx: &Context) -> Result<String, Reject> {
        match self {
            FieldKind::Phone => phone::normalize(raw, ctx).map(|p| p.e164()),
            FieldKind::Email => email::normalize(raw, ctx).map(|e| e.as_str().to_string()),
            FieldKind::Card => card::normalize(raw, ctx).map(|c| c.as_str().to_string()),
            FieldKind::Device => device::normalize(raw, ctx).map(|d| d.to_canonical_string()),
            FieldKind::Social => social::normalize(raw, ctx)
                .map(|s| format!("{}:{}", s.network.as_str(), s.handle())),
            FieldKind::Name => name::normalize(raw, ctx).map(|n| n.canonical_string()),
            FieldKind::BirthDate => date::normalize(raw, ctx).map(|d| d.iso()),
            FieldKind::City => city::normalize(raw, ctx).map(|c| c.as_str().to_string()),
            FieldKind::IdNumber => id_number::normalize(raw, ctx).map(|i| i.as_str().to_string()),
            FieldKind::Postcode => postcode::normalize(raw, ctx).map(|p| p.as_str().to_string()),
            FieldKind::Address => address::normalize(raw, ctx).map(|a| a.as_str().to_string()),
            FieldKind::Attribute => attribute::normalize(raw, ctx).map(String::from),
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a normaliser may know beyond the raw string: where the record comes from.
///
/// Cheap to clone (the candidate list is shared).
///
/// ```
/// use omnilink::normalize::{Context, Region};
/// let ctx = Context::new().region(Region::RU);
/// assert_eq!(ctx.region, Some(Region::RU));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Context {
    /// The record's country, or the source's default region: used for phone numbers written
    /// without a country code and for city/date conventions.
    pub region: Option<Region>,
    /// For multi-country exports with no country column: the regions a national-format phone
    /// number may belong to. Used only when `region` is `None`.
    pub candidate_regions: Arc<[Region]>,
    /// A region suggested by other fields of the same record (the city, the script of the
    /// name); breaks ties between candidate regions, never overrides `region`.
    pub hint: Option<Region>,
    /// How to read ambiguous numeric dates such as `03/04/1990`.
    pub date_order: DateOrder,
    /// How to canonicalise card numbers.
    pub card: CardPolicy,
    /// The network a bare social handle belongs to, when the column says so
    /// (an `instagram` column); `None` leaves bare handles with an unknown network.
    pub social_network: Option<Network>,
    /// Caps on what one record may hold, so one pathological export cannot cost unbounded
    /// time or memory.
    pub limits: Limits,
    /// Birth dates before this year are counted as [`Reject::Implausible`] (still compared,
    /// never shown in golden records); so are dates after the current year.
    pub earliest_birth_year: u16,
    /// The attributes ([`crate::Attribute`]) records are compared on, by name, in the order
    /// of their comparison fields ([`crate::compare::Field::attribute`]); at most
    /// [`crate::compare::Field::ATTRIBUTES`]. Empty: the batch pipeline takes the names the
    /// records carry, sorted.
    pub attributes: Arc<[String]>,
}

/// Caps applied by [`normalize_record`] to each record.
///
/// ```
/// use omnilink::normalize::{normalize_record, Context, Reject};
/// use omnilink::Record;
/// let mut ctx = Context::new();
/// ctx.limits.max_values_per_field = 2;
/// let r = Record::new("1", "crm").email("a@x.ru; b@y.ru; c@z.ru");
/// let n = normalize_record(&r, &ctx);
/// assert_eq!(n.emails.len(), 2);
/// assert_eq!(n.rejects[0].1, Reject::TooMany);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// A field (one cell, before it is split into values) longer than this many bytes is
    /// rejected whole as [`Reject::TooLong`]. Each value is further capped at
    /// [`MAX_RAW_LEN`] bytes by the normalisers.
    pub max_field_bytes: usize,
    /// At most this many values are read from one field (all the cells of one kind of a
    /// record together, after splitting on `,` `;` `|` and new lines); the rest are
    /// rejected as [`Reject::TooMany`].
    pub max_values_per_field: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_field_bytes: 64 * 1024,
            max_values_per_field: 32,
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context {
            region: None,
            candidate_regions: Arc::from([]),
            hint: None,
            date_order: DateOrder::default(),
            card: CardPolicy::default(),
            social_network: None,
            limits: Limits::default(),
            earliest_birth_year: 1900,
            attributes: Arc::from([]),
        }
    }
}

impl Context {
    /// A context with no region and default policies.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the default region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Sets the candidate regions for national-format phone numbers.
    pub fn candidate_regions(mut self, regions: impl Into<Vec<Region>>) -> Self {
        self.candidate_regions = regions.into().into();
        self
    }

    /// Sets the tie-breaking hint region.
    pub fn hint(mut self, hint: Option<Region>) -> Self {
        self.hint = hint;
        self
    }

    /// Sets how ambiguous numeric dates are read.
    pub fn date_order(mut self, order: DateOrder) -> Self {
        self.date_order = order;
        self
    }

    /// Sets the card policy.
    pub fn card_policy(mut self, policy: CardPolicy) -> Self {
        self.card = policy;
        self
    }

    /// Sets the network assumed for bare social handles.
    pub fn social_network(mut self, network: Option<Network>) -> Self {
        self.social_network = network;
        self
    }
}

/// Longest raw value any normaliser looks at, in bytes; longer input is [`Reject::TooLong`].
///
/// Real identifiers are far shorter; the cap keeps a pathological cell from costing time.
pub const MAX_RAW_LEN: usize = 1024;

/// Shared first step of every normaliser: trims, rejects empty and over-long input.
pub(crate) fn precheck(raw: &str) -> Result<&str, Reject> {
    if raw.len() > MAX_RAW_LEN {
        return Err(Reject::TooLong);
    }
    // Most values start and end with a visible ASCII character: nothing to trim.
    let visible = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_graphic());
    if visible(raw.as_bytes().first()) && visible(raw.as_bytes().last()) {
        return Ok(raw);
    }
    let t = raw.trim_matches(|c: char| c.is_whitespace() || c.is_control() || c == '\u{feff}');
    if t.is_empty() {
        return Err(Reject::Empty);
    }
    Ok(t)
}

/// The lines of a data table: trimmed, without blank lines and `#` comment lines.
pub(crate) fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Builds the normalisers' lookup tables now instead of on first use: the numbering plans
/// (about 80 ms, most of it `phonenumber` reading its metadata), the transliteration, name,
/// city, e-mail provider and card tables.
///
/// Nothing changes but timing. A caller that resolves records later can run this on a thread
/// of its own meanwhile (while a file is read), and a long-lived service can run it at start,
/// so that the first record does not pay for it.
///
/// ```
/// omnilink::normalize::prepare();
/// ```
pub fn prepare() {
    let ctx = Context::default();
    let samples = [
        crate::Record::new("prepare-1", "prepare")
            .phone("+7 912 345-67-89")
            .phone("8 (912) 345-67-89")
            .email("anna.petrova+shop@gmail.com")
            .card("4276 1600 1234 5678")
            .device("6D92078A-8246-4BA4-AE5B-76104861E7DC")
            .social(None, "https://t.me/anna_p")
            .full_name("Петрова Анна")
            .birth_date("1990-03-05")
            .city("Москва"),
        crate::Record::new("prepare-2", "prepare")
            .full_name("یاسر صالحی")
            .birth_date("۱۳۴۴/۱۰/۰۸")
            .city("قم"),
        crate::Record::new("prepare-3", "prepare")
            .full_name("राहुल शर्मा")
            .city("Mumbai"),
        crate::Record::new("prepare-4", "prepare")
            .full_name("José Müller")
            .email("n/a"),
    ];
    for r in &samples {
        std::hint::black_box(normalize_record(r, &ctx));
    }
}

/// Words that stand for "no value" in any field, compared after case-folding and trimming.
const PLACEHOLDER_WORDS: &str = include_str!("data/placeholders.txt");

static PLACEHOLDER_SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        PLACEHOLDER_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });

/// `true` if the whole value is a generic placeholder such as `n/a`, `none`, `-`, `нет`.
pub fn is_placeholder_word(value: &str) -> bool {
    let v = value.trim();
    if v.len() > 64 {
        return false;
    }
    let v = v.to_lowercase();
    let v = v.trim_matches(|c: char| matches!(c, '.' | '(' | ')' | '<' | '>' | '"' | '\''));
    !v.is_empty() && PLACEHOLDER_SET.contains(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precheck_trims_and_rejects() {
        assert_eq!(precheck("  x \t"), Ok("x"));
        assert_eq!(precheck(" \u{feff} "), Err(Reject::Empty));
        assert_eq!(precheck(&"9".repeat(MAX_RAW_LEN + 1)), Err(Reject::TooLong));
    }

    #[test]
    fn placeholder_words() {
        for w in [
            "n/a",
            "N/A",
            "none",
            "-",
            "нет",
            "null",
            "(none)",
            "Не указан",
        ] {
            assert!(is_placeholder_word(w), "{w}");
        }
        for w in ["anna", "79123456789", "moscow"] {
            assert!(!is_placeholder_word(w), "{w}");
        }
    }
}
