//! A seeded generator of omnichannel customer exports with ground truth.
//!
//! [`generate`] makes customers in seven markets (RU, KZ, IR, IN, UZ, US, GB), gives each of
//! them one or more records across six channels, damages the values the way real exports
//! do, plants the hard cases of identity resolution (changed phones, households, namesakes,
//! hub values, junk), shuffles everything and returns the records with the truth: which
//! customer each record belongs to.
//!
//! The same [`Config`] (including the seed) gives the same data, byte for byte, on every
//! platform: the generator uses its own fixed pseudo-random generator (xoshiro256** seeded by
//! SplitMix64), integer calendar arithmetic and no hash-map iteration order.
//!
//! ```
//! use omnilink::synth::{generate, Config, Tag};
//!
//! let data = generate(&Config { customers: 200, seed: 7, ..Config::default() })?;
//! assert_eq!(data.records.len(), data.truth.len());
//! assert!(data.records.len() > 200); // 2.5 records per customer on average
//! let entities = data.entity_labels();
//! assert_eq!(entities.len(), data.records.len());
//!
//! // Evaluate a trivial resolver that merges nothing.
//! let singletons: Vec<u32> = (0..data.records.len() as u32).collect();
//! let report = omnilink::eval::Report::new(&entities, &singletons)?;
//! assert_eq!(report.pairwise.precision, 1.0);
//! # let _ = Tag::Household;
//! # Ok::<(), omnilink::Error>(())
//! ```
//!
//! # Customers
//!
//! Market shares by default ([`MarketShares`]): RU 35 %, IN 15 %, IR 15 %, KZ 10 %, US 10 %,
//! UZ 8 %, GB 7 %. Each customer has a gender (half each), a first and a last name from the
//! market's tables (50+ each, in `src/synth/data/`), for RU and KZ a patronymic from a male
//! name, a birth date between 1950-01-01 and 2007-12-31, a city of the market (bigger cities
//! more often), a mobile number on a real operator prefix of the market (US numbers never on
//! the 555 exchange, GB never in 0770x), an e-mail on a market-typical domain derived from the
//! Latin form of the name plus a number that makes it unique, a 13-digit loyalty card
//! (`2770` chain prefix, EAN-13 check digit), an app device id (random UUID v4) and a
//! handle on a market-typical network (VK and Telegram in RU, Telegram in UZ, Facebook and X in
//! IN/US/GB, ...). Phone numbers and cards are one-to-one functions of the customer's index,
//! so no two customers share one by accident (below 40 million customers); only households
//! and hubs share values.
//!
//! # Records and channels
//!
//! The number of records per customer is `1 + G`, G geometric, with mean
//! [`Config::mean_records_per_customer`] (2.5) and cap [`Config::max_records_per_customer`]
//! (12). Each record comes from a channel chosen by [`ChannelWeights`] and fills the fields
//! that channel has (probability in brackets):
//!
//! | channel (`source`) | fields |
//! | --- | --- |
//! | `web` | email, first + last name (0.9), phone (0.4), city (0.7), birth date (0.2) |
//! | `app` | device, phone (0.7), email (0.6), first name (0.5), country |
//! | `store` | card (0.9), phone (0.7), full name (0.3), city (0.5), country |
//! | `call_centre` | phone, full name (RU/KZ with patronymic), birth date (0.8), city (0.5), country |
//! | `social` | handle with its network, full name (0.8), city (0.3) |
//! | `email_campaign` | email, first name (0.8) |
//!
//! The `country` column is filled only by `app`, `store` and `call_centre` records; `web`,
//! `social` and `email_campaign` leave it empty, so phones in national format there need a
//! hint from other fields. A customer's first record is dated between 2019-01-01 and
//! 2024-12-31 (`updated_at`), later ones follow at gaps of one hour to 60 days. Records are
//! shuffled; ids are `<source>-<n>`, unique.
//!
//! # Truth and tags
//!
//! Every record has a [`Truth`]: its customer (`entity`), its household and namesake group if
//! any, and [`Tags`]: the customer's hard cases ([`Tag::PhoneChanged`], [`Tag::Household`],
//! [`Tag::Namesake`], on every record of the customer) and what was done to this record
//! ([`Tag::HubPhone`], [`Tag::HubCard`], [`Tag::HubDevice`], [`Tag::Junk`],
//! [`Tag::Transliterated`], [`Tag::Diminutive`], [`Tag::Typo`]).
//!
//! The rates of the hard cases are in [`HardCases`], those of the damage in [`Noise`]; every
//! field documents its default and what it is a rate of.

