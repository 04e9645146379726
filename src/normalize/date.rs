//! Birth dates in many formats (and the Solar Hijri calendar) -> a Gregorian date.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// How to read a numeric date whose first two fields could both be a day or a month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateOrder {
    /// By the context's region: month first for US, day first elsewhere.
    #[default]
    Auto,
    /// `dd.mm.yyyy`, `dd/mm/yyyy`.
    DayFirst,
    /// `mm/dd/yyyy`.
    MonthFirst,
}

/// A Gregorian calendar date. `Debug` does not show it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BirthDate {
    year: u16,
    month: u8,
    day: u8,
}

impl BirthDate {
    /// A date, if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<BirthDate> {
        let _ = (year, month, day);
        None
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// ISO 8601 form, `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate(<redacted>)")
    }
}

/// Normalises one raw birth date.
pub fn normalize(raw: &str, ctx: &Context) -> Result<BirthDate, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
