//! The generator's tables, kept as text under `src/synth/data/` and parsed once.
//!
//! Market files have sections: `[meta]` (`calling_code`, `subscriber_digits`),
//! `[mobile_prefixes]` (whitespace-separated), `[email_domains]` and `[networks]` (`value
//! weight` per line), `[male]` and `[female]` (`name | alternative spellings, ... [|
//! patronymic male | patronymic female]`), `[last]` and `[cities]` (`name [| alternatives]`).
//! `#` starts a comment line. Malformed lines are skipped; the tests check every table's size.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::rng::Rng;
use crate::normalize::Network;

/// A name or city in the market's main script, with spellings in its other script
/// (Latin for RU/KZ/IR, Devanagari for IN, Cyrillic for UZ; empty for US/GB).
#[derive(Debug)]
pub(crate) struct Entry {
    pub native: &'static str,
    pub alt: Vec<&'static str>,
}

/// A first name; male names of markets that use patronymics also give them.
#[derive(Debug)]
pub(crate) struct Given {
    pub entry: Entry,
    /// (son's, daughter's) patronymic formed from this name.
    pub patronymic: Option<(&'static str, &'static str)>,
}

/// Values with integer weights.
#[derive(Debug)]
pub(crate) struct Weighted<T> {
    items: Vec<(T, u32)>,
    total: u32,
}

impl<T: Copy> Weighted<T> {
    fn new(items: Vec<(T, u32)>) -> Self {
        let total = items.iter().map(|i| i.1).sum();
        Weighted { items, total }
    }

    pub(crate) fn pick(&self, rng: &mut Rng) -> T {
        let mut x = rng.below(u64::from(self.total)) as u32;
        for &(v, w) in &self.items {
            if x < w {
                return v;
            }
            x -= w;
        }
        self.items[self.items.len() - 1].0
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

/// One market's tables.
#[derive(Debug)]
pub(crate) struct MarketData {
    pub calling_code: &'static str,
    pub subscriber_digits: u32,
    pub mobile_prefixes: Vec<&'static str>,
    pub email_domains: Weighted<&'static str>,
    pub networks: Weighted<Network>,
    pub male: Vec<Given>,
    pub female: Vec<Given>,
    pub last: Vec<Entry>,
    pub cities: Vec<Entry>,
}

const SOURCES: [&str; 7] = [
    include_str!("data/ru.txt"),
    include_str!("data/kz.txt"),
    include_str!("data/ir.txt"),
    include_str!("data/in.txt"),
    include_str!("data/uz.txt"),
    include_str!("data/us.txt"),
    include_str!("data/gb.txt"),
];

/// The markets, in the order of [`crate::normalize::Region::MARKETS`]: RU, KZ, IR, IN, UZ,
/// US, GB.
pub(crate) static MARKETS: LazyLock<Vec<MarketData>> =
    LazyLock::new(|| SOURCES.iter().map(|s| parse_market(s)).collect());

/// Diminutives by the name they stand for.
pub(crate) static NICKNAMES: LazyLock<HashMap<&'static str, Vec<&'static str>>> =
    LazyLock::new(|| {
        parse_lists(include_str!("data/nicknames.txt"), ':', ',')
            .into_iter()
            .collect()
    });

/// Junk values by field kind (`phone`, `email`, ...).
pub(crate) static JUNK: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    parse_lists(include_str!("data/junk.txt"), ':', '|')
        .into_iter()
        .collect()
});

/// The junk values of one kind (empty if the kind is unknown).
pub(crate) fn junk(kind: &str) -> &'static [&'static str] {
    JUNK.get(kind).map(Vec::as_slice).unwrap_or(&[])
}

/// The name of a network as serde writes it (`instagram`, `tik_tok`, ...).
pub(crate) fn network_name(n: Network) -> &'static str {
    match n {
        Network::Instagram => "instagram",
        Network::Telegram => "telegram",
        Network::Vk => "vk",
        Network::X => "x",
        Network::Facebook => "facebook",
        Network::TikTok => "tik_tok",
        _ => "unknown",
    }
}

fn network_from_name(s: &str) -> Option<Network> {
    Some(match s {
        "instagram" => Network::Instagram,
        "telegram" => Network::Telegram,
        "vk" => Network::Vk,
        "x" => Network::X,
        "facebook" => Network::Facebook,
        "tik_tok" => Network::TikTok,
        _ => return None,
    })
}

