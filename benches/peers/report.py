#!/usr/bin/env python3
"""Regenerate BENCHMARKS.md: omnilink and its peers on the same generated files.

    python3 benches/peers/report.py [--sizes 20000,200000,1000000] [--out BENCHMARKS.md] [...]

For every size (customers): `omnilink generate` writes records.csv and truth.csv; omnilink's
command line resolves the file under /usr/bin/time -v (median of --repeat runs); the benchmark
example resolves the same data in memory for per-stage times and the evidence ceiling; the peers
(benches/peers/run.sh) run on the same file under a time and memory limit, one at a time, niced.
Peer results are cached by peers.py (input sha256, versions, config digest), so a re-run only
re-measures omnilink unless the data, the peers or their configuration changed.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import peers  # noqa: E402  (the scorer and machine description shared with the peer runs)

PEER_LABELS = {"splink": "Splink", "recordlinkage": "recordlinkage"}


def log(msg):
    print("report: " + msg, file=sys.stderr, flush=True)


def sh(cmd, commands, **kw):
    """Run cmd (a list), record it in commands, fail loudly on a non-zero exit."""
    shown = " ".join(cmd)
    commands.append(shown)
    log(shown)
    return subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def rel(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT) else path


def machine():
    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError:
            return ""

    mem_kb = re.search(r"MemTotal:\s+(\d+)", read("/proc/meminfo"))
    os_name = re.search(r'PRETTY_NAME="([^"]*)"', read("/etc/os-release"))
    rustc = subprocess.run(["rustc", "-V"], capture_output=True, text=True, cwd=ROOT).stdout
    m = peers.machine()
    return {
        "cores": os.cpu_count(),
        "cpu": m["cpu"] or platform.processor(),
        "ram_gib": round(int(mem_kb.group(1)) / 1048576, 1) if mem_kb else None,
        "os": "%s, Linux %s" % (os_name.group(1) if os_name else platform.system(),
                                platform.release()),
        "rustc": rustc.strip(),
        "python": platform.python_version(),
    }


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def read_memberships(path):
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        return {row["record_id"]: row["customer_id"] for row in csv.DictReader(f)}


def time_v(stderr_text):
    """Wall seconds and peak RSS (kB) from GNU time -v's report."""
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", stderr_text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr_text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", stderr_text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", stderr_text)
    secs = 0.0
    for part in wall.group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs, int(rss.group(1)), float(user.group(1)) + float(system.group(1))


def run_ours(data, repeat, commands, truth):
    binary = os.path.join(ROOT, "target", "release", "omnilink")
    out = os.path.join(data, "omnilink-out")
    walls, rss, cpus, summaries = [], [], [], []
    for i in range(repeat):
        cmd = ["/usr/bin/time", "-v", binary, "resolve", os.path.join(data, "records.csv"),
               "-o", out, "--json"]
        if i == 0:
            commands.append(" ".join(["/usr/bin/time", "-v", "target/release/omnilink"] +
                                     cmd[3:]) + ("   # x%d, median" % repeat if repeat > 1 else ""))
        log("omnilink resolve %s (run %d of %d)" % (data, i + 1, repeat))
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
        w, r, c = time_v(p.stderr)
        walls.append(w)
        rss.append(r)
        cpus.append(c)
        summaries.append(json.loads(p.stdout))
    result = {"tool": "omnilink", "time_s": statistics.median(walls), "times_s": walls,
              "cpu_s": statistics.median(cpus), "load_avg": [os.getloadavg()[0]],
              "peak_rss_mb": max(rss) / 1024, "status": "ok", "summary": summaries[0]}
    result.update(peers.score(truth, read_memberships(os.path.join(out, "memberships.csv"))))
    return result


def run_example(customers, seed, commands):
    binary = os.path.join(ROOT, "target", "release", "examples", "benchmark")
    out = os.path.join(ROOT, "target", "benchmark-%d.json" % customers)
    cmd = [binary, "--customers", str(customers), "--seed", str(seed), "--json", out]
    commands.append("target/release/examples/benchmark --customers %d --seed %d --json %s"
                    % (customers, seed, rel(out)))
    log(" ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def run_peers(data, args, commands):
    out = os.path.join(data, "peers.json")
    cmd = ["nice", "-n", str(args.nice), "bash", os.path.join(HERE, "run.sh"), data, "--sweep",
           "--timeout", str(int(args.time_limit_min * 60)), "--mem-limit-gb",
           str(args.mem_limit_gb), "--out", out, "--tools", args.tools]
    commands.append(" ".join(cmd[:4] + ["benches/peers/run.sh"] + cmd[5:]))
    log(" ".join(cmd))
    # peers.py exits 1 when a tool did not finish; that is a result, not an error.
    subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr)
    with open(out) as f:
        return json.load(f)["results"]