mod data;
mod gen;
mod render;
mod rng;

use std::fmt;
use std::io;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Record, Result};

/// What to generate. Every rate is a probability in `[0, 1]`; see each field for what it is a
/// rate *of*. Build with struct update syntax over [`Config::default`], or deserialize
/// (missing fields take their defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Number of customers (true entities). Default 10 000.
    pub customers: u32,
    /// The seed: the same configuration and seed give the same bytes. Default 42.
    pub seed: u64,
    /// Share of customers per market.
    pub markets: MarketShares,
    /// Relative frequency of the channels records come from.
    pub channels: ChannelWeights,
    /// Mean number of records per customer (at least 1). Default 2.5.
    pub mean_records_per_customer: f64,
    /// Most records one customer can have (at least 1). Default 12.
    pub max_records_per_customer: u32,
    /// Rates of the hard cases.
    pub hard: HardCases,
    /// Rates of damage to values.
    pub noise: Noise,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            customers: 10_000,
            seed: 42,
            markets: MarketShares::default(),
            channels: ChannelWeights::default(),
            mean_records_per_customer: 2.5,
            max_records_per_customer: 12,
            hard: HardCases::default(),
            noise: Noise::default(),
        }
    }
}

impl Config {
    /// A configuration for `customers` customers with `seed` and default rates.
    pub fn new(customers: u32, seed: u64) -> Config {
        Config {
            customers,
            seed,
            ..Config::default()
        }
    }

    /// The same configuration with every [`Noise`] rate set to zero: values are written in
    /// one canonical form per kind (E.164 phones, lower-case e-mails, plain card digits, ISO
    /// dates, names in the market's main script). Hard cases are kept.
    pub fn without_noise(mut self) -> Config {
        self.noise = Noise::none();
        self
    }

    /// Checks that every rate is in `[0, 1]`, shares and weights are non-negative with a
    /// positive sum, and the record counts make sense.
    pub fn validate(&self) -> Result<()> {
        let mut rates: Vec<(&str, f64)> = vec![
            ("hard.phone_change", self.hard.phone_change),
            ("hard.household", self.hard.household),
            (
                "hard.household_same_last_name",
                self.hard.household_same_last_name,
            ),
            ("hard.namesake", self.hard.namesake),
            ("hard.namesake_same_city", self.hard.namesake_same_city),
            ("hard.hub_phone", self.hard.hub_phone),
            ("hard.hub_card", self.hard.hub_card),
            ("hard.hub_device", self.hard.hub_device),
        ];
        rates.extend(self.noise.fields());
        for (name, r) in rates {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::config(format!("synth: {name} must be in [0, 1]")));
            }
        }
        if self.hard.household + self.hard.namesake >= 1.0 {
            return Err(Error::config(
                "synth: hard.household + hard.namesake must be below 1",
            ));
        }
        let weights =
            |w: &[f64]| w.iter().all(|x| *x >= 0.0 && x.is_finite()) && w.iter().sum::<f64>() > 0.0;
        if !weights(&self.markets.as_array()) {
            return Err(Error::config(
                "synth: market shares must be non-negative with a positive sum",
            ));
        }
        if !weights(&self.channels.as_array()) {
            return Err(Error::config(
                "synth: channel weights must be non-negative with a positive sum",
            ));
        }
        if !(self.mean_records_per_customer >= 1.0 && self.mean_records_per_customer.is_finite()) {
            return Err(Error::config(
                "synth: mean_records_per_customer must be at least 1",
            ));
        }
        if self.max_records_per_customer == 0 {
            return Err(Error::config(
                "synth: max_records_per_customer must be at least 1",
            ));
        }
        Ok(())
    }
}

