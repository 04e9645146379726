#!/usr/bin/env python3
"""Deduplicate records.csv with the Python Record Linkage Toolkit; write record_id,cluster_id.

    python peer_recordlinkage.py RECORDS_CSV CLUSTERS_CSV META_JSON [options]

The configuration follows the toolkit's documented workflow: an Index with several blocking
keys (the toolkit returns the union of their candidate pairs), a Compare with exact, string and
date features, an unsupervised classifier (ECMClassifier, the default) or the documentation's
simple rule of a threshold on the summed features, and then connected components over the
matched pairs (scipy) to turn pairs into clusters.
"""

import argparse
import json
import time

import numpy as np
import pandas as pd
import recordlinkage
import scipy
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

import prep

# Sum thresholds tried by --sweep (with the summed-features rule), for reference.
SWEEP_MIN_SUMS = [1, 2, 3, 4, 5, 6, 7]
# ECM match probabilities tried by --sweep.
SWEEP_ECM_PROBABILITIES = [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99]

BLOCKS = [
    ["phone"], ["email"], ["card"], ["device_id"], ["social"],
    ["first_name", "last_name"], ["last_name", "birth_date"], ["first_name", "birth_date"],
]


def candidate_pairs(df: pd.DataFrame) -> pd.MultiIndex:
    indexer = recordlinkage.Index()
    for keys in BLOCKS:
        indexer.block(left_on=keys)
    return indexer.index(df)


def features(df: pd.DataFrame, pairs: pd.MultiIndex) -> pd.DataFrame:
    # The toolkit's string and date comparisons want real NaN for missing values.
    frame = df.fillna(value=np.nan)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"], format="%Y-%m-%d", errors="coerce")
    compare = recordlinkage.Compare()
    compare.exact("phone", "phone", label="phone")
    compare.exact("email", "email", label="email")
    compare.exact("card", "card", label="card")
    compare.exact("device_id", "device_id", label="device_id")
    compare.exact("social", "social", label="social")
    compare.string("first_name", "first_name", method="jarowinkler", threshold=0.85,
                   label="first_name")
    compare.string("last_name", "last_name", method="jarowinkler", threshold=0.85,
                   label="last_name")
    compare.date("birth_date", "birth_date", label="birth_date")
    compare.exact("city", "city", label="city")
    return compare.compute(pairs, frame)


def classify(feats: pd.DataFrame, how: str, min_sum: float) -> pd.MultiIndex:
    if feats.empty:
        return feats.index
    if how == "ecm":
        # compare.date scores a swapped day and month 0.5; binarize maps it to a disagreement.
        ecm = recordlinkage.ECMClassifier(binarize=0.8)
        return ecm.fit_predict(feats)
    return feats.index[feats.sum(axis=1) >= min_sum]


def clusters(ids: pd.Index, matches: pd.MultiIndex) -> pd.DataFrame:
    n = len(ids)
    if len(matches):
        left = ids.get_indexer(matches.get_level_values(0))
        right = ids.get_indexer(matches.get_level_values(1))
        graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    else:
        graph = coo_matrix((n, n), dtype=np.int8)
    _, labels = connected_components(graph, directed=False)
    return pd.DataFrame({"record_id": ids, "cluster_id": labels})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records_csv")
    ap.add_argument("clusters_csv")
    ap.add_argument("meta_json")
    ap.add_argument("--classifier", choices=["ecm", "sum"], default="ecm",
                    help="ECMClassifier (default) or a threshold on the summed features")
    ap.add_argument("--min-sum", type=float, default=4.0,
                    help="with --classifier sum: a pair matches when its features add up to "
                         "at least this (default 4 of 9)")
    ap.add_argument("--sweep", action="store_true",
                    help="after the timed run, also cluster with the summed-features rule at "
                         "SWEEP_MIN_SUMS (for reference)")
    ap.add_argument("--null-frequent", type=int, default=prep.DEFAULT_NULL_FREQUENT,
                    help="null identifier values held by more than N records (0: off)")
    args = ap.parse_args()
    recordlinkage.logging.set_verbosity(recordlinkage.logging.WARN)

    phases = {}
    t0 = time.perf_counter()
    df = prep.prepare(args.records_csv, null_frequent=args.null_frequent).set_index("record_id")
    phases["prepare_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    pairs = candidate_pairs(df)
    phases["index_s"] = time.perf_counter() - t

    t = time.perf_counter()
    feats = features(df, pairs)
    phases["compare_s"] = time.perf_counter() - t

    t = time.perf_counter()
    matches = classify(feats, args.classifier, args.min_sum)
    phases["classify_s"] = time.perf_counter() - t

    t = time.perf_counter()
    out = clusters(df.index, matches)
    phases["cluster_s"] = time.perf_counter() - t

    out.to_csv(args.clusters_csv, index=False)
    phases["total_s"] = time.perf_counter() - t0

    meta = {
        "versions": {
            "recordlinkage": recordlinkage.__version__, "pandas": pd.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
        },
        "config": {"classifier": args.classifier, "min_sum": args.min_sum,
                   "null_frequent": args.null_frequent,
                   "blocks": [" + ".join(b) for b in BLOCKS]},
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "candidate_pairs": int(len(pairs)),
        "predicted_pairs": int(len(matches)),
        "non_null_share": prep.describe(df.reset_index()),
        "sweep": [],
    }
    if args.sweep:
        t = time.perf_counter()
        for min_sum in SWEEP_MIN_SUMS:
            path = prep.sweep_path(args.clusters_csv, "sum%g" % min_sum)
            clusters(df.index, classify(feats, "sum", min_sum)).to_csv(path, index=False)
            meta["sweep"].append({"param": "min_sum", "value": min_sum, "file": path})
        # The ECM model's match probability at several thresholds (fit_predict uses 0.5).
        if len(feats):
            ecm = recordlinkage.ECMClassifier(binarize=0.8)
            ecm.fit(feats)
            prob = ecm.prob(feats)
            for thr in SWEEP_ECM_PROBABILITIES:
                path = prep.sweep_path(args.clusters_csv, "ecm%g" % thr)
                clusters(df.index, prob.index[prob.to_numpy() >= thr]).to_csv(path, index=False)
                meta["sweep"].append({"param": "ecm_p", "value": thr, "file": path})
        meta["phases"]["sweep_s"] = round(time.perf_counter() - t, 3)
    with open(args.meta_json, "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
