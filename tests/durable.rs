//! The durable resolver (`Resolver::open`): torn and bit-flipped journals, interrupted
//! checkpoints, the directory lock, and reopening against never having stopped. The crash
//! test with SIGKILL is `tests/crash.rs`.

use std::path::{Path, PathBuf};

use omnilink::resolver::{OpenOptions, Resolver, SyncPolicy};
use omnilink::{Config, ErrorKind, Record};
use proptest::prelude::*;

mod common;
use common::*;

/// Byte offsets where the frames of a journal start, and its length.
fn frame_starts(data: &[u8]) -> Vec<usize> {
    let mut at = 28;
    let mut out = Vec::new();
    while at + 16 <= data.len() {
        out.push(at);
        let len = u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        at += 16 + len as usize;
    }
    assert_eq!(at, data.len(), "a whole journal");
    out
}

fn only_file(dir: &Path, prefix: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "one {prefix} file in {}", dir.display());
    found.pop().unwrap()
}

/// A copy of the state directory `from` with its journal replaced by `journal`.
fn with_journal(from: &Path, to: &Path, journal: &[u8]) -> PathBuf {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    let snap = only_file(from, "snapshot-");
    std::fs::copy(&snap, to.join(snap.file_name().unwrap())).unwrap();
    let j = to.join(only_file(from, "journal-").file_name().unwrap());
    std::fs::write(&j, journal).unwrap();
    j
}

#[test]
fn a_journal_cut_anywhere_opens_to_its_whole_frames() {
    let ops = ops(7, 14, false);
    let dir = scratch("cut-source");
    {
        let r = Resolver::open(&dir, config()).unwrap();
        for op in &ops {
            apply(&r, op).unwrap();
        }
    }
    let journal = std::fs::read(only_file(&dir, "journal-")).unwrap();
    let starts = frame_starts(&journal);
    assert_eq!(starts.len(), ops.len());
    let refs: Vec<Assignments> = (0..=ops.len()).map(|n| reference(&ops[..n])).collect();
    let case = scratch("cut");
    let mut cases = 0;
    for cut in 28..=journal.len() {
        let j = with_journal(&dir, &case, &journal[..cut]);
        let r = Resolver::open(&case, config()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let whole = starts.iter().filter(|&&s| s < cut).count()
            - usize::from(cut < journal.len() && !starts.contains(&cut));
        let rec = r.recovery().unwrap().clone();
        assert_eq!(rec.replayed, whole as u64, "cut at {cut}");
        assert_eq!(r.assignments(), refs[whole], "cut at {cut}");
        let boundary = starts.get(whole).copied().unwrap_or(journal.len());
        if boundary == cut {
            assert_eq!(rec.torn_at, None, "cut at {cut}");
        } else {
            assert_eq!(rec.torn_at, Some(boundary as u64), "cut at {cut}");
            assert_eq!(rec.torn_bytes, (cut - boundary) as u64);
        }
        // The torn part is gone from the file, and new operations follow the whole frames.
        assert_eq!(std::fs::metadata(&j).unwrap().len(), boundary as u64);
        r.add(Record::new("after", "web").phone("+7 912 345 00 10"))
            .unwrap();
        drop(r);
        let again = Resolver::open(&case, config()).unwrap();
        assert_eq!(again.recovery().unwrap().torn_at, None);
        assert_eq!(again.len(), refs[whole].len() + 1, "cut at {cut}");
        cases += 1;
    }
    eprintln!(
        "{cases} cuts of a {}-byte journal of {} frames",
        journal.len(),
        starts.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&case);
}

#[test]
fn a_bit_flipped_in_any_frame_is_refused_or_a_torn_last_frame() {
    let ops = ops(11, 12, false);
    let dir = scratch("flip-source");
    {
        let r = Resolver::open(&dir, config()).unwrap();
        for op in &ops {
            apply(&r, op).unwrap();
        }
    }
    let journal = std::fs::read(only_file(&dir, "journal-")).unwrap();
    let starts = frame_starts(&journal);
    let last = *starts.last().unwrap();
    let before_last = reference(&ops[..ops.len() - 1]);
    let case = scratch("flip");
    let (mut refused, mut torn) = (0, 0);
    for byte in 0..journal.len() {
        let mut bad = journal.clone();
        bad[byte] ^= 1 << (byte % 8);
        with_journal(&dir, &case, &bad);
        let opened = Resolver::open(&case, config());
        // The frame the byte belongs to (or the file header).
        let frame = starts.iter().rev().find(|&&s| s <= byte).copied();
        let in_last_payload = frame == Some(last) && byte >= last + 8;
        match opened {
            Ok(r) if in_last_payload => {
                let rec = r.recovery().unwrap();
                assert_eq!(rec.torn_at, Some(last as u64), "byte {byte}");
                assert_eq!(r.assignments(), before_last, "byte {byte}");
                torn += 1;
            }
            Ok(_) => panic!("byte {byte}: a flipped bit was not noticed"),
            Err(e) => {
                assert!(!in_last_payload, "byte {byte}: {e}");
                let ErrorKind::Corrupt { path, offset, .. } = e.kind() else {
                    panic!("byte {byte}: {e}");
                };
                assert!(path.to_str().unwrap().contains("journal-000000.log"));
                let want = frame.unwrap_or(0) as u64;
                match frame {
                    Some(_) => assert_eq!(*offset, Some(want), "byte {byte}"),
                    None => assert!(offset.unwrap() < 28, "byte {byte}"),
                }
                let text = e.to_string();
                assert!(
                    text.contains("journal-000000.log") && text.contains("byte"),
                    "{text}"
                );
                refused += 1;
            }
        }
    }
    eprintln!(
        "{} single-bit flips in {} frames: {refused} refused with file and offset, {torn} read \
         as a torn last frame",
        journal.len(),
        starts.len()
    );
    // A flipped bit in the snapshot is refused too, naming it.
    let snap = only_file(&dir, "snapshot-");
    let mut data = std::fs::read(&snap).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 4;
    with_journal(&dir, &case, &journal);
    std::fs::write(case.join(snap.file_name().unwrap()), &data).unwrap();
    let e = Resolver::open(&case, config()).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Corrupt { path, .. } if path.ends_with("snapshot-000000.bin")),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&case);
}

