#!/usr/bin/env bash
# Run a benchmark with the project's virtualenv:
#   bash benchmarks/run.sh [issuance] [--learners 10000] [--show-queries]   (the default benchmark)
#   bash benchmarks/run.sh public_page [--rows 1000000] [--profile]
#   bash benchmarks/run.sh staff_scale [--rows 100000] [--profile]
#   bash benchmarks/run.sh programs [--learners 10000]
#   bash benchmarks/run.sh credentials [--certificates 300]
#   bash benchmarks/run.sh record_page [--rounds 300]
#   bash benchmarks/run.sh preview_card [--rounds 1000]
# The first argument names the benchmark (benchmarks/<name>.py) unless it starts with "-".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
NAME=issuance
if [[ $# -gt 0 && "$1" != -* ]]; then
    NAME="$1"
    shift
fi
if [[ "$NAME" == */* || "$NAME" == urls || ! -f "$ROOT/benchmarks/$NAME.py" ]]; then
    echo "run.sh: unknown benchmark '$NAME' (available: issuance, programs, public_page, staff_scale, credentials, record_page, preview_card)" >&2
    exit 2
fi
cd "$ROOT"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" "benchmarks/$NAME.py" "$@"
