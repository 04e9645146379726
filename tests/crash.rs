//! The crash test: the test binary runs itself again as a child (`crash_child`, ignored unless
//! the parent sets `OMNILINK_CRASH_DIR`), which applies operations to a state directory and
//! is killed with SIGKILL; `OMNILINK_CRASH_KILLS` and `OMNILINK_CRASH_SEED` change the number
//! of kills and the seed, and a failure prints the seed that reproduces it.
//!
//! A binary of its own: a child forked while another test of the same process drops a
//! resolver holds a copy of the directory lock's descriptor until it execs, so that test's
//! next open could find its directory still locked.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use omnilink::resolver::{OpenOptions, Resolver, SyncPolicy};

mod common;
use common::*;

const CHILD_OPS: usize = 48;

/// The child of the crash test: applies the operations of its seed to the directory it is
/// given and writes `ack N` once operation `N` returned.
#[test]
#[ignore = "run by `acknowledged_operations_survive_sigkill` in a child process"]
fn crash_child() {
    let Some(dir) = std::env::var_os("OMNILINK_CRASH_DIR") else {
        return;
    };
    let seed: u64 = std::env::var("OMNILINK_CRASH_CHILD_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let policy = match std::env::var("OMNILINK_CRASH_SYNC").as_deref() {
        Ok("grouped") => SyncPolicy::Grouped,
        _ => SyncPolicy::EveryOperation,
    };
    let r = Resolver::open_with(&dir, config(), &OpenOptions::new().sync(policy)).unwrap();
    // The parent holds the child before one operation, to time its kill from that
    // operation's start.
    let hold: Option<usize> = std::env::var("OMNILINK_CRASH_HOLD")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut out = std::io::stdout().lock();
    // On a line of its own: the test harness may have begun one.
    writeln!(out, "\nready").unwrap();
    out.flush().unwrap();
    for (i, op) in ops(seed, CHILD_OPS, true).iter().enumerate() {
        if hold == Some(i) {
            let mut go = String::new();
            std::io::stdin().read_line(&mut go).unwrap();
        }
        apply(&r, op).unwrap();
        writeln!(out, "ack {i}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "done").unwrap();
    out.flush().unwrap();
}

/// What one kill found.
struct Kill {
    /// The kind of the first operation not acknowledged, when one was in flight.
    in_flight: Option<usize>,
    /// It was found durable (applied) on reopening.
    durable: bool,
    /// Reopening cut a torn frame off the journal.
    torn: bool,
    /// Reopening found files of an interrupted checkpoint (a temporary file, or two
    /// generations) and removed them.
    cleaned: bool,
}

/// Runs the child on the operations of `seed`, kills it with SIGKILL at a random moment
/// around an operation of the `k % 4`th kind, reopens and checks the state.
fn kill_once(exe: &Path, k: u64, seed: u64) -> Kill {
    let mut rng = Rng(seed ^ 0x00c0_ffee);
    let ops = ops(seed, CHILD_OPS, true);
    // Aim the kill at an operation of each kind in turn: the child waits before it for a
    // word from this side, then a random delay of up to about one and a half operations'
    // time lands the kill in that operation or the next.
    let kind = (k % 4) as usize;
    let mut targets: Vec<usize> = (0..ops.len() - 2)
        .filter(|&i| ops[i].kind() == kind)
        .collect();
    if targets.is_empty() {
        // A sequence without that kind of operation: any operation.
        targets = (0..ops.len() - 2).collect();
    }
    let target = targets[rng.below(targets.len() as u64) as usize];
    let delay_draw = rng.next();
    let policy = if k % 5 == 4 { "grouped" } else { "every" };

    // On a disk, not a RAM disk, where an fsync is not free.
    let dir = on_disk(&format!("kill-{k}"));
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("OMNILINK_CRASH_DIR", &dir)
        .env("OMNILINK_CRASH_CHILD_SEED", seed.to_string())
        .env("OMNILINK_CRASH_SYNC", policy)
        .env("OMNILINK_CRASH_HOLD", target.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let wait_for = match target {
        0 => "ready".to_string(),
        t => format!("ack {}", t - 1),
    };
    let mut acked: Option<usize> = None;
    let mut done = false;
    let read_line = |line: &str, acked: &mut Option<usize>, done: &mut bool| {
        if let Some(n) = line.strip_prefix("ack ") {
            *acked = Some(n.trim().parse().unwrap());
        } else if line.trim() == "done" {
            *done = true;
        }
    };
    let mut ready = Instant::now();
    for line in lines.by_ref() {
        let line = line.unwrap();
        read_line(&line, &mut acked, &mut done);
        if line.trim_end().ends_with("ready") {
            ready = Instant::now();
        }
        if line.trim() == wait_for {
            break;
        }
    }
    let mean = ready.elapsed().as_micros() as u64 / target.max(1) as u64;
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "go").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_micros(delay_draw % (mean * 3 / 2 + 10)));
    // SIGKILL on Unix; a child that already finished is simply reaped.
    let _ = child.kill();
    child.wait().unwrap();
    // Acknowledgements written before the kill are acknowledged too.
    for line in lines {
        read_line(&line.unwrap(), &mut acked, &mut done);
    }

    let reopened = Resolver::open(&dir, config()).unwrap_or_else(|e| {
        panic!("seed {seed} (kill {k}): reopening failed: {e}");
    });
    let got = reopened.assignments();
    let torn = reopened.recovery().unwrap().torn_at.is_some();
    let cleaned = reopened.recovery().unwrap().removed_files > 0;
    drop(reopened);
    std::fs::remove_dir_all(&dir).unwrap();
    let whole = acked.map_or(0, |a| a + 1);
    let with_acked = reference(&ops[..whole]);
    if done || whole == ops.len() {
        assert_eq!(
            got, with_acked,
            "seed {seed} (kill {k}): all operations acknowledged"
        );
        return Kill {
            in_flight: None,
            durable: false,
            torn,
            cleaned,
        };
    }
    let mut durable = false;
    if got != with_acked {
        // The operation in flight may have become durable before the kill.
        let with_next = reference(&ops[..whole + 1]);
        assert_eq!(
            got,
            with_next,
            "seed {seed} (kill {k}): reopened state is neither the {whole} acknowledged \
             operations nor those and the one in flight ({})",
            KINDS[ops[whole].kind()]
        );
        durable = true;
    }
    Kill {
        in_flight: Some(ops[whole].kind()),
        durable,
        torn,
        cleaned,
    }
}

#[test]
fn acknowledged_operations_survive_sigkill() {
    let kills: u64 = std::env::var("OMNILINK_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    let base: u64 = std::env::var("OMNILINK_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0a11_5eed);
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let next = std::sync::atomic::AtomicU64::new(0);
    // Two children at a time; each failure names its seed.
    let results: Vec<Kill> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= kills {
                            return out;
                        }
                        out.push(kill_once(&exe, k, base.wrapping_add(k)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    // Per kind of operation in flight: kills, and how many of those found it durable.
    let mut in_flight = [(0u64, 0u64); 4];
    for r in &results {
        if let Some(kind) = r.in_flight {
            in_flight[kind].0 += 1;
            in_flight[kind].1 += u64::from(r.durable);
        }
    }
    let finished = results.iter().filter(|r| r.in_flight.is_none()).count();
    let torn = results.iter().filter(|r| r.torn).count();
    let cleaned = results.iter().filter(|r| r.cleaned).count();
    let summary: Vec<String> = KINDS
        .iter()
        .zip(in_flight)
        .map(|(k, (n, d))| format!("{k} {n} ({d} found applied)"))
        .collect();
    eprintln!(
        "{kills} kills in {:.1} s (base seed {base}): in flight {}; {finished} after the last \
         operation; {torn} reopenings cut a torn frame, {cleaned} cleaned up after an \
         interrupted checkpoint",
        started.elapsed().as_secs_f64(),
        summary.join(", ")
    );
    for (k, (n, _)) in KINDS.iter().zip(in_flight) {
        assert!(n * 20 >= kills, "too few kills during {k}: {n} of {kills}");
    }
}