def f4(x):
    return "n/a" if x is None else "%.4f" % x


def secs(x):
    if x is None:
        return "n/a"
    return "%.1f s" % x if x < 100 else "%.0f s (%.1f min)" % (x, x / 60)


def mib(x):
    return "n/a" if x is None else "{:,.0f} MiB".format(x)


def tool_name(r):
    if r["tool"] == "omnilink":
        return "omnilink %s (CLI)" % r.get("version", "")
    v = r.get("versions") or r.get("cache_key_inputs", {}).get("versions", {})
    if r["tool"] == "splink":
        return "Splink %s (DuckDB %s)" % (v.get("splink", "?"), v.get("duckdb", "?"))
    return "recordlinkage %s" % v.get("recordlinkage", "?")


def dnf_text(r):
    lim = r.get("limits", {})
    t = lim.get("time_s")
    m = lim.get("mem_mb")
    if r["status"] == "stopped: time":
        return "did not finish within %.0f min" % (t / 60)
    if r["status"] == "stopped: memory":
        return "stopped: exceeded %.0f GB of memory" % (m / 1024)
    return r["status"]


def size_table(size, ours, peer_results, ceiling):
    lines = [
        "| tool | wall time | CPU time | peak memory | load | pairwise P | pairwise R "
        "| pairwise F1 | B-cubed F1 | R / evidence ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def load(r):
        la = r.get("load_avg")
        return "n/a" if not la else "%.1f" % max(la)

    def row(name, r):
        rc = r["recall"] / ceiling if ceiling and r.get("recall") is not None else None
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, secs(r.get("time_s")), secs(r.get("cpu_s")), mib(r.get("peak_rss_mb")),
            load(r), f4(r.get("precision")), f4(r.get("recall")), f4(r.get("f1")),
            f4(r.get("bcubed_f1")), "n/a" if rc is None else "%.3f" % rc))

    row(tool_name(ours), ours)
    for r in peer_results:
        note = " (cached: measured %s UTC)" % r["measured_at"][:16].replace("T", " ") \
            if r.get("cached") else ""
        if r["status"] != "ok":
            lines.append("| %s%s | %s | | | %s | | | | | |" % (tool_name(r), note, dnf_text(r),
                                                              load(r)))
            continue
        row(tool_name(r) + note, r)
    for r in peer_results:
        o = r.get("oracle") if r["status"] == "ok" else None
        if o:
            rc = o["recall"] / ceiling if ceiling and o.get("recall") is not None else None
            lines.append("| %s, oracle %s = %s (chosen with the truth) | | | | | %s | %s | %s "
                         "| %s | %s |" % (tool_name(r), o["param"], o["value"],
                                          f4(o["precision"]), f4(o["recall"]), f4(o["f1"]),
                                          f4(o.get("bcubed_f1")),
                                          "n/a" if rc is None else "%.3f" % rc))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20000,100000,200000,1000000",
                    help="customers per data set (default 20000,100000,200000,1000000)")
    ap.add_argument("--peer-sizes", default=None,
                    help="sizes at which the peers run (default: all of --sizes)")
    ap.add_argument("--tools", default="splink,recordlinkage")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3, help="omnilink CLI runs per size (median)")
    ap.add_argument("--time-limit-min", type=float, default=45,
                    help="a peer run is stopped after this many minutes (default 45)")
    ap.add_argument("--mem-limit-gb", type=float, default=16,
                    help="a peer run is stopped above this resident memory (default 16)")
    ap.add_argument("--nice", type=int, default=10, help="niceness of the peer runs")
    ap.add_argument("--data-root", default="/tmp/omnilink-bench",
                    help="where the generated files go (default /tmp/omnilink-bench)")
    ap.add_argument("--ratio-size", type=int, default=100000,
                    help="size of the omnilink-vs-Splink ratio check (default 100000)")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--json", default=None, help="also write every figure as JSON here")
    ap.add_argument("--no-build", action="store_true", help="use the binaries in target/release")
    ap.add_argument("--render-only", metavar="JSON", default=None,
                    help="write --out from the --json file of an earlier run, running nothing")
    args = ap.parse_args()
    if args.render_only:
        with open(args.render_only) as f:
            saved = json.load(f)
        a = argparse.Namespace(**saved["args"])
        doc = render(a, saved["runs"], saved["commands"], saved["machine"],
                     datetime.datetime.fromisoformat(saved["started"]),
                     datetime.datetime.fromisoformat(saved["finished"]), saved["load_start"],
                     saved["load_end"], saved["git"], saved["dirty"], saved["argv"])
        with open(args.out, "w") as f:
            f.write(doc)
        log("wrote %s from %s" % (args.out, args.render_only))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peer_sizes = set(int(s) for s in args.peer_sizes.split(",") if s) \
        if args.peer_sizes is not None else set(sizes)

    commands = []
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = loadavg()
    if not args.no_build:
        sh(["cargo", "build", "--release", "--bin", "omnilink", "--example", "benchmark"],
           commands)
    version = subprocess.run([os.path.join(ROOT, "target", "release", "omnilink"), "--version"],
                             capture_output=True, text=True).stdout.split()[-1:]
    version = version[0] if version else ""
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         cwd=ROOT).stdout.strip()
    # Local changes to what is measured (the crate), not to this script or the docs.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "src",
                            "examples", "Cargo.toml", "Cargo.lock"],
                           capture_output=True, text=True, cwd=ROOT).stdout.strip()
    mach = machine()

    runs = []
    for size in sizes:
        data = os.path.join(args.data_root, "c%d" % size)
        sh([os.path.join(ROOT, "target", "release", "omnilink"), "generate", "--customers",
            str(size), "--seed", str(args.seed), "-o", data], commands, stdout=subprocess.DEVNULL)
        commands[-1] = "target/release/omnilink generate --customers %d --seed %d -o %s" % (
            size, args.seed, data)
        truth = peers.read_truth(os.path.join(data, "truth.csv"))
        records_sha = peers.sha256_file(os.path.join(data, "records.csv"))
        ours = run_ours(data, args.repeat, commands, truth)
        ours["version"] = version
        example = run_example(size, args.seed, commands)
        peer_results = run_peers(data, args, commands) if size in peer_sizes else []
        runs.append({"customers": size, "records": len(truth), "records_sha256": records_sha,
                     "csv_bytes": os.path.getsize(os.path.join(data, "records.csv")),
                     "ours": ours, "example": example, "peers": peer_results})
        # Written after every size, so an interrupted run still leaves the sizes it finished.
        write(args, runs, commands, mach, started, load_start, git, dirty)
    return 0


