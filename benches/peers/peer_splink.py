#!/usr/bin/env python3
"""Deduplicate records.csv with Splink 4 on DuckDB; write record_id,cluster_id.

    python peer_splink.py RECORDS_CSV CLUSTERS_CSV META_JSON [options]

The configuration follows Splink's documented deduplication workflow: SettingsCreator with
link_type dedupe_only, comparisons from splink.comparison_library, blocking rules made with
block_on, the prior estimated from deterministic rules, u by random sampling, m by EM over two
training blocking rules, predict, then cluster_pairwise_predictions_at_threshold.
"""

import argparse
import json
import logging
import time

import duckdb
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

import prep

# Cluster thresholds tried by --sweep, after the timed run; scored by the driver for reference.
SWEEP_THRESHOLDS = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]
# Blocking rules for prediction: one per identifier, and names with the birth date.
PREDICTION_RULES = [
    ("phone",), ("email",), ("card",), ("device_id",), ("social",),
    ("first_name", "last_name"), ("last_name", "birth_date"), ("first_name", "birth_date"),
]
# Blocking rules of the EM training sessions, in order.
EM_TRAINING_RULES = [("first_name", "last_name"), ("birth_date",), ("phone",), ("email",)]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "last_name", forename_surname_concat_col_name="first_last"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("card").configure(term_frequency_adjustments=True),
            cl.ExactMatch("device_id").configure(term_frequency_adjustments=True),
            cl.ExactMatch("social").configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[block_on(*r) for r in PREDICTION_RULES],
        retain_intermediate_calculation_columns=False,
    )


def link(df, threshold=0.95, predict_threshold=0.5, max_pairs=1e7, recall=0.6, seed=1,
         phases=None):
    """Splink's run on a prepared DataFrame (see prep.prepare): train, predict, cluster.
    Returns (record_id/cluster_id DataFrame, predictions, linker); stage times go to phases."""
    phases = {} if phases is None else phases
    t = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(df, settings(), db_api)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name", "birth_date"),
        ],
        recall=recall,
    )
    phases["prior_s"] = time.perf_counter() - t

    t = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    phases["u_s"] = time.perf_counter() - t

    t = time.perf_counter()
    # One EM session per training rule; each estimates the m values of the comparisons its rule
    # does not block on. Records of one channel fill few fields, so names and birth date alone
    # never see a device or card match: the phone and e-mail sessions train those.
    for rule in EM_TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), estimate_without_term_frequencies=True)
    phases["em_s"] = time.perf_counter() - t

    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
    phases["predict_s"] = time.perf_counter() - t

    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    out = clusters.as_pandas_dataframe()[["record_id", "cluster_id"]]
    phases["cluster_s"] = time.perf_counter() - t

    return out, predictions, linker


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records_csv")
    ap.add_argument("clusters_csv")
    ap.add_argument("meta_json")
    ap.add_argument("--threshold", type=float, default=0.95,
                    help="match probability at which pairs are clustered (default 0.95)")
    ap.add_argument("--predict-threshold", type=float, default=0.5,
                    help="pairs below this match probability are not kept by predict()")
    ap.add_argument("--max-pairs", type=float, default=1e7,
                    help="pairs sampled by estimate_u_using_random_sampling (default 1e7)")
    ap.add_argument("--recall", type=float, default=0.6,
                    help="assumed recall of the deterministic rules for the prior")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sweep", action="store_true",
                    help="after the timed run, also cluster at SWEEP_THRESHOLDS (for reference)")
    ap.add_argument("--null-frequent", type=int, default=prep.DEFAULT_NULL_FREQUENT,
                    help="null identifier values held by more than N records (0: off)")
    args = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    phases = {}
    t0 = time.perf_counter()
    df = prep.prepare(args.records_csv, null_frequent=args.null_frequent)
    phases["prepare_s"] = time.perf_counter() - t0

    out, predictions, linker = link(df, args.threshold, args.predict_threshold,
                                    args.max_pairs, args.recall, args.seed, phases)

    out.to_csv(args.clusters_csv, index=False)
    phases["total_s"] = time.perf_counter() - t0
    n_pairs = int(predictions.as_duckdbpyrelation().filter(
        "match_probability >= %r" % args.threshold).count("*").fetchall()[0][0])

    meta = {
        "versions": {"splink": splink.__version__, "duckdb": duckdb.__version__},
        "config": {
            "cluster_threshold": args.threshold,
            "predict_threshold": args.predict_threshold,
            "em_training_rules": [" + ".join(r) for r in EM_TRAINING_RULES],
            "blocking_rules": [" + ".join(r) for r in PREDICTION_RULES],
            "max_pairs": args.max_pairs,
            "prior_recall": args.recall,
            "seed": args.seed,
            "null_frequent": args.null_frequent,
        },
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "predicted_pairs_at_threshold": n_pairs,
        "non_null_share": prep.describe(df),
        "sweep": [],
    }
    if args.sweep:
        # After the timed run: predict again with a low threshold and take connected components
        # of the pairs at each threshold, which is what cluster_pairwise_predictions_at_threshold
        # computes, without re-running it per threshold.
        t = time.perf_counter()
        low = linker.inference.predict(threshold_match_probability=min(SWEEP_THRESHOLDS))
        pairs = low.as_duckdbpyrelation().select(
            "record_id_l, record_id_r, match_probability").df()
        ids = df["record_id"].astype(str)
        for thr in SWEEP_THRESHOLDS:
            path = prep.sweep_path(args.clusters_csv, "t%g" % thr)
            keep = pairs[pairs["match_probability"] >= thr]
            prep.components(ids, keep["record_id_l"].astype(str),
                            keep["record_id_r"].astype(str)).to_csv(path, index=False)
            meta["sweep"].append({"param": "threshold", "value": thr, "file": path})
        meta["phases"]["sweep_s"] = round(time.perf_counter() - t, 3)
    with open(args.meta_json, "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
