//! Operations, records and reference states shared by the durable-state tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use omnilink::resolver::Resolver;
use omnilink::{Config, CustomerId, Record};

/// SplitMix64: a seeded generator, so every failure can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // a handful of test operations
pub enum Op {
    Add(Record),
    Batch(Vec<Record>),
    Remove(String, String),
    Checkpoint,
}

impl Op {
    pub fn kind(&self) -> usize {
        match self {
            Op::Add(_) => 0,
            Op::Batch(_) => 1,
            Op::Remove(..) => 2,
            Op::Checkpoint => 3,
        }
    }
}

pub const KINDS: [&str; 4] = ["add", "add_batch", "remove", "checkpoint"];
pub const SOURCES: [&str; 3] = ["web", "store", "app"];
pub const NAMES: [&str; 6] = [
    "Anna Petrova",
    "Ivan Petrov",
    "Olga Smirnova",
    "Reza Ahmadi",
    "Priya Sharma",
    "John Smith",
];

/// A small record drawing on small pools of values, so records link, merge and split.
pub fn record(rng: &mut Rng, n: u64) -> Record {
    // Ids repeat now and then: a known (source, id) is an update.
    let id = if rng.below(8) == 0 && n > 0 {
        rng.below(n)
    } else {
        n
    };
    let source = SOURCES[rng.below(3) as usize];
    let mut r = Record::new(format!("r{id}"), source);
    match rng.below(10) {
        // A record with no usable identifier at all: accepted, its own customer.
        0 => return r,
        1..=4 => {
            r = r.phone(format!(
                "+7 912 345 {:02} {:02}",
                rng.below(6),
                10 + rng.below(3)
            ))
        }
        _ => {}
    }
    if rng.below(2) == 0 {
        r = r.email(format!("user{}@mail.ru", rng.below(12)));
    }
    if rng.below(3) == 0 {
        r = r.card(format!("7700{:03}", rng.below(10)));
    }
    if rng.below(4) != 0 {
        r = r.full_name(NAMES[rng.below(NAMES.len() as u64) as usize]);
    }
    r
}

/// A deterministic sequence of `len` operations from `seed`.
pub fn ops(seed: u64, len: usize, checkpoints: bool) -> Vec<Op> {
    let mut rng = Rng(seed);
    let mut n = 0u64;
    let mut held: Vec<(String, String)> = Vec::new();
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let op = match rng.below(20) {
            0..=9 => Op::Add(record(&mut rng, n)),
            10..=13 => Op::Batch(
                (0..1 + rng.below(5))
                    .map(|i| record(&mut rng, n + i))
                    .collect(),
            ),
            14..=17 if !held.is_empty() => {
                let (s, i) = held[rng.below(held.len() as u64) as usize].clone();
                Op::Remove(s, i)
            }
            18..=19 if checkpoints => Op::Checkpoint,
            _ => Op::Add(record(&mut rng, n)),
        };
        match &op {
            Op::Add(r) => {
                held.push((r.source.clone(), r.id.clone()));
                n += 1;
            }
            Op::Batch(rs) => {
                held.extend(rs.iter().map(|r| (r.source.clone(), r.id.clone())));
                n += rs.len() as u64;
            }
            _ => {}
        }
        out.push(op);
    }
    out
}

pub fn config() -> Config {
    Config::for_region("RU")
}

pub fn apply(r: &Resolver, op: &Op) -> omnilink::Result<()> {
    match op {
        Op::Add(rec) => r.add(rec.clone()).map(drop),
        Op::Batch(rs) => r.add_batch(rs.iter().cloned()).map(drop),
        Op::Remove(s, i) => r.remove(s, i).map(drop),
        Op::Checkpoint => r.checkpoint(),
    }
}

pub type Assignments = Vec<((String, String), CustomerId)>;

/// The state of a resolver that never stopped, after `ops` (checkpoints change nothing).
pub fn reference(ops: &[Op]) -> Assignments {
    let r = Resolver::new(config()).unwrap();
    for op in ops.iter().filter(|o| !matches!(o, Op::Checkpoint)) {
        apply(&r, op).unwrap();
    }
    r.assignments()
}

/// A fresh directory for one case, on a RAM disk where there is one.
pub fn scratch(name: &str) -> PathBuf {
    let base = match std::env::var_os("OMNILINK_TEST_DIR") {
        Some(d) => PathBuf::from(d),
        None if Path::new("/dev/shm").is_dir() => PathBuf::from("/dev/shm"),
        None => std::env::temp_dir(),
    };
    let dir = base.join(format!("omnilink-durable-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A fresh directory for one case on a disk (the system's temporary directory).
pub fn on_disk(name: &str) -> PathBuf {
    let base = std::env::var_os("OMNILINK_TEST_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("omnilink-durable-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
