//! The JSON Lines reader on arbitrary bytes: an `Ok` with skips or an `Err`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnilink::io::{read_jsonl_bytes, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let mut opts = ReadOptions::new("fuzz");
    opts.max_cell_bytes = 256;
    match read_jsonl_bytes(data, &opts) {
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
