//! The record model: one row of one channel's export, as raw strings.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::normalize::Network;

/// A dense index of a record inside one run (`0..n`): pairs, blocks and the union-find are
/// arrays of these, not of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordId(pub u32);

impl RecordId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A social handle as given, with the network when the column says which
/// (an `instagram` column holds Instagram handles).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialInput {
    /// The network, when known from context.
    #[serde(default)]
    pub network: Option<Network>,
    /// The raw handle or profile URL.
    pub value: String,
}

/// One record of one channel, as raw strings. Several values are allowed per identifier kind
/// (two phones, two e-mails), and a single string may itself hold several values separated by
/// `,` `;` or `|`.
///
/// Build one with chained setters, or deserialize it with serde.
///
/// ```
/// use omnilink::Record;
/// let r = Record::new("till-42", "store")
///     .phone("8 912 345-67-89")
///     .email("Anna.Petrova@gmail.com")
///     .full_name("Петрова Анна")
///     .country("RU");
/// assert_eq!(r.phones.len(), 1);
/// ```
///
/// `Debug` shows the id, the source and how many values each field holds, never the values.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Record {
    /// The record's id in its source system.
    pub id: String,
    /// The channel or system it comes from (`web`, `app`, `store`, `call_centre`, ...).
    pub source: String,
    /// The record's country (any case, two-letter code), when the source knows it.
    pub country: Option<String>,
    /// Telephone numbers.
    pub phones: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Discount / loyalty card numbers.
    pub cards: Vec<String>,
    /// Device ids (IDFA, GAID, vendor ids).
    pub devices: Vec<String>,
    /// Social network and messenger handles.
    pub socials: Vec<SocialInput>,
    /// The whole name in one string.
    pub full_name: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Patronymic or middle name.
    pub middle_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Date of birth, in any common format.
    pub birth_date: Option<String>,
    /// City.
    pub city: Option<String>,
    /// When the source last updated the record (ISO 8601 date or date-time); used by
    /// "most recent" survivorship.
    pub updated_at: Option<String>,
    /// Identity or customer numbers (SSN, passport, INN, IIN, PINFL, Aadhaar, PAN, a
    /// retailer's customer number, ...).
    pub id_numbers: Vec<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// The parts of one postal address in column order (house number, street, address lines,
    /// flat); they are read together as one address.
    pub address: Vec<String>,
    /// Other attributes an export carries (gender, state, occupation, segment, ...), each
    /// compared as its [`AttributeKind`] says.
    pub attributes: Vec<Attribute>,
}

/// How an attribute is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// A free string compared fuzzily (an occupation, a company name).
    Text,
    /// An exact value from a small set (gender, state, segment).
    Category,
}

/// One named attribute of a record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name (the column header), which pairs it with the same attribute of
    /// other records.
    pub name: String,
    /// How it is compared.
    pub kind: AttributeKind,
    /// The raw value.
    pub value: String,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attribute({}, {:?}, <redacted>)", self.name, self.kind)
    }
}

impl Record {
    /// An empty record with an id and a source.
    pub fn new(id: impl Into<String>, source: impl Into<String>) -> Self {
        Record {
            id: id.into(),
            source: source.into(),
            ..Record::default()
        }
    }

    /// Adds a phone number.
    pub fn phone(mut self, v: impl Into<String>) -> Self {
        self.phones.push(v.into());
        self
    }

