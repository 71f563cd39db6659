#!/usr/bin/env bash
# `make demo`: set up the environment, seed a fresh demo database through real
# openedx-events, and serve the demo LMS host on http://127.0.0.1:8000 (this machine only).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
PYTHON="$ROOT/.venv/bin/python"

if [ -f scripts/bootstrap.sh ]; then
    # Only what the demo needs: the virtualenv and the package, no MariaDB, Redis or Chromium.
    bash scripts/bootstrap.sh --demo
else
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "demo: Python 3.11 or later is needed as python3." >&2
        exit 1
    fi
    if [ ! -x "$PYTHON" ]; then
        # Debian's python3 makes virtualenvs only with the python3-venv package.
        if ! python3 -c 'import ensurepip' 2>/dev/null; then
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                apt-get update -qq && apt-get install -y -qq python3-venv
            else
                echo "demo: python3 cannot create virtualenvs; install python3-venv first." >&2
                exit 1
            fi
        fi
        python3 -m venv .venv
    fi
    "$PYTHON" -m pip install --quiet --upgrade pip
    "$PYTHON" -m pip install --quiet -e .
fi

export DJANGO_SETTINGS_MODULE=demo.settings
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# The key first (it needs no database), so no command warns that nothing signs credentials.
if [ ! -f demo/signing-keys.json ]; then
    echo "demo: creating the demo's credential signing key, demo/signing-keys.json"
    "$PYTHON" -m django signing_keys --skip-checks create
fi
echo "demo: creating a fresh database, demo/db.sqlite3 (and demo/media/, the branding images seed_demo draws)"
rm -rf demo/db.sqlite3 demo/media demo/emails
"$PYTHON" -m django migrate --noinput --verbosity 0
echo "demo: no edx-platform here: the plugin's standalone backend keeps what the events report"
"$PYTHON" -m django seed_demo

cat <<'MSG'

demo: serving on http://127.0.0.1:8000 (Ctrl-C stops it)
  start here: http://127.0.0.1:8000/  (what to look at, with the sign-ins)
MSG
exec "$PYTHON" -m django runserver 127.0.0.1:8000
