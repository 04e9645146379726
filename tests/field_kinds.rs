//! The field kinds beyond identifiers and names (identity numbers, postcodes, addresses,
//! attributes) through the whole crate: column mapping, resolution, golden records, link mode.
//!
//! | test | what it checks |
//! |---|---|
//! | `febrl_headers_map_to_the_new_fields` | Febrl headers mapped with no config: address parts in column order, `state` a category, `soc_sec_id` an id number |
//! | `shared_id_number_joins_despite_a_name_typo` | two records sharing only an id number (and a mistyped name) are one customer |
//! | `namesakes_stay_apart` | same name and city, different phones, no birth date: two customers |
//! | `implausible_birth_date_links_but_is_not_shown` | a birth date in 1850 is compared, counted as implausible, left out of the golden record |
//! | `golden_record_carries_the_new_fields` | postcode, address, id numbers and attributes in the golden record; `Resolution::attributes` |
//! | `link_only_pairs_across_sources_only` | `blocking.link_only`: duplicates within a source stay apart, a match across sources is joined |
//! | `partition_covers_every_record_in_any_order` | property: every record in exactly one customer, the partition independent of input order (64 cases, `PROPTEST_CASES` overrides) |

use std::collections::{BTreeMap, BTreeSet};

use omnilink::io::{read_csv_bytes, Column, ReadOptions};
use omnilink::{resolve, Attribute, AttributeKind, Config, Record, RecordId, Resolution};
use proptest::prelude::*;

/// The customer index of every record, in input order.
fn customers(res: &Resolution) -> Vec<u32> {
    res.memberships.iter().map(|m| m.customer).collect()
}

fn same_customer(res: &Resolution, a: usize, b: usize) -> bool {
    res.memberships[a].customer == res.memberships[b].customer
}

// ---------------------------------------------------------------------------------------
// Column mapping.

const FEBRL: &str = "\
rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id
rec-1-org,michaela,neumann,8,stanley street,miami,winston hills,4223,nsw,19151111,5304218
rec-1-dup-0,michaela,neumann,8,stanley street,,winston hills,4223,nsw,19151111,5304218
rec-2-org,courtney,painter,12,pinkerton circuit,bega flats,richlands,4560,vic,19161214,4066625
";

#[test]
fn febrl_headers_map_to_the_new_fields() {
    let out = read_csv_bytes(FEBRL.as_bytes(), &ReadOptions::new("febrl")).unwrap();
    assert_eq!(out.rows, 3);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);

    let mapped: BTreeMap<&str, Column> =
        out.columns.iter().map(|(h, c)| (h.as_str(), *c)).collect();
    let expected = [
        ("rec_id", Column::Id),
        ("given_name", Column::FirstName),
        ("surname", Column::LastName),
        ("street_number", Column::Address),
        ("address_1", Column::Address),
        ("address_2", Column::Address),
        ("suburb", Column::City),
        ("postcode", Column::Postcode),
        ("state", Column::Category),
        ("date_of_birth", Column::BirthDate),
        ("soc_sec_id", Column::IdNumber),
    ];
    for (header, column) in expected {
        assert_eq!(mapped.get(header), Some(&column), "header {header}");
    }

    let r = &out.records[0];
    assert_eq!(r.id, "rec-1-org");
    assert_eq!(r.source, "febrl");
    assert_eq!(r.first_name.as_deref(), Some("michaela"));
    assert_eq!(r.last_name.as_deref(), Some("neumann"));
    assert_eq!(r.address, ["8", "stanley street", "miami"]);
    assert_eq!(r.city.as_deref(), Some("winston hills"));
    assert_eq!(r.postcode.as_deref(), Some("4223"));
    assert_eq!(r.birth_date.as_deref(), Some("19151111"));
    assert_eq!(r.id_numbers, ["5304218"]);
    assert_eq!(
        r.attributes,
        [Attribute {
            name: "state".into(),
            kind: AttributeKind::Category,
            value: "nsw".into(),
        }]
    );
    // An empty address cell is left out; the other parts keep their order.
    assert_eq!(out.records[1].address, ["8", "stanley street"]);
    assert_eq!(
        out.records[2].address,
        ["12", "pinkerton circuit", "bega flats"]
    );
    assert_eq!(out.records[2].id_numbers, ["4066625"]);
    assert_eq!(out.records[2].attributes[0].value, "vic");

    // Read this way, the duplicate joins its original and the other person stays apart.
    let res = resolve(&out.records, &Config::for_region("AU")).unwrap();
    assert!(same_customer(&res, 0, 1));
    assert!(!same_customer(&res, 0, 2));
    assert_eq!(res.attributes(), ["state"]);
}

