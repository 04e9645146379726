//! The hard cases are what they claim to be. Run without noise and hubs, so that equal values
//! are equal strings.

use std::collections::{BTreeMap, BTreeSet};

use omnilink::synth::{generate, Config, Dataset, HardCases, Tag};

fn clean(customers: u32, seed: u64) -> Dataset {
    let config = Config {
        hard: HardCases {
            hub_phone: 0.0,
            hub_card: 0.0,
            hub_device: 0.0,
            household: 0.1,
            namesake: 0.1,
            ..HardCases::default()
        },
        ..Config::new(customers, seed).without_noise()
    };
    generate(&config).unwrap()
}

/// Per entity: its records.
fn by_entity(data: &Dataset) -> BTreeMap<u32, Vec<usize>> {
    let mut m: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, t) in data.truth.iter().enumerate() {
        m.entry(t.entity).or_default().push(i);
    }
    m
}

fn identifiers(data: &Dataset, records: &[usize]) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for &i in records {
        let r = &data.records[i];
        s.extend(r.phones.iter().map(|v| format!("p:{v}")));
        s.extend(r.cards.iter().map(|v| format!("c:{v}")));
        s.extend(r.devices.iter().map(|v| format!("d:{v}")));
        s.extend(r.emails.iter().map(|v| format!("e:{v}")));
        s.extend(r.socials.iter().map(|v| format!("s:{}", v.value)));
    }
    s
}

fn values<'a>(
    data: &'a Dataset,
    records: &[usize],
    f: fn(&omnilink::Record) -> Option<&str>,
) -> BTreeSet<&'a str> {
    records
        .iter()
        .filter_map(|&i| f(&data.records[i]))
        .collect()
}

/// Groups (household or namesake) -> member entity -> records.
fn groups(
    data: &Dataset,
    key: fn(&omnilink::synth::Truth) -> Option<u32>,
) -> BTreeMap<u32, BTreeMap<u32, Vec<usize>>> {
    let mut g: BTreeMap<u32, BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
    for (i, t) in data.truth.iter().enumerate() {
        if let Some(k) = key(t) {
            g.entry(k).or_default().entry(t.entity).or_default().push(i);
        }
    }
    g
}

#[test]
fn households_share_a_value_but_differ_in_name_and_birth_date() {
    let data = clean(5_000, 21);
    let hh = groups(&data, |t| t.household);
    assert!(hh.len() > 100, "{} households", hh.len());
    for (id, members) in &hh {
        assert!((2..=4).contains(&members.len()), "household {id}");
        // One value (phone, card or device) appears on records of every member.
        let sets: Vec<BTreeSet<String>> = members
            .values()
            .map(|recs| {
                identifiers(&data, recs)
                    .into_iter()
                    .filter(|v| !v.starts_with("e:") && !v.starts_with("s:"))
                    .collect()
            })
            .collect();
        let common = sets.iter().skip(1).fold(sets[0].clone(), |acc, s| &acc & s);
        assert!(!common.is_empty(), "household {id} shares nothing");
        // First names (as written) differ between members; birth dates too where known.
        let firsts: Vec<BTreeSet<&str>> = members
            .values()
            .map(|r| values(&data, r, |x| x.first_name.as_deref()))
            .collect();
        let births: Vec<BTreeSet<&str>> = members
            .values()
            .map(|r| values(&data, r, |x| x.birth_date.as_deref()))
            .collect();
        for a in 0..members.len() {
            for b in a + 1..members.len() {
                assert!(
                    firsts[a].is_disjoint(&firsts[b]),
                    "household {id}: same first name"
                );
                assert!(
                    births[a].is_disjoint(&births[b]),
                    "household {id}: same birth date"
                );
            }
        }
        // Every member's records carry the household tag and id.
        for recs in members.values() {
            assert!(recs
                .iter()
                .all(|&i| data.truth[i].tags.contains(Tag::Household)));
        }
    }
}

#[test]
fn namesakes_share_names_but_not_identifiers() {
    let data = clean(5_000, 22);
    let ns = groups(&data, |t| t.namesake_group);
    assert!(ns.len() > 100, "{} groups", ns.len());
    for (id, members) in &ns {
        assert!((2..=3).contains(&members.len()), "group {id}");
        let all: Vec<usize> = members.values().flatten().copied().collect();
        // One first name and one last name across the whole group (no noise).
        let firsts = values(&data, &all, |x| x.first_name.as_deref());
        let lasts = values(&data, &all, |x| x.last_name.as_deref());
        assert!(firsts.len() <= 1, "group {id}: {firsts:?}");
        assert!(lasts.len() <= 1, "group {id}: {lasts:?}");
        let sets: Vec<BTreeSet<String>> = members.values().map(|r| identifiers(&data, r)).collect();
        let births: Vec<BTreeSet<&str>> = members
            .values()
            .map(|r| values(&data, r, |x| x.birth_date.as_deref()))
            .collect();
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                assert!(
                    sets[a].is_disjoint(&sets[b]),
                    "group {id} shares an identifier"
                );
                assert!(
                    births[a].is_disjoint(&births[b]),
                    "group {id}: same birth date"
                );
            }
        }
    }
}

#[test]
fn changed_phone_shows_old_then_new() {
    let data = clean(5_000, 23);
    let mut seen = 0;
    for recs in by_entity(&data).values() {
        let t = &data.truth[recs[0]];
        if !t.tags.contains(Tag::PhoneChanged) {
            continue;
        }
        seen += 1;
        let mut ordered = recs.clone();
        ordered.sort_by_key(|&i| data.records[i].updated_at.clone());
        let first: BTreeSet<&String> = data.records[ordered[0]].phones.iter().collect();
        let last: BTreeSet<&String> = data.records[*ordered.last().unwrap()]
            .phones
            .iter()
            .collect();
        // The last record carries a number the first does not (the new one).
        assert!(!last.is_empty() && !first.is_empty());
        assert!(
            last.difference(&first).next().is_some(),
            "no new number on the last record"
        );
        // Where there is no household phone, the first record has one number: the old one,
        // and the last record's first number is the new one.
        if t.household.is_none() {
            assert_eq!(first.len(), 1);
            assert!(!first.contains(&data.records[*ordered.last().unwrap()].phones[0]));
        }
    }
    assert!(seen > 50);
}

#[test]
fn unrelated_customers_share_no_identifier() {
    // Without households and hubs, no identifier value is shared between customers.
    let config = Config {
        hard: HardCases {
            household: 0.0,
            hub_phone: 0.0,
            hub_card: 0.0,
            hub_device: 0.0,
            ..HardCases::default()
        },
        ..Config::new(20_000, 24).without_noise()
    };
    let data = generate(&config).unwrap();
    let mut owner: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for (i, t) in data.truth.iter().enumerate() {
        for v in identifiers(&data, &[i]) {
            let prev = owner.insert(v.clone(), t.entity);
            assert!(
                prev.is_none_or(|p| p == t.entity),
                "{v} shared by two customers"
            );
        }
    }
}
