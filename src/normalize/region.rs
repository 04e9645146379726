//! Regions (countries) as ISO 3166-1 alpha-2 codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A region as an upper-case ISO 3166-1 alpha-2 code (`RU`, `IR`, `GB`, ...).
///
/// `UK` is accepted as an alias of `GB` when parsing.
///
/// ```
/// use omnilink::normalize::Region;
/// let r: Region = "uk".parse().unwrap();
/// assert_eq!(r, Region::GB);
/// assert_eq!(r.as_str(), "GB");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region([u8; 2]);

impl Region {
    /// Russia.
    pub const RU: Region = Region(*b"RU");
    /// Kazakhstan.
    pub const KZ: Region = Region(*b"KZ");
    /// Iran.
    pub const IR: Region = Region(*b"IR");
    /// India.
    pub const IN: Region = Region(*b"IN");
    /// Uzbekistan.
    pub const UZ: Region = Region(*b"UZ");
    /// United States.
    pub const US: Region = Region(*b"US");
    /// United Kingdom.
    pub const GB: Region = Region(*b"GB");

    /// The markets omnilink is tuned and tested for.
    pub const MARKETS: [Region; 7] = [
        Region::RU,
        Region::KZ,
        Region::IR,
        Region::IN,
        Region::UZ,
        Region::US,
        Region::GB,
    ];

    /// Builds a region from a two-letter code, in any case. Returns `None` for anything else.
    pub fn new(code: &str) -> Option<Region> {
        let b = code.trim().as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let r = Region([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]);
        Some(if r == Region(*b"UK") { Region::GB } else { r })
    }

    /// The two-letter upper-case code.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// The error of parsing a [`Region`] from a string that is not a two-letter code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseRegionError;

impl fmt::Display for ParseRegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a region must be a two-letter ISO 3166-1 code such as RU or GB")
    }
}

impl std::error::Error for ParseRegionError {}

impl FromStr for Region {
    type Err = ParseRegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::new(s).ok_or(ParseRegionError)
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Region::new(&s).ok_or_else(|| serde::de::Error::custom(ParseRegionError))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes() {
        assert_eq!(Region::new("ru"), Some(Region::RU));
        assert_eq!(Region::new(" Ir "), Some(Region::IR));
        assert_eq!(Region::new("UK"), Some(Region::GB));
        assert_eq!(Region::new("RUS"), None);
        assert_eq!(Region::new("7"), None);
        assert_eq!(Region::new("ру"), None);
    }

    #[test]
    fn serde_round_trip() {
        let json = serde_json::to_string(&Region::KZ).unwrap();
        assert_eq!(json, "\"KZ\"");
        let back: Region = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Region::KZ);
        assert!(serde_json::from_str::<Region>("\"K\"").is_err());
    }
}