    /// Adds an e-mail address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.emails.push(v.into());
        self
    }

    /// Adds a card number.
    pub fn card(mut self, v: impl Into<String>) -> Self {
        self.cards.push(v.into());
        self
    }

    /// Adds a device id.
    pub fn device(mut self, v: impl Into<String>) -> Self {
        self.devices.push(v.into());
        self
    }

    /// Adds a social handle or profile URL; `network` when the context says which.
    pub fn social(mut self, network: Option<Network>, v: impl Into<String>) -> Self {
        self.socials.push(SocialInput {
            network,
            value: v.into(),
        });
        self
    }

    /// Sets the full name.
    pub fn full_name(mut self, v: impl Into<String>) -> Self {
        self.full_name = Some(v.into());
        self
    }

    /// Sets the given name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }

    /// Sets the patronymic or middle name.
    pub fn middle_name(mut self, v: impl Into<String>) -> Self {
        self.middle_name = Some(v.into());
        self
    }

    /// Sets the family name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }

    /// Sets the birth date.
    pub fn birth_date(mut self, v: impl Into<String>) -> Self {
        self.birth_date = Some(v.into());
        self
    }

    /// Sets the city.
    pub fn city(mut self, v: impl Into<String>) -> Self {
        self.city = Some(v.into());
        self
    }

    /// Sets the country (two-letter code).
    pub fn country(mut self, v: impl Into<String>) -> Self {
        self.country = Some(v.into());
        self
    }

    /// Sets the last-update timestamp.
    pub fn updated_at(mut self, v: impl Into<String>) -> Self {
        self.updated_at = Some(v.into());
        self
    }

    /// Adds an identity or customer number.
    pub fn id_number(mut self, v: impl Into<String>) -> Self {
        self.id_numbers.push(v.into());
        self
    }

    /// Sets the postal code.
    pub fn postcode(mut self, v: impl Into<String>) -> Self {
        self.postcode = Some(v.into());
        self
    }

    /// Adds a part of the postal address (a house number, a street, an address line, a
    /// flat); parts are read in the order they were added.
    pub fn address(mut self, v: impl Into<String>) -> Self {
        self.address.push(v.into());
        self
    }

    /// Adds a named attribute.
    ///
    /// ```
    /// use omnilink::{record::AttributeKind, Record};
    /// let r = Record::new("1", "crm").attribute("state", AttributeKind::Category, "NSW");
    /// assert_eq!(r.attributes[0].name, "state");
    /// ```
    pub fn attribute(
        mut self,
        name: impl Into<String>,
        kind: AttributeKind,
        v: impl Into<String>,
    ) -> Self {
        self.attributes.push(Attribute {
            name: name.into(),
            kind,
            value: v.into(),
        });
        self
    }

    /// Reads the first byte of every value, so that the record's memory is on its way to the
    /// cache while earlier records are worked on. Records built one at a time lie scattered
    /// in memory, and normalising them otherwise waits on every value in turn.
    pub(crate) fn read_ahead(&self) -> u8 {
        let first = |s: &str| s.as_bytes().first().copied().unwrap_or(0);
        let opt = |s: &Option<String>| s.as_deref().map_or(0, first);
        let all = |v: &[String]| v.iter().fold(0, |acc, s| acc ^ first(s));
        first(&self.id)
            ^ first(&self.source)
            ^ opt(&self.country)
            ^ all(&self.phones)
            ^ all(&self.emails)
            ^ all(&self.cards)
            ^ all(&self.devices)
            ^ self.socials.iter().fold(0, |acc, s| acc ^ first(&s.value))
            ^ opt(&self.full_name)
            ^ opt(&self.first_name)
            ^ opt(&self.middle_name)
            ^ opt(&self.last_name)
            ^ opt(&self.birth_date)
            ^ opt(&self.city)
            ^ opt(&self.updated_at)
            ^ all(&self.id_numbers)
            ^ opt(&self.postcode)
            ^ all(&self.address)
            ^ self
                .attributes
                .iter()
                .fold(0, |acc, a| acc ^ first(&a.value))
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present = |o: &Option<String>| o.is_some();
        f.debug_struct("Record")
            .field("id", &self.id)
            .field("source", &self.source)
            .field("phones", &self.phones.len())
            .field("emails", &self.emails.len())
            .field("cards", &self.cards.len())
            .field("devices", &self.devices.len())
            .field("socials", &self.socials.len())
            .field(
                "name",
                &(present(&self.full_name)
                    || present(&self.first_name)
                    || present(&self.last_name)),
            )
            .field("birth_date", &present(&self.birth_date))
            .field("city", &present(&self.city))
            .field("id_numbers", &self.id_numbers.len())
            .field("postcode", &present(&self.postcode))
            .field("address", &self.address.len())
            .field("attributes", &self.attributes)
            .finish()
    }
}

impl fmt::Debug for SocialInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SocialInput({:?}, <redacted>)", self.network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_values() {
        let r = Record::new("r1", "web")
            .phone("+79123456789")
            .email("anna@example.com")
            .full_name("Anna Petrova")
            .social(Some(Network::Instagram), "@anna.p");
        let d = format!("{r:?}");
        assert!(d.contains("r1") && d.contains("web"));
        for secret in ["7912", "anna", "Petrova"] {
            assert!(!d.contains(secret), "{d}");
        }
    }

    #[test]
    fn serde_rejects_unknown_fields() {
        let ok: Record =
            serde_json::from_str(r#"{"id":"1","source":"app","phones":["1"]}"#).unwrap();
        assert_eq!(ok.phones, vec!["1".to_string()]);
        assert!(serde_json::from_str::<Record>(r#"{"id":"1","phone_no":"1"}"#).is_err());
    }
}
