#!/usr/bin/env python3
"""omnilink's Python package and Splink on the same pandas DataFrame, side by side: wall time,
peak memory and pairwise F1.

    python benches/peers/dataframe.py RECORDS_CSV TRUTH_CSV [--tools omnilink,splink]

Each tool runs in a process of its own, which reads RECORDS_CSV into the same DataFrame
(`pd.read_csv(..., dtype=str, keep_default_na=False)`); the timed part starts there: omnilink
resolves the DataFrame as it is, Splink first cleans it the way the peer benchmark does
(prep.prepare) and runs the configuration of peer_splink.py. Peak memory is the process's
(interpreter and the DataFrame included). Clusters are scored by peers.score, the scorer of
every peer benchmark. Needs the peers' environment (requirements.txt) plus `pip install
./python`.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def child(tool: str, records_csv: str, clusters_csv: str) -> None:
    import pandas as pd

    df = pd.read_csv(records_csv, dtype=str, keep_default_na=False, encoding="utf-8")
    t0 = time.perf_counter()
    if tool == "omnilink":
        import omnilink

        m = omnilink.resolve(df).memberships
        out = pd.DataFrame({"record_id": m["record_id"].to_pylist(),
                            "cluster_id": m["customer_id"].to_pylist()})
    else:
        import logging

        import peer_splink
        import prep

        logging.getLogger("splink").setLevel(logging.WARNING)
        out, _, _ = peer_splink.link(prep.prepare(df))
    wall = time.perf_counter() - t0
    out.to_csv(clusters_csv, index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "peak_mib": peak}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records_csv")
    ap.add_argument("truth_csv", nargs="?")
    ap.add_argument("--tools", default="omnilink,splink")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.records_csv, a.out)
    import peers

    truth = peers.read_truth(a.truth_csv)
    print(f"{'tool':10} {'wall s':>8} {'peak MiB':>9} {'precision':>9} {'recall':>7} {'F1':>7}")
    with tempfile.TemporaryDirectory() as d:
        for tool in a.tools.split(","):
            out = os.path.join(d, tool + ".csv")
            r = subprocess.run([sys.executable, __file__, a.records_csv, "--child", tool,
                                "--out", out], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{tool:10} failed: {r.stderr.strip().splitlines()[-1:]}")
                continue
            run = json.loads(r.stdout.strip().splitlines()[-1])
            s = peers.score(truth, peers.read_clusters(out))
            print(f"{tool:10} {run['wall_s']:8.2f} {run['peak_mib']:9.0f} "
                  f"{s['precision']:9.4f} {s['recall']:7.4f} {s['f1']:7.4f}")


if __name__ == "__main__":
    main()