/// Share of customers per market; need not sum to 1 (they are normalised).
///
/// Defaults: RU 0.35, KZ 0.10, IR 0.15, IN 0.15, UZ 0.08, US 0.10, GB 0.07: a retailer whose
/// home market is Russia, with a strong Central Asian presence and online sales to Iran and
/// India, and a smaller English-speaking business.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketShares {
    /// Russia. Default 0.35.
    pub ru: f64,
    /// Kazakhstan. Default 0.10.
    pub kz: f64,
    /// Iran. Default 0.15.
    pub ir: f64,
    /// India. Default 0.15.
    #[serde(rename = "in")]
    pub in_: f64,
    /// Uzbekistan. Default 0.08.
    pub uz: f64,
    /// United States. Default 0.10.
    pub us: f64,
    /// United Kingdom. Default 0.07.
    pub gb: f64,
}

impl Default for MarketShares {
    fn default() -> Self {
        MarketShares {
            ru: 0.35,
            kz: 0.10,
            ir: 0.15,
            in_: 0.15,
            uz: 0.08,
            us: 0.10,
            gb: 0.07,
        }
    }
}

impl MarketShares {
    /// The shares in the order of [`Region::MARKETS`](crate::normalize::Region::MARKETS).
    pub fn as_array(&self) -> [f64; 7] {
        [
            self.ru, self.kz, self.ir, self.in_, self.uz, self.us, self.gb,
        ]
    }
}

/// Relative frequency of the channels a record comes from (normalised).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelWeights {
    /// Website forms and accounts. Default 0.25.
    pub web: f64,
    /// Mobile app. Default 0.20.
    pub app: f64,
    /// Store tills (loyalty card). Default 0.25.
    pub store: f64,
    /// Call centre. Default 0.10.
    pub call_centre: f64,
    /// Social networks and messengers. Default 0.08.
    pub social: f64,
    /// E-mail campaign lists. Default 0.12.
    pub email_campaign: f64,
}

impl Default for ChannelWeights {
    fn default() -> Self {
        ChannelWeights {
            web: 0.25,
            app: 0.20,
            store: 0.25,
            call_centre: 0.10,
            social: 0.08,
            email_campaign: 0.12,
        }
    }
}

impl ChannelWeights {
    /// The weights in the order of [`Channel::ALL`].
    pub fn as_array(&self) -> [f64; 6] {
        [
            self.web,
            self.app,
            self.store,
            self.call_centre,
            self.social,
            self.email_campaign,
        ]
    }
}

/// Rates of the hard cases of identity resolution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HardCases {
    /// Of customers with two or more records: share whose phone number changed. Records
    /// after the change carry the new number (sometimes beside the old one); the first record
    /// always carries the old number and the last the new one (for a household member, beside
    /// the household's number). Tag [`Tag::PhoneChanged`].
    /// Default 0.08.
    pub phone_change: f64,
    /// Share of customers who live in a household of 2-4 people (sizes 2, 3, 4 with
    /// probability 0.6, 0.3, 0.1). Members share one value (a phone 50 %, a family card 30 %,
    /// a tablet's device id 20 %) on at least one record each, live in the same city, have
    /// different first names and birth dates. Tag [`Tag::Household`]. Default 0.06.
    pub household: f64,
    /// Of households: share whose members share the last name (in its gendered form).
    /// Default 0.8.
    pub household_same_last_name: f64,
    /// Share of customers in a namesake group of 2 (80 %) or 3 people with the same gender,
    /// first and last name (RU/KZ: the same patronymic in 30 % of groups) but different birth
    /// dates and identifiers. Tag [`Tag::Namesake`]. With 50-odd names per list, accidental
    /// namesakes occur too; they are not grouped. Default 0.03.
    pub namesake: f64,
    /// Of namesake groups: share living in the same city. Default 0.5.
    pub namesake_same_city: f64,
    /// Of store records with a phone (other than a protected one): share where the cashier
    /// typed the store's own number (3 per market) instead. Tag [`Tag::HubPhone`].
    /// Default 0.02.
    pub hub_phone: f64,
    /// Of store records with a card: share where the cashier scanned the store's own card
    /// (3 per market). Tag [`Tag::HubCard`]. Default 0.02.
    pub hub_card: f64,
    /// Of app records: share made on a store's demo tablet (2 per market) rather than the
    /// customer's device. Tag [`Tag::HubDevice`]. Default 0.02.
    pub hub_device: f64,
}