// ---------------------------------------------------------------------------------------
// Resolution.

#[test]
fn shared_id_number_joins_despite_a_name_typo() {
    let records = vec![
        Record::new("1", "crm")
            .first_name("Ivan")
            .last_name("Petrov")
            .id_number("ИНН 5001 0073 2185"),
        Record::new("2", "store")
            .first_name("Ivan")
            .last_name("Petorv")
            .id_number("500100732185"),
        // Someone else altogether, so the set is not trivially one customer.
        Record::new("3", "store")
            .first_name("Olga")
            .last_name("Smirnova")
            .id_number("5001007329"),
    ];
    let res = resolve(&records, &Config::for_region("RU")).unwrap();
    assert!(same_customer(&res, 0, 1), "{:?}", customers(&res));
    assert!(!same_customer(&res, 0, 2), "{:?}", customers(&res));
    assert_eq!(res.customers.len(), 2);
    let golden = &res.customer_of(RecordId(0)).unwrap().golden;
    assert_eq!(golden.id_numbers, ["500100732185"]);
}

#[test]
fn namesakes_stay_apart() {
    let records = vec![
        Record::new("1", "crm")
            .full_name("Смирнов Алексей")
            .city("Москва")
            .phone("+7 916 111-22-33"),
        Record::new("2", "store")
            .full_name("Алексей Смирнов")
            .city("г. Москва")
            .phone("+7 926 444-55-66"),
    ];
    let res = resolve(&records, &Config::for_region("RU")).unwrap();
    assert!(!same_customer(&res, 0, 1));
    assert_eq!(res.customers.len(), 2);
}

#[test]
fn implausible_birth_date_links_but_is_not_shown() {
    let records = vec![
        Record::new("1", "crm")
            .first_name("Ольга")
            .last_name("Сидорова")
            .birth_date("12.03.1850"),
        Record::new("2", "web")
            .first_name("Olga")
            .last_name("Sidorova")
            .birth_date("1850-03-12"),
    ];
    let res = resolve(&records, &Config::for_region("RU")).unwrap();
    assert_eq!(res.stats.rejected.get("birth_date/implausible"), Some(&2));
    assert!(same_customer(&res, 0, 1), "{:?}", customers(&res));
    let golden = &res.customer_of(RecordId(0)).unwrap().golden;
    assert_eq!(golden.birth_date, None);
    assert!(golden.name.is_some());
}

#[test]
fn golden_record_carries_the_new_fields() {
    let records = vec![
        Record::new("1", "crm")
            .first_name("Мария")
            .last_name("Иванова")
            .phone("+7 912 000-11-22")
            .postcode("индекс 119 019")
            .address("ул. Ленина")
            .address("д. 5")
            .address("кв. 12")
            .id_number("СНИЛС 112-233-445 95")
            .attribute("segment", AttributeKind::Category, "VIP")
            .attribute("gender", AttributeKind::Category, "F"),
        Record::new("2", "web")
            .first_name("Maria")
            .last_name("Ivanova")
            .phone("89120001122")
            .email("maria.ivanova@mail.ru")
            .attribute("gender", AttributeKind::Category, "f"),
        Record::new("3", "web")
            .first_name("Пётр")
            .last_name("Кузнецов")
            .phone("+7 903 555-44-33")
            .attribute("occupation", AttributeKind::Text, "Engineer"),
    ];
    let res = resolve(&records, &Config::for_region("RU")).unwrap();
    assert_eq!(res.attributes(), ["gender", "occupation", "segment"]);
    assert!(same_customer(&res, 0, 1), "{:?}", customers(&res));
    assert!(!same_customer(&res, 0, 2));

    let golden = &res.customer_of(RecordId(0)).unwrap().golden;
    assert_eq!(golden.postcode.as_deref(), Some("119019"));
    assert_eq!(
        golden.address.as_deref(),
        Some("street lenina house 5 flat 12")
    );
    assert_eq!(golden.id_numbers, ["11223344595"]);
    assert_eq!(
        golden.attributes,
        [Some("f".to_string()), None, Some("vip".to_string())]
    );
    let other = &res.customer_of(RecordId(2)).unwrap().golden;
    // Slots past the last filled one are left out.
    assert_eq!(other.attributes, [None, Some("engineer".to_string())]);
    assert_eq!(other.postcode, None);
    assert_eq!(other.address, None);
}

