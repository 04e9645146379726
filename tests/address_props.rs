//! Properties of the address normaliser: total on any text, idempotent on its own output,
//! abbreviations and full words giving one canonical address.

use omnilink::normalize::address::{normalize, similarity};
use omnilink::normalize::{Context, Region};
use proptest::prelude::*;

fn contexts() -> impl Strategy<Value = Context> {
    prop_oneof![
        Just(Context::new()),
        Just(Context::new().region(Region::RU)),
        Just(Context::new().region(Region::UZ)),
        Just(Context::new().region(Region::IR)),
        Just(Context::new().region(Region::new("AU").unwrap_or(Region::GB))),
    ]
}

/// Address-like text: words of every market, abbreviations, markers, numbers, punctuation.
fn address_like() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("ул.".to_string()),
        Just("улица".to_string()),
        Just("д.".to_string()),
        Just("кв".to_string()),
        Just("корп.".to_string()),
        Just("стр".to_string()),
        Just("мкр".to_string()),
        Just("пр-т".to_string()),
        Just("көшесі".to_string()),
        Just("ko'chasi".to_string()),
        Just("shoh".to_string()),
        Just("-uy".to_string()),
        Just("خیابان".to_string()),
        Just("کوچه".to_string()),
        Just("پلاک".to_string()),
        Just("واحد".to_string()),
        Just("मकान नं".to_string()),
        Just("नगर".to_string()),
        Just("Sector".to_string()),
        Just("House No".to_string()),
        Just("St".to_string()),
        Just("Apt".to_string()),
        Just("#".to_string()),
        Just("Flat".to_string()),
        Just("NW1 6XE".to_string()),
        Just("1st".to_string()),
        Just("1-я".to_string()),
        "[A-Za-zА-Яа-я]{1,8}",
        "[0-9]{1,4}[a-zа-я]?",
        "[0-9]{1,3}/[0-9]{1,3}",
        "[۰-۹]{1,3}",
    ];
    let sep = prop_oneof![
        Just(" "),
        Just(", "),
        Just("-"),
        Just("."),
        Just(""),
        Just("; ")
    ];
    prop::collection::vec((part, sep), 0..10).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(p, s)| format!("{p}{s}"))
            .collect::<String>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn never_panics(s in "\\PC{0,120}", ctx in contexts()) {
        let _ = normalize(&s, &ctx);
    }

    #[test]
    fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = normalize(&s, &Context::new());
    }

    #[test]
    fn idempotent(s in address_like(), ctx in contexts()) {
        if let Ok(a) = normalize(&s, &ctx) {
            let again = normalize(a.as_str(), &ctx);
            prop_assert_eq!(again.as_ref(), Ok(&a), "{} -> {}", s, a.as_str());
            prop_assert_eq!(normalize(&a.to_string(), &Context::new()), Ok(a.clone()));
            prop_assert_eq!(similarity(&a, &a), 1.0);
        }
    }

    #[test]
    fn idempotent_any_text(s in "\\PC{0,60}", ctx in contexts()) {
        if let Ok(a) = normalize(&s, &ctx) {
            prop_assert_eq!(normalize(a.as_str(), &ctx), Ok(a));
        }
    }

    #[test]
    fn similarity_symmetric(x in address_like(), y in address_like()) {
        let c = Context::new();
        if let (Ok(a), Ok(b)) = (normalize(&x, &c), normalize(&y, &c)) {
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert_eq!(s, similarity(&b, &a));
        }
    }
}

#[test]
fn russian_abbreviations_meet() {
    let c = Context::new();
    let a = normalize("ул. Ленина д.5", &c).unwrap();
    let b = normalize("улица Ленина, дом 5", &c).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.house(), Some("5"));
    assert_eq!(a.street_key(), "lenina");
}

#[test]
fn english_abbreviations_meet() {
    let c = Context::new();
    let a = normalize("12 Baker St", &c).unwrap();
    let b = normalize("12 baker street", &c).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.as_str(), "baker street house 12");
    assert_eq!(a.street_tokens().collect::<Vec<_>>(), ["baker", "street"]);
}

#[test]
fn columns_joined_in_order() {
    // house number, street, address line 2, flat, joined by the caller
    let c = Context::new();
    let a = normalize("12, Baker Street, , 3", &c).unwrap();
    assert_eq!((a.house(), a.flat()), (Some("12"), Some("3")));
    let b = normalize("5, ул. Ленина, , кв. 12", &c).unwrap();
    assert_eq!((b.house(), b.flat()), (Some("5"), Some("12")));
}
