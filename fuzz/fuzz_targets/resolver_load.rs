//! `Resolver::from_bytes` on arbitrary bytes, and a loaded resolver used: an error or a
//! working resolver, never a panic.
//!
//! When byte 0 is odd, the rest is taken as a payload and given a valid header (magic,
//! version, length, checksum) so the fuzzer gets past the checksum and into the decoder;
//! otherwise the bytes are loaded as they are.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilink::normalize::FieldKind;
use omnilink::resolver::{Resolver, FORMAT_VERSION};
use omnilink::Record;

/// The state file's checksum (the crate's internal 64-bit hash with tag 0xC5), restated
/// here so the target can seal arbitrary payloads.
fn checksum(bytes: &[u8]) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let tag = 0xC5u64;
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ tag.wrapping_mul(0x0100_0000_01b3);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = mix(h ^ u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = mix(h ^ u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    if h == 0 {
        1
    } else {
        h
    }
}

fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(28 + payload.len());
    out.extend_from_slice(b"OMNILNK\0");
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 1 {
        seal(rest)
    } else {
        rest.to_vec()
    };
    let Ok(resolver) = Resolver::from_bytes(&bytes) else {
        return;
    };
    let _ = format!("{resolver:?}");
    let _ = (resolver.len(), resolver.customer_count(), resolver.hubs());
    let assignments = resolver.assignments();
    for ((source, id), customer) in assignments.iter().take(8) {
        assert_eq!(resolver.customer_of(source, id).as_ref(), Some(customer));
        let _ = resolver.customer(customer);
    }
    let _ = resolver.lookup(FieldKind::Phone, "+7 912 345 67 89");
    let _ = resolver.add(
        Record::new("fuzz-1", "web")
            .phone("+7 912 345 67 89")
            .full_name("Anna Petrova"),
    );
    if let Some(((source, id), _)) = assignments.first() {
        let _ = resolver.remove(source, id);
    }
    let _ = resolver.add(Record::new("fuzz-2", "app").email("anna.petrova@gmail.com"));
    let _ = resolver.customer_count();
});