#[test]
fn link_only_pairs_across_sources_only() {
    let person = |id: &str, source: &str, phone: &str, email: &str, first: &str, last: &str| {
        Record::new(id, source)
            .phone(phone)
            .email(email)
            .first_name(first)
            .last_name(last)
            .birth_date("1990-02-01")
            .postcode("050000")
            .address("Абая 150, кв. 23")
            .id_number("900501300120")
            .country("KZ")
    };
    let records = vec![
        // Two copies of one person in source A only.
        person(
            "a1",
            "a",
            "+7 701 555 12 34",
            "aigerim@mail.kz",
            "Айгерим",
            "Сейткали",
        ),
        person(
            "a2",
            "a",
            "8 701 555 12 34",
            "Aigerim@mail.kz",
            "Aigerim",
            "Seitkali",
        ),
        // Another person, in A and in B.
        Record::new("a3", "a")
            .phone("+7 777 123 45 67")
            .email("dias.n@gmail.com")
            .full_name("Нурланов Диас")
            .id_number("050712600346")
            .country("KZ"),
        Record::new("b1", "b")
            .phone("87771234567")
            .email("dias.n@gmail.com")
            .full_name("Dias Nurlanov")
            .id_number("50712600346")
            .country("KZ"),
    ];

    let dedup = resolve(&records, &Config::default()).unwrap();
    assert!(same_customer(&dedup, 0, 1), "{:?}", customers(&dedup));
    assert!(same_customer(&dedup, 2, 3), "{:?}", customers(&dedup));

    let mut config = Config::default();
    config.blocking.link_only = true;
    let linked = resolve(&records, &config).unwrap();
    assert!(!same_customer(&linked, 0, 1), "{:?}", customers(&linked));
    assert!(same_customer(&linked, 2, 3), "{:?}", customers(&linked));
    assert!(!same_customer(&linked, 0, 2));
    assert_eq!(linked.customers.len(), 3);

    // The incremental resolver, with the batch's model, keeps link mode too.
    let resolver =
        omnilink::resolver::Resolver::with_model(config.clone(), linked.model.clone()).unwrap();
    for r in &records {
        resolver.add(r.clone()).unwrap();
    }
    let of = |source: &str, id: &str| resolver.customer_of(source, id).unwrap();
    assert_ne!(of("a", "a1"), of("a", "a2"));
    assert_eq!(of("a", "a3"), of("b", "b1"));
    assert_eq!(resolver.customer_count(), 3);
}

// ---------------------------------------------------------------------------------------
// Property: a partition of the input, independent of its order.

const FIRST: [&str; 5] = ["Анна", "Anna", "Ivan", "Rahul", "Michaela"];
const LAST: [&str; 4] = ["Петрова", "Ivanov", "Sharma", "Neumann"];
const PHONES: [&str; 4] = [
    "+7 912 345-67-89",
    "8 (903) 111-22-33",
    "+91 98765 43210",
    "+61 2 9374 4000",
];
const IDS: [&str; 6] = [
    "5001007329",
    "5001007328",
    "900501300120",
    "2345 6789 0124",
    "078-05-1120",
    "5304218",
];
const POSTCODES: [&str; 5] = ["119019", "050000", "560001", "4223", "SW1A 1AA"];
const ADDRESSES: [&[&str]; 5] = [
    &["ул. Ленина", "д. 5", "кв. 12"],
    &["улица Ленина дом 5 квартира 12"],
    &["8", "stanley street", "miami"],
    &["Flat 3, 12 Baker St"],
    &["House No 123", "Sector 15, Gurgaon"],
];
const ATTRIBUTES: [(&str, AttributeKind, &str); 5] = [
    ("state", AttributeKind::Category, "NSW"),
    ("state", AttributeKind::Category, "vic"),
    ("gender", AttributeKind::Category, "F"),
    ("occupation", AttributeKind::Text, "Software Engineer"),
    ("occupation", AttributeKind::Text, "n/a"),
];
const SOURCES: [&str; 3] = ["web", "store", "crm"];

/// Indexes into the pools; an index past a pool's end leaves the field out.
type Pick = [usize; 8];

