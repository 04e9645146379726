//! Telephone numbers -> E.164.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// What kind of line a number is, when the numbering plan says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineType {
    /// A mobile number.
    Mobile,
    /// A fixed (landline) number.
    FixedLine,
    /// The plan does not tell fixed from mobile (US, CA).
    FixedLineOrMobile,
    /// Toll-free, premium, shared-cost, VoIP, pager, UAN and other non-personal types.
    Other,
    /// Not known.
    Unknown,
}

/// A valid telephone number in E.164 form.
///
/// Stored as the E.164 digits in one integer (country code + national number, at most 15
/// digits), so it is `Copy`, hashes fast and blocks as an integer key. `Debug` does not show
/// the number; use [`Phone::e164`] to see it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Phone {
    digits: u64,
    country_code: u16,
    line: LineType,
}

impl Phone {
    /// The number as E.164 digits in one integer (e.g. `79123456789`).
    pub fn as_u64(&self) -> u64 {
        self.digits
    }

    /// The country calling code (`7`, `98`, `44`, ...).
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The line type, when known.
    pub fn line_type(&self) -> LineType {
        self.line
    }

    /// The E.164 string, `+` and digits (`+79123456789`).
    pub fn e164(&self) -> String {
        format!("+{}", self.digits)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Phone(+{} <redacted>, {:?})",
            self.country_code, self.line
        )
    }
}

/// Normalises one raw phone number to E.164.
pub fn normalize(raw: &str, ctx: &Context) -> Result<Phone, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
