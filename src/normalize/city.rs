//! City names -> a folded, transliterated key with aliases resolved.
//!
//! The raw name goes through the name folding (NFKC, case, Arabic-script letters,
//! transliteration to Latin, spelling fold; see [`super::name`]), hyphens count as spaces,
//! words such as `г.`, `город`, `city of`, `شهر` are dropped (`city_prefixes.txt`), and the
//! result is looked up, spaces ignored, in `city_aliases.txt`. A known city gets its
//! canonical name as key and its region; an unknown one keeps its folded words and no
//! region. A cell such as `Алматы, Казахстан` is tried part by part.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::name::fold_words;
use super::{data_lines, is_placeholder_word, precheck, Context, Region, Reject};

const ALIASES: &str = include_str!("data/city_aliases.txt");
const PREFIXES: &str = include_str!("data/city_prefixes.txt");

/// Folded words of a city name, hyphens as spaces.
fn city_words(raw: &str, region: Option<Region>) -> Vec<String> {
    let spaced: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    fold_words(&spaced, region)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// Words that only say "city", "town", "village".
struct Prefixes {
    /// Folded one-word prefixes.
    single: HashSet<String>,
    /// Multi-word ones, longest first.
    multi: Vec<Vec<String>>,
}

impl Prefixes {
    fn load() -> Prefixes {
        let mut single = HashSet::new();
        let mut multi = Vec::new();
        for line in data_lines(PREFIXES) {
            let w = city_words(line, None);
            match w.len() {
                0 => {}
                1 => {
                    single.insert(w[0].clone());
                }
                _ => multi.push(w),
            }
        }
        multi.sort_by_key(|w: &Vec<String>| std::cmp::Reverse(w.len()));
        Prefixes { single, multi }
    }

    /// Drops prefix words; `None` if nothing else is left.
    fn strip(&self, mut words: Vec<String>) -> Option<Vec<String>> {
        for p in &self.multi {
            if words.len() > p.len() && words.starts_with(p) {
                words.drain(..p.len());
            }
        }
        if words.len() > 1 {
            let kept: Vec<String> = words
                .iter()
                .filter(|w| !self.single.contains(*w))
                .cloned()
                .collect();
            if !kept.is_empty() {
                words = kept;
            }
        }
        if words.len() == 1 && self.single.contains(&words[0]) {
            return None;
        }
        Some(words)
    }
}

struct Tables {
    /// Folded words glued -> canonical name and region.
    aliases: HashMap<String, (&'static str, Option<Region>)>,
    prefixes: Prefixes,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let prefixes = Prefixes::load();
    let mut aliases = HashMap::new();
    for line in data_lines(ALIASES) {
        let mut it = line.split('|').map(str::trim);
        let (Some(canonical), Some(region)) = (it.next(), it.next()) else {
            continue;
        };
        let region = Region::new(region);
        for alias in std::iter::once(canonical).chain(it) {
            let mut keys = vec![city_words(alias, None)];
            if alias.contains(['x', 'X']) {
                keys.push(city_words(alias, Some(Region::UZ)));
            }
            for words in keys {
                if let Some(words) = prefixes.strip(words) {
                    aliases.entry(words.concat()).or_insert((canonical, region));
                }
            }
        }
    }
    Tables { aliases, prefixes }
});

/// A city key: folded Latin, aliases resolved (`спб` and `St Petersburg` -> `saint petersburg`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct City {
    key: Box<str>,
    region: Option<Region>,
}

impl City {
    /// The folded key.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The region the city is known to be in, when the alias table says.
    pub fn region(&self) -> Option<Region> {
        self.region
    }
}

impl fmt::Debug for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "City(<redacted>, {:?})", self.region)
    }
}

/// Normalises one raw city name.
///
/// ```
/// use omnilink::normalize::{city, Context, Region};
/// let ctx = Context::new();
/// let a = city::normalize("г. Санкт-Петербург", &ctx).unwrap();
/// let b = city::normalize("St Petersburg", &ctx).unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "saint petersburg");
/// assert_eq!(a.region(), Some(Region::RU));
/// let c = city::normalize("Новокузнецк", &ctx).unwrap();
/// assert_eq!((c.as_str(), c.region()), ("novokuznetsk", None));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<City, Reject> {
    // Exports name the same few thousand cities over and over: remember recent answers per
    // thread. The function stays pure; the memo only saves recomputing the same result.
    if raw.len() > MEMO_MAX_KEY {
        return normalize_uncached(raw, ctx);
    }
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let by_region = memo.entry(ctx.region).or_default();
        if let Some(hit) = by_region.get(raw) {
            return hit.clone();
        }
        let out = normalize_uncached(raw, ctx);
        if by_region.len() >= MEMO_CAPACITY {
            by_region.clear();
        }
        by_region.insert(raw.to_string(), out.clone());
        out
    })
}

