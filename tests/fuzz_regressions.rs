//! Inputs the fuzz targets (`fuzz/`) found to crash the crate, replayed as the targets ran
//! them. Each must now give an error or a result, never a panic.

use std::path::Path;

use omnilink::model::Model;
use omnilink::resolver::{Resolver, FORMAT_VERSION};
use omnilink::{Config, Record};

fn artifact(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz")
            .join(name),
    )
    .unwrap()
}

/// The state file checksum, as the `resolver_load` target restates it to seal payloads.
fn checksum(bytes: &[u8]) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ 0xC5u64.wrapping_mul(0x0100_0000_01b3);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes(c.try_into().unwrap()));
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = mix(h ^ u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    if h == 0 {
        1
    } else {
        h
    }
}

/// What the `resolver_load` target does with an input: byte 0 odd seals the rest.
fn as_loaded(input: &[u8]) -> Vec<u8> {
    let (mode, rest) = input.split_first().unwrap();
    if mode % 2 == 0 {
        return rest.to_vec();
    }
    let mut out = b"OMNILNK\0".to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(rest.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(rest).to_le_bytes());
    out.extend_from_slice(rest);
    out
}

/// `resolver_load`, 2026-11-22, after 24,428 runs: a state whose model has a negative
/// `max_field_weight` (a flipped sign bit) loaded fine, and the next `add` panicked in
/// `f64::clamp` (min > max) while scoring.
#[test]
fn a_saved_model_with_a_negative_weight_cap_does_not_panic() {
    // The input was a well-formed state when found; the model has gained a field since, so
    // the payload may no longer decode: an error is fine, a panic is not.
    let bytes = as_loaded(&artifact("resolver_load-negative-weight-cap"));
    if let Ok(r) = Resolver::from_bytes(&bytes) {
        let a = r.add(
            Record::new("fuzz-1", "web")
                .phone("+7 912 345 67 89")
                .full_name("Anna Petrova"),
        );
        assert!(a.is_ok());
        let _ = r.add(Record::new("fuzz-2", "app").email("anna.petrova@gmail.com"));
    }
}

/// The same through the API: any model a caller deserialises scores without panicking.
#[test]
fn odd_weight_caps_do_not_panic() {
    for cap in [
        -2.0e-132,
        -30.0,
        0.0,
        f64::NAN,
        f64::INFINITY,
        -f64::INFINITY,
    ] {
        let model = Model {
            max_field_weight: cap,
            ..Model::default()
        };
        let r = Resolver::with_model(Config::for_region("RU"), model).unwrap();
        for i in 0..3 {
            let rec = Record::new(format!("r{i}"), "web")
                .phone("+7 912 345 67 89")
                .full_name("Anna Petrova");
            assert!(r.add(rec).is_ok(), "cap {cap}");
        }
    }
}

/// What the `resolver_load` target does with a loaded resolver, short of adding records.
fn use_loaded(r: &Resolver) {
    let _ = (r.len(), r.customer_count(), r.hubs());
    for ((source, id), customer) in r.assignments() {
        assert_eq!(r.customer_of(&source, &id).as_ref(), Some(&customer));
        let _ = r.customer(&customer);
    }
}

/// `resolver_load`, 2026-11-23, after 94,214 runs (once the crash above was fixed): a state
/// whose saved customer listed members of its own (the file format leaves them empty; they
/// index records and are rebuilt on load) loaded with a member index past the records, and
/// `customer()` panicked on it.
#[test]
fn saved_customer_members_are_not_trusted() {
    let bytes = as_loaded(&artifact("resolver_load-saved-members"));
    if let Ok(r) = Resolver::from_bytes(&bytes) {
        use_loaded(&r);
        let _ = r.add(Record::new("fuzz-2", "app").email("anna.petrova@gmail.com"));
        use_loaded(&r);
    }
}
