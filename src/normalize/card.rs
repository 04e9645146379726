//! Discount and loyalty card numbers -> canonical number.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Context, Reject};

/// How card numbers are canonicalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CardPolicy {
    /// Drop leading zeros (`000123` and `123` become one card).
    pub strip_leading_zeros: bool,
    /// Reject numbers that fail the Luhn check.
    pub require_luhn: bool,
    /// What to keep of numbers that look like bank cards (16 digits passing Luhn).
    pub bank_cards: BankCardPolicy,
}

impl Default for CardPolicy {
    fn default() -> Self {
        CardPolicy {
            strip_leading_zeros: true,
            require_luhn: false,
            bank_cards: BankCardPolicy::default(),
        }
    }
}

/// What to keep of a number that looks like a bank card: never the number in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BankCardPolicy {
    /// A keyed hash (HMAC-SHA-256) of the digits; equal cards still match.
    KeyedHash {
        /// The secret key. Use one key per deployment; an empty key still hides the number
        /// from casual view but not from someone who can enumerate card numbers.
        key: String,
    },
    /// Only the last four digits (weak for matching; many cards share them).
    Last4,
    /// Drop the value.
    Reject,
}

impl Default for BankCardPolicy {
    fn default() -> Self {
        BankCardPolicy::KeyedHash { key: String::new() }
    }
}

impl fmt::Debug for BankCardPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BankCardPolicy::KeyedHash { .. } => f.write_str("KeyedHash { key: <redacted> }"),
            BankCardPolicy::Last4 => f.write_str("Last4"),
            BankCardPolicy::Reject => f.write_str("Reject"),
        }
    }
}

/// A canonical card number, or what is kept of a bank card.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Card {
    /// A loyalty/discount card number: significant digits (or upper-case alphanumerics).
    Number(Box<str>),
    /// Hex HMAC-SHA-256 of a bank-card-like number.
    BankHash(Box<str>),
    /// The last four digits of a bank-card-like number.
    BankLast4(Box<str>),
}

impl Card {
    /// The canonical key as a string.
    pub fn as_str(&self) -> &str {
        match self {
            Card::Number(s) | Card::BankHash(s) | Card::BankLast4(s) => s,
        }
    }
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Card::Number(_) => f.write_str("Card::Number(<redacted>)"),
            Card::BankHash(_) => f.write_str("Card::BankHash(<redacted>)"),
            Card::BankLast4(_) => f.write_str("Card::BankLast4(<redacted>)"),
        }
    }
}

/// Normalises one raw card number.
pub fn normalize(raw: &str, ctx: &Context) -> Result<Card, Reject> {
    let _ = (raw, ctx);
    Err(Reject::Invalid)
}
