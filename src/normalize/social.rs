//! Social network and messenger handles -> `(network, handle)`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// A social network or messenger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Network {
    /// instagram.com
    Instagram,
    /// Telegram (t.me)
    Telegram,
    /// vk.com
    Vk,
    /// x.com / twitter.com
    X,
    /// facebook.com
    Facebook,
    /// tiktok.com
    TikTok,
    /// A bare handle with no network context.
    Unknown,
}

/// A handle on a network, case-folded, without `@` or URL parts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Social {
    /// The network.
    pub network: Network,
    handle: Box<str>,
}

impl Social {
    /// The handle, case-folded, without `@`.
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

impl fmt::Debug for Social {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Social({:?}, <redacted>)", self.network)
    }
}

/// Normalises one raw handle or profile URL.
pub fn normalize(raw: &str, ctx: &Context) -> Result<Social, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
