//! Device identifiers (IDFA, GAID, vendor ids) -> canonical id.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// A canonical device identifier.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceId {
    /// A UUID-shaped advertising id (IDFA, GAID), as its 128 bits.
    Uuid(u128),
    /// Any other vendor id, lower-cased.
    Opaque(Box<str>),
}

impl DeviceId {
    /// The canonical text form: lower-case hyphenated UUID, or the opaque id.
    pub fn to_canonical_string(&self) -> String {
        match self {
            DeviceId::Uuid(v) => uuid::Uuid::from_u128(*v).hyphenated().to_string(),
            DeviceId::Opaque(s) => s.to_string(),
        }
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceId::Uuid(_) => f.write_str("DeviceId::Uuid(<redacted>)"),
            DeviceId::Opaque(_) => f.write_str("DeviceId::Opaque(<redacted>)"),
        }
    }
}

/// Normalises one raw device id.
pub fn normalize(raw: &str, ctx: &Context) -> Result<DeviceId, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