def write(args, runs, commands, mach, started, load_start, git, dirty):
    finished = datetime.datetime.now(datetime.timezone.utc)
    load_end = loadavg()
    argv = sys.argv[1:]
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "machine": mach, "runs": runs, "commands": commands,
                       "started": started.isoformat(), "finished": finished.isoformat(),
                       "load_start": load_start, "load_end": load_end, "git": git,
                       "dirty": dirty, "argv": argv}, f, indent=2, default=str)
    doc = render(args, runs, commands, mach, started, finished, load_start, load_end, git,
                 dirty, argv)
    # Figures on data the project did not generate are measured by external.sh, on its own
    # schedule; their write-up is kept beside this script and carried into the report.
    external = os.path.join(os.path.dirname(os.path.abspath(__file__)), "EXTERNAL-RESULTS.md")
    if os.path.exists(external):
        with open(external, encoding="utf-8") as f:
            doc = doc.rstrip("\n") + "\n\n" + f.read()
    with open(args.out, "w") as f:
        f.write(doc)
    log("wrote %s" % args.out)


def render(args, runs, commands, mach, started, finished, load_start, load_end, git, dirty,
           argv):
    L = []
    add = L.append
    add("# Benchmarks")
    add("")
    add("Generated by `bash benches/peers/report.sh` on %s (UTC, %s to %s); do not edit by hand, "
        "re-run the script." % (started.strftime("%Y-%m-%d"), started.strftime("%H:%M"),
                                finished.strftime("%H:%M")))
    add("")
    add("| machine | |")
    add("| --- | --- |")
    add("| CPU | %s, %d cores |" % (mach["cpu"], mach["cores"]))
    add("| RAM | %s GiB |" % mach["ram_gib"])
    add("| OS | %s |" % mach["os"])
    add("| Rust | %s |" % mach["rustc"])
    add("| Python (peers) | %s |" % mach["python"])
    add("| omnilink | commit %s%s |" % (git, " with local changes" if dirty else ""))
    add("| load average | %s at the start, %s at the end |" % (load_start, load_end))
    add("")
    add("The machine is shared with other work, so wall times are noisy: compare figures taken "
        "in one run, and read the load average above. omnilink's command-line times are the "
        "median of %d runs; its peak memory is the largest of them." % args.repeat)
    add("")
    add("Data: `omnilink generate` (the `omnilink::synth` generator, seed %d): customers of "
        "seven markets seen through web, app, store, call centre, social and e-mail campaign "
        "exports, with noise and the hard cases (households, namesakes, changed phones, hub "
        "values, junk) at documented rates. Every tool reads the same `records.csv`; quality is "
        "scored against `truth.csv` from contingency counts (no pair enumeration), the same "
        "scorer for every tool (`benches/peers/peers.py`)." % args.seed)
    add("")
    add("- **time**: wall time of the whole process, from reading the CSV to writing the "
        "clusters, interpreter start-up included for the peers; for the peers, minus the "
        "threshold sweep that follows their run.")
    add("- **CPU time**: user plus system CPU seconds of the process, all threads (`/usr/bin/time "
        "-v` for omnilink; for the peers, sampled from `/proc` when their clusters are written, "
        "before the sweep). Less sensitive to a busy machine than wall time.")
    add("- **peak memory**: peak resident set size (`/usr/bin/time -v` for omnilink, `wait4` "
        "for the peers). **load**: the machine's 1-minute load average around the run (2 cores: "
        "above 2 means the tools waited for a core).")
    add("- **evidence ceiling**: the pairwise recall reachable if every pair of records of one "
        "customer that share an identifier, or a name plus a birth date or city, were linked "
        "transitively (`omnilink::eval::evidence_ceiling`); **R / evidence ceiling** divides "
        "each tool's recall by it.")
    add("- **oracle** rows: each peer's best pairwise F1 over a sweep of its thresholds, the "
        "threshold chosen with the truth, which a user does not have. They show that the "
        "peers' default threshold is not what holds them back; they are not results a user "
        "would get.")
    add("- Peers are stopped after %.0f min or above %.0f GB of resident memory and then shown "
        "as not finished." % (args.time_limit_min, args.mem_limit_gb))
    add("")
    add("## omnilink and its peers on the same file")
    add("")
    for run in runs:
        ceiling = run["example"].get("evidence_ceiling")
        add("### %s customers: %s records (%.0f MB CSV), evidence ceiling %s" % (
            "{:,}".format(run["customers"]), "{:,}".format(run["records"]),
            run["csv_bytes"] / 1e6, f4(ceiling)))
        add("")
        L.extend(size_table(run["customers"], run["ours"], run["peers"], ceiling))
        add("")
        if not run["peers"]:
            add("(Peers not run at this size.)")
            add("")
    ratio = [r for r in runs if r["customers"] == args.ratio_size]
    add("## Issue #3 check: omnilink vs Splink at %s customers" % "{:,}".format(args.ratio_size))
    add("")
    if ratio:
        run = ratio[0]
        ours = run["ours"]
        splink = next((p for p in run["peers"] if p["tool"] == "splink"), None)
        add("| | omnilink (CLI) | Splink | ratio |")
        add("| --- | ---: | ---: | ---: |")
        if splink and splink["status"] == "ok":
            t_ratio = splink["time_s"] / ours["time_s"]
            add("| wall time | %s | %s | Splink / omnilink = **%.1fx** |" % (
                secs(ours["time_s"]), secs(splink["time_s"]), t_ratio))
            if ours.get("cpu_s") and splink.get("cpu_s"):
                add("| CPU time | %s | %s | Splink / omnilink = %.1fx |" % (
                    secs(ours["cpu_s"]), secs(splink["cpu_s"]), splink["cpu_s"] / ours["cpu_s"]))
            add("| peak memory | %s | %s | %.1fx |" % (
                mib(ours["peak_rss_mb"]), mib(splink["peak_rss_mb"]),
                splink["peak_rss_mb"] / ours["peak_rss_mb"]))
            add("| pairwise F1 | %s | %s | %+.4f |" % (f4(ours["f1"]), f4(splink["f1"]),
                                                       ours["f1"] - splink["f1"]))
            o = splink.get("oracle")
            if o:
                add("| pairwise F1, Splink at its oracle threshold %s | %s | %s | %+.4f |" % (
                    o["value"], f4(ours["f1"]), f4(o["f1"]), ours["f1"] - o["f1"]))
            add("")
            f1_ok = ours["f1"] > splink["f1"] and (not o or ours["f1"] > o["f1"])
            add("Requirement: our F1 higher (%s, also against Splink's oracle threshold) and our "
                "wall time at least 20x lower (%s: %.1fx)." % (
                    "met" if f1_ok else "NOT met", "met" if t_ratio >= 20 else "NOT met", t_ratio))
            if ours.get("cpu_s") and splink.get("cpu_s"):
                c_ratio = splink["cpu_s"] / ours["cpu_s"]
                add("")
                add("The peers run under `nice -n %d`, one at a time, while omnilink does not, so "
                    "on a busy machine (see the load column) their wall time stretches more than "
                    "omnilink's; CPU time does not depend on that. By CPU time the ratio is "
                    "%.1fx (%s the 20x)." % (args.nice, c_ratio,
                                             "meets" if c_ratio >= 20 else "short of"))
        else:
            add("| Splink | %s |" % (dnf_text(splink) if splink else "not run"))
    else:
        add("(Size %d not in this run.)" % args.ratio_size)
    add("")
    add("## omnilink in memory: stages and hard cases")
    add("")
    add("`examples/benchmark.rs`: the same data generated in memory and resolved with "
        "`omnilink::resolve` (no CSV reading or writing), all cores.")
    add("")
    add("| customers | records | normalise | block | train | score | cluster | customers | "
        "total | candidate pairs | peak RSS | bytes / record |")
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        e = run["example"]
        st = e.get("stage_ms", {})
        add("| %s | %s | %s | %s | %s | %s | %s | %s | %.2f s | %s | %s | %.0f |" % (
            "{:,}".format(run["customers"]), "{:,}".format(e["records"]),
            *["%.2f s" % (st.get(k, 0) / 1e3) for k in
              ("normalize", "block", "train", "score", "cluster", "customers")],
            e["total_s"], "{:,}".format(e["candidate_pairs"]), mib(e["peak_bytes"] / 1048576),
            (e["peak_bytes"] - e["input_bytes"]) / e["records"]))
    add("")
    add("| customers | pairwise P | pairwise R | F1 | B-cubed F1 | evidence ceiling | "
        "R / ceiling | households merged | namesakes merged | phone changed R (ceiling) |")
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        e = run["example"]
        rep = e["report"]
        add("| %s | %s | %s | %s | %s | %s | %.3f | %.2f %% | %.2f %% | %s (%s) |" % (
            "{:,}".format(run["customers"]), f4(rep["pairwise"]["precision"]),
            f4(rep["pairwise"]["recall"]), f4(rep["pairwise"]["f1"]), f4(rep["bcubed"]["f1"]),
            f4(e["evidence_ceiling"]), e["recall_of_ceiling"], 100 * e["household"]["rate"],
            100 * e["namesake"]["rate"], f4(e["phone_changed"]["recall"]),
            f4(e["phone_changed_ceiling"])))
    add("")
    add("## Commands")
    add("")
    add("```sh")
    add("bash benches/peers/report.sh %s" % " ".join(argv))
    add("```")
    add("")
    add("ran, in order:")
    add("")
    add("```sh")
    L.extend(commands)
    add("```")
    add("")
    add("## Peer configuration and caching")
    add("")
    add("Both peers get the same light pandas pre-processing (`benches/peers/prep.py`): text "
        "lower-cased and trimmed, generic null tokens as nulls, phones as digits compared on "
        "their last 9, extensions cut, cards without separators, dates parsed day-first to ISO, "
        "and identifier values held by more than 20 records (placeholders, a till's shared "
        "card) set to null. No transliteration, nicknames or e-mail provider rules: that is "
        "what omnilink's normalisation adds. Splink follows its documented deduplication "
        "workflow and its 50k-record example (forename-surname, date-of-birth and e-mail "
        "comparisons, exact matches with term frequencies for the other identifiers, 8 "
        "blocking rules, prior from deterministic rules at recall 0.6, u from 10^7 random pairs, "
        "EM sessions blocked on name, birth date, phone and e-mail, clusters at match "
        "probability 0.95). recordlinkage follows its deduplication and classifier guides "
        "(the same blocking keys, exact, Jaro-Winkler 0.85 and date comparisons, "
        "`ECMClassifier(binarize=0.8)`, connected components). The settings, the review of "
        "them against the peers' documentation and the changes it made are in "
        "[`benches/peers/README.md`](benches/peers/README.md).")
    add("")
    add("Peer results are cached in "
        "`benches/peers/cache/`, one JSON file per run, keyed by the sha256 of the input "
        "`records.csv` and `truth.csv`, the pinned versions of `benches/peers/requirements.txt`, "
        "and a digest of the configuration (the runner's settings and the source of its script "
        "and of `prep.py`). A re-run of this script re-measures omnilink every time and reuses a "
        "peer result whose key matches (a run that was stopped at a limit is reused only while "
        "the limit is not raised); rows marked *cached* give the date they were measured. "
        "Delete the cache files, or pass `--no-cache` to `run.sh`, to measure the peers again.")
    add("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
