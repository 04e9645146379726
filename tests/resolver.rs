//! The incremental resolver: events, stable IDs, removal, persistence.

use omnilink::normalize::FieldKind;
use omnilink::resolver::{Event, Resolver};
use omnilink::{Config, Record};

fn crm() -> Resolver {
    Resolver::new(Config::for_region("RU")).unwrap()
}

#[test]
fn merge_keeps_the_oldest_id_and_remove_splits_the_bridge() {
    let r = crm();
    let a = r
        .add(
            Record::new("1", "store")
                .card("7700123")
                .full_name("Анна Петрова"),
        )
        .unwrap();
    let b = r
        .add(
            Record::new("2", "web")
                .email("anna.p@mail.ru")
                .full_name("Anna Petrova"),
        )
        .unwrap();
    assert_ne!(a.customer, b.customer, "no shared identifier yet");
    // A call-centre record carrying both the card and the e-mail bridges the two.
    let c = r
        .add(
            Record::new("3", "call_centre")
                .card("77-00-123")
                .email("Anna.P@mail.ru")
                .full_name("Петрова Анна"),
        )
        .unwrap();
    assert_eq!(c.customer, a.customer, "the oldest ID survives");
    assert!(c.events.iter().any(|e| matches!(e,
        Event::Merged { survivor, absorbed } if *survivor == a.customer && absorbed == &vec![b.customer.clone()])));
    assert_eq!(r.customer_count(), 1);
    assert_eq!(r.customer(&a.customer).unwrap().members.len(), 3);

    // Erasing the bridge splits the customer again; the ID is not reused.
    let events = r.remove("call_centre", "3").unwrap();
    let Event::Split { customer, parts } = &events[0] else {
        panic!("expected a split, got {events:?}");
    };
    assert_eq!(customer, &a.customer);
    assert_eq!(parts.len(), 1);
    assert_ne!(parts[0], b.customer, "IDs are never reused");
    assert_eq!(r.customer_count(), 2);
    assert_eq!(
        r.lookup(FieldKind::Card, "7700123"),
        vec![a.customer.clone()]
    );
}

#[test]
fn lookup_by_any_identifier() {
    let r = crm();
    let a = r
        .add(
            Record::new("1", "app")
                .phone("8 (912) 345-67-89")
                .email("Ivan.Petrov@gmail.com")
                .device("6D92078A-8246-4BA4-AE5B-76104861E7DC")
                .social(None, "https://instagram.com/ivan.petrov/"),
        )
        .unwrap();
    let me = vec![a.customer.clone()];
    assert_eq!(r.lookup(FieldKind::Phone, "+7 912 345 67 89"), me);
    assert_eq!(
        r.lookup(FieldKind::Email, "ivanpetrov+x@googlemail.com"),
        me
    );
    assert_eq!(
        r.lookup(FieldKind::Device, "6d92078a82464ba4ae5b76104861e7dc"),
        me
    );
    assert_eq!(
        r.lookup(FieldKind::Social, "@Ivan.Petrov"),
        Vec::new(),
        "network unknown"
    );
    assert!(r.lookup(FieldKind::Phone, "+7 999 000 00 01").is_empty());
    assert!(r.lookup(FieldKind::Phone, "n/a").is_empty());
}

