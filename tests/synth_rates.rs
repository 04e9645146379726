//! The documented rates hold on a large sample (20 000 customers, about 50 000 records).
//!
//! Tolerances are about four standard deviations of the estimate at this sample size, so the
//! tests are stable across seeds yet catch a rate that is wired wrongly.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use omnilink::synth::{generate, Config, Dataset, MarketShares, Tag};

const CUSTOMERS: u32 = 20_000;

static DATA: LazyLock<Dataset> = LazyLock::new(|| generate(&Config::new(CUSTOMERS, 11)).unwrap());

fn within(what: &str, got: f64, want: f64, tol: f64) {
    eprintln!("{what}: measured {got:.4}, documented {want:.4}");
    assert!(
        (got - want).abs() <= tol,
        "{what}: measured {got:.4}, documented {want:.4} (tolerance {tol})"
    );
}

/// Per customer: (tags, number of records).
fn customers(data: &Dataset) -> HashMap<u32, (omnilink::synth::Tags, usize)> {
    let mut m = HashMap::new();
    for t in &data.truth {
        let e = m.entry(t.entity).or_insert((t.tags, 0));
        e.1 += 1;
    }
    m
}

#[test]
fn records_per_customer() {
    let mean = DATA.records.len() as f64 / f64::from(CUSTOMERS);
    within("mean records per customer", mean, 2.5, 0.06);
    let c = customers(&DATA);
    assert!(c.values().all(|(_, n)| (1..=12).contains(n)));
}

#[test]
fn hard_case_rates() {
    let d = Config::default().hard;
    let c = customers(&DATA);
    let n = c.len() as f64;
    let share = |tag: Tag| c.values().filter(|(t, _)| t.contains(tag)).count() as f64 / n;
    within("household share", share(Tag::Household), d.household, 0.012);
    within("namesake share", share(Tag::Namesake), d.namesake, 0.009);
    let multi: Vec<_> = c.values().filter(|(_, k)| *k >= 2).collect();
    let changed = multi
        .iter()
        .filter(|(t, _)| t.contains(Tag::PhoneChanged))
        .count();
    within(
        "phone change among customers with 2+ records",
        changed as f64 / multi.len() as f64,
        d.phone_change,
        0.016,
    );
    // Single-record customers never change phone.
    assert!(c
        .values()
        .all(|(t, k)| *k >= 2 || !t.contains(Tag::PhoneChanged)));

    // Hubs, as a share of the records that can carry them.
    let rate = |source: &str, has: &dyn Fn(&omnilink::Record) -> bool, tag: Tag| {
        let pool: Vec<_> = DATA
            .records
            .iter()
            .zip(&DATA.truth)
            .filter(|(r, _)| r.source == source && has(r))
            .collect();
        pool.iter().filter(|(_, t)| t.tags.contains(tag)).count() as f64 / pool.len() as f64
    };
    within(
        "hub phone",
        rate("store", &|r| !r.phones.is_empty(), Tag::HubPhone),
        d.hub_phone,
        0.008,
    );
    within(
        "hub card",
        rate("store", &|r| !r.cards.is_empty(), Tag::HubCard),
        d.hub_card,
        0.008,
    );
    within(
        "hub device",
        rate("app", &|_| true, Tag::HubDevice),
        d.hub_device,
        0.008,
    );
}

#[test]
fn hub_values_are_shared_by_many() {
    // The most frequent card value belongs to many different customers.
    let mut owners: HashMap<&str, HashSet<u32>> = HashMap::new();
    for (r, t) in DATA.records.iter().zip(&DATA.truth) {
        if t.tags.contains(Tag::HubCard) {
            for c in &r.cards {
                let digits = c.trim_start_matches(|ch: char| !ch.is_ascii_digit());
                owners.entry(digits).or_default().insert(t.entity);
            }
        }
    }
    let widest = owners.values().map(HashSet::len).max().unwrap_or(0);
    assert!(widest >= 5, "widest hub card has {widest} customers");
}

#[test]
fn handles_are_ones_their_network_allows() {
    // Every handle but junk placeholders normalises; only junk may be refused.
    use omnilink::normalize::{social, Context};
    let (mut total, mut refused) = (0usize, 0usize);
    for r in &DATA.records {
        for s in &r.socials {
            total += 1;
            let ctx = Context::new().social_network(s.network);
            refused += usize::from(social::normalize(&s.value, &ctx).is_err());
        }
    }
    let n = Config::default().noise;
    within(
        "refused handles",
        refused as f64 / total as f64,
        n.junk,
        0.01,
    );
}

