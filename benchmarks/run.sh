#!/usr/bin/env bash
# Run the issuance benchmark with the project's virtualenv: bash benchmarks/run.sh [--learners 10000] [--show-queries]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" benchmarks/issuance.py "$@"
