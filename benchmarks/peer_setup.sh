#!/usr/bin/env bash
# Make (or bring up to date) .venv-peer, the virtualenv of benchmarks/peer.py: our pinned
# requirements (requirements/base.txt), the peer plugin and its dependencies pinned in
# requirements/peer.txt, and this package (editable, into .venv-peer only).
#   bash benchmarks/peer_setup.sh          (or: make benchmark-peer-setup)
# It needs the package index (the peer and its dependencies are downloaded). It never touches
# .venv: the peer's dependencies (edx-ace, celery beat, completion aggregator...) stay out of
# the project's environment. PYTHON=python3.x picks the interpreter of a new .venv-peer
# (default: the first of python3.11, python3.12, python3.13, python3 that is at least 3.11).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-peer"

pick_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        echo "$PYTHON"
        return
    fi
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    echo "peer_setup.sh: no Python 3.11 or newer found (set PYTHON=...)" >&2
    exit 1
}

cd "$ROOT"
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    python="$(pick_python)"
    echo "creating .venv-peer with $("$python" -V 2>&1)"
    "$python" -m venv "$VENV"
fi
echo "installing requirements/base.txt and requirements/peer.txt into .venv-peer"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r requirements/base.txt -r requirements/peer.txt
# setuptools' build of an editable install warns at length about the template folders: kept out of
# sight unless the install fails.
log="$(mktemp)"
if ! "$VENV/bin/python" -m pip install --quiet --no-deps -e "$ROOT" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
"$VENV/bin/python" -c 'import learning_credentials, credentials_plugin' && echo ".venv-peer is ready: make benchmark-peer"
