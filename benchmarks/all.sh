#!/usr/bin/env bash
# `make benchmark`: every row of issue #15 in one go, in about two minutes. Issuance (both SQLite
# modes), verifiable credentials (both modes), then the peer plugin when .venv-peer exists (it is
# made once with `make benchmark-peer-setup`, which needs the package index; without it the row is
# skipped with a note). Exits with the worst status of the benchmarks that ran.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
worst=0
for name in issuance credentials peer; do
    if [[ "$name" == peer && ! -x "$ROOT/.venv-peer/bin/python" ]]; then
        echo "benchmark: the peer row is skipped: .venv-peer is missing (make benchmark-peer-setup, once, online)."
        continue
    fi
    echo "=== benchmarks/run.sh $name ==="
    bash "$ROOT/benchmarks/run.sh" "$name"
    status=$?
    (( status > worst )) && worst=$status
done
exit "$worst"
