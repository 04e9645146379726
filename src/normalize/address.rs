//! Postal addresses -> house number, flat and street tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{is_placeholder_word, precheck, Context, Reject};

/// A postal address in canonical form.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    text: Box<str>,
    house: Option<Box<str>>,
    flat: Option<Box<str>>,
    street: Vec<Box<str>>,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({} tokens)", self.street.len())
    }
}

impl Address {
    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The house number.
    pub fn house(&self) -> Option<&str> {
        self.house.as_deref()
    }
    /// The flat.
    pub fn flat(&self) -> Option<&str> {
        self.flat.as_deref()
    }
    /// The street words.
    pub fn street_tokens(&self) -> impl Iterator<Item = &str> {
        self.street.iter().map(|s| &**s)
    }
    /// The street's main word.
    pub fn street_key(&self) -> &str {
        self.street.first().map_or("", |s| s)
    }
}

/// Normalises an address.
pub fn normalize(raw: &str, _ctx: &Context) -> Result<Address, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let lower = t.to_lowercase();
    let mut house = None;
    let mut street = Vec::new();
    for tok in lower.split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()) {
        if tok.bytes().any(|b| b.is_ascii_digit()) && house.is_none() {
            house = Some(Box::from(tok));
        } else {
            street.push(Box::from(tok));
        }
    }
    if house.is_none() && street.is_empty() {
        return Err(Reject::Empty);
    }
    let mut text = String::new();
    if let Some(h) = &house {
        text.push_str(h);
    }
    for s in &street {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(s);
    }
    Ok(Address {
        text: text.into(),
        house,
        flat: None,
        street,
    })
}

/// Token similarity in [0, 1].
pub fn similarity(a: &Address, b: &Address) -> f64 {
    let (x, y) = (&a.street, &b.street);
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let best = |from: &[Box<str>], to: &[Box<str>]| {
        from.iter()
            .map(|t| to.iter().map(|u| strsim::jaro_winkler(t, u)).fold(0.0, f64::max))
            .sum::<f64>()
            / from.len() as f64
    };
    (best(x, y) + best(y, x)) / 2.0
}