impl Default for HardCases {
    fn default() -> Self {
        HardCases {
            phone_change: 0.08,
            household: 0.06,
            household_same_last_name: 0.8,
            namesake: 0.03,
            namesake_same_city: 0.5,
            hub_phone: 0.02,
            hub_card: 0.02,
            hub_device: 0.02,
        }
    }
}

/// Rates of damage to values, each applied independently per value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Noise {
    /// Of phones: share written in a national or grouped format (`+7 (912) 345-67-89`,
    /// `8 912 345 67 89`, `89123456789`, `09123456789`, `+91-98765 43210`, `(212) 345-6789`,
    /// `07911 123456`, ...) instead of E.164. Default 0.6.
    pub phone_format: f64,
    /// Of phones: share with an extension suffix (`доб. 12`, `ext. 123`, `x12`). Default 0.01.
    pub phone_extension: f64,
    /// Of IR phones and IR birth dates: share written with Persian digits. Default 0.2.
    pub persian_digits: f64,
    /// Of e-mails: share with changed case (`Ivan.Petrov@Mail.ru`, all capitals). Default 0.1.
    pub email_case: f64,
    /// Of Gmail addresses: share with dots added or removed or a `+tag`. Default 0.3.
    pub gmail_variant: f64,
    /// Of e-mails: share with a one-letter typo in the domain (`gmial.com`). Tag
    /// [`Tag::Typo`]. Default 0.01.
    pub email_domain_typo: f64,
    /// Of phones, e-mails and cards: share with leading or trailing spaces. Default 0.03.
    pub spaces: f64,
    /// Of cards: share with separators or a prefix (`2770 1234 5678 9`, `LC-`, `№`).
    /// Default 0.4.
    pub card_format: f64,
    /// Of device ids: share upper-cased, without hyphens or in braces. Default 0.3.
    pub device_format: f64,
    /// Of social handles: share written as `@name`, a profile URL or with a capital.
    /// Default 0.5.
    pub handle_format: f64,
    /// Of records with a name or city in RU, KZ, IR, IN, UZ: share written in the market's
    /// other script (Latin for RU/KZ/IR with the person's own spelling habits, Devanagari for
    /// IN, Cyrillic for UZ). Tag [`Tag::Transliterated`]. Default 0.15.
    pub transliteration: f64,
    /// Of first names that have one in the generator's table: share replaced by a diminutive
    /// (Саша for Александр, Bill for William). Tag [`Tag::Diminutive`]. Default 0.08.
    pub diminutive: f64,
    /// Of records with a name: share with a one-letter typo in the first or last name. Tag
    /// [`Tag::Typo`]. Default 0.03.
    pub name_typo: f64,
    /// Of full names: share in the other order (`Иванов Иван Иванович` vs `Иван Иванович
    /// Иванов`, `Smith, John`). Default 0.15.
    pub name_order: f64,
    /// Of RU/KZ Cyrillic names containing ё: share written with е. Default 0.5.
    pub yo_as_ye: f64,
    /// Of IR names in Persian script: share typed with Arabic ي and ك. Default 0.1.
    pub arabic_letters: f64,
    /// Of birth dates: share in a market format (`14.03.1987`, `03/14/1987`, `14 Mar 1987`)
    /// instead of ISO. Default 0.5.
    pub date_format: f64,
    /// Of IR birth dates: share in the Solar Hijri calendar (`1365/12/23`). Default 0.3.
    pub jalali: f64,
    /// Of every field value: share replaced by a junk value (`n/a`, `0000000`,
    /// `test@test.com`, the nil UUID, `1900-01-01`). Tag [`Tag::Junk`]. Values that carry a
    /// hard case (the household's shared value, a changed phone's first and last showing)
    /// are spared. Default 0.02.
    pub junk: f64,
}

