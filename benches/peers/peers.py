#!/usr/bin/env python3
"""Run peer record-linkage tools on one data set and score them against its truth.

    python peers.py DATA_DIR [--tools splink,recordlinkage] [--out results.json]

DATA_DIR holds records.csv and truth.csv. Each tool runs in its own child process so that its
wall time and peak resident memory are its own. Scores are pairwise precision, recall and F1,
counted from the contingency table of predicted clusters against true entities (no pair is
enumerated). This script itself needs only the standard library.
"""

import argparse
import csv
import glob
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
# Bump when score() changes: it is part of every cache key.
SCORE_VERSION = 2
# Keep in step with prep.DEFAULT_NULL_FREQUENT (this script needs only the standard library).
DEFAULT_NULL_FREQUENT = 20
TOOLS = {
    "splink": "peer_splink.py",
    "recordlinkage": "peer_recordlinkage.py",
}


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def read_truth(path):
    truth = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            truth[row["record_id"]] = row
    return truth


def read_clusters(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(f)}


def score(truth, predicted):
    """Pairwise scores from contingency counts.

    Records of the truth that a tool left out count as singletons; records a tool returns
    that the truth does not know are ignored (and counted).
    """
    cell, by_pred, by_true = Counter(), Counter(), Counter()
    group_pred, group_pred_entity = Counter(), Counter()
    for rid, row in truth.items():
        cluster = predicted.get(rid)
        cluster = ("p", cluster) if cluster is not None else ("missing", rid)
        entity = row["entity_id"]
        cell[cluster, entity] += 1
        by_pred[cluster] += 1
        by_true[entity] += 1
        for kind in ("household_id", "namesake_group"):
            group = row.get(kind) or ""
            if group:
                group_pred[kind, group, cluster] += 1
                group_pred_entity[kind, group, cluster, entity] += 1

    tp = sum(pairs(n) for n in cell.values())
    predicted_pairs = sum(pairs(n) for n in by_pred.values())
    true_pairs = sum(pairs(n) for n in by_true.values())
    precision = tp / predicted_pairs if predicted_pairs else None
    recall = tp / true_pairs if true_pairs else None
    # F1 = 2TP / (2TP + FP + FN) = 2TP / (predicted pairs + true pairs).
    f1 = 2 * tp / (predicted_pairs + true_pairs) if predicted_pairs + true_pairs else None
    # Pairs a tool put together that share a household (or a namesake group) but are two
    # different people: the look-alike merges that matter most for customer data.
    false_group = {}
    for kind in ("household_id", "namesake_group"):
        together = sum(pairs(n) for k, n in group_pred.items() if k[0] == kind)
        same = sum(pairs(n) for k, n in group_pred_entity.items() if k[0] == kind)
        false_group[kind] = together - same
    # B-cubed: per record, the share of its predicted cluster that is its entity (precision) and
    # the share of its entity that is in its predicted cluster (recall), averaged over records.
    n = len(truth)
    b_p = sum(k * k / by_pred[c] for (c, _), k in cell.items()) / n if n else 1.0
    b_r = sum(k * k / by_true[e] for (_, e), k in cell.items()) / n if n else 1.0
    b_f1 = 2 * b_p * b_r / (b_p + b_r) if b_p + b_r else 0.0
    return {
        "precision": precision,
        "bcubed_precision": b_p,
        "bcubed_recall": b_r,
        "bcubed_f1": b_f1,
        "recall": recall,
        "f1": f1,
        "predicted_clusters": len(by_pred),
        "true_entities": len(by_true),
        "tp_pairs": tp,
        "predicted_pairs": predicted_pairs,
        "true_pairs": true_pairs,
        "false_household_pairs": false_group["household_id"],
        "false_namesake_pairs": false_group["namesake_group"],
        "missing_records": sum(1 for rid in truth if rid not in predicted),
        "unknown_records": sum(1 for rid in predicted if rid not in truth),
    }