fn record(i: usize, p: &Pick) -> Record {
    let mut r = Record::new(format!("r{i}"), SOURCES[p[0] % SOURCES.len()]);
    if let Some(f) = FIRST.get(p[1]) {
        r = r.first_name(*f);
    }
    if let Some(l) = LAST.get(p[2]) {
        r = r.last_name(*l);
    }
    if let Some(ph) = PHONES.get(p[3]) {
        r = r.phone(*ph);
    }
    if let Some(id) = IDS.get(p[4]) {
        r = r.id_number(*id);
    }
    if let Some(pc) = POSTCODES.get(p[5]) {
        r = r.postcode(*pc);
    }
    if let Some(parts) = ADDRESSES.get(p[6]) {
        for part in *parts {
            r = r.address(*part);
        }
    }
    // Two attributes at most, from either end of the pool.
    if let Some((name, kind, value)) = ATTRIBUTES.get(p[7] % 8) {
        r = r.attribute(*name, *kind, *value);
    }
    if let Some((name, kind, value)) = ATTRIBUTES.get(p[7] / 8) {
        r = r.attribute(*name, *kind, *value);
    }
    r
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    prop::collection::vec(
        (
            0usize..3,
            0usize..7,
            0usize..6,
            0usize..6,
            0usize..8,
            0usize..7,
            0usize..7,
            0usize..64,
        )
            .prop_map(|(a, b, c, d, e, f, g, h)| [a, b, c, d, e, f, g, h]),
        1..30,
    )
    .prop_map(|picks| {
        picks
            .iter()
            .enumerate()
            .map(|(i, p)| record(i, p))
            .collect()
    })
}

/// The partition as sets of record ids; panics unless every record is in exactly one
/// customer and `memberships` agrees with `customers`.
fn partition(records: &[Record], config: &Config) -> BTreeSet<BTreeSet<String>> {
    let res = resolve(records, config).unwrap();
    assert_eq!(res.memberships.len(), records.len());
    for (i, m) in res.memberships.iter().enumerate() {
        assert_eq!(
            m.record,
            RecordId(i as u32),
            "memberships out of input order"
        );
        assert!(res.customers[m.customer as usize]
            .members
            .contains(&m.record));
    }
    let mut seen = BTreeSet::new();
    for c in &res.customers {
        assert!(!c.members.is_empty(), "empty customer");
        for m in &c.members {
            assert!(seen.insert(m.index()), "record in two customers");
        }
    }
    assert_eq!(seen.len(), records.len());
    res.customers
        .iter()
        .map(|c| {
            c.members
                .iter()
                .map(|m| records[m.index()].id.clone())
                .collect()
        })
        .collect()
}

/// `default` cases, or `PROPTEST_CASES` when set.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn partition_covers_every_record_in_any_order(recs in records(), seed in any::<u64>()) {
        let config = Config::for_region("RU");
        let base = partition(&recs, &config);
        let mut shuffled = recs.clone();
        // A seeded Fisher-Yates shuffle.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(&base, &partition(&shuffled, &config));
        shuffled.reverse();
        prop_assert_eq!(&base, &partition(&shuffled, &config));
    }
}

// ---------------------------------------------------------------------------------------
// Attribute values at the length cap (found by the `normalize` fuzz target).

#[test]
fn long_attribute_is_cut_at_a_word_and_within_the_cap() {
    use omnilink::normalize::{attribute, Context};
    let ctx = Context::new();
    for filler in [255, 256] {
        let raw = format!("{} tail", "x".repeat(filler));
        let once = attribute::normalize(&raw, &ctx).unwrap();
        assert!(once.len() <= attribute::MAX_LEN, "{} bytes", once.len());
        assert!(!once.ends_with(' '), "cut value ends in a space");
        assert_eq!(attribute::normalize(&once, &ctx).unwrap(), once);
    }
}

#[test]
fn address_fuzz_case_is_idempotent() {
    use omnilink::normalize::{address, Context, Region};
    let ctx = Context::new().region(Region::RU);
    let raw = "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\Q\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\Z\\\\\\\\\\\\\\\\\\\\\\\\\\\\qw\\\\\\\\\\\\\\\\\\\\B\\\u{0}\\\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}h\u{0}\u{0}\u{0}\u{0}r\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{1}kom\u{c}\u{0}//\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}om\u{c}\u{0}al1235.0!";
    let once = address::normalize(raw, &ctx).unwrap();
    let again = address::normalize(once.as_str(), &ctx).unwrap();
    assert_eq!(again.as_str(), once.as_str());
}