impl Default for Noise {
    fn default() -> Self {
        Noise {
            phone_format: 0.6,
            phone_extension: 0.01,
            persian_digits: 0.2,
            email_case: 0.1,
            gmail_variant: 0.3,
            email_domain_typo: 0.01,
            spaces: 0.03,
            card_format: 0.4,
            device_format: 0.3,
            handle_format: 0.5,
            transliteration: 0.15,
            diminutive: 0.08,
            name_typo: 0.03,
            name_order: 0.15,
            yo_as_ye: 0.5,
            arabic_letters: 0.1,
            date_format: 0.5,
            jalali: 0.3,
            junk: 0.02,
        }
    }
}

impl Noise {
    /// Every rate zero.
    pub fn none() -> Noise {
        Noise {
            phone_format: 0.0,
            phone_extension: 0.0,
            persian_digits: 0.0,
            email_case: 0.0,
            gmail_variant: 0.0,
            email_domain_typo: 0.0,
            spaces: 0.0,
            card_format: 0.0,
            device_format: 0.0,
            handle_format: 0.0,
            transliteration: 0.0,
            diminutive: 0.0,
            name_typo: 0.0,
            name_order: 0.0,
            yo_as_ye: 0.0,
            arabic_letters: 0.0,
            date_format: 0.0,
            jalali: 0.0,
            junk: 0.0,
        }
    }

    fn fields(&self) -> [(&'static str, f64); 19] {
        [
            ("noise.phone_format", self.phone_format),
            ("noise.phone_extension", self.phone_extension),
            ("noise.persian_digits", self.persian_digits),
            ("noise.email_case", self.email_case),
            ("noise.gmail_variant", self.gmail_variant),
            ("noise.email_domain_typo", self.email_domain_typo),
            ("noise.spaces", self.spaces),
            ("noise.card_format", self.card_format),
            ("noise.device_format", self.device_format),
            ("noise.handle_format", self.handle_format),
            ("noise.transliteration", self.transliteration),
            ("noise.diminutive", self.diminutive),
            ("noise.name_typo", self.name_typo),
            ("noise.name_order", self.name_order),
            ("noise.yo_as_ye", self.yo_as_ye),
            ("noise.arabic_letters", self.arabic_letters),
            ("noise.date_format", self.date_format),
            ("noise.jalali", self.jalali),
            ("noise.junk", self.junk),
        ]
    }
}

/// The channel a record comes from; its [`as_str`](Channel::as_str) is the record's `source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `web`
    Web,
    /// `app`
    App,
    /// `store`
    Store,
    /// `call_centre`
    CallCentre,
    /// `social`
    Social,
    /// `email_campaign`
    EmailCampaign,
}

impl Channel {
    /// Every channel, in the order of [`ChannelWeights::as_array`].
    pub const ALL: [Channel; 6] = [
        Channel::Web,
        Channel::App,
        Channel::Store,
        Channel::CallCentre,
        Channel::Social,
        Channel::EmailCampaign,
    ];

    /// The source name written into records.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::App => "app",
            Channel::Store => "store",
            Channel::CallCentre => "call_centre",
            Channel::Social => "social",
            Channel::EmailCampaign => "email_campaign",
        }
    }

    /// Whether records of this channel fill the `country` column.
    pub fn has_country(self) -> bool {
        matches!(self, Channel::App | Channel::Store | Channel::CallCentre)
    }
}

