#!/usr/bin/env bash
# Run peer record-linkage tools on an omnilink benchmark data set and score them.
#
#   bash benches/peers/run.sh DATA_DIR [--tools splink,recordlinkage] [--out results.json] [...]
#
# Creates benches/peers/.venv on first use (and again whenever requirements.txt changes),
# installs the pinned peers from PyPI, then hands every argument to peers.py.
# PYTHON selects the interpreter for the environment (default python3; Splink needs >= 3.10).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    echo
    echo "peers.py options:"
    echo "  --tools LIST            comma-separated: splink, recordlinkage (default both)"
    echo "  --out FILE              write the results as JSON"
    echo "  --work-dir DIR          per-tool clusters, metadata, logs (default benches/peers/.work)"
    echo "  --timeout S             kill a tool after S seconds (default 3600)"
    echo "  --sweep                 also score a range of thresholds (optimistic reference)"
    echo "  --null-frequent N       null identifier values held by > N records (default off)"
    echo "  --splink-threshold P    match probability for clustering (default 0.95)"
    echo "  --splink-max-pairs N    pairs sampled to estimate u (default 1e7)"
    echo "  --rl-classifier ecm|sum recordlinkage classifier (default ecm)"
    echo "  --rl-min-sum X          with sum: features that must agree (default 4)"
}

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
    usage
    [[ $# -lt 1 ]] && exit 2 || exit 0
fi
if [[ ! -d "$1" ]]; then
    echo "run.sh: not a directory: $1" >&2
    exit 2
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "run.sh: $python is missing or older than 3.10; set PYTHON to a newer interpreter" >&2
    exit 2
fi

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "run.sh: setting up $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi

exec "$venv/bin/python" "$here/peers.py" "$@"
