"""The Python package against the command line on the same data: wall time and peak memory of
`omnilink.resolve` on a pyarrow Table versus `omnilink resolve` on the same CSV (interleaved
runs, medians), and `omnilink.normalize("phone", ...)` throughput on 1M values.

    python benches/python/bench.py RECORDS.csv [--runs 3] [--bin target/release/omnilink]

Needs the package installed (`pip install ./python`) and the command line built.
"""
import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time


def child(path: str) -> None:
    """One timed resolve in a fresh process (peak memory is the process's)."""
    import resource

    import pyarrow as pa
    import pyarrow.csv as pa_csv

    import omnilink

    names = open(path, encoding="utf-8").readline().strip().split(",")
    table = pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.large_string() for n in names}, strings_can_be_null=False
        ),
    )
    t0 = time.perf_counter()
    res = omnilink.resolve(table)
    res.memberships, res.customers
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{wall:.3f} {rss:.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("records")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/omnilink")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.records)
    cli_t, cli_m, py_t, py_m = [], [], [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(a.runs):
            t0 = time.perf_counter()
            r = subprocess.run(
                ["/usr/bin/time", "-f", "%M", a.bin, "resolve", a.records, "-o", out, "-q"],
                capture_output=True, text=True, check=True,
            )
            cli_t.append(time.perf_counter() - t0)
            cli_m.append(int(r.stderr.strip().splitlines()[-1]) / 1024)
            r = subprocess.run(
                [sys.executable, __file__, a.records, "--child"],
                capture_output=True, text=True, check=True,
            )
            w, m = r.stdout.split()
            py_t.append(float(w))
            py_m.append(float(m))
    med = statistics.median
    print(f"command line   : wall {med(cli_t):.2f} s (runs {', '.join(f'{x:.2f}' for x in cli_t)}), peak {max(cli_m):.0f} MiB")
    print(f"omnilink.resolve: wall {med(py_t):.2f} s (runs {', '.join(f'{x:.2f}' for x in py_t)}), peak {max(py_m):.0f} MiB (process, pyarrow and the input table included)")
    print(f"ratio          : time {med(py_t) / med(cli_t):.2f}x, memory {max(py_m) / max(cli_m):.2f}x")

    import pyarrow as pa

    import omnilink

    random.seed(1)
    values = pa.array(
        [f"8 (9{random.randint(10, 99)}) {random.randint(100, 999)}-{random.randint(10, 99)}-{random.randint(10, 99)}" for _ in range(1_000_000)]
    )
    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        omnilink.normalize("phone", values, region="RU")
        rates.append(1e6 / (time.perf_counter() - t0))
    print(f"normalize phone: median {med(rates) / 1e6:.2f}M values/s (runs {', '.join(f'{x / 1e6:.2f}' for x in rates)})")


if __name__ == "__main__":
    main()