/// A hard case or a kind of damage, recorded in the truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Tag {
    /// The customer changed phone number (on every record of the customer).
    PhoneChanged,
    /// The customer belongs to a household (on every record of the customer).
    Household,
    /// The customer belongs to a namesake group (on every record of the customer).
    Namesake,
    /// This record's phone is a store's placeholder number shared by many customers.
    HubPhone,
    /// This record's card is a cashier's card shared by many customers.
    HubCard,
    /// This record's device is a demo tablet shared by many customers.
    HubDevice,
    /// A value of this record was replaced by junk.
    Junk,
    /// This record's name or city is in the market's other script.
    Transliterated,
    /// This record's first name is a diminutive.
    Diminutive,
    /// This record has a one-letter typo in a name or an e-mail domain.
    Typo,
}

impl Tag {
    /// Every tag.
    pub const ALL: [Tag; 10] = [
        Tag::PhoneChanged,
        Tag::Household,
        Tag::Namesake,
        Tag::HubPhone,
        Tag::HubCard,
        Tag::HubDevice,
        Tag::Junk,
        Tag::Transliterated,
        Tag::Diminutive,
        Tag::Typo,
    ];

    /// A short, stable, snake-case name (`phone_changed`, `hub_card`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::PhoneChanged => "phone_changed",
            Tag::Household => "household",
            Tag::Namesake => "namesake",
            Tag::HubPhone => "hub_phone",
            Tag::HubCard => "hub_card",
            Tag::HubDevice => "hub_device",
            Tag::Junk => "junk",
            Tag::Transliterated => "transliterated",
            Tag::Diminutive => "diminutive",
            Tag::Typo => "typo",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown tag name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseTagError;

impl fmt::Display for ParseTagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown tag")
    }
}

impl std::error::Error for ParseTagError {}

