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
SWEEP_THRESHOLDS = [0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99]


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
        blocking_rules_to_generate_predictions=[
            block_on("phone"),
            block_on("email"),
            block_on("card"),
            block_on("device_id"),
            block_on("social"),
            block_on("first_name", "last_name"),
            block_on("last_name", "birth_date"),
            block_on("first_name", "birth_date"),
        ],
        retain_intermediate_calculation_columns=False,
    )


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
    ap.add_argument("--null-frequent", type=int, default=0,
                    help="null identifier values held by more than N records (default 0: off)")
    args = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    phases = {}
    t0 = time.perf_counter()
    df = prep.prepare(args.records_csv, null_frequent=args.null_frequent)
    phases["prepare_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(df, settings(), db_api)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name", "birth_date"),
        ],
        recall=args.recall,
    )
    phases["prior_s"] = time.perf_counter() - t

    t = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=args.max_pairs, seed=args.seed)
    phases["u_s"] = time.perf_counter() - t

    t = time.perf_counter()
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date"), estimate_without_term_frequencies=True)
    phases["em_s"] = time.perf_counter() - t

    t = time.perf_counter()
    # Clustering at >= threshold only looks at pairs above it, so a lower predict threshold
    # (when sweeping) changes what is kept, not the clusters of the timed run.
    predict_threshold = args.predict_threshold
    if args.sweep:
        predict_threshold = min(predict_threshold, min(SWEEP_THRESHOLDS))
    predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
    phases["predict_s"] = time.perf_counter() - t

    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold)
    out = clusters.as_pandas_dataframe()[["record_id", "cluster_id"]]
    phases["cluster_s"] = time.perf_counter() - t

    scored = predictions.as_pandas_dataframe()
    n_pairs = int((scored["match_probability"] >= args.threshold).sum())
    out.to_csv(args.clusters_csv, index=False)
    phases["total_s"] = time.perf_counter() - t0

    meta = {
        "versions": {"splink": splink.__version__, "duckdb": duckdb.__version__},
        "config": {
            "cluster_threshold": args.threshold,
            "predict_threshold": predict_threshold,
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
        t = time.perf_counter()
        for thr in SWEEP_THRESHOLDS:
            path = prep.sweep_path(args.clusters_csv, "t%g" % thr)
            linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=thr,
            ).as_pandas_dataframe()[["record_id", "cluster_id"]].to_csv(path, index=False)
            meta["sweep"].append({"param": "threshold", "value": thr, "file": path})
        meta["phases"]["sweep_s"] = round(time.perf_counter() - t, 3)
    with open(args.meta_json, "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
