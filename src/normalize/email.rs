//! E-mail addresses -> canonical mailbox.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// A canonical e-mail address: case-folded, IDN domain in ASCII (punycode), provider
/// aliases resolved (`googlemail.com` -> `gmail.com`), dots and `+tags` removed where the
/// provider ignores them. `Debug` does not show the address; use [`Email::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email {
    address: Box<str>,
}

impl Email {
    /// The canonical address.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before `@`.
    pub fn local(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

/// Normalises one raw e-mail address.
pub fn normalize(raw: &str, ctx: &Context) -> Result<Email, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