/// Longest raw city string remembered.
const MEMO_MAX_KEY: usize = 64;
/// Most answers remembered per thread and region before the memo starts afresh.
const MEMO_CAPACITY: usize = 4096;

type Memo = std::collections::HashMap<
    Option<super::Region>,
    std::collections::HashMap<String, Result<City, Reject>>,
>;

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo::new());
}

fn normalize_uncached(raw: &str, ctx: &Context) -> Result<City, Reject> {
    let t = precheck(raw)?;
    if is_placeholder_word(t) {
        return Err(Reject::Placeholder);
    }
    let t = t.split(['(', '[']).next().unwrap_or(t);
    let region = ctx.region;
    let mut first: Option<Vec<String>> = None;
    let mut only_prefixes = false;
    for part in t.split([',', ';', '،']) {
        let words = city_words(part, region);
        if words.is_empty() {
            continue;
        }
        let Some(words) = TABLES.prefixes.strip(words) else {
            only_prefixes = true;
            continue;
        };
        if let Some(&(canonical, region)) = TABLES.aliases.get(&words.concat()) {
            return Ok(City {
                key: canonical.into(),
                region,
            });
        }
        first.get_or_insert(words);
    }
    match first {
        // the folded key may itself be a stand-in ("Н/А" -> "n a" ... "na")
        Some(words) if is_placeholder_word(&words.join(" ")) => Err(Reject::Placeholder),
        Some(words) => Ok(City {
            key: words.join(" ").into(),
            region: None,
        }),
        None if only_prefixes => Err(Reject::Placeholder),
        None if t.chars().any(char::is_alphanumeric) => Err(Reject::Invalid),
        None => Err(Reject::Empty),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key(raw: &str) -> (String, Option<Region>) {
        let c = normalize(raw, &Context::new()).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (c.as_str().to_string(), c.region())
    }

    #[test]
    fn aliases_meet() {
        let groups: &[(&str, Option<Region>, &[&str])] = &[
            (
                "moscow",
                Some(Region::RU),
                &[
                    "Москва",
                    "г. Москва",
                    "город Москва",
                    "MOSCOW",
                    "Moskva",
                    "Мск",
                    "msk",
                    "Москва, Россия",
                ],
            ),
            (
                "saint petersburg",
                Some(Region::RU),
                &[
                    "Санкт-Петербург",
                    "СПб",
                    "С.-Петербург",
                    "Питер",
                    "St Petersburg",
                    "St. Petersburg",
                    "Saint-Petersburg",
                    "Sankt-Peterburg",
                    "г.Санкт-Петербург",
                ],
            ),
            (
                "yekaterinburg",
                Some(Region::RU),
                &["Екатеринбург", "Yekaterinburg", "Ekaterinburg"],
            ),
            (
                "almaty",
                Some(Region::KZ),
                &["Алматы", "Almaty", "Alma-Ata", "Алма-Ата", "Алматы қаласы"],
            ),
            (
                "astana",
                Some(Region::KZ),
                &["Астана", "Nur-Sultan", "Нур-Султан", "Astana"],
            ),
            (
                "tashkent",
                Some(Region::UZ),
                &[
                    "Ташкент",
                    "Tashkent",
                    "Toshkent",
                    "Тошкент",
                    "Toshkent shahri",
                ],
            ),
            (
                "samarkand",
                Some(Region::UZ),
                &["Самарканд", "Samarkand", "Samarqand", "Самарқанд"],
            ),
            (
                "fergana",
                Some(Region::UZ),
                &["Farg'ona", "Fargʻona", "Фергана"],
            ),
            (
                "tehran",
                Some(Region::IR),
                &["تهران", "Tehran", "Teheran", "شهر تهران"],
            ),
            (
                "isfahan",
                Some(Region::IR),
                &["اصفهان", "Isfahan", "Esfahan"],
            ),
            ("mashhad", Some(Region::IR), &["مشهد", "Mashhad"]),
            ("mumbai", Some(Region::IN), &["Mumbai", "Bombay", "मुंबई"]),
            (
                "delhi",
                Some(Region::IN),
                &["Delhi", "New Delhi", "दिल्ली", "नई दिल्ली"],
            ),
            ("bengaluru", Some(Region::IN), &["Bangalore", "Bengaluru"]),
            ("kolkata", Some(Region::IN), &["Kolkata", "Calcutta"]),
            ("chennai", Some(Region::IN), &["Chennai", "Madras"]),
            (
                "new york",
                Some(Region::US),
                &[
                    "New York",
                    "NYC",
                    "NY City",
                    "new-york",
                    "Нью-Йорк",
                    "New York City",
                ],
            ),
            (
                "los angeles",
                Some(Region::US),
                &["Los Angeles", "LA", "L.A."],
            ),
            (
                "london",
                Some(Region::GB),
                &["London", "Лондон", "City of London"],
            ),
            ("birmingham", None, &["Birmingham"]),
        ];
        for (canonical, region, raws) in groups {
            for raw in *raws {
                assert_eq!(key(raw), (canonical.to_string(), *region), "{raw}");
            }
        }
    }

    #[test]
    fn unknown_cities() {
        assert_eq!(key("Новокузнецк"), ("novokuznetsk".into(), None));
        assert_eq!(key("Novokuznetsk"), ("novokuznetsk".into(), None));
        assert_eq!(
            key("г. Набережные Челны"),
            ("naberezhnie chelni".into(), None)
        );
        assert_eq!(
            key("Naberezhnye Chelny"),
            ("naberezhnie chelni".into(), None)
        );
        assert_eq!(
            key("Комсомольск-на-Амуре"),
            ("komsomolsk na amure".into(), None)
        );
        assert_eq!(key("بندرعباس"), key("بندرعباس"));
        assert_eq!(key("Springfield, IL"), ("springfield".into(), None));
    }

    #[test]
    fn rejects() {
        let c = Context::new();
        assert_eq!(normalize("", &c), Err(Reject::Empty));
        assert_eq!(normalize(" , ", &c), Err(Reject::Empty));
        assert_eq!(normalize("n/a", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("не указан", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("город", &c), Err(Reject::Placeholder));
        assert_eq!(normalize("12345", &c), Err(Reject::Invalid));
        assert_eq!(normalize(&"a".repeat(5000), &c), Err(Reject::TooLong));
    }

    #[test]
    fn debug_redacts() {
        let c = normalize("Москва", &Context::new()).unwrap();
        assert!(!format!("{c:?}").contains("moscow"));
    }

    #[test]
    fn total_on_huge_input() {
        let c = Context::new();
        assert_eq!(
            normalize(&"Москва ".repeat(100_000), &c),
            Err(Reject::TooLong)
        );
        assert_eq!(
            normalize(&"\u{0}a".repeat(500_000), &c),
            Err(Reject::TooLong)
        );
        assert_eq!(
            normalize("\u{0}Москва\u{7}", &c).map(|c| c.as_str().to_string()),
            Ok("moscow".into())
        );
    }

    proptest! {
        #[test]
        fn total(s in "\\PC{0,60}") {
            let _ = normalize(&s, &Context::new());
        }

        #[test]
        fn idempotent_any_text(s in "\\PC{0,30}") {
            let c = Context::new();
            if let Ok(city) = normalize(&s, &c) {
                prop_assert_eq!(normalize(city.as_str(), &c), Ok(city));
            }
        }

        #[test]
        fn idempotent(s in "[a-zA-Zа-яА-Яیکاهتنرس .,()-]{0,30}", uz in any::<bool>()) {
            let c = if uz { Context::new().region(Region::UZ) } else { Context::new() };
            if let Ok(city) = normalize(&s, &c) {
                prop_assert_eq!(normalize(city.as_str(), &c), Ok(city));
            }
        }
    }
}

#[cfg(test)]
mod memo_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The memo answers exactly what the computation does, also on a second call.
        #[test]
        fn memo_is_transparent(raw in "\\PC{0,20}", ru in any::<bool>()) {
            let ctx = if ru { Context::new().region(super::super::Region::RU) } else { Context::new() };
            let direct = normalize_uncached(&raw, &ctx);
            prop_assert_eq!(&normalize(&raw, &ctx), &direct);
            prop_assert_eq!(&normalize(&raw, &ctx), &direct);
        }
    }
}
