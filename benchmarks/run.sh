#!/usr/bin/env bash
# Run a benchmark with the project's virtualenv:
#   bash benchmarks/run.sh [issuance] [--learners 10000] [--show-queries]   (the default benchmark)
#   bash benchmarks/run.sh public_page [--rows 1000000] [--profile]
#   bash benchmarks/run.sh staff_scale [--rows 100000] [--profile]
#   bash benchmarks/run.sh programs [--learners 10000]
#   bash benchmarks/run.sh credentials [--certificates 300]
#   bash benchmarks/run.sh record_page [--rounds 300]
#   bash benchmarks/run.sh preview_card [--rounds 1000]
#   bash benchmarks/run.sh peer [--learners 300] [--db file|memory|both] [--profile]   (in .venv-peer: make benchmark-peer-setup)
# The first argument names the benchmark (benchmarks/<name>.py) unless it starts with "-".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=issuance
if [[ $# -gt 0 && "$1" != -* ]]; then
    NAME="$1"
    shift
fi
if [[ "$NAME" == peer ]]; then
    # The peer plugin and its dependencies live in a virtualenv of their own, never in .venv.
    PYTHON="${PYTHON:-$ROOT/.venv-peer/bin/python}"
    if [[ ! -x "$PYTHON" ]]; then
        echo "run.sh: peer not installed ($PYTHON is missing): run make benchmark-peer-setup" >&2
        exit 3
    fi
fi
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
if [[ "$NAME" == */* || "$NAME" == urls || "$NAME" == peer_settings || "$NAME" == peer_urls || ! -f "$ROOT/benchmarks/$NAME.py" ]]; then
    echo "run.sh: unknown benchmark '$NAME' (available: issuance, programs, public_page, staff_scale, credentials, record_page, preview_card, peer)" >&2
    exit 2
fi
cd "$ROOT"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" "benchmarks/$NAME.py" "$@"