def session_rss_kb(sid):
    """Resident memory (kB) of every process in session sid, from /proc (Linux)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid:  # field 6 of stat: the session id
                continue
            with open("/proc/%s/statm" % entry) as f:
                total += int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, ValueError, IndexError):
            continue
    return total


def process_cpu_s(pid):
    """User plus system CPU seconds of process pid so far, all its threads (Linux), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_child(cmd, log_path, timeout, mem_limit_mb=0, mark_path=None):
    """Run cmd; return (exit code, wall seconds, peak RSS in MB, why it was stopped or None).

    The child runs in its own session; it is killed when it runs longer than timeout seconds or
    when the resident memory of its session exceeds mem_limit_mb (both 0 for no limit). When
    mark_path first appears (a runner writes its clusters before its sweep), the child's CPU
    time so far is kept in run_child.cpu_at_mark_s.
    """
    run_child.cpu_at_mark_s = None
    run_child.mark_wall_s = None
    with open(log_path, "w") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=HERE,
                                start_new_session=True)
        deadline = start + timeout if timeout else None
        stopped = None
        next_mem_check = 0.0
        while True:
            # wait4 gives the resource usage of this child (and its own waited-for children).
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            now = time.perf_counter()
            if mark_path and run_child.cpu_at_mark_s is None and os.path.exists(mark_path):
                run_child.cpu_at_mark_s = process_cpu_s(proc.pid)
                run_child.mark_wall_s = now - start
            if stopped is None and deadline and now > deadline:
                stopped = "time"
            if stopped is None and mem_limit_mb and sys.platform.startswith("linux") \
                    and now >= next_mem_check:
                next_mem_check = now + 0.5
                if session_rss_kb(proc.pid) > mem_limit_mb * 1024:
                    stopped = "memory"
            if stopped is not None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    rss_kb = usage.ru_maxrss / 1024 if sys.platform == "darwin" else usage.ru_maxrss
    run_child.cpu_s = usage.ru_utime + usage.ru_stime
    return proc.returncode, wall, rss_kb / 1024, stopped