#[test]
fn noise_rates() {
    let n = Config::default().noise;
    let junk_phones: HashSet<&str> = [
        "0000000",
        "00000000000",
        "+70000000000",
        "1111111111",
        "9999999999",
        "n/a",
        "-",
        "нет",
    ]
    .into();
    let phones: Vec<&str> = DATA
        .records
        .iter()
        .flat_map(|r| r.phones.iter().map(String::as_str))
        .collect();
    let junk =
        phones.iter().filter(|p| junk_phones.contains(**p)).count() as f64 / phones.len() as f64;
    within("junk phones", junk, n.junk, 0.006);

    // E.164 as written: `+` and digits only. Expected share: not reformatted, no extension,
    // no padding (Persian digits only touch IR, 15 % of customers).
    let e164 = phones
        .iter()
        .filter(|p| p.starts_with('+') && p[1..].bytes().all(|b| b.is_ascii_digit()))
        .count() as f64
        / phones.len() as f64;
    let ir = 0.15 * n.persian_digits;
    let want = (1.0 - n.phone_format)
        * (1.0 - n.phone_extension)
        * (1.0 - n.spaces)
        * (1.0 - ir)
        * (1.0 - n.junk);
    within("E.164 phones", e164, want, 0.02);

    let emails: Vec<&str> = DATA
        .records
        .iter()
        .flat_map(|r| r.emails.iter().map(String::as_str))
        .collect();
    let upper = emails
        .iter()
        .filter(|e| e.chars().any(|c| c.is_ascii_uppercase()))
        .count() as f64
        / emails.len() as f64;
    within("e-mails with capitals", upper, n.email_case, 0.012);
    let padded = emails.iter().filter(|e| e.trim() != **e).count() as f64 / emails.len() as f64;
    within("padded e-mails", padded, n.spaces, 0.008);

    let dates: Vec<&str> = DATA
        .records
        .iter()
        .filter_map(|r| r.birth_date.as_deref())
        .collect();
    let iso = dates
        .iter()
        .filter(|d| {
            d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-' && d.is_ascii()
        })
        .count() as f64
        / dates.len() as f64;
    // ISO unless Jalali (IR 15 % x 0.3), local format (0.5), Persian digits (IR) or junk.
    let ir_share = 0.15;
    let want = (1.0 - n.junk)
        * ((1.0 - ir_share) * (1.0 - n.date_format)
            + ir_share * (1.0 - n.jalali) * (1.0 - n.date_format) * (1.0 - n.persian_digits));
    within("ISO birth dates", iso, want, 0.03);

    let devices: Vec<&str> = DATA
        .records
        .iter()
        .flat_map(|r| r.devices.iter().map(String::as_str))
        .collect();
    let canonical = devices
        .iter()
        .filter(|d| {
            d.len() == 36
                && d.bytes()
                    .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .count() as f64
        / devices.len() as f64;
    within(
        "canonical device ids",
        canonical,
        (1.0 - n.device_format) * (1.0 - n.junk),
        0.02,
    );
}

#[test]
fn transliteration_rate_in_russia() {
    let config = Config {
        markets: MarketShares {
            ru: 1.0,
            kz: 0.0,
            ir: 0.0,
            in_: 0.0,
            uz: 0.0,
            us: 0.0,
            gb: 0.0,
        },
        ..Config::new(10_000, 3)
    };
    let data = generate(&config).unwrap();
    let names: Vec<&str> = data
        .records
        .iter()
        .filter_map(|r| r.full_name.as_deref().or(r.first_name.as_deref()))
        .filter(|n| n.chars().any(char::is_alphabetic) && n.len() > 3)
        .collect();
    let latin = names.iter().filter(|n| n.is_ascii()).count() as f64 / names.len() as f64;
    // Junk names such as "Customer" are Latin too: a little above the documented rate.
    let n = config.noise;
    within(
        "Latin names in RU",
        latin,
        n.transliteration + n.junk * 0.3,
        0.02,
    );
    let tagged = data
        .truth
        .iter()
        .filter(|t| t.tags.contains(Tag::Transliterated))
        .count();
    assert!(tagged > 0);
    // Customers are all RU: every phone has the RU calling code in its digits.
    assert!(data
        .records
        .iter()
        .filter(|r| r.country.is_some())
        .all(|r| r.country.as_deref() == Some("RU")));
}