#[test]
fn save_load_continue_equals_never_saving() {
    let records: Vec<Record> = (0..60)
        .map(|i| {
            Record::new(format!("{i}"), ["web", "store"][i % 2])
                .phone(format!(
                    "+7 912 {:03} {:02} {:02}",
                    100 + i / 3,
                    i % 7,
                    10 + i / 3
                ))
                .full_name(["Анна Петрова", "Иван Смирнов", "Olga Ivanova"][i % 3])
        })
        .collect();
    let (head, tail) = records.split_at(30);
    let straight = crm();
    straight.add_batch(records.iter().cloned()).unwrap();

    let saved = crm();
    saved.add_batch(head.iter().cloned()).unwrap();
    let dir = std::env::temp_dir().join(format!("omnilink-resolver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.bin");
    saved.save(&path).unwrap();
    let loaded = Resolver::load(&path).unwrap();
    loaded.add_batch(tail.iter().cloned()).unwrap();
    assert_eq!(straight.assignments(), loaded.assignments());

    // A truncated or bit-flipped file is rejected with a clear error.
    let bytes = std::fs::read(&path).unwrap();
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let e = Resolver::from_bytes(&bytes[..cut]).unwrap_err().to_string();
        assert!(e.contains("format"), "{e}");
    }
    for pos in [3, 9, 40, bytes.len() / 2, bytes.len() - 1] {
        let mut flipped = bytes.clone();
        flipped[pos] ^= 0x10;
        assert!(
            Resolver::from_bytes(&flipped).is_err(),
            "flip at {pos} accepted"
        );
    }
    let mut newer = bytes.clone();
    newer[8] = 99;
    let e = Resolver::from_bytes(&newer).unwrap_err().to_string();
    assert!(e.contains("newer"), "{e}");
    let mut older = bytes.clone();
    older[8] = 1;
    let e = Resolver::from_bytes(&older).unwrap_err().to_string();
    assert!(e.contains("older"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn resolver_is_send_and_sync_and_serves_concurrent_lookups() {
    let r = std::sync::Arc::new(crm());
    r.add(Record::new("1", "web").phone("+79123456789"))
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            std::thread::spawn(move || r.lookup(FieldKind::Phone, "89123456789").len())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 1);
    }
}

#[test]
fn save_load_continue_equals_never_saving_on_generated_data() {
    use omnilink::normalize::Region;
    use omnilink::synth;

    let customers = if cfg!(debug_assertions) { 300 } else { 2000 };
    let data = synth::generate(&synth::Config::new(customers, 5)).unwrap();
    let mut cfg = Config::default();
    cfg.context.candidate_regions = Region::MARKETS.to_vec().into();
    let model = omnilink::resolve(&data.records, &cfg).unwrap().model;
    cfg.model = Some(model.clone());
    cfg.train = false;
    let n = data.records.len();
    let (head, tail) = data.records.split_at(n / 2);
    // Some erasures before saving leave free slots behind; some after.
    let run_head = |r: &Resolver| {
        r.add_batch(head.iter().cloned()).unwrap();
        for rec in head.iter().step_by(7) {
            r.remove(&rec.source, &rec.id).unwrap();
        }
    };
    let run_tail = |r: &Resolver| {
        let mut out = Vec::new();
        for (i, rec) in tail.iter().enumerate() {
            out.push(format!("{:?}", r.add(rec.clone()).unwrap()));
            if i % 11 == 0 {
                let old = &head[(i * 3) % head.len()];
                out.push(format!("{:?}", r.remove(&old.source, &old.id)));
            }
        }
        out
    };
    let straight = Resolver::with_model(cfg.clone(), model.clone()).unwrap();
    run_head(&straight);
    let straight_events = run_tail(&straight);

    let saved = Resolver::with_model(cfg, model).unwrap();
    run_head(&saved);
    let dir = std::env::temp_dir().join(format!("omnilink-resolver-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.bin");
    saved.save(&path).unwrap();
    let loaded = Resolver::load(&path).unwrap();
    assert_eq!(loaded.assignments(), saved.assignments());
    let loaded_events = run_tail(&loaded);
    assert_eq!(straight_events, loaded_events, "same events after loading");
    assert_eq!(straight.assignments(), loaded.assignments());
    assert!(straight.customer_count() > 100);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hubs_are_those_of_the_batch() {
    // Generated data has store placeholder phones, cashiers' cards and common names in big
    // cities; small limits make many blocks hubs, and many name blocks split (not hubs).
    let data = omnilink::synth::generate(&omnilink::synth::Config::new(6000, 4)).unwrap();
    let mut cfg = Config::default();
    cfg.context.candidate_regions = omnilink::normalize::Region::MARKETS.to_vec().into();
    cfg.blocking.max_identifier_block = 4;
    cfg.blocking.max_name_block = 2;
    let batch = omnilink::resolve(&data.records, &cfg).unwrap();
    let mut want: Vec<(String, String, usize)> = batch
        .hubs
        .iter()
        .map(|h| (h.rule.as_str().to_string(), h.key.clone(), h.size as usize))
        .collect();
    want.sort();
    assert!(!want.is_empty(), "the data plants hub values");
    let r = Resolver::from_batch(data.records.clone(), cfg).unwrap();
    let mut got: Vec<(String, String, usize)> = r
        .hubs()
        .into_iter()
        .map(|(rule, key, n)| (rule.as_str().to_string(), key, n))
        .collect();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn every_constructor_checks_the_config() {
    let mut bad = Config::for_region("RU");
    bad.match_probability = 1.5;
    let e = Resolver::new(bad.clone()).unwrap_err();
    assert!(
        matches!(e.kind(), omnilink::ErrorKind::Config { .. }),
        "{e}"
    );
    assert!(Resolver::with_model(bad.clone(), omnilink::model::Model::default()).is_err());
    assert!(Resolver::from_batch(Vec::new(), bad.clone()).is_err());
    let dir = std::env::temp_dir().join(format!("omnilink-resolver-check-{}", std::process::id()));
    assert!(Resolver::open(&dir, bad.clone()).is_err());
    let _ = std::fs::remove_dir_all(&dir);
    // `load` / `from_bytes`: `resolver::load_tests::a_saved_config_is_checked`.
}