def tool_args(tool, args):
    common = ["--null-frequent", str(args.null_frequent)] + (["--sweep"] if args.sweep else [])
    if tool == "splink":
        extra = ["--threshold", str(args.splink_threshold),
                 "--max-pairs", str(args.splink_max_pairs)]
    else:
        extra = ["--classifier", args.rl_classifier, "--min-sum", str(args.rl_min_sum)]
    return common + extra


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def print_table(results):
    head = ["tool", "records", "time s", "core s", "peak MB", "precision", "recall", "F1",
            "B3 F1", "clusters", "entities", "status"]
    rows = []
    for r in results:
        rows.append([
            r["tool"], str(r["records"]), fmt(r.get("time_s", r.get("wall_s")), ".2f"),
            fmt(r.get("core_s"), ".2f"), fmt(r.get("peak_rss_mb"), ".0f"),
            fmt(r.get("precision"), ".4f"), fmt(r.get("recall"), ".4f"),
            fmt(r.get("f1"), ".4f"), fmt(r.get("bcubed_f1"), ".4f"),
            fmt(r.get("predicted_clusters"), "d"),
            fmt(r.get("true_entities"), "d"), r["status"],
        ])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.rjust(w) if i else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(head))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def print_sweep(results):
    print()
    print("sweep (thresholds judged against the truth; a ceiling, not a fair setting):")
    for r in results:
        for p in r.get("sweep", []):
            print("  %-13s %-10s %-6s  P %s  R %s  F1 %s  clusters %d" % (
                r["tool"], p["param"], p["value"], fmt(p["precision"], ".4f"),
                fmt(p["recall"], ".4f"), fmt(p["f1"], ".4f"), p["predicted_clusters"]))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pinned_versions():
    """The pinned package versions of requirements.txt: the peers' versions, known before a run."""
    out = {}
    with open(os.path.join(HERE, "requirements.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                out[name.strip().lower()] = version.strip()
    return out


def cache_key(tool, records_sha, truth_sha, args):
    """(input sha256, tool versions, config digest) -> the cache file's key.

    The config digest covers the tool's command-line settings, the source of its runner and of
    the shared pre-processing, and SCORE_VERSION (how results are scored).
    """
    config = {"args": tool_args(tool, args), "score_version": SCORE_VERSION}
    for name in (TOOLS[tool], "prep.py"):
        with open(os.path.join(HERE, name), "rb") as f:
            config[name] = hashlib.sha256(f.read()).hexdigest()
    config_digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    versions = pinned_versions()
    key_doc = {"records_sha256": records_sha, "truth_sha256": truth_sha,
               "versions": versions, "config_digest": config_digest}
    key = hashlib.sha256(json.dumps(key_doc, sort_keys=True).encode()).hexdigest()
    return key, key_doc


def cache_usable(entry, args):
    """A finished result is reused if it fits in today's limits; an unfinished one if it was
    stopped at a limit no lower than today's (it would be stopped again)."""
    limits = entry.get("limits", {})
    time_limit, mem_limit = args.timeout or float("inf"), args.mem_limit_mb or float("inf")
    if entry["status"] == "ok":
        return entry.get("wall_s", 0) <= time_limit and entry.get("peak_rss_mb", 0) <= mem_limit
    if entry["status"] == "stopped: time":
        return (limits.get("time_s") or float("inf")) >= time_limit
    if entry["status"] == "stopped: memory":
        return (limits.get("mem_mb") or float("inf")) >= mem_limit
    return False


def oracle(sweep):
    """The sweep point with the best pairwise F1 (chosen with the truth)."""
    points = [p for p in sweep if p.get("f1") is not None]
    return max(points, key=lambda p: p["f1"]) if points else None


def run_tool(tool, args, records_csv, truth, n_records):
    work = os.path.join(os.path.abspath(args.work_dir), tool)
    os.makedirs(work, exist_ok=True)
    clusters_csv = os.path.join(work, "clusters.csv")
    meta_json = os.path.join(work, "meta.json")
    log_path = os.path.join(work, "run.log")
    for stale in [clusters_csv, meta_json, *glob.glob(os.path.join(work, "*.sweep-*.csv"))]:
        if os.path.exists(stale):
            os.remove(stale)
    cmd = [sys.executable, os.path.join(HERE, TOOLS[tool]), records_csv, clusters_csv,
           meta_json, *tool_args(tool, args)]
    print("peers: running %s on %d records ..." % (tool, n_records), file=sys.stderr)
    load_before = os.getloadavg()[0]
    code, wall, rss_mb, stopped = run_child(cmd, log_path, args.timeout, args.mem_limit_mb,
                                            mark_path=clusters_csv)
    result = {"tool": tool, "records": n_records, "wall_s": round(wall, 3),
              "peak_rss_mb": round(rss_mb, 1),
              # CPU seconds (user + system, all threads): of the whole process, and up to the
              # moment the clusters were written (before the sweep), sampled every 50 ms.
              "cpu_total_s": round(run_child.cpu_s, 2),
              "cpu_s": None if run_child.cpu_at_mark_s is None
              else round(run_child.cpu_at_mark_s, 2),
              # The machine's 1-minute load average before and after the run: a busy machine
              # stretches wall time, so a cached figure carries the load it was measured under.
              "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
              "limits": {"time_s": args.timeout or None, "mem_mb": args.mem_limit_mb or None},
              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": machine()}
    if stopped and run_child.mark_wall_s is not None:
        # Stopped in the sweep, after the run itself wrote its clusters: the run finished, its
        # time is up to that moment, and the sweep is missing.
        result["status"] = "ok"
        result["sweep_stopped"] = stopped
        result["time_s"] = round(run_child.mark_wall_s, 3)
        result["core_s"] = None
        result.update(score(truth, read_clusters(clusters_csv)))
        result["sweep"], result["oracle"] = [], None
        return result
    if stopped:
        result["status"] = "stopped: " + stopped
    elif code != 0 or not os.path.exists(clusters_csv):
        result["status"] = "failed (exit %d)" % code
        with open(log_path, errors="replace") as f:
            result["log_tail"] = f.read()[-2000:]
    else:
        result["status"] = "ok"
    if result["status"] != "ok":
        print("peers: %s %s; see %s" % (tool, result["status"], log_path), file=sys.stderr)
        return result
    with open(meta_json) as f:
        meta = json.load(f)
    result["core_s"] = meta["phases"]["total_s"]
    # The tool's own run: the whole process minus the sweep that follows it.
    result["time_s"] = round(wall - meta["phases"].get("sweep_s", 0.0), 3)
    result.update({k: meta[k] for k in ("versions", "config", "phases")})
    result.update(score(truth, read_clusters(clusters_csv)))
    result["sweep"] = []
    for point in meta.get("sweep", []):
        s = score(truth, read_clusters(point["file"]))
        result["sweep"].append({
            "param": point["param"], "value": point["value"],
            **{k: s[k] for k in ("precision", "recall", "f1", "bcubed_f1", "predicted_clusters",
                                 "false_household_pairs", "false_namesake_pairs")},
        })
    result["oracle"] = oracle(result["sweep"])
    return result


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "platform": platform.platform(),
            "python": platform.python_version()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("--tools", default="splink,recordlinkage",
                    help="comma-separated, from: " + ", ".join(TOOLS))
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--work-dir", default=os.path.join(HERE, ".work"),
                    help="per-tool clusters, metadata and logs (default benches/peers/.work)")
    ap.add_argument("--timeout", type=float, default=3600,
                    help="seconds before a tool is killed (default 3600; 0 for none)")
    ap.add_argument("--mem-limit-gb", type=float, default=0,
                    help="kill a tool whose resident memory exceeds this (default 0: none)")
    ap.add_argument("--cache-dir", default=os.path.join(HERE, "cache"),
                    help="results keyed by input sha256, versions and config digest "
                         "(default benches/peers/cache)")
    ap.add_argument("--no-cache", action="store_true",
                    help="run every tool even when a cached result fits")
    ap.add_argument("--null-frequent", type=int, default=DEFAULT_NULL_FREQUENT,
                    help="peers' pre-processing: null identifier values held by more than N "
                         "records (default %d; 0: off)" % DEFAULT_NULL_FREQUENT)
    ap.add_argument("--sweep", action="store_true",
                    help="also score each tool at a range of thresholds (chosen with the truth: "
                         "an optimistic reference, not a fair setting)")
    ap.add_argument("--splink-threshold", type=float, default=0.95)
    ap.add_argument("--splink-max-pairs", type=float, default=1e7)
    ap.add_argument("--rl-classifier", choices=["ecm", "sum"], default="ecm")
    ap.add_argument("--rl-min-sum", type=float, default=4.0)
    args = ap.parse_args()
    args.mem_limit_mb = args.mem_limit_gb * 1024

    records_csv = os.path.abspath(os.path.join(args.data_dir, "records.csv"))
    truth_csv = os.path.abspath(os.path.join(args.data_dir, "truth.csv"))
    for path in (records_csv, truth_csv):
        if not os.path.isfile(path):
            sys.exit("peers: no such file: %s" % path)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        sys.exit("peers: unknown tool(s): %s (known: %s)" % (", ".join(unknown), ", ".join(TOOLS)))

    records_sha, truth_sha = sha256_file(records_csv), sha256_file(truth_csv)
    truth = None
    n_records = None
    results = []
    for tool in tools:
        key, key_doc = cache_key(tool, records_sha, truth_sha, args)
        cache_file = os.path.join(args.cache_dir, "%s-%s.json" % (tool, key[:20]))
        if not args.no_cache and os.path.exists(cache_file):
            with open(cache_file) as f:
                entry = json.load(f)
            if entry.get("cache_key") == key and cache_usable(entry, args):
                entry["cached"] = True
                print("peers: %s: cached result from %s (%s)" % (
                    tool, entry.get("measured_at"), cache_file), file=sys.stderr)
                results.append(entry)
                continue
        if truth is None:
            truth = read_truth(truth_csv)
            with open(records_csv, newline="", encoding="utf-8") as f:
                n_records = sum(1 for _ in csv.DictReader(f))
            if n_records != len(truth):
                print("peers: warning: %d records but %d truth rows" % (n_records, len(truth)),
                      file=sys.stderr)
        result = run_tool(tool, args, records_csv, truth, n_records)
        result.update({"cache_key": key, "cache_key_inputs": key_doc, "cached": False})
        if result["status"] == "ok" or result["status"].startswith("stopped"):
            os.makedirs(args.cache_dir, exist_ok=True)
            stored = {k: v for k, v in result.items() if k not in ("log", "cached")}
            with open(cache_file, "w") as f:
                json.dump(stored, f, indent=2)
                f.write("\n")
        results.append(result)

    print_table(results)
    if args.sweep:
        print_sweep(results)
    if args.out:
        doc = {
            "data_dir": os.path.abspath(args.data_dir),
            "records_sha256": records_sha,
            "machine": machine(),
            "results": results,
        }
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print("peers: wrote %s" % args.out, file=sys.stderr)
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
