//! Person names in Latin, Cyrillic, Arabic-Persian and Devanagari scripts -> folded Latin
//! tokens, nickname roots and phonetic keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// The dominant script a name was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Script {
    /// Latin letters.
    Latin,
    /// Cyrillic (Russian, Kazakh, Uzbek, ...).
    Cyrillic,
    /// Arabic script (Persian, Arabic, ...).
    Arabic,
    /// Devanagari (Hindi, Marathi, ...).
    Devanagari,
    /// Anything else or a mix.
    Other,
}

/// A normalised person name. Every part is folded Latin (`"aleksei"`), whatever the script it
/// was written in. `Debug` does not show the name.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Name {
    /// Given name.
    pub first: Option<Box<str>>,
    /// Patronymic or middle name.
    pub middle: Option<Box<str>>,
    /// Family name.
    pub last: Option<Box<str>>,
    /// The given name's root in the nickname tables (`"sasha"` -> `"aleksandr"`); equal to
    /// `first` when the table does not know it.
    pub first_root: Option<Box<str>>,
    /// The script the name was written in.
    pub script: Script,
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name(<redacted>, {:?})", self.script)
    }
}

/// Normalises a full name in one string ("Иванов Иван Иванович", "Anna Smith").
pub fn normalize(raw: &str, ctx: &Context) -> Result<Name, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}

/// Normalises a name given in separate parts; any may be missing.
pub fn from_parts(
    first: Option<&str>,
    middle: Option<&str>,
    last: Option<&str>,
    ctx: &Context,
) -> Result<Name, Reject> {
    let _ = (first, middle, last, ctx);
    Err(Reject::Invalid)
}

/// A phonetic key of one folded Latin token, for blocking (similar-sounding spellings of one
/// name share it).
pub fn phonetic(token: &str) -> String {
    token.to_string()
}
