//! Plumbing shared by the latency and load examples.

#![allow(dead_code)]

/// The resident set size of this process, in bytes (0 where `/proc` is not available).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// p50, p99 and max of a list of durations in nanoseconds.
pub fn percentiles(mut ns: Vec<u64>) -> (u64, u64, u64) {
    if ns.is_empty() {
        return (0, 0, 0);
    }
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() as f64 - 1.0) * q) as usize];
    (at(0.5), at(0.99), *ns.last().unwrap_or(&0))
}

/// Probes for `lookup`: the raw phones and e-mails of every 97th record, at most `n`.
pub fn probes(
    records: &[omnilink::Record],
    n: usize,
) -> Vec<(omnilink::normalize::FieldKind, String)> {
    use omnilink::normalize::FieldKind;
    records
        .iter()
        .step_by(97)
        .flat_map(|r| {
            r.phones
                .iter()
                .map(|p| (FieldKind::Phone, p.clone()))
                .chain(r.emails.iter().map(|e| (FieldKind::Email, e.clone())))
        })
        .take(n)
        .collect()
}
