//! Postal codes -> canonical code and area.

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Reject};

/// A postal code in canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Postcode {
    code: Box<str>,
    area: u8,
}

impl Postcode {
    /// The canonical code.
    pub fn as_str(&self) -> &str {
        &self.code
    }
    /// The prefix naming the area.
    pub fn area(&self) -> &str {
        &self.code[..self.area as usize]
    }
}

/// Normalises a postal code.
pub fn normalize(raw: &str, _ctx: &Context) -> Result<Postcode, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let code: String = t
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() < 3 || code.len() > 10 {
        return Err(Reject::Invalid);
    }
    let area = (code.len() / 2) as u8;
    Ok(Postcode {
        code: code.into(),
        area,
    })
}