fn content_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn split_list(s: &'static str, sep: char) -> Vec<&'static str> {
    s.split(sep)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_lists(
    text: &'static str,
    key_sep: char,
    sep: char,
) -> Vec<(&'static str, Vec<&'static str>)> {
    content_lines(text)
        .filter_map(|l| {
            let (k, v) = l.split_once(key_sep)?;
            Some((k.trim(), split_list(v, sep)))
        })
        .collect()
}

fn parse_market(text: &'static str) -> MarketData {
    let mut m = MarketData {
        calling_code: "",
        subscriber_digits: 0,
        mobile_prefixes: Vec::new(),
        email_domains: Weighted::new(Vec::new()),
        networks: Weighted::new(Vec::new()),
        male: Vec::new(),
        female: Vec::new(),
        last: Vec::new(),
        cities: Vec::new(),
    };
    let mut domains = Vec::new();
    let mut networks = Vec::new();
    let mut section = "";
    for line in content_lines(text) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            continue;
        }
        match section {
            "meta" => {
                if let Some((k, v)) = line.split_once('=') {
                    match k.trim() {
                        "calling_code" => m.calling_code = v.trim(),
                        "subscriber_digits" => m.subscriber_digits = v.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            "mobile_prefixes" => m.mobile_prefixes.extend(line.split_whitespace()),
            "email_domains" | "networks" => {
                let mut it = line.split_whitespace();
                let (Some(v), Some(w)) = (it.next(), it.next().and_then(|w| w.parse().ok())) else {
                    continue;
                };
                if section == "email_domains" {
                    domains.push((v, w));
                } else if let Some(n) = network_from_name(v) {
                    networks.push((n, w));
                }
            }
            "male" | "female" => {
                let parts: Vec<&'static str> = line.split('|').map(str::trim).collect();
                let entry = Entry {
                    native: parts[0],
                    alt: parts.get(1).map(|a| split_list(a, ',')).unwrap_or_default(),
                };
                let patronymic = match (parts.get(2), parts.get(3)) {
                    (Some(a), Some(b)) => Some((*a, *b)),
                    _ => None,
                };
                let given = Given { entry, patronymic };
                if section == "male" {
                    m.male.push(given);
                } else {
                    m.female.push(given);
                }
            }
            "last" | "cities" => {
                let (native, alt) = match line.split_once('|') {
                    Some((n, a)) => (n.trim(), split_list(a, ',')),
                    None => (line, Vec::new()),
                };
                let e = Entry { native, alt };
                if section == "last" {
                    m.last.push(e);
                } else {
                    m.cities.push(e);
                }
            }
            _ => {}
        }
    }
    m.email_domains = Weighted::new(domains);
    m.networks = Weighted::new(networks);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_market_is_complete() {
        assert_eq!(MARKETS.len(), 7);
        for (i, m) in MARKETS.iter().enumerate() {
            assert!(!m.calling_code.is_empty(), "market {i}");
            assert!(m.subscriber_digits >= 7, "market {i}");
            assert!(!m.mobile_prefixes.is_empty(), "market {i}");
            assert!(m.email_domains.len() >= 3, "market {i}");
            assert!(m.networks.len() >= 2, "market {i}");
            assert!(m.male.len() >= 50, "market {i}: {} male", m.male.len());
            assert!(
                m.female.len() >= 50,
                "market {i}: {} female",
                m.female.len()
            );
            assert!(m.last.len() >= 50, "market {i}: {} last", m.last.len());
            assert!(m.cities.len() >= 10, "market {i}");
            let has_alt = i < 5;
            for g in m.male.iter().chain(&m.female) {
                assert!(!g.entry.native.is_empty());
                assert_eq!(!g.entry.alt.is_empty(), has_alt, "{}", g.entry.native);
            }
            // Patronymics exactly in RU and KZ, for every male name.
            for g in &m.male {
                assert_eq!(g.patronymic.is_some(), i < 2, "{}", g.entry.native);
            }
        }
    }

    #[test]
    fn network_names_match_serde() {
        for n in [
            Network::Instagram,
            Network::Telegram,
            Network::Vk,
            Network::X,
            Network::Facebook,
            Network::TikTok,
        ] {
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(json.trim_matches('"'), network_name(n));
            assert_eq!(network_from_name(network_name(n)), Some(n));
        }
    }

    #[test]
    fn side_tables() {
        assert_eq!(NICKNAMES["Александр"], ["Саша", "Саня", "Шура"]);
        assert!(NICKNAMES["William"].contains(&"Bill"));
        for kind in [
            "phone",
            "email",
            "card",
            "device",
            "social",
            "name",
            "birth_date",
            "city",
        ] {
            assert!(!junk(kind).is_empty(), "{kind}");
        }
    }
}