impl FromStr for Tag {
    type Err = ParseTagError;
    fn from_str(s: &str) -> std::result::Result<Tag, ParseTagError> {
        Tag::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or(ParseTagError)
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Tag, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of [`Tag`]s (a bitset). Displays and serialises as its tags in a fixed order;
/// `Display` joins them with `;`.
///
/// ```
/// use omnilink::synth::{Tag, Tags};
/// let mut t = Tags::default();
/// t.insert(Tag::Junk);
/// t.insert(Tag::Household);
/// assert!(t.contains(Tag::Junk));
/// assert_eq!(t.to_string(), "household;junk");
/// assert_eq!("household;junk".parse::<Tags>(), Ok(t));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Tags(u16);

impl Tags {
    /// Adds a tag.
    pub fn insert(&mut self, tag: Tag) {
        self.0 |= tag.bit();
    }

    /// Whether the set holds `tag`.
    pub fn contains(self, tag: Tag) -> bool {
        self.0 & tag.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The tags, in the order of [`Tag::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Tag> {
        Tag::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    fn union(self, other: Tags) -> Tags {
        Tags(self.0 | other.0)
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(t.as_str())?;
        }
        Ok(())
    }
}

impl FromStr for Tags {
    type Err = ParseTagError;
    fn from_str(s: &str) -> std::result::Result<Tags, ParseTagError> {
        let mut t = Tags::default();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            t.insert(part.parse()?);
        }
        Ok(t)
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Tags, D::Error> {
        let v = Vec::<Tag>::deserialize(d)?;
        let mut t = Tags::default();
        for tag in v {
            t.insert(tag);
        }
        Ok(t)
    }
}

/// The truth about one record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// The record's id (equal to its [`Record::id`]).
    pub record_id: String,
    /// The customer the record belongs to (`0..customers`).
    pub entity: u32,
    /// The customer's household, if any.
    pub household: Option<u32>,
    /// The customer's namesake group, if any.
    pub namesake_group: Option<u32>,
    /// The customer's hard cases and what was done to this record.
    pub tags: Tags,
}

/// Generated records and their truth; `truth[i]` describes `records[i]`.
#[derive(Clone, Default)]
pub struct Dataset {
    /// The records, shuffled.
    pub records: Vec<Record>,
    /// The truth, one per record, in the same order.
    pub truth: Vec<Truth>,
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("records", &self.records.len())
            .field("truth", &self.truth.len())
            .finish()
    }
}

/// Generates a data set. Fails only on an invalid configuration ([`Config::validate`]).
///
/// ```
/// use omnilink::synth::{generate, Config};
/// let a = generate(&Config::new(50, 1))?;
/// let b = generate(&Config::new(50, 1))?;
/// assert_eq!(a.truth, b.truth);
/// # Ok::<(), omnilink::Error>(())
/// ```
pub fn generate(config: &Config) -> Result<Dataset> {
    config.validate()?;
    Ok(gen::run(config))
}

/// Columns of `records.csv`.
pub const RECORD_COLUMNS: [&str; 16] = [
    "record_id",
    "source",
    "country",
    "phone",
    "email",
    "card",
    "device_id",
    "social_network",
    "social",
    "full_name",
    "first_name",
    "middle_name",
    "last_name",
    "birth_date",
    "city",
    "updated_at",
];

/// Columns of `truth.csv`.
pub const TRUTH_COLUMNS: [&str; 5] = [
    "record_id",
    "entity_id",
    "household_id",
    "namesake_group",
    "tags",
];

impl Dataset {
    /// Per record, its customer: the `truth` labels for [`crate::eval`].
    pub fn entity_labels(&self) -> Vec<u32> {
        self.truth.iter().map(|t| t.entity).collect()
    }

    /// Per record, its household (for [`crate::eval::group_merge_rate`]).
    pub fn household_labels(&self) -> Vec<Option<u32>> {
        self.truth.iter().map(|t| t.household).collect()
    }

    /// Per record, its namesake group (for [`crate::eval::group_merge_rate`]).
    pub fn namesake_labels(&self) -> Vec<Option<u32>> {
        self.truth.iter().map(|t| t.namesake_group).collect()
    }

    /// Per record, whether it carries `tag` (for [`crate::eval::subset_recall`]; customer-level
    /// tags such as [`Tag::PhoneChanged`] are on every record of the customer).
    pub fn tag_mask(&self, tag: Tag) -> Vec<bool> {
        self.truth.iter().map(|t| t.tags.contains(tag)).collect()
    }

    /// Writes `records.csv` and `truth.csv` into `dir` (created if missing).
    pub fn write_csv(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(Some(dir.to_path_buf()), e))?;
        for (name, records) in [("records.csv", true), ("truth.csv", false)] {
            let path = dir.join(name);
            let file =
                std::fs::File::create(&path).map_err(|e| Error::io(Some(path.clone()), e))?;
            let w = io::BufWriter::with_capacity(1 << 20, file);
            let res = if records {
                self.write_records_csv(w)
            } else {
                self.write_truth_csv(w)
            };
            res.map_err(|e| match e.into_kind() {
                crate::ErrorKind::Io { source, .. } => Error::io(Some(path), source),
                other => Error::from(other),
            })?;
        }
        Ok(())
    }

    /// Writes the records as CSV with the header [`RECORD_COLUMNS`]. Several values of one
    /// field are joined with `;` (`social_network` and `social` in parallel); absent values are
    /// empty cells.
    pub fn write_records_csv<W: io::Write>(&self, w: W) -> Result<()> {
        let mut out = csv::Writer::from_writer(w);
        let map = |e: csv::Error| Error::io(None, e.into());
        out.write_record(RECORD_COLUMNS).map_err(map)?;
        let mut joined: [String; 6] = Default::default();
        for r in &self.records {
            for j in &mut joined {
                j.clear();
            }
            join_into(&mut joined[0], r.phones.iter().map(String::as_str));
            join_into(&mut joined[1], r.emails.iter().map(String::as_str));
            join_into(&mut joined[2], r.cards.iter().map(String::as_str));
            join_into(&mut joined[3], r.devices.iter().map(String::as_str));
            join_into(
                &mut joined[4],
                r.socials
                    .iter()
                    .map(|s| s.network.map_or("", data::network_name)),
            );
            join_into(&mut joined[5], r.socials.iter().map(|s| s.value.as_str()));
            fn o(v: &Option<String>) -> &str {
                v.as_deref().unwrap_or("")
            }
            out.write_record([
                r.id.as_str(),
                r.source.as_str(),
                o(&r.country),
                &joined[0],
                &joined[1],
                &joined[2],
                &joined[3],
                &joined[4],
                &joined[5],
                o(&r.full_name),
                o(&r.first_name),
                o(&r.middle_name),
                o(&r.last_name),
                o(&r.birth_date),
                o(&r.city),
                o(&r.updated_at),
            ])
            .map_err(map)?;
        }
        out.flush().map_err(|e| Error::io(None, e))
    }

    /// Writes the truth as CSV with the header [`TRUTH_COLUMNS`]; tags joined with `;`.
    pub fn write_truth_csv<W: io::Write>(&self, w: W) -> Result<()> {
        use std::fmt::Write as _;
        let mut out = csv::Writer::from_writer(w);
        let map = |e: csv::Error| Error::io(None, e.into());
        out.write_record(TRUTH_COLUMNS).map_err(map)?;
        let mut cells: [String; 4] = Default::default();
        for t in &self.truth {
            for c in &mut cells {
                c.clear();
            }
            let _ = write!(cells[0], "{}", t.entity);
            if let Some(h) = t.household {
                let _ = write!(cells[1], "{h}");
            }
            if let Some(n) = t.namesake_group {
                let _ = write!(cells[2], "{n}");
            }
            let _ = write!(cells[3], "{}", t.tags);
            out.write_record([
                t.record_id.as_str(),
                &cells[0],
                &cells[1],
                &cells[2],
                &cells[3],
            ])
            .map_err(map)?;
        }
        out.flush().map_err(|e| Error::io(None, e))
    }
}

fn join_into<'a>(out: &mut String, values: impl Iterator<Item = &'a str>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let mut t = Tags::default();
        assert!(t.is_empty());
        for tag in Tag::ALL {
            assert_eq!(tag.as_str().parse::<Tag>(), Ok(tag));
            t.insert(tag);
        }
        assert_eq!(t.iter().count(), Tag::ALL.len());
        let s = t.to_string();
        assert_eq!(s.parse::<Tags>(), Ok(t));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Tags>(&json).unwrap(), t);
        assert!("nope".parse::<Tags>().is_err());
    }

    #[test]
    fn config_validation() {
        assert!(Config::default().validate().is_ok());
        let mut c = Config::default();
        c.hard.household = 1.5;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.noise.junk = -0.1;
        assert!(c.validate().is_err());
        let c = Config {
            markets: MarketShares {
                ru: 0.0,
                kz: 0.0,
                ir: 0.0,
                in_: 0.0,
                uz: 0.0,
                us: 0.0,
                gb: 0.0,
            },
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            mean_records_per_customer: 0.5,
            ..Config::default()
        };
        assert!(c.validate().is_err());
        assert!(generate(&c).is_err());
    }

    #[test]
    fn config_serde_defaults() {
        let c: Config =
            serde_json::from_str(r#"{"customers": 5, "hard": {"household": 0.1}}"#).unwrap();
        assert_eq!(c.customers, 5);
        assert_eq!(c.hard.household, 0.1);
        assert_eq!(c.hard.namesake, HardCases::default().namesake);
        let m: MarketShares = serde_json::from_str(r#"{"in": 1.0}"#).unwrap();
        assert_eq!(m.in_, 1.0);
        assert!(serde_json::from_str::<Config>(r#"{"custmers": 5}"#).is_err());
    }
}
