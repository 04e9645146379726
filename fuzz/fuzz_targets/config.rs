//! The config parser (TOML when byte 0 is even, JSON when odd) on arbitrary input, and any
//! config it accepts run end to end on a few fixed records: an error or a result, never a
//! panic, a hang or an allocation that exhausts memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilink::resolver::Resolver;
use omnilink::{resolve, Config, Record};

fn records() -> Vec<Record> {
    vec![
        Record::new("1", "store")
            .phone("8 912 345-67-89")
            .full_name("Анна Петрова"),
        Record::new("2", "web")
            .phone("+7 912 345 67 89")
            .email("anna.petrova@gmail.com"),
        Record::new("3", "app")
            .email("AnnaPetrova+shop@gmail.com")
            .country("RU"),
        Record::new("4", "store")
            .card("LC-0012 3457")
            .full_name("Ivan Sidorov")
            .birth_date("1990-03-04"),
        Record::new("5", "crm")
            .card("0012-3457")
            .first_name("Ivan")
            .last_name("Sidorov")
            .city("Moscow"),
        Record::new("6", "app")
            .device("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
            .birth_date("04.03.1990"),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&format, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let parsed: Result<Config, String> = if format % 2 == 0 {
        toml::from_str(text).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(text).map_err(|e| e.to_string())
    };
    let Ok(config) = parsed else {
        return;
    };
    // What the parser accepted serialises again.
    let json = serde_json::to_string(&config).expect("an accepted config serialises");
    let _: Result<Config, _> = serde_json::from_str(&json);
    let _ = format!("{config:?}");
    let records = records();
    if let Ok(res) = resolve(&records, &config) {
        assert_eq!(res.memberships.len(), records.len());
    }
    // A config that fails its check is refused by the resolver too.
    let Ok(resolver) = Resolver::new(config) else {
        return;
    };
    for r in records {
        let _ = resolver.add(r);
    }
    let _ = resolver.customer_count();
});