#[test]
fn the_directory_is_locked_while_open() {
    let dir = scratch("lock");
    let first = Resolver::open(&dir, config()).unwrap();
    let e = Resolver::open(&dir, config()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Locked { .. }), "{e}");
    assert!(e.to_string().contains("locked"), "{e}");
    first
        .add(Record::new("1", "web").email("a@mail.ru"))
        .unwrap();
    drop(first);
    let second = Resolver::open(&dir, config()).unwrap();
    assert_eq!(second.len(), 1);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_config_is_refused() {
    let dir = scratch("config");
    drop(Resolver::open(&dir, config()).unwrap());
    let e = Resolver::open(&dir, Config::for_region("KZ")).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Config { .. }), "{e}");
    let mut bad = config();
    bad.match_probability = 2.0;
    assert!(Resolver::open(scratch("bad-config"), bad).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_interrupted_checkpoint_opens_to_the_same_state() {
    // The files a checkpoint from generation 0 to 1 leaves at each step.
    let ops = ops(3, 30, false);
    let dir = scratch("cp-source");
    let want = {
        let r = Resolver::open(&dir, config()).unwrap();
        for op in &ops {
            apply(&r, op).unwrap();
        }
        r.assignments()
    };
    let snap0 = std::fs::read(dir.join("snapshot-000000.bin")).unwrap();
    let journal0 = std::fs::read(dir.join("journal-000000.log")).unwrap();
    let checkpointed = scratch("cp-done");
    {
        copy_dir(&dir, &checkpointed);
        let r = Resolver::open(&checkpointed, config()).unwrap();
        r.checkpoint().unwrap();
    }
    let snap1 = std::fs::read(checkpointed.join("snapshot-000001.bin")).unwrap();
    let journal1 = std::fs::read(checkpointed.join("journal-000001.log")).unwrap();
    type Files<'a> = Vec<(&'a str, &'a [u8])>;
    let steps: Vec<Files> = vec![
        vec![("snapshot-000001.bin.tmp", &snap1[..snap1.len() / 2])],
        vec![("snapshot-000001.bin.tmp", &snap1)],
        vec![("snapshot-000001.bin", &snap1)],
        vec![
            ("snapshot-000001.bin", &snap1),
            ("journal-000001.log.tmp", &journal1[..5]),
        ],
        vec![
            ("snapshot-000001.bin", &snap1),
            ("journal-000001.log", &journal1),
        ],
    ];
    let case = scratch("cp-case");
    for (i, extra) in steps.iter().enumerate() {
        for old_gone in [false, true] {
            let _ = std::fs::remove_dir_all(&case);
            std::fs::create_dir_all(&case).unwrap();
            if !old_gone || i < 4 {
                std::fs::write(case.join("snapshot-000000.bin"), &snap0).unwrap();
                std::fs::write(case.join("journal-000000.log"), &journal0).unwrap();
            }
            for (name, bytes) in extra {
                std::fs::write(case.join(name), bytes).unwrap();
            }
            let r = Resolver::open(&case, config()).unwrap_or_else(|e| panic!("step {i}: {e}"));
            assert_eq!(r.assignments(), want, "step {i}");
            drop(r);
            let names: Vec<String> = std::fs::read_dir(&case)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n != "LOCK")
                .collect();
            assert_eq!(names.len(), 2, "step {i}: one generation left: {names:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&checkpointed);
    let _ = std::fs::remove_dir_all(&case);
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "LOCK" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn events_and_ids_are_those_of_a_resolver_never_stopped() {
    // Outcomes, not only the final state: each add answers as the in-memory resolver does,
    // across reopenings and checkpoints.
    let ops = ops(21, 120, true);
    let plain = Resolver::new(config()).unwrap();
    let dir = scratch("events");
    let mut durable = Resolver::open(&dir, config()).unwrap();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Op::Add(r) => assert_eq!(
                format!("{:?}", plain.add(r.clone())),
                format!("{:?}", durable.add(r.clone())),
                "op {i}"
            ),
            Op::Batch(rs) => assert_eq!(
                format!("{:?}", plain.add_batch(rs.clone())),
                format!("{:?}", durable.add_batch(rs.clone())),
                "op {i}"
            ),
            Op::Remove(s, id) => assert_eq!(
                plain.remove(s, id).unwrap(),
                durable.remove(s, id).unwrap(),
                "op {i}"
            ),
            Op::Checkpoint => durable.checkpoint().unwrap(),
        }
        if i % 17 == 16 {
            drop(durable);
            durable = Resolver::open(&dir, config()).unwrap();
        }
    }
    assert_eq!(plain.assignments(), durable.assignments());
    drop(durable);
    let _ = std::fs::remove_dir_all(&dir);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// open, operations, drop, open: the same state as the resolver that never stopped.
    #[test]
    fn reopening_equals_never_stopping(seed in any::<u64>(), len in 1usize..60, grouped in any::<bool>()) {
        let ops = ops(seed, len, true);
        let dir = scratch(&format!("prop-{seed}"));
        let policy = if grouped { SyncPolicy::Grouped } else { SyncPolicy::EveryOperation };
        {
            let r = Resolver::open_with(&dir, config(), &OpenOptions::new().sync(policy)).unwrap();
            for op in &ops {
                apply(&r, op).unwrap();
            }
        }
        let r = Resolver::open(&dir, config()).unwrap();
        let got = r.assignments();
        drop(r);
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert_eq!(got, reference(&ops));
    }
}

#[test]
fn a_persisted_batch_replays_as_it_ran() {
    let data = omnilink::synth::generate(&omnilink::synth::Config::new(300, 9)).unwrap();
    let (head, tail) = data.records.split_at(data.records.len() - 60);
    let mut cfg = Config::default();
    cfg.context.candidate_regions = omnilink::normalize::Region::MARKETS.to_vec().into();
    let dir = scratch("persist");
    let live = Resolver::from_batch(head.to_vec(), cfg.clone())
        .unwrap()
        .persist(&dir, &OpenOptions::new())
        .unwrap();
    for (i, r) in tail.iter().enumerate() {
        live.add(r.clone()).unwrap();
        if i % 7 == 0 {
            let old = &head[i * 3];
            live.remove(&old.source, &old.id).unwrap();
        }
    }
    let want = live.assignments();
    drop(live);
    let reopened = Resolver::open(&dir, cfg.clone()).unwrap();
    assert_eq!(reopened.assignments(), want);
    assert_eq!(reopened.recovery().unwrap().snapshot_records, head.len());
    // A directory holding a state takes no other.
    let other = Resolver::new(cfg).unwrap();
    drop(reopened);
    assert!(other.persist(&dir, &OpenOptions::new()).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}
