//! The reading rules of `data/phone_rules.txt`, parsed once.

use std::sync::LazyLock;

use crate::normalize::Region;

const RULES: &str = include_str!("../data/phone_rules.txt");

/// Words, digit scripts and legacy prefixes used when reading raw numbers.
#[derive(Debug)]
pub(super) struct Rules {
    /// Extension markers, lower-case, longest first.
    pub ext: Vec<Box<[char]>>,
    /// Labels allowed before the number, lower-case, longest first.
    pub labels: Vec<Box<[char]>>,
    /// Code points of the digit zero of each script besides ASCII, sorted.
    pub zeros: Vec<u32>,
    /// Separator code point ranges besides ASCII punctuation and white space, sorted.
    pub seps: Vec<(u32, u32)>,
    /// Legacy national prefixes by region.
    pub trunks: Vec<(Region, Box<[u8]>)>,
}

pub(super) static RULES_TABLE: LazyLock<Rules> = LazyLock::new(|| parse(RULES));

fn parse(text: &str) -> Rules {
    let mut rules = Rules {
        ext: Vec::new(),
        labels: Vec::new(),
        zeros: Vec::new(),
        seps: Vec::new(),
        trunks: Vec::new(),
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = |w: &str| -> Box<[char]> { w.chars().flat_map(char::to_lowercase).collect() };
        match (parts.next(), parts.next(), parts.next()) {
            (Some("ext"), Some(w), None) => rules.ext.push(word(w)),
            (Some("label"), Some(w), None) => rules.labels.push(word(w)),
            (Some("digits"), Some(hex), None) => {
                if let Ok(cp) = u32::from_str_radix(hex, 16) {
                    rules.zeros.push(cp);
                }
            }
            (Some("sep"), Some(a), Some(b)) => {
                if let (Ok(a), Ok(b)) = (u32::from_str_radix(a, 16), u32::from_str_radix(b, 16)) {
                    rules.seps.push((a, b));
                }
            }
            (Some("trunk"), Some(region), Some(prefix)) => {
                if let Some(r) = Region::new(region) {
                    if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
                        rules.trunks.push((r, prefix.as_bytes().into()));
                    }
                }
            }
            // An unknown line is ignored; the unit test below keeps the file clean.
            _ => {}
        }
    }
    rules.ext.sort_by_key(|w| std::cmp::Reverse(w.len()));
    rules.labels.sort_by_key(|w| std::cmp::Reverse(w.len()));
    rules.zeros.sort_unstable();
    rules.seps.sort_unstable();
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_understood() {
        let mut expected = 0;
        for line in RULES.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                expected += 1;
            }
        }
        let r = &*RULES_TABLE;
        let got = r.ext.len() + r.labels.len() + r.zeros.len() + r.seps.len() + r.trunks.len();
        assert_eq!(
            got, expected,
            "a line of phone_rules.txt was not understood"
        );
    }

    #[test]
    fn digit_zeros_are_digit_zeros() {
        // Every listed code point starts a run of ten consecutive decimal digits.
        for &z in &RULES_TABLE.zeros {
            for k in 0..10 {
                let c = char::from_u32(z + k).expect("valid code point");
                assert!(c.is_numeric(), "{z:X}+{k} is not numeric");
            }
        }
    }
}
