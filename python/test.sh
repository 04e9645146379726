#!/usr/bin/env bash
# The Python package's tests: builds the package into a virtual environment (created on first
# use) and runs pytest. OMNILINK_VENV chooses the environment's directory.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${OMNILINK_VENV:-target/python-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet pytest pandas polars pyarrow
# Builds the extension with maturin (fetched into pip's isolated build environment).
"$venv/bin/pip" install --quiet --force-reinstall --no-deps ./python
"$venv/bin/pytest" -q python/tests
