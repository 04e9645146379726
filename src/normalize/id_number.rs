//! Identity and customer numbers -> canonical string.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Reject};

/// The numbering scheme recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scheme {
    /// No scheme recognised.
    Generic,
}

/// An identity or customer number.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdNumber {
    value: Box<str>,
    scheme: Scheme,
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({:?}, {} chars)", self.scheme, self.value.len())
    }
}

impl IdNumber {
    /// The canonical string.
    pub fn as_str(&self) -> &str {
        &self.value
    }
    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
}

/// Normalises an identity number.
pub fn normalize(raw: &str, _ctx: &Context) -> Result<IdNumber, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let v: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '_'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if v.len() < 4 || !v.bytes().any(|b| b.is_ascii_digit()) || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Reject::Invalid);
    }
    if v.len() > 32 {
        return Err(Reject::TooLong);
    }
    Ok(IdNumber {
        value: v.into(),
        scheme: Scheme::Generic,
    })
}

/// One substitution or one adjacent transposition apart.
pub fn close(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a == b {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}
