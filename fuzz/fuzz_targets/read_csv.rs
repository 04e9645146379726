//! The CSV reader on arbitrary bytes: an `Ok` with skips or an `Err`, never a panic; every
//! data row is either a record or a reported skip, and no message quotes the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilink::io::{read_csv_bytes, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let mut opts = ReadOptions::new("fuzz");
    // A small cell cap so the fuzzer reaches the over-long-cell path.
    opts.max_cell_bytes = 256;
    match read_csv_bytes(data, &opts) {
        Ok(out) => {
            assert_eq!(out.rows, (out.records.len() + out.skipped.len()) as u64);
            for s in &out.skipped {
                let _ = s.reason.to_string();
            }
            let _ = format!("{out:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
