#!/usr/bin/env bash
# Regenerate BENCHMARKS.md: omnilink and its peers (Splink, recordlinkage) on the same files.
#
#   bash benches/peers/report.sh [--sizes 20000,100000,200000,1000000] [--time-limit-min 45]
#                                [--mem-limit-gb 16] [--repeat 3] [--out BENCHMARKS.md] [...]
#
# Builds omnilink (release), generates each data set, runs omnilink's CLI and benchmark example
# and the peers (through run.sh, niced, one at a time, cached by input, versions and config),
# and writes the whole of BENCHMARKS.md. `--help` lists every option.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
exec python3 "$here/report.py" "$@"
